"""Resident pages: get help, book an appointment, register for a workshop, calendars.

Forms work without JavaScript; pages holding a form are never served from the page cache.
Private links (a token in the address) let a resident without an account see, move or
cancel what they booked.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from relais.core import ratelimit
from relais.core.forms import add_refusal
from relais.core.pagecache import public_page
from relais.directory.models import Place
from relais.mediation import ics, selectors
from relais.mediation.exceptions import AlreadyRegistered, RegistrationClosed, SlotTaken
from relais.mediation.forms import BookingForm, CodeForm, RegistrationForm
from relais.mediation.models import (
    Appointment,
    AppointmentType,
    BookingCode,
    CalendarToken,
    DropIn,
    Registration,
    Workshop,
)
from relais.mediation.services import appointments, calendar, workshops


@require_GET
@public_page
def help_page(request):
    """ "Get help": the next drop-in sessions in plain French, appointments, workshops.

    The page is the same for every visitor: its content is kept rendered (public_cache in
    the template) under the public-content version and the seats of the workshops shown, so
    the sessions and places are worked out only when that rendering is not kept."""
    workshops = selectors.workshops_with_free_seats(limit=3)
    return render(
        request,
        "mediation/help.html",
        {
            "by_place": SimpleLazyObject(lambda: selectors.sessions_by_place(days=14)),
            "workshops": workshops,
            "seats": selectors.seats_key(workshops),
            "booking_places": SimpleLazyObject(selectors.places_with_appointments),
        },
    )


# ---------------------------------------------------------------- appointments


@require_GET
def book_start(request):
    """Choose where: each place taking appointments, with its next free slots."""
    places = list(selectors.places_with_appointments())
    slots = selectors.free_slots(dropins=DropIn.objects.with_advisors())
    first_slots = {}
    for slot in slots:
        first_slots.setdefault(slot.dropin.place_id, [])
        if len(first_slots[slot.dropin.place_id]) < 3:
            first_slots[slot.dropin.place_id].append(slot)
    rows = [(place, first_slots.get(place.pk, [])) for place in places]
    return render(request, "mediation/book_start.html", {"rows": rows, "types": selectors.types_published()})


@require_GET
def book_type(request, slug):
    """An appointment type (État civil's identity cards…): what to bring, then the free
    slots of its openings, place by place (one place with ?lieu=)."""
    kind = get_object_or_404(AppointmentType.objects.published().select_related("team", "procedure"), slug=slug)
    openings = DropIn.objects.filter(appointment_type=kind)
    place_slug = request.GET.get("lieu", "")
    places = list(Place.objects.published().filter(dropins__in=openings.bookable()).distinct().order_by("nom"))
    if place_slug:
        openings = openings.filter(place__slug=place_slug)
    slots = selectors.free_slots(dropins=openings)
    by_place: dict = {}
    for slot in slots:
        by_place.setdefault(slot.dropin.place, []).append(slot)
    rows = [(place, selectors.slots_by_day(by_place.get(place, []))) for place in places if place in by_place]
    return render(
        request,
        "mediation/book_type.html",
        {"kind": kind, "rows": rows, "places": places, "place_slug": place_slug},
    )


@require_GET
def book_place(request, slug):
    """Choose when: the free slots of the next four weeks at one place, day by day."""
    place = get_object_or_404(Place.objects.published(), slug=slug)
    slots = selectors.free_slots(dropins=DropIn.objects.with_advisors().filter(place=place))
    return render(request, "mediation/book_place.html", {"place": place, "days": selectors.slots_by_day(slots)})


def _slot_or_404(dropin_id, key):
    # An opening of a type kept for the agents (not bookable online) is not offered here.
    dropins = DropIn.objects.bookable().exclude(appointment_type__published=False)
    dropin = get_object_or_404(dropins.select_related("place", "appointment_type"), pk=dropin_id)
    starts_at = selectors.parse_slot_key(key)
    if starts_at is None:
        raise Http404
    return dropin, starts_at


def _per_hour() -> int:
    """Online bookings and registrations allowed per address and hour (0: no limit, e.g. for
    the rush benchmark); 30 by default because a library's visitors share one address."""
    return settings.RELAIS["MEDIATION_BOOKINGS_PER_IP_HOUR"]


def _too_many(request, form, kind: str) -> bool:
    """Over the hourly limit of this address: say so beside the form (values kept)."""
    if ratelimit.hit(f"mediation:{kind}", ratelimit.visitor(request), limit=_per_hour(), window=3600):
        return False
    form.add_error(
        None,
        _(
            "Trop de demandes sont parties de cette connexion dans l'heure. Réessayez plus tard, "
            "ou appelez la mairie au %(phone)s : un agent s'en occupe avec vous."
        )
        % {"phone": settings.RELAIS["TOWN_PHONE"]},
    )
    return True


def _slots_page(dropin) -> str:
    """Where to choose another slot: the type's page, or the place's."""
    if dropin.appointment_type_id:
        return dropin.appointment_type.get_absolute_url()
    return reverse("mediation:book_place", args=[dropin.place.slug])


def book(request, dropin_id, key):
    """Who and how to reach you, then the booking (the slot is checked once, by the
    service, under its lock, when the form is sent). For a type asking for it, a code is
    sent first, and the slot is booked once it is typed (`book_code`)."""
    dropin, starts_at = _slot_or_404(dropin_id, key)
    kind = dropin.appointment_type
    form = BookingForm(request.POST or None, user=request.user)
    context = {"form": form, "dropin": dropin, "starts_at": starts_at, "kind": kind, "slots_url": _slots_page(dropin)}
    if request.method == "POST" and form.is_valid():
        if _too_many(request, form, "booking"):
            return render(request, "mediation/book.html", context, status=429)
        if kind is not None and kind.confirm_by_code:
            try:
                hold = appointments.appointment_code_send(
                    dropin=dropin, starts_at=starts_at, user=request.user, contact=form.contact(),
                    topic=form.cleaned_data["topic"], submission_key=form.cleaned_data["submission_key"],
                    request=request,
                )  # fmt: skip
            except SlotTaken:
                messages.error(
                    request, _("Désolé, ce créneau vient d'être réservé par quelqu'un d'autre. Choisissez-en un autre.")
                )
                return redirect(_slots_page(dropin))
            except ValidationError as error:
                add_refusal(form, error)
            else:
                return redirect(hold)
        else:
            try:
                appointment = appointments.appointment_book_online(
                    dropin=dropin,
                    starts_at=starts_at,
                    user=request.user,
                    contact=form.contact(),
                    topic=form.cleaned_data["topic"],
                    submission_key=form.cleaned_data["submission_key"],
                    request=request,
                )
            except SlotTaken:
                messages.error(
                    request, _("Désolé, ce créneau vient d'être réservé par quelqu'un d'autre. Choisissez-en un autre.")
                )
                return redirect(_slots_page(dropin))
            except ValidationError as error:
                add_refusal(form, error)
            else:
                return redirect("mediation:appointment_manage", token=appointment.token)
    slot = selectors.slot_for(dropin, starts_at)
    if slot is None:
        messages.error(request, _("Ce créneau n'est plus libre. Choisissez-en un autre."))
        return redirect(_slots_page(dropin))
    return render(request, "mediation/book.html", {**context, "slot": slot})


@never_cache
def book_code(request, token):
    """Type the code received: the slot is booked now, if still free."""
    hold = get_object_or_404(
        BookingCode.objects.select_related("dropin__place", "dropin__appointment_type"), token=token
    )
    if hold.appointment_id:
        return redirect("mediation:appointment_manage", token=hold.appointment.token)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if _too_many(request, form, "code"):
            status = 429
        else:
            try:
                appointment = appointments.appointment_code_confirm(
                    hold=hold, code=form.cleaned_data["code"], user=request.user, request=request
                )
            except SlotTaken:
                messages.error(
                    request, _("Désolé, ce créneau vient d'être réservé par quelqu'un d'autre. Choisissez-en un autre.")
                )
                return redirect(_slots_page(hold.dropin))
            except ValidationError as error:
                add_refusal(form, error)
            else:
                return redirect("mediation:appointment_manage", token=appointment.token)
    return render(
        request,
        "mediation/book_code.html",
        {"form": form, "hold": hold, "kind": hold.dropin.appointment_type, "slots_url": _slots_page(hold.dropin)},
        status=status,
    )


def _appointment_by_token(token) -> Appointment:
    return get_object_or_404(Appointment.objects.select_related("place", "dropin", "person"), token=token)


@never_cache
@require_GET
def appointment_manage(request, token):
    appointment = _appointment_by_token(token)
    return render(request, "mediation/appointment_manage.html", {"appointment": appointment})


@never_cache
def appointment_cancel(request, token):
    appointment = _appointment_by_token(token)
    if not appointment.can_be_changed_by_resident():
        return redirect("mediation:appointment_manage", token=token)
    if request.method == "POST":
        try:
            appointments.appointment_cancel(appointment=appointment, actor=request.user, request=request)
        except ValidationError as error:  # cancelled meanwhile (a second click) or just begun
            messages.info(request, " ".join(error.messages))
        else:
            messages.success(request, _("Votre rendez-vous est annulé. Merci de nous avoir prévenus."))
        return redirect("mediation:appointment_manage", token=token)
    return render(request, "mediation/appointment_cancel.html", {"appointment": appointment})


@never_cache
def appointment_move(request, token):
    """Another slot, at the same place by default, or at another place or of another type
    of the same team (?lieu=, ?type=): pick a time, confirm, and the old one is freed."""
    appointment = _appointment_by_token(token)
    if not appointment.can_be_changed_by_resident():
        return redirect("mediation:appointment_manage", token=token)
    choices = selectors.move_choices(appointment, request.GET.get("type", ""), request.GET.get("lieu", ""))
    slots = selectors.free_slots(dropins=choices["dropins"])
    chosen = None
    key = request.POST.get("slot") or request.GET.get("slot", "")
    if key:
        chosen = next((s for s in slots if f"{s.dropin.pk}-{s.key}" == key), None)
    if request.method == "POST":
        if chosen is None:
            messages.error(request, _("Ce créneau n'est plus libre. Choisissez-en un autre."))
            return redirect("mediation:appointment_move", token=token)
        try:
            new = appointments.appointment_move(
                appointment=appointment, dropin=chosen.dropin, starts_at=chosen.starts_at, actor=request.user,
                by_resident=True, request=request,
            )  # fmt: skip
        except SlotTaken:
            messages.error(request, _("Ce créneau vient d'être pris. Choisissez-en un autre."))
            return redirect("mediation:appointment_move", token=token)
        except ValidationError as error:  # moved or cancelled meanwhile (a second click)
            messages.info(request, " ".join(error.messages))
            appointment.refresh_from_db(fields=["rescheduled_to"])
            if appointment.rescheduled_to_id:
                return redirect("mediation:appointment_manage", token=appointment.rescheduled_to.token)
            return redirect("mediation:appointment_manage", token=token)
        messages.success(request, _("Votre rendez-vous est déplacé."))
        return redirect("mediation:appointment_manage", token=new.token)
    return render(
        request,
        "mediation/appointment_move.html",
        {"appointment": appointment, "days": selectors.slots_by_day(slots), "chosen": chosen, **choices},
    )


@never_cache
@require_GET
def appointment_ics(request, token):
    appointment = _appointment_by_token(token)
    return ics.response(ics.to_text(_("Rendez-vous"), [ics.appointment_event(appointment)]), "rendez-vous.ics")


# ---------------------------------------------------------------- workshops


@require_GET
def workshop_list(request):
    """Upcoming workshops, with free seats first shown. Not cached: seats change quickly."""
    found = selectors.workshops_public()
    return render(request, "mediation/workshops.html", {"workshops": found})


def workshop(request, slug):
    try:
        # A registration sent reads only what it needs (a page shown again reads the place then).
        item = selectors.workshop_public(slug, for_page=request.method != "POST")
    except Workshop.DoesNotExist:
        raise Http404 from None
    state = item.registration_state()
    form = RegistrationForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST" and form.is_valid() and _too_many(request, form, "registration"):
        status = 429
    elif request.method == "POST" and form.is_valid():
        try:
            registration = workshops.registration_create_online(
                workshop=item,
                user=request.user,
                contact=form.contact(),
                submission_key=form.cleaned_data["submission_key"],
                request=request,
            )
        except AlreadyRegistered as refused:
            existing = refused.existing
            if existing is not None and request.user.is_authenticated and existing.person.user_id == request.user.pk:
                messages.info(request, _("Vous êtes déjà inscrit(e) à cet atelier."))
                return redirect("mediation:registration_manage", token=existing.token)
            # Worded the same whoever holds the registration: nothing is told about anyone.
            return render(request, "mediation/workshop_already.html", {"workshop": item})
        except RegistrationClosed as refused:
            form.add_error(None, refused.message)
        except ValidationError as error:
            add_refusal(form, error)
        else:
            return redirect("mediation:registration_manage", token=registration.token)
    return render(request, "mediation/workshop.html", {"workshop": item, "form": form, "state": state}, status=status)


def _registration_by_token(token) -> Registration:
    registration = selectors.registration_by_token(token)
    if registration is None:
        raise Http404
    return registration


@never_cache
@require_GET
def registration_manage(request, token):
    registration = _registration_by_token(token)
    return render(
        request,
        "mediation/registration_manage.html",
        {"registration": registration, "position": registration.waitlist_position(), "workshop": registration.workshop},
    )


@never_cache
def registration_cancel(request, token):
    registration = _registration_by_token(token)
    if registration.status not in ("confirmed", "waitlisted"):
        return redirect("mediation:registration_manage", token=token)
    if request.method == "POST":
        try:
            workshops.registration_cancel(registration=registration, actor=request.user, request=request)
        except ValidationError as error:  # cancelled meanwhile (a second click)
            messages.info(request, " ".join(error.messages))
        else:
            messages.success(request, _("Votre inscription est annulée. Merci d'avoir libéré votre place."))
        return redirect("mediation:registration_manage", token=token)
    return render(request, "mediation/registration_cancel.html", {"registration": registration})


# ---------------------------------------------------------------- calendar feeds (no personal data)


@require_GET
def workshops_ics(request):
    events = [event for w in selectors.workshops_public() for event in ics.workshop_events(w)]
    return ics.response(ics.to_text(_("Ateliers numériques"), events), "ateliers.ics")


@require_GET
def workshop_ics(request, slug):
    try:
        item = selectors.workshop_public(slug)
    except Workshop.DoesNotExist:
        raise Http404 from None
    return ics.response(ics.to_text(item.title, ics.workshop_events(item)), "atelier.ics")


@require_GET
def place_ics(request, slug):
    """A place's drop-in sessions (cancelled ones marked so) and workshops, next 3 months."""
    place = get_object_or_404(Place.objects.published(), slug=slug)
    occs = selectors.occurrences(dropins=DropIn.objects.sessions().filter(place=place), days=92)
    events = [ics.occurrence_event(o) for o in occs]
    events += [e for w in selectors.workshops_public(place=place) for e in ics.workshop_events(w)]
    return ics.response(ics.to_text(place.nom, events), f"{place.slug}.ics")


@require_GET
def advisor_ics(request, token):
    """An agent's own calendar: appointments (initials and place only: an advisor's own, and
    those of the appointment types of the agent's teams), sessions, workshops.

    The secret address is the only key: keep it private; it can be renewed. It stops
    working when its owner is deactivated or no longer an agent of a team taking
    appointments, and each fetch is journaled with the people it shows.
    """
    feed_token = get_object_or_404(CalendarToken.objects.select_related("user"), token=token)
    if not feed_token.user.is_active or not selectors.is_appointment_agent(feed_token.user):
        raise Http404
    appointments, sessions, workshops_ = selectors.advisor_feed_items(feed_token.user)
    appointments = list(appointments)
    calendar.advisor_feed_fetched(token=feed_token, appointments=appointments, request=request)
    events = [ics.appointment_event(a, for_advisor=True) for a in appointments]
    events += [ics.occurrence_event(o) for o in sessions]
    events += [e for w in workshops_ for e in ics.workshop_events(w)]
    response = ics.response(ics.to_text(_("Mon agenda Relais"), events), "agenda.ics")
    response["Cache-Control"] = "private, no-store"
    return response
