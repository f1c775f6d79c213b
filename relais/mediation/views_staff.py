"""Staff screens (under /gestion/, so staff 2FA applies). Every query is scoped to the
user's teams; a missing object and another team's object both answer 404.

Mediation screens are for advisors and managers of teams of kind "mediation" only
(`mediation_required`); booking and registering for someone are also open to reception
agents of any team (`booking_required`), and finding or opening a person there follows the
rule of people:person_search (PEOPLE_ROLES). Every screen showing people journals them.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relais.accounts.models import Role
from relais.accounts.permissions import has_role, looks_people_up, requires, staff_person_or_404, staff_required
from relais.core import selectors as core_selectors
from relais.core.audit import audit_log, people_viewed
from relais.core.forms import add_refusal
from relais.core.http import id_param, safe_next
from relais.core.idempotency import already_created
from relais.core.models import Person, PersonErased
from relais.core.paging import paginate
from relais.core.pdf import large_print_asked
from relais.core.services import people_searched
from relais.mediation import choices as c
from relais.mediation import forms as f
from relais.mediation import selectors
from relais.mediation.exceptions import RegistrationRefused, SlotTaken
from relais.mediation.journal import Action
from relais.mediation.models import (
    Accompaniment,
    Appointment,
    AppointmentType,
    DropIn,
    Registration,
    SchoolHoliday,
    Workshop,
    WorkshopSession,
)
from relais.mediation.services import accompaniments, appointments, calendar, dropins, workshops

_requires = requires  # a staff view whose user passes a check of the mediation rules


mediation_required = _requires(selectors.is_mediation_staff)
booking_required = _requires(selectors.can_book)
# The appointment screens are also open to the agents of a team taking appointments.
appointments_required = _requires(selectors.handles_appointments)


def _mediation_manager(user) -> bool:
    return bool(selectors.mediation_team_ids(user, Role.MANAGER))


def _person_from_query(request, *, purpose: str) -> Person | None:
    """The person named by ?person= (or the form's hidden field), if the staff member may
    see them (journaled when the page shows them)."""
    pk = id_param(request.GET.get("person") or request.POST.get("person"))
    if pk is None:
        return None
    return staff_person_or_404(request, pk, purpose=purpose)


def _people_lookup(request):
    """A small person search for the booking screens (logged like the main search, and
    allowed to the same roles)."""
    if not looks_people_up(request.user):
        raise Http404
    form = f.PersonLookupForm(request.GET or None)
    results = None
    if form.is_valid() and form.cleaned_data["q"].strip():
        query = form.cleaned_data["q"].strip()
        results = list(core_selectors.people_matching(query)[:20])
        people_searched(actor=request.user, query=query, count=len(results), shown=results, request=request)
    return form, results


# ---------------------------------------------------------------- dashboard


@booking_required
def home(request):
    user = request.user
    now = timezone.now()
    context = {"is_mediation": selectors.is_mediation_staff(user), "can_look_up": looks_people_up(user)}
    if context["is_mediation"]:
        today_end = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time.max))
        mine = Appointment.objects.filter(team_id__in=selectors.mediation_team_ids(user))
        appointments = list(
            mine.active()
            .select_related("person", "place")
            .filter(
                starts_at__gte=now - datetime.timedelta(hours=2), starts_at__lte=today_end + datetime.timedelta(days=6)
            )
            .order_by("starts_at")
        )
        to_record = list(
            mine.active()
            .select_related("person")
            .filter(outcome=c.Outcome.UNKNOWN, starts_at__lt=now)
            .order_by("-starts_at")[:10]
        )
        people_viewed(
            actor=user,
            action=Action.APPOINTMENT_LIST_VIEWED,
            person_ids=[a.person_id for a in appointments + to_record],
            request=request,
        )
        context.update(
            {
                "appointments": appointments,
                "to_record": to_record,
                "sessions": selectors.occurrences(dropins=selectors.dropins_visible_to(user), days=7),
                "workshops": list(selectors.workshops_visible_to(user).upcoming().order_by("first_start")[:8]),
                "last": selectors.last_accompaniment(user),
                "presets": c.ACCOMPANIMENT_PRESETS,
            }
        )
    return render(request, "mediation/staff/home.html", context)


# ---------------------------------------------------------------- drop-in sessions


@mediation_required
def dropin_list(request):
    dropins = selectors.dropins_visible_to(request.user).order_by("place__nom", "start_time")
    return render(request, "mediation/staff/dropin_list.html", {"dropins": dropins})


def _dropin_or_404(user, pk) -> DropIn:
    return get_object_or_404(selectors.dropins_visible_to(user), pk=pk)


@mediation_required
def dropin_edit(request, pk=None):
    instance = _dropin_or_404(request.user, pk) if pk else DropIn(start_date=timezone.localdate())
    form = f.DropInForm(request.POST or None, instance=instance, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            dropin = dropins.dropin_save(dropin=form.save(commit=False), actor=request.user, request=request)
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("La permanence est enregistrée."))
            return redirect("mediation:staff_dropin", pk=dropin.pk)
    return render(request, "mediation/staff/dropin_form.html", {"form": form, "dropin": instance if pk else None})


@mediation_required
def dropin_detail(request, pk):
    dropin = _dropin_or_404(request.user, pk)
    occs = selectors.occurrences(dropins=DropIn.objects.filter(pk=dropin.pk), days=60)
    form = f.CancelDateForm(initial={"date": request.GET.get("date")})
    return render(request, "mediation/staff/dropin_detail.html", {"dropin": dropin, "occurrences": occs, "form": form})


@mediation_required
def dropin_cancel_date(request, pk):
    dropin = _dropin_or_404(request.user, pk)
    form = f.CancelDateForm(request.POST or None, initial={"date": request.GET.get("date")})
    if request.method == "POST" and form.is_valid():
        try:
            dropins.dropin_cancel_date(
                dropin=dropin, date=form.cleaned_data["date"], notice=form.cleaned_data["notice"],
                actor=request.user, request=request,
            )  # fmt: skip
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(
                request,
                _("La permanence de ce jour est annulée ; les personnes qui avaient rendez-vous sont prévenues."),
            )
            return redirect("mediation:staff_dropin", pk=dropin.pk)
    return render(request, "mediation/staff/dropin_cancel.html", {"dropin": dropin, "form": form})


@mediation_required
@require_POST
def dropin_restore_date(request, pk):
    dropin = _dropin_or_404(request.user, pk)
    try:
        day = datetime.date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        raise Http404 from None
    dropins.dropin_restore_date(dropin=dropin, date=day, actor=request.user, request=request)
    messages.success(request, _("La permanence de ce jour est rétablie."))
    return redirect("mediation:staff_dropin", pk=dropin.pk)


@mediation_required
def holidays(request):
    form = f.HolidayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        dropins.holiday_save(holiday=form.save(commit=False), actor=request.user, request=request)
        messages.success(request, _("Les vacances sont enregistrées."))
        return redirect("mediation:staff_holidays")
    return render(
        request,
        "mediation/staff/holidays.html",
        {
            "form": form,
            "holidays": SchoolHoliday.objects.order_by("start"),
            "can_delete": _mediation_manager(request.user),
        },
    )


@_requires(_mediation_manager)
@require_POST
def holiday_delete(request, pk):
    dropins.holiday_delete(holiday=get_object_or_404(SchoolHoliday, pk=pk), actor=request.user, request=request)
    return redirect("mediation:staff_holidays")


# ---------------------------------------------------------------- appointments


@appointments_required
def appointment_list(request):
    """Mediation staff: their teams' appointments. Reception: everyone's, to find one for a
    resident at the counter (time, place, person; never what it is for)."""
    form = f.AppointmentFilterForm(request.GET or None)
    qs = selectors.appointments_visible_to(request.user)
    day = form.cleaned_data.get("day") if form.is_valid() else None
    if day:
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        qs = qs.filter(starts_at__gte=start, starts_at__lt=start + datetime.timedelta(days=1))
    else:
        qs = qs.filter(starts_at__gte=timezone.now() - datetime.timedelta(days=1))
    page = paginate(request, qs.order_by("starts_at", "pk"), 50)
    people_viewed(
        actor=request.user, action=Action.APPOINTMENT_LIST_VIEWED, person_ids=[a.person_id for a in page],
        request=request,
    )  # fmt: skip
    return render(
        request,
        "mediation/staff/appointment_list.html",
        {"form": form, "page_obj": page, "is_mediation": selectors.is_mediation_staff(request.user)},
    )


def _appointment_or_404(user, pk) -> Appointment:
    return get_object_or_404(selectors.appointments_visible_to(user), pk=pk)


@appointments_required
def appointment_detail(request, pk):
    appointment = _appointment_or_404(request.user, pk)
    can_record = selectors.topic_visible_to(request.user, appointment)
    form = f.OutcomeForm(request.POST or None, initial={"outcome": appointment.outcome})
    if request.method == "POST" and can_record and form.is_valid():
        try:
            appointments.appointment_record_outcome(
                appointment=appointment, outcome=form.cleaned_data["outcome"], actor=request.user, request=request
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("La suite du rendez-vous est enregistrée."))
            return redirect(appointment)
    elif request.method == "GET":
        audit_log(
            actor=request.user, action=Action.APPOINTMENT_VIEWED, obj=appointment, person=appointment.person,
            request=request,
        )  # fmt: skip
    return render(
        request,
        "mediation/staff/appointment_detail.html",
        {
            "appointment": appointment,
            "form": form,
            "can_record": can_record,
            "show_topic": can_record,
            "cancel_form": f.StaffCancelForm(),
            "noshows": selectors.noshow_count(appointment.person),
            "is_mediation_team": appointment.team_id in selectors.mediation_team_ids(request.user),
        },
    )


@appointments_required
@require_POST
def appointment_cancel(request, pk):
    appointment = _appointment_or_404(request.user, pk)
    form = f.StaffCancelForm(request.POST)
    form.is_valid()
    try:
        # At the resident's request (reception) the appointment is "excused"; an advisor's
        # team cancelling its own appointment revokes it.
        by_service = selectors.topic_visible_to(request.user, appointment) and request.POST.get("by") == "service"
        appointments.appointment_cancel(
            appointment=appointment, actor=request.user, by_service=by_service,
            reason=form.cleaned_data.get("reason", ""), request=request,
        )  # fmt: skip
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Le rendez-vous est annulé ; la personne est prévenue."))
    return redirect("mediation:staff_appointment", pk=appointment.pk)


@appointments_required
def appointment_book(request):
    """Book for someone at the counter or on the phone: find the person, pick a slot."""
    person = _person_from_query(request, purpose=_("Prendre un rendez-vous pour la personne"))
    if person is None:
        form, results = _people_lookup(request)
        return render(
            request,
            "mediation/staff/pick_person.html",
            {"form": form, "results": results, "next_url": reverse("mediation:staff_appointment_book"),
             "title": _("Prendre un rendez-vous pour quelqu'un")},
        )  # fmt: skip
    place_slug = request.GET.get("lieu", "")
    type_key = request.GET.get("type", "")
    dropins = DropIn.objects.all()
    if not has_role(request.user, Role.RECEPTION):
        # An agent books for their own teams (État civil's counters); reception for any team.
        dropins = dropins.filter(team_id__in=selectors.appointment_team_ids(request.user))
    kinds = list(AppointmentType.objects.filter(openings__in=dropins.bookable()).distinct().order_by("title"))
    if place_slug:
        dropins = dropins.filter(place__slug=place_slug)
    if type_key:
        dropins = dropins.filter(appointment_type_id=id_param(type_key) or 0)
    slots = selectors.free_slots(dropins=dropins, online=False)[:200]
    form = f.SlotChoiceForm(request.POST or None, slots=slots)
    valid = request.method == "POST" and form.is_valid()
    if request.method == "POST":
        # The key is read after the free slots: a first click of the same form that took the
        # slot before they were read is found here, one that takes it later is found by
        # `create_once` once its lock is held.
        first = already_created(Appointment, request.POST.get("submission_key"))
        if first is not None and first.person_id == person.pk:  # the same form, sent twice
            return redirect("mediation:staff_appointment", pk=first.pk)
    if valid:
        slot = form.chosen()
        try:
            appointment = appointments.appointment_book(
                dropin=slot.dropin,
                starts_at=slot.starts_at,
                person=person,
                channel=form.cleaned_data["channel"],
                actor=request.user,
                topic=form.cleaned_data["topic"],
                submission_key=form.cleaned_data["submission_key"],
                request=request,
            )
        except SlotTaken:
            form.add_error("slot", _("Ce créneau vient d'être pris. Choisissez-en un autre."))
        except PersonErased as refused:
            form.add_error(None, refused)
        else:
            messages.success(
                request, _("Le rendez-vous est pris ; la confirmation part par le moyen de contact de la personne.")
            )
            return redirect("mediation:staff_appointment", pk=appointment.pk)
    return render(
        request,
        "mediation/staff/appointment_book.html",
        {
            "form": form,
            "person": person,
            "places": selectors.places_with_appointments(advisors_only=False),
            "place_slug": place_slug,
            "kinds": kinds,
            "type_key": type_key,
            "noshows": selectors.noshow_count(person),
        },  # fmt: skip
    )


# ---------------------------------------------------------------- workshops


@mediation_required
def workshop_list(request):
    # Newest first, by pages: ordering by first session would aggregate every workshop's sessions.
    workshops = selectors.workshops_visible_to(request.user).order_by("-pk")
    page = paginate(request, workshops, 30)
    return render(request, "mediation/staff/workshop_list.html", {"page_obj": page})


def _workshop_or_404(user, pk) -> Workshop:
    return get_object_or_404(selectors.workshops_visible_to(user), pk=pk)


@mediation_required
def workshop_edit(request, pk=None):
    instance = _workshop_or_404(request.user, pk) if pk else Workshop()
    form = f.WorkshopForm(request.POST or None, instance=instance, user=request.user)
    formset = f.SessionFormSet(request.POST or None, instance=instance, prefix="seances")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        sessions = formset.save(commit=False)
        try:
            with transaction.atomic():
                workshop = workshops.workshop_save(
                    workshop=form.save(commit=False),
                    sessions=sessions,
                    deleted_sessions=formset.deleted_objects,
                    actor=request.user,
                    request=request,
                )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("L'atelier est enregistré."))
            return redirect("mediation:staff_workshop", pk=workshop.pk)
    return render(
        request,
        "mediation/staff/workshop_form.html",
        {"form": form, "formset": formset, "workshop": instance if pk else None},
    )


@mediation_required
def workshop_detail(request, pk):
    workshop = _workshop_or_404(request.user, pk)
    registrations = list(selectors.registrations_of(workshop))
    people_viewed(
        actor=request.user,
        action=Action.REGISTRATION_LIST_VIEWED,
        obj=workshop,
        person_ids=[r.person_id for r in registrations],
        request=request,
    )
    return render(
        request,
        "mediation/staff/workshop_detail.html",
        {
            "workshop": workshop,
            "cancel_form": f.WorkshopCancelForm(),
            "seated": [r for r in registrations if r.holds_seat],
            "waiting": [r for r in registrations if r.status == c.RegistrationStatus.WAITLISTED],
            "cancelled": [r for r in registrations if r.status == c.RegistrationStatus.CANCELLED],
        },
    )


@booking_required
def workshop_register(request, pk):
    """Register someone (counter or phone): reception for any public workshop, advisors for theirs."""
    workshop = get_object_or_404(selectors.workshops_for_registering(request.user), pk=pk)
    person = _person_from_query(request, purpose=_("Inscrire la personne à un atelier"))
    if person is None:
        form, results = _people_lookup(request)
        return render(
            request,
            "mediation/staff/pick_person.html",
            {"form": form, "results": results, "next_url": reverse("mediation:staff_workshop_register", args=[pk]),
             "title": _("Inscrire quelqu'un à « %(title)s »") % {"title": workshop.title}},
        )  # fmt: skip
    form = f.StaffRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            registration = workshops.registration_create(
                workshop=workshop,
                person=person,
                channel=form.cleaned_data["channel"],
                actor=request.user,
                submission_key=form.cleaned_data["submission_key"],
                by_staff=True,
                request=request,
            )
        except RegistrationRefused as refused:
            form.add_error(None, refused.message)
        except PersonErased as refused:
            form.add_error(None, refused)
        else:
            if registration.status == c.RegistrationStatus.WAITLISTED:
                messages.info(
                    request,
                    _("L'atelier est complet : %(name)s est sur la liste d'attente, en position %(n)s.")
                    % {"name": person.display_name, "n": registration.waitlist_position()},
                )
            else:
                messages.success(
                    request,
                    person.agree(_("%(name)s est inscrit."), _("%(name)s est inscrite."), _("%(name)s est inscrit(e)."))
                    % {"name": person.display_name},
                )
            return redirect(person)
    return render(
        request, "mediation/staff/workshop_register.html", {"form": form, "workshop": workshop, "person": person}
    )


@mediation_required
def workshop_cancel(request, pk):
    """Cancel a whole workshop: everyone registered or waiting is told, every seat freed."""
    workshop = _workshop_or_404(request.user, pk)
    if workshop.cancelled_at:
        messages.info(request, _("Cet atelier est déjà annulé."))
        return redirect("mediation:staff_workshop", pk=workshop.pk)
    form = f.WorkshopCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            told = workshops.workshop_cancel(
                workshop=workshop, notice=form.cleaned_data["notice"], actor=request.user, request=request
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(
                request,
                _("L'atelier est annulé ; %(n)s personne(s) inscrite(s) ou en attente sont prévenue(s).")
                % {"n": len(told)},
            )
            return redirect("mediation:staff_workshop", pk=workshop.pk)
    return render(request, "mediation/staff/workshop_cancel.html", {"workshop": workshop, "form": form})


@booking_required
def workshop_pick(request):
    """For reception agents: the workshops someone can be registered for."""
    person = _person_from_query(request, purpose=_("Inscrire la personne à un atelier"))
    page = paginate(request, selectors.workshops_for_booking(), 30)
    return render(request, "mediation/staff/workshop_pick.html", {"page_obj": page, "person": person})


@booking_required
def registration_cancel(request, pk):
    """Unregister someone: a page says what will happen (the next person waiting gets the seat
    at once), and only its confirmation cancels."""
    registration = get_object_or_404(
        selectors.registrations_visible_to(request.user).select_related("person", "workshop"), pk=pk
    )
    back = registration.person.get_absolute_url() if registration.person else registration.workshop.get_staff_url()
    back = safe_next(request, request.POST.get("next") or request.GET.get("next"), back)
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            _reg, promoted = workshops.registration_cancel(
                registration=registration, actor=request.user, request=request
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            text = _("L'inscription est annulée.")
            if promoted:
                first = promoted[0].person
                text += " " + first.agree(
                    _("%(name)s, premier sur la liste d'attente, a la place et est prévenu."),
                    _("%(name)s, première sur la liste d'attente, a la place et est prévenue."),
                    _("%(name)s, premier(ère) sur la liste d'attente, a la place et est prévenu(e)."),
                ) % {"name": first.display_name}
            messages.success(request, text)
        return HttpResponseRedirect(back)
    if not registration.is_active:
        messages.error(request, _("Cette inscription ne peut plus être annulée."))
        return HttpResponseRedirect(back)
    next_waiting = selectors.next_waiting(registration.workshop) if registration.holds_seat else None
    shown = [r.person_id for r in (registration, next_waiting) if r is not None and r.person_id]
    people_viewed(
        actor=request.user, action=Action.REGISTRATION_VIEWED, obj=registration, person_ids=shown, request=request
    )
    given_to = ""
    if next_waiting is not None and next_waiting.person is not None:
        given_to = next_waiting.person.agree(
            _("La place est donnée tout de suite à %(name)s, premier sur la liste d'attente, qui est prévenu."),
            _("La place est donnée tout de suite à %(name)s, première sur la liste d'attente, qui est prévenue."),
            _("La place est donnée tout de suite à %(name)s, premier(ère) sur la liste d'attente, qui est prévenu(e)."),
        ) % {"name": next_waiting.person.display_name}
    elif next_waiting is not None:
        given_to = _("La place est donnée tout de suite à la personne suivante sur la liste d'attente.")
    return render(
        request,
        "mediation/staff/registration_cancel.html",
        {"registration": registration, "workshop": registration.workshop, "given_to": given_to, "back": back},
    )


@mediation_required
def attendance(request, pk, session_pk):
    """Who came: one checkbox per person, big enough for a phone."""
    workshop = _workshop_or_404(request.user, pk)
    session = get_object_or_404(WorkshopSession, pk=session_pk, workshop=workshop)
    registrations = list(workshop.registrations.seated().select_related("person").order_by("person__last_name"))
    present_ids = set(session.attendances.filter(present=True).values_list("registration_id", flat=True))
    form = f.AttendanceForm(request.POST or None, registrations=registrations, present_ids=present_ids)
    if request.method == "POST" and form.is_valid():
        try:
            result = workshops.attendance_record(
                session=session, present_ids=form.present_ids(), actor=request.user, request=request
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(
                request, _("Présences enregistrées : %(present)s présent(s), %(absent)s absent(s).") % result
            )
            return redirect("mediation:staff_workshop", pk=workshop.pk)
    if request.method == "GET":
        people_viewed(
            actor=request.user, action=Action.ATTENDANCE_VIEWED, obj=session,
            person_ids=[r.person_id for r in registrations], request=request,
        )  # fmt: skip
    return render(request, "mediation/staff/attendance.html", {"workshop": workshop, "session": session, "form": form})


@mediation_required
def certificate(request, pk, registration_pk):
    workshop = _workshop_or_404(request.user, pk)
    registration = get_object_or_404(
        Registration.objects.select_related("person"), pk=registration_pk, workshop=workshop
    )
    try:
        pdf = workshops.certificate_pdf(
            registration=registration, actor=request.user, request=request, large_print=large_print_asked(request)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("mediation:staff_workshop", pk=workshop.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="attestation-{registration.pk}.pdf"'
    return response


# ---------------------------------------------------------------- accompaniments


@mediation_required
def accompaniment_list(request):
    qs = selectors.accompaniments_visible_to(request.user)
    advisor_id = id_param(request.GET.get("conseiller"))
    if advisor_id is not None:
        qs = qs.filter(advisor_id=advisor_id)
    page = paginate(request, qs, 30)
    accompaniments.accompaniments_listed(actor=request.user, accompaniments=page, request=request)
    return render(
        request,
        "mediation/staff/accompaniment_list.html",
        {"page_obj": page, "is_manager": _mediation_manager(request.user)},
    )


@mediation_required
def accompaniment_create(request):
    user = request.user
    initial, links = selectors.accompaniment_defaults(
        user=user,
        from_last=request.GET.get("depuis", "") == "dernier",
        preset=request.GET.get("modele", ""),
        appointment_id=id_param(request.GET.get("rdv")),
        session_id=id_param(request.GET.get("seance")),
    )
    if links["person"] is None and links["session"] is None:
        links["person"] = _person_from_query(request, purpose=_("Noter un accompagnement"))
    elif request.method == "GET":
        # The form names the appointment's person, or lists the workshop's participants.
        shown = [links["person"].pk] if links["person"] else [p.pk for p in links["participants"] or []]
        people_viewed(actor=user, action=Action.ACCOMPANIMENT_FORM_VIEWED, person_ids=shown, request=request)
    form = f.AccompanimentForm(
        request.POST or None,
        initial=initial,
        user=request.user,
        person=links["person"],
        participant_choices=links["participants"],
    )
    if request.method == "POST" and form.is_valid():
        data = form.model_data()
        data.update(
            {"person": links["person"], "appointment": links["appointment"], "workshop_session": links["session"]}
        )
        try:
            accompaniments.accompaniment_create(
                advisor=request.user,
                team=form.cleaned_data["team"],
                data=data,
                participants=form.cleaned_data.get("participants") or [],
                submission_key=form.cleaned_data["submission_key"],
                request=request,
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("L'accompagnement est enregistré. Merci !"))
            if links["person"]:
                return redirect(links["person"])
            return redirect("mediation:staff_home")
    return render(
        request,
        "mediation/staff/accompaniment_form.html",
        {"form": form, "links": links, "presets": c.ACCOMPANIMENT_PRESETS, "creating": True},
    )


@mediation_required
def accompaniment_edit(request, pk):
    accompaniment = get_object_or_404(selectors.accompaniments_visible_to(request.user), pk=pk)
    participants = None
    if accompaniment.workshop_session_id:
        participants = Person.objects.filter(
            pk__in=accompaniment.workshop_session.workshop.registrations.values("person_id")
        ).order_by("last_name") | Person.objects.filter(collective_accompaniments=accompaniment)
        participants = participants.distinct()
    elif accompaniment.kind == c.AccompanimentKind.COLLECTIVE:
        participants = Person.objects.filter(collective_accompaniments=accompaniment)
    form = f.AccompanimentForm(
        request.POST or None,
        instance=accompaniment,
        user=request.user,
        person=accompaniment.person,
        participant_choices=participants,
        initial={"participants": list(accompaniment.participants.values_list("pk", flat=True))},
    )
    if request.method == "GET":
        shown = [accompaniment.person_id] + [p.pk for p in participants or []]
        accompaniments.accompaniment_shown(
            actor=request.user, accompaniment=accompaniment, person_ids=shown, request=request
        )
    if request.method == "POST" and form.is_valid():
        data = form.model_data()
        data["team"] = form.cleaned_data["team"]
        try:
            changed = accompaniments.accompaniment_update(
                accompaniment=Accompaniment.objects.get(pk=accompaniment.pk),
                data=data,
                participants=form.cleaned_data.get("participants") if "participants" in form.fields else None,
                actor=request.user,
                request=request,
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            if changed:
                messages.success(request, _("La correction est enregistrée."))
            return redirect("mediation:staff_accompaniments")
    return render(
        request,
        "mediation/staff/accompaniment_form.html",
        {
            "form": form,
            "links": {"person": accompaniment.person, "appointment": accompaniment.appointment,
                      "session": accompaniment.workshop_session},
            "accompaniment": accompaniment,
            "creating": False,
        },
    )  # fmt: skip


# ---------------------------------------------------------------- calendar and import


@_requires(selectors.is_appointment_agent)
def calendar_page(request):
    if request.method == "POST":
        token = calendar.calendar_token_renew(user=request.user, request=request)
        messages.success(request, _("Nouvelle adresse créée : l'ancienne ne fonctionne plus."))
        return redirect("mediation:staff_calendar")
    token = calendar.calendar_token_for(user=request.user)
    url = settings.SITE_URL + reverse("mediation:advisor_ics", args=[token.token])
    return render(request, "mediation/staff/calendar.html", {"url": url})


@staff_required(Role.ADMINISTRATOR)
def places_import(request):
    from relais.directory import importer

    form = f.PlacesImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            content = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            form.add_error("file", _("Le fichier doit être encodé en UTF-8."))
        else:
            fmt = "json" if upload.name.lower().endswith(".json") else "csv"
            report = importer.import_places(
                content,
                fmt=fmt,
                partial=form.cleaned_data["partial"],
                dry_run=form.cleaned_data["dry_run"],
                actor=request.user,
                request=request,
            )
    return render(request, "mediation/staff/places_import.html", {"form": form, "report": report})
