"""The person's rights (RGPD), staff side: access, rectification and erasure (rules in core.rights).

Who: a staff export is complete (the right is the resident's, and the town answers it
whole, every team's requests and messages included), so only administrators make one,
always with a reason: a reception agent, who sees only envelopes of other teams' messages,
passes a request made at the counter on to them. Rectification and erasure on request
are for administrators too. A resident with an account downloads their own data from
"Mon compte".
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from relais.accounts.models import Role
from relais.accounts.permissions import is_administrator, staff_required
from relais.core import rights, services
from relais.core.forms import add_refusal
from relais.core.http import download, id_param, post_data
from relais.core.models import Person
from relais.people.forms import DataExportForm, EraseForm, RectifyForm, RightsLookupForm

RIGHTS_ROLES = (Role.ADMINISTRATOR,)


def _rights_person_or_404(request, pk) -> Person:
    """An administrator answers a rights request for anyone; everyone else: 404."""
    person = get_object_or_404(Person.objects.active(), pk=id_param(pk))
    if not is_administrator(request.user):
        raise Http404
    return person


@staff_required(*RIGHTS_ROLES)
def rights_home(request):
    """Find the record a rights request is about, by its number."""
    form = RightsLookupForm(request.GET or None)
    if request.GET and form.is_valid():
        number = form.cleaned_data["number"]
        person = Person.objects.active().filter(pk=number).first()
        if person is not None and is_administrator(request.user):
            return redirect("people:person_rights", pk=number)
        form.add_error("number", _("Aucune fiche ne porte ce numéro."))
    return render(request, "people/rights/home.html", {"form": form}, status=400 if form.errors else 200)


@never_cache
@staff_required(*RIGHTS_ROLES)
def person_rights(request, pk):
    """The person's data rights: export (a reason is asked), and for administrators the
    links to rectify or erase."""
    person = _rights_person_or_404(request, pk)
    form = DataExportForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        body, content_type, filename = rights.person_data_export(
            person=person,
            actor=request.user,
            fmt=form.cleaned_data["format"],
            reason=form.cleaned_data["reason"],
            request=request,
        )
        return download(body, content_type, filename)
    if request.method == "GET":
        services.person_viewed(person=person, actor=request.user, request=request, reason="data rights page")
    context = {"person": person, "form": form, "is_admin": is_administrator(request.user)}
    return render(request, "people/rights/person.html", context, status=400 if form.errors else 200)


@staff_required(Role.ADMINISTRATOR)
def person_rectify(request, pk):
    person = _rights_person_or_404(request, pk)
    if person.is_erased:
        raise Http404
    form = RectifyForm(post_data(request), instance=person)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in RectifyForm.Meta.fields}
        fresh = Person.objects.get(pk=person.pk)
        try:
            changed = rights.person_rectify(
                person=fresh, actor=request.user, data=data, reason=form.cleaned_data["reason"], request=request
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            if changed:
                messages.success(request, _("Les corrections sont enregistrées."))
            else:
                messages.info(request, _("Rien n'a changé."))
            return redirect("people:person_rights", pk=person.pk)
    elif request.method == "GET":
        services.person_viewed(person=person, actor=request.user, request=request, reason="rectification form")
    return render(
        request, "people/rights/rectify.html", {"form": form, "person": person}, status=400 if form.errors else 200
    )


@staff_required(Role.ADMINISTRATOR)
def person_erase(request, pk):
    person = _rights_person_or_404(request, pk)
    if person.is_erased:
        messages.info(request, _("Cette fiche est déjà effacée."))
        return redirect("people:person_rights", pk=person.pk)
    plan = rights.erasure_plan(person)
    form = EraseForm(post_data(request), open_records=plan["open_records"])
    if request.method == "POST" and form.is_valid():
        try:
            rights.person_erase(
                person=person,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                close_open=bool(form.cleaned_data.get("close_open")),
                request=request,
            )
        except rights.StaffLoginErasureRefused:
            plan["staff_login"] = True
        except rights.ErasureRefused as refused:
            # Something started meanwhile (a booking made a second ago): show the new list.
            plan["open_records"] = refused.open_records
            form = EraseForm(post_data(request), open_records=refused.open_records)
            form.is_valid()
        else:
            messages.success(request, _("Les données de la personne sont effacées."))
            return redirect("people:person_rights", pk=person.pk)
    elif request.method == "GET":
        services.person_viewed(person=person, actor=request.user, request=request, reason="erasure form")
    context = {"person": person, "form": form, "staff_login_message": rights.staff_login_message(), **plan}
    refused = form.errors or (request.method == "POST" and plan["staff_login"])
    return render(request, "people/rights/erase.html", context, status=400 if refused else 200)
