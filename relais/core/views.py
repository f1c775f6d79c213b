import base64
import hashlib
import json
import re
from urllib.parse import unquote
from xml.sax.saxutils import escape

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpResponse, HttpResponseRedirect, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from relais.core import access, retention
from relais.core.extensions import resident_sections
from relais.core.forms import AccessCodeForm, AccessDetailForm
from relais.core.http import post_data, safe_next
from relais.core.models import AccessibilityStatement, Person


@require_GET
@never_cache
def healthz(request):
    """Liveness and database reachability for load balancers and monitoring."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_GET
def language(request, code):
    """Switch language from a plain link (no form, so public pages carry no CSRF token)."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    response = HttpResponseRedirect(safe_next(request, request.GET.get("next"), "/"))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


# ---------------------------------------------------------------- paper codes (see core.access)


@never_cache
def access_code(request):
    """Type the code of a letter or a receipt."""
    form = AccessCodeForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        if not access.visitor_may_look_up(request):
            form.add_error("code", _too_many_codes())
        elif access.find(code) is None:
            form.add_error("code", _unknown_code())
        else:
            return redirect("core:access_detail", code=code)
    return render(request, "core/access_code.html", {"form": form}, status=400 if form.errors else 200)


@never_cache
def access_detail(request, code):
    """The code is known: one question only the resident can answer, then their page."""
    if request.method == "GET" and not access.visitor_may_look_up(request):
        return _code_page(request, code, _too_many_codes(), status=429)
    found = access.find(code)
    if found is None:
        return _code_page(request, code, _unknown_code(), status=404)
    question = access.question_for(found.person)
    form = AccessDetailForm(post_data(request), question=question)
    if request.method == "POST" and form.is_valid():
        try:
            target = access.verify(access=found, answer=form.cleaned_data["answer"], request=request)
        except access.Refused as refused:
            form.add_error("answer", refused.message)
        else:
            if access.needs_account(target) and found.person.user_id is None:
                # A page read with a login (a mutual aid conversation): a resident without an
                # account would end on the login page, after answering. Say what to do instead.
                return render(request, "core/access_account_needed.html")
            return redirect(target)
    return render(
        request,
        "core/access_detail.html",
        {"form": form, "code": access.spaced(found.code)},
        status=400 if form.errors else 200,
    )


def _code_page(request, code: str, error: str, *, status: int):
    """The code page again, the code as it came and what is wrong with it beside it."""
    form = AccessCodeForm({"code": code[:40]})
    if form.is_valid():
        form.add_error("code", error)
    return render(request, "core/access_code.html", {"form": form}, status=status)


def _unknown_code() -> str:
    return _(
        "Nous ne trouvons pas ce code, ou il n'est plus valable. Vérifiez-le, ou appelez la mairie au %(phone)s."
    ) % {"phone": settings.RELAIS["TOWN_PHONE"]}


def _too_many_codes() -> str:
    return _(
        "Trop de codes ont été essayés depuis cette connexion. Réessayez dans une heure, "
        "ou appelez la mairie au %(phone)s."
    ) % {"phone": settings.RELAIS["TOWN_PHONE"]}


def bad_request(request, exception=None):
    """A request we cannot read (handler400: a NUL character, too many fields, a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE): a plain page in the town's layout, in the visitor's
    language, that says what to do; a machine's own error document under /open311/ and
    /api/ (a client library reads those, never an HTML page)."""
    if machine := _machine_bad_request(request.path):
        return machine
    with translation.override(translation.get_language_from_request(request)):
        return render(request, "core/bad_request.html", status=400)


def _machine_bad_request(path: str) -> HttpResponse | None:
    """The 400 of the machine protocols, built here (core imports no api): Open311's error
    list (JSON, or its XML for an address in .xml), or an RFC 9457 problem (JSON)."""
    with translation.override("fr"):
        detail = _("Requête illisible : caractère nul, trop de paramètres ou corps trop volumineux.")
        if path.startswith("/open311/"):
            if path.endswith(".xml"):
                body = (
                    "<?xml version='1.0' encoding='utf-8'?>\n<errors><error><code>400</code>"
                    f"<description>{escape(detail)}</description></error></errors>"
                )
                return HttpResponse(body, status=400, content_type="text/xml; charset=utf-8")
            body = json.dumps([{"code": 400, "description": detail}], ensure_ascii=False)
            return HttpResponse(body, status=400, content_type="application/json; charset=utf-8")
        if path.startswith("/api/"):
            body = {
                "type": "/api/v1/docs/#validation",
                "title": _("Requête illisible."),
                "status": 400,
                "detail": detail,
            }
            body = json.dumps(body, ensure_ascii=False)
            return HttpResponse(body, status=400, content_type="application/problem+json")
    return None


# Something shaped like a request's reference (2026-00123) or a paper code (4821 7730 9512)
# in an address that leads nowhere: a link copied wrong, or typed into the address bar.
_REFERENCE_IN_PATH = re.compile(r"(?<!\d)(20\d{2})[\s\-_.]?([\doO]{3,7})(?![\doO])")
_CODE_IN_PATH = re.compile(r"(?<!\d)(\d{4}[\s\-.]?\d{4}[\s\-.]?\d{4})(?!\d)")


def not_found_hint(path: str) -> dict:
    """What the visitor may have meant, from the address that was not found: a reference
    ({"reference": "2026-00123"}) or a paper code ({"code": "482177309512"}), else {}."""
    path = unquote(path or "")[:300]
    if code := _CODE_IN_PATH.search(path):
        return {"code": access.normalize(code[1])}
    if reference := _REFERENCE_IN_PATH.search(path):
        number = reference[2].translate(str.maketrans("oO", "00"))
        return {"reference": f"{reference[1]}-{int(number):05d}"}
    return {}


def page_not_found(request, exception=None):
    """handler404: the town's page, in the visitor's language, with a way back and a hint
    when the address holds a reference or a code typed wrong. Says nothing of what exists."""
    with translation.override(translation.get_language_from_request(request)):
        return render(
            request,
            "404.html",
            {"hint": not_found_hint(request.path), "staff_path": request.path.startswith("/gestion/")},
            status=404,
        )


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent without its security token (a page left open very
    long, cookies refused) gets the town's page, in the visitor's language, saying what to
    do — not Django's English "Forbidden"."""
    with translation.override(translation.get_language_from_request(request)):
        return render(request, "403.html", {"csrf": True}, status=403)


# The 500 page's only style, inline (the page needs no other file), allowed by its hash.
_ERROR_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:0;color:#1b1b1b;line-height:1.5}"
    "header{background:%(primary)s;color:#fff;padding:1rem}header p{margin:0}"
    "main{max-width:40rem;margin:0 auto;padding:1rem}a{color:%(primary)s}.town{font-weight:700;font-size:1.25rem}"
)


def server_error(request, *args, **kwargs):
    """handler500: a static page that needs neither the database nor the context
    processors (whatever broke may be one of them): the town's name and phone from the
    settings, and a way back."""
    from django.template import loader

    from relais.core.theme import theme_css

    primary = theme_css().split("--primary:")[1].split(";")[0]
    style = _ERROR_STYLE % {"primary": primary}
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    try:
        html = loader.get_template("500.html").render({"town": settings.RELAIS, "style": style})
    except Exception:  # noqa: BLE001 - the error page itself must never fail
        html = "<!DOCTYPE html><title>Erreur</title><h1>Une erreur est survenue</h1><p><a href='/'>Accueil</a></p>"
    response = HttpResponseServerError(html)
    response["Content-Security-Policy"] = f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'self'"
    return response


@require_GET
def accessibility(request):
    """The accessibility statement (RGAA model), as administrators filled it in."""
    return render(request, "core/accessibility.html", {"statement": AccessibilityStatement.current()})


def privacy(request):
    return render(request, "core/privacy.html", {"retention": retention.register_of_activities()})


@login_required
def account(request):
    person = Person.objects.active().filter(user=request.user).first()
    sections = resident_sections(person=person) if person else []
    return render(request, "core/account.html", {"person": person, "sections": sections})
