"""Staff screens about people: find, create, open, correct and merge a person's record,
the staff home, the audit journal and the register of processing activities.

The rules live in the kernel (core.services, core.selectors, core.retention); these views
only check the role (accounts), parse, call one service and render.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from relais.accounts.models import Role
from relais.accounts.permissions import PEOPLE_ROLES, has_role, looks_people_up, staff_person_or_404, staff_required
from relais.core import access, retention, selectors, services
from relais.core.audit import audit_log
from relais.core.extensions import find_by_reference, person_sections
from relais.core.forms import AccessibilityStatementForm
from relais.core.http import channel_to_preselect, id_param, post_data, remember_channel
from relais.core.journal import Action
from relais.core.models import AccessibilityStatement, Person
from relais.core.paging import paginate
from relais.core.pdf import render_pdf
from relais.people.forms import CounterPersonForm, JournalFilterForm, MergeForm, PersonForm, PersonSearchForm


@login_required
def after_login(request):
    if has_role(request.user):
        return redirect("people:staff_home")
    return redirect("core:account")


@staff_required()
def staff_home(request):
    return render(request, "people/staff_home.html")


@staff_required(*PEOPLE_ROLES)
def person_search(request):
    form = PersonSearchForm(request.GET or None)
    page = None
    query = ""
    if form.is_valid() and form.cleaned_data["q"].strip():
        query = form.cleaned_data["q"].strip()
        try:
            found = find_by_reference(user=request.user, query=query, request=request)
        except access.StaffLookupRefused as refusal:
            # A resident's paper code that opens nothing for this agent: why, beside the field.
            form.add_error("q", refusal.message)
            return render(request, "people/person_search.html", {"form": form, "page_obj": None, "query": query})
        if found:
            return redirect(found)  # a request's reference or a paper code: straight to it
        results = selectors.people_matching(query)
        page = paginate(request, results, 25)
        services.people_searched(
            actor=request.user, query=query, count=page.paginator.count, shown=list(page), request=request
        )
    return render(request, "people/person_search.html", {"form": form, "page_obj": page, "query": query})


@staff_required(*PEOPLE_ROLES)
def person_create(request):
    initial = {"commune": "", "preferred_channel": "letter"}
    # What was typed in the person search comes along (name, phone, e-mail, birth year).
    initial |= selectors.person_details_from_query(request.GET.get("q", "")[:200])
    channel = channel_to_preselect(
        request, (value for value, _label in CounterPersonForm.base_fields["channel"].choices)
    )
    if channel:
        initial["channel"] = channel
    form = CounterPersonForm(post_data(request), initial=initial)
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
            remember_channel(request, form.cleaned_data["channel"])
            messages.success(request, _("La fiche de %(name)s est créée.") % {"name": person.display_name})
            return redirect(person)
    return render(request, "people/person_form.html", {"form": form, "creating": True})


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
        "people/person_detail.html",
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
    return render(request, "people/person_form.html", {"form": form, "person": person})


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
    return render(request, "people/person_merge.html", {"form": form, "pair": [person, other]})


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
    page = paginate(request, events, 50)
    audit_log(
        actor=request.user,
        action=Action.JOURNAL_VIEWED,
        request=request,
        details={k: str(v) for k, v in (form.cleaned_data if form.is_valid() else {}).items() if v},
    )
    context = {"form": form, "page_obj": page, "last_verification": selectors.journal_last_verification()}
    return render(request, "people/audit_journal.html", context)


@staff_required(Role.ADMINISTRATOR)
def processing_register(request):
    """The register of processing activities, generated from the retention rules."""
    context = {"activities": retention.register_of_activities(), "town": settings.RELAIS}
    return render(request, "people/processing_register.html", context)


@staff_required(Role.ADMINISTRATOR)
def processing_register_pdf(request):
    context = {"activities": retention.register_of_activities()}
    response = HttpResponse(render_pdf("people/pdf/processing_register.html", context), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="registre-des-traitements.pdf"'
    return response


@staff_required(Role.ADMINISTRATOR)
def accessibility_statement_edit(request):
    """The accessibility statement (RGAA model) that residents read from every page's footer."""
    form = AccessibilityStatementForm(post_data(request), instance=AccessibilityStatement.current())
    if request.method == "POST" and form.is_valid():
        statement = services.accessibility_statement_save(form=form, actor=request.user, request=request)
        messages.success(
            request,
            _("La déclaration d'accessibilité est enregistrée : le site est déclaré %(state)s.")
            % {"state": statement.get_state_display()},
        )
        return redirect("people:accessibility_statement_edit")
    return render(
        request, "people/accessibility_statement_form.html", {"form": form}, status=400 if form.errors else 200
    )
