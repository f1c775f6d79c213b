from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from relais.core import access, retention
from relais.core.extensions import resident_sections
from relais.core.forms import AccessCodeForm, AccessDetailForm
from relais.core.http import post_data, safe_next
from relais.core.models import Person


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
    """A request we cannot read (handler400, and requests carrying a NUL character): a plain
    page in the town's layout, in the visitor's language, that says what to do."""
    with translation.override(translation.get_language_from_request(request)):
        return render(request, "core/bad_request.html", status=400)


def accessibility(request):
    return render(request, "core/accessibility.html")


def privacy(request):
    return render(request, "core/privacy.html", {"retention": retention.register_of_activities()})


@login_required
def account(request):
    person = Person.objects.active().filter(user=request.user).first()
    sections = resident_sections(person=person) if person else []
    return render(request, "core/account.html", {"person": person, "sections": sections})
