"""Staff screens for the appointments of any team (État civil, CCAS, Urbanisme, the digital
advisors): appointment types and their openings (places, opening rules, counters), the
day's list per place and counter (printable), and moving an appointment.

Types and openings are changed by the team's managers (and a mediation team's advisors);
another team's type or opening answers 404. The day's list shows the appointments the user
may see (`selectors.appointments_visible_to`), journaled person by person.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from relais.core.audit import audit_log, people_viewed
from relais.core.forms import add_refusal
from relais.mediation import forms as f
from relais.mediation import selectors
from relais.mediation.exceptions import SlotTaken
from relais.mediation.journal import Action
from relais.mediation.models import AppointmentType, DropIn
from relais.mediation.services import appointments, dropins, types
from relais.mediation.views_staff import _appointment_or_404, _requires, appointments_required

type_manager_required = _requires(lambda user: bool(selectors.type_manager_team_ids(user)))


def _type_or_404(user, pk) -> AppointmentType:
    return get_object_or_404(selectors.types_visible_to(user), pk=pk)


@type_manager_required
def type_list(request):
    kinds = selectors.types_visible_to(request.user).prefetch_related("openings__place").order_by("team__name", "title")
    return render(request, "mediation/staff/type_list.html", {"kinds": kinds})


@type_manager_required
def type_edit(request, pk=None):
    kind = _type_or_404(request.user, pk) if pk else AppointmentType()
    form = f.AppointmentTypeForm(request.POST or None, instance=kind, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            kind = types.type_save(kind=form.save(commit=False), actor=request.user, request=request)
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("Le type de rendez-vous est enregistré."))
            return redirect(kind.get_staff_url())
    return render(request, "mediation/staff/type_form.html", {"form": form, "kind": kind if pk else None})


@type_manager_required
def type_detail(request, pk):
    kind = _type_or_404(request.user, pk)
    openings = kind.openings.select_related("place").order_by("place__nom", "start_time")
    return render(request, "mediation/staff/type_detail.html", {"kind": kind, "openings": openings})


@type_manager_required
def opening_edit(request, pk, opening_pk=None):
    kind = _type_or_404(request.user, pk)
    opening = get_object_or_404(kind.openings.all(), pk=opening_pk) if opening_pk else None
    if opening is None:
        today = timezone.localdate()
        opening = DropIn(
            team_id=kind.team_id, appointment_type=kind, start_date=today, booking="appointment", title=kind.title[:120]
        )
    form = f.OpeningForm(request.POST or None, instance=opening)
    if request.method == "POST" and form.is_valid():
        try:
            types.opening_save(opening=form.save(commit=False), kind=kind, actor=request.user, request=request)
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("L'ouverture est enregistrée."))
            return redirect(kind.get_staff_url())
    return render(
        request,
        "mediation/staff/opening_form.html",
        {"form": form, "kind": kind, "opening": opening if opening_pk else None},
    )


@type_manager_required
def opening_close_date(request, pk, opening_pk):
    """Close an opening for one day (the counter is shut): its appointments that day are
    cancelled by the service and the people told, with the notice."""
    kind = _type_or_404(request.user, pk)
    opening = get_object_or_404(kind.openings.select_related("place"), pk=opening_pk)
    form = f.CancelDateForm(request.POST or None, initial={"date": request.GET.get("date")})
    if request.method == "POST" and form.is_valid():
        try:
            dropins.dropin_cancel_date(
                dropin=opening, date=form.cleaned_data["date"], notice=form.cleaned_data["notice"],
                actor=request.user, request=request,
            )  # fmt: skip
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("Ce jour est fermé ; les personnes qui avaient rendez-vous sont prévenues."))
            return redirect(kind.get_staff_url())
    return render(request, "mediation/staff/opening_close.html", {"kind": kind, "opening": opening, "form": form})


def _day_list_kind(appointment) -> str:
    """What the counter receives for: the type, else the digital advisor's drop-in."""
    if appointment.appointment_type_id:
        return appointment.appointment_type.title
    return appointment.dropin.title or _("Conseiller numérique")


@_requires(lambda user: bool(selectors.agent_team_ids(user)) or selectors.handles_appointments(user))
def day_list(request):
    """The day's appointments, place by place and counter by counter, to print for the
    counters (those the user may see: none for staff of a team taking no appointments)."""
    form = f.DayListForm(request.GET or None, user=request.user)
    day = timezone.localdate()
    place = kind = None
    if form.is_valid():
        day = form.cleaned_data.get("day") or day
        place, kind = form.cleaned_data.get("place"), form.cleaned_data.get("kind")
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    qs = selectors.appointments_visible_to(request.user).active()
    qs = qs.filter(starts_at__gte=start, starts_at__lt=start + datetime.timedelta(days=1))
    if place is not None:
        qs = qs.filter(place=place)
    if kind is not None:
        qs = qs.filter(appointment_type=kind)
    rows = list(qs.order_by("place__nom", "dropin_id", "counter", "starts_at", "pk"))
    # One list per counter of one opening: two types at one place both have a "guichet 1".
    groups: dict = {}
    for appointment in rows:
        groups.setdefault((appointment.place_id, appointment.dropin_id, appointment.counter), []).append(appointment)
    groups = {
        _("%(place)s – %(kind)s – guichet %(n)s")
        % {"place": items[0].place.nom, "kind": _day_list_kind(items[0]), "n": items[0].counter}: items
        for items in groups.values()
    }
    people_viewed(
        actor=request.user, action=Action.APPOINTMENT_DAY_LIST_VIEWED, person_ids=[a.person_id for a in rows],
        request=request, details={"day": day.isoformat()},
    )  # fmt: skip
    noshows = selectors.noshow_counts([a.person_id for a in rows])
    for appointment in rows:
        appointment.noshows = noshows.get(appointment.person_id, 0)
    return render(
        request,
        "mediation/staff/day_list.html",
        {"form": form, "day": day, "groups": list(groups.items()), "place": place, "kind": kind},
    )


@appointments_required
def appointment_move(request, pk):
    """Staff move an appointment (at the person's request) to another time, place or type
    of the same team; the person is told, as when they move it themselves."""
    appointment = _appointment_or_404(request.user, pk)
    if not appointment.can_be_changed_by_resident():
        messages.info(request, _("Ce rendez-vous ne peut plus être changé."))
        return redirect(appointment)
    choices = selectors.move_choices(
        appointment, request.GET.get("type", ""), request.GET.get("lieu", ""), team_ids=[appointment.team_id]
    )
    slots = selectors.free_slots(dropins=choices["dropins"], online=False)[:200]
    form = f.SlotChoiceForm(request.POST or None, slots=slots)
    del form.fields["channel"], form.fields["topic"]
    if request.method == "POST" and form.is_valid():
        slot = form.chosen()
        try:
            new = appointments.appointment_move(
                appointment=appointment, dropin=slot.dropin, starts_at=slot.starts_at, actor=request.user,
                request=request,
            )  # fmt: skip
        except SlotTaken:
            form.add_error("slot", _("Ce créneau vient d'être pris. Choisissez-en un autre."))
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("Le rendez-vous est déplacé ; la personne est prévenue."))
            return redirect(new)
    elif request.method == "GET":
        audit_log(
            actor=request.user, action=Action.APPOINTMENT_VIEWED, obj=appointment, person=appointment.person,
            request=request,
        )  # fmt: skip
    return render(
        request,
        "mediation/staff/appointment_move.html",
        {"appointment": appointment, "form": form, **choices},
    )
