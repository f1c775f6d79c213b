from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from relais.accounts.models import Role
from relais.accounts.permissions import PEOPLE_ROLES, has_role, looks_people_up, staff_person_or_404, staff_required
from relais.core import access, retention, selectors, services
from relais.core.audit import audit_log
from relais.core.extensions import person_sections, resident_sections
from relais.core.forms import (
    AccessCodeForm,
    AccessDetailForm,
    CounterPersonForm,
    JournalFilterForm,
    MergeForm,
    PersonForm,
    PersonSearchForm,
)
from relais.core.http import id_param, post_data, safe_next
from relais.core.journal import Action
from relais.core.models import Person
from relais.core.pdf import render_pdf


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
def after_login(request):
    if has_role(request.user):
        return redirect("core:staff_home")
    return redirect("core:account")


@login_required
def account(request):
    person = Person.objects.active().filter(user=request.user).first()
    sections = resident_sections(person=person) if person else []
    return render(request, "core/account.html", {"person": person, "sections": sections})


@staff_required()
def staff_home(request):
    return render(request, "core/staff_home.html")


@staff_required(*PEOPLE_ROLES)
def person_search(request):
    form = PersonSearchForm(request.GET or None)
    page = None
    query = ""
    if form.is_valid() and form.cleaned_data["q"].strip():
        query = form.cleaned_data["q"].strip()
        results = selectors.people_matching(query)
        page = Paginator(results, 25).get_page(request.GET.get("page"))
        services.people_searched(
            actor=request.user, query=query, count=page.paginator.count, shown=list(page), request=request
        )
    return render(request, "core/person_search.html", {"form": form, "page_obj": page, "query": query})


@staff_required(*PEOPLE_ROLES)
def person_create(request):
    form = CounterPersonForm(post_data(request), initial={"commune": "", "preferred_channel": "letter"})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("channel", "submission_key")}
        try:
            person = services.person_create(
                actor=request.user,
                data=data,
                channel=form.cleaned_data["channel"],
                submission_key=form.cleaned_data["submission_key"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("La fiche de %(name)s est créée.") % {"name": person.display_name})
            return redirect(person)
    return render(request, "core/person_form.html", {"form": form, "creating": True})


@staff_required()
def person_detail(request, pk):
    """A person's page: for the roles that look people up, or staff whose teams have a
    record with them (each section shows only what the viewer may see)."""
    merged = Person.objects.filter(pk=id_param(pk), merged_into__isnull=False).first()
    if merged is not None and looks_people_up(request.user):
        messages.info(request, _("Cette fiche a été fusionnée ; voici la fiche conservée."))
        return redirect(merged.merged_into)
    person = staff_person_or_404(request, pk, purpose="", journal=False)
    people_roles = looks_people_up(request.user)
    duplicates = list(selectors.possible_duplicates(person)) if people_roles else []
    services.person_viewed(person=person, actor=request.user, request=request, shown=duplicates)
    return render(
        request,
        "core/person_detail.html",
        {
            "person": person,
            "can_edit": people_roles and not person.is_erased,
            "can_rights": has_role(request.user, Role.ADMINISTRATOR),
            "duplicates": duplicates,
            "sections": person_sections(person=person, user=request.user),
        },
    )


@staff_required(*PEOPLE_ROLES)
def person_edit(request, pk):
    # An erased record stays a tombstone: nobody fills it in again.
    person = get_object_or_404(Person.objects.active(), pk=pk, erased_at__isnull=True)
    form = PersonForm(post_data(request), instance=person)
    if request.method == "POST" and form.is_valid():
        fresh = Person.objects.get(pk=pk)
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            changed = services.person_update(person=fresh, actor=request.user, data=data, request=request)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if changed:
                messages.success(request, _("Les modifications sont enregistrées."))
            return redirect(fresh)
    elif request.method == "GET":
        services.person_viewed(person=person, actor=request.user, request=request, reason="edit form")
    return render(request, "core/person_form.html", {"form": form, "person": person})


@staff_required(*PEOPLE_ROLES)
def person_merge(request, pk, other_pk):
    person = get_object_or_404(Person.objects.active(), pk=pk, erased_at__isnull=True)
    other = get_object_or_404(Person.objects.active(), pk=other_pk, erased_at__isnull=True)
    if person.pk == other.pk:
        return redirect(person)
    form = MergeForm(post_data(request), pair=[person, other], initial={"kept": person.pk})
    if request.method == "POST" and form.is_valid():
        kept = form.cleaned_data["kept"]
        duplicate = other if kept.pk == person.pk else person
        services.person_merge(duplicate=duplicate, kept=kept, actor=request.user, request=request)
        messages.success(request, _("Les deux fiches sont fusionnées."))
        return redirect(kept)
    for p in (person, other):
        services.person_viewed(person=p, actor=request.user, request=request, reason="merge comparison")
    return render(request, "core/person_merge.html", {"form": form, "pair": [person, other]})


@staff_required(Role.ADMINISTRATOR)
def audit_journal(request):
    form = JournalFilterForm(request.GET or None)
    events = selectors.journal()
    if form.is_valid():
        events = selectors.journal(
            person_id=form.cleaned_data["person"],
            actor_id=form.cleaned_data["actor"].pk if form.cleaned_data["actor"] else None,
            action=form.cleaned_data["action"],
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
        )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    audit_log(
        actor=request.user,
        action=Action.JOURNAL_VIEWED,
        request=request,
        details={k: str(v) for k, v in (form.cleaned_data if form.is_valid() else {}).items() if v},
    )
    context = {"form": form, "page_obj": page, "last_verification": selectors.journal_last_verification()}
    return render(request, "core/audit_journal.html", context)


@staff_required(Role.ADMINISTRATOR)
def processing_register(request):
    """The register of processing activities, generated from the retention rules."""
    context = {"activities": retention.register_of_activities(), "town": settings.RELAIS}
    return render(request, "core/processing_register.html", context)


@staff_required(Role.ADMINISTRATOR)
def processing_register_pdf(request):
    context = {"activities": retention.register_of_activities()}
    response = HttpResponse(render_pdf("core/pdf/processing_register.html", context), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="registre-des-traitements.pdf"'
    return response
