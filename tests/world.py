"""Records of teams that none of the demo's staff belongs to ("team B" of each kind), for
tests that check what staff of other teams may see (permission matrix, journal walk)."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.utils import timezone

from relais.accounts.models import Membership, Role, Team, TeamKind, User
from relais.cases import services as case_services
from relais.cases.models import Form, FormField
from relais.core.models import ContactChannel, Person
from relais.directory.models import Place
from relais.mandates.models import Mandate
from relais.mediation import choices as mc
from relais.mediation.models import (
    Accompaniment,
    Appointment,
    AppointmentType,
    DropIn,
    SchoolHoliday,
    Workshop,
    WorkshopSession,
)
from relais.mediation.services import appointments, workshops
from relais.mutualaid.models import Category, Kind, Neighbourhood, Report
from relais.mutualaid.services import conversations as conversation_services
from relais.mutualaid.services import listings as listing_services
from relais.mutualaid.services import moderation as moderation_services
from relais.notifications import services as outbox
from relais.notifications.models import Message, MessageStatus
from relais.stats import services as stats_services
from relais.stats.filters import Query, preset
from relais.stats.models import ShareLink
from tests.cases.conftest import pdf_file
from tests.conftest import make_member


@dataclass
class World:
    """Records of teams the home staff do not belong to."""

    person: Person
    other_person: Person
    case: object
    document: object
    message: Message
    letter: Message
    call: Message
    batch: object
    form: Form
    field: FormField
    mandate: Mandate
    dropin: DropIn
    workshop: Workshop
    session: WorkshopSession
    registration: object
    appointment: Appointment
    accompaniment: Accompaniment
    holiday: SchoolHoliday
    listing: object
    conversation: object
    report: Report
    neighbourhood: Neighbourhood
    team: Team
    user: User
    membership: Membership
    place: Place
    members: dict  # role -> the B team's staff member
    share_link: ShareLink
    appointment_type: object = None  # Service B's, with an opening of 2 counters
    opening: object = None
    application: object = None  # a partner application working Service B's cases, with a webhook
    webhook: object = None
    delivery: object = None


def _application_b(team, actor):
    """Service B's partner software: a key, a webhook, a failed delivery in its log."""
    from relais.api import services as api_services
    from relais.api.models import DeliveryStatus, Scope, WebhookDelivery, WebhookEndpoint

    application, _raw = api_services.application_create(
        name="Logiciel B", scopes=[Scope.CASES_READ], team=team, role=Role.CASE_WORKER, actor=None
    )
    webhook = WebhookEndpoint.objects.create(
        application=application, url="https://logiciel-b.example.org/relais", events=["case.filed"], secret="whsec_b"
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=webhook, event="case.filed", payload={"id": 0}, status=DeliveryStatus.FAILED, attempts=6
    )
    return application, webhook, delivery


def build_world() -> World:
    service = Team.objects.create(name="Service B", slug="service-b", kind=TeamKind.SERVICE)
    mediation = Team.objects.create(name="Médiation B", slug="mediation-b", kind=TeamKind.MEDIATION)
    board = Team.objects.create(name="Entraide B", slug="entraide-b", kind=TeamKind.MUTUAL_AID)
    worker = make_member("agent-b@valbrenne.fr", "service-b", Role.CASE_WORKER)
    advisor = make_member("conseiller-b@valbrenne.fr", "mediation-b", Role.ADVISOR)
    moderator = make_member("moderation-b@valbrenne.fr", "entraide-b", Role.MODERATOR)
    place = Place.objects.get(slug="relais-citoyen-nord")

    person = Person.objects.create(
        first_name="Béatrice",
        last_name="Bailleul",
        birth_year=1970,
        phone="0622334455",
        address="3 rue Haute",
        postal_code="37500",
        commune="Valbrenne",
        preferred_channel=ContactChannel.LETTER,
    )
    other = Person.objects.create(first_name="Bruno", last_name="Bailleul", phone="0622334466")

    form = Form.objects.create(slug="demarche-b", title="Démarche B", intro="Pour les tests.", team=service)
    field = FormField.objects.create(form=form, key="objet", label="Objet", required=False)
    Form.objects.filter(pk=form.pk).update(published=True)
    case = case_services.case_submit(form=form, person=person, answers={"objet": "x"}, channel="online")
    document = case_services.case_add_document(case=case, upload=pdf_file(), actor=worker)
    message = Message.objects.filter(related_type="cases.case", related_id=str(case.pk)).first()
    letter = outbox.notify(person=person, template="generic", context={"subject": "B", "text": "B"}, related=case)
    call = outbox.notify(
        person=other, template="generic", context={"subject": "B", "text": "B"}, related=case, channel="phone"
    )
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED)
    batch = outbox.letters_batch_create(actor=None)

    mandate = Mandate.objects.create(
        person=person,
        team=mediation,
        duration="1m",
        consent_method="paper",
        consent_text="Texte",
        created_by=advisor,
    )
    dropin = DropIn.objects.create(
        team=mediation,
        place=place,
        booking=mc.Booking.APPOINTMENT,
        rrule="FREQ=DAILY",
        start_date=timezone.localdate() - datetime.timedelta(days=1),
        start_time=datetime.time(9),
        end_time=datetime.time(12),
    )
    workshop = Workshop.objects.create(
        team=mediation,
        slug="atelier-b",
        title="Atelier B",
        description="B",
        theme="email",
        place=place,
        capacity=5,
        registration_opens_at=timezone.now() - datetime.timedelta(days=1),
        published=True,
    )
    start = (timezone.now() + datetime.timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    session = WorkshopSession.objects.create(
        workshop=workshop, starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )
    registration = workshops.registration_create(
        workshop=workshop, person=person, channel="counter", actor=advisor, by_staff=True
    )
    slot = (timezone.localtime() + datetime.timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    appointment = appointments.appointment_book(
        dropin=dropin, starts_at=slot, person=person, channel="counter", actor=advisor
    )
    accompaniment = Accompaniment.objects.create(
        team=mediation, advisor=advisor, duration=30, themes=["email"], person=person, place=place
    )
    holiday = SchoolHoliday.objects.create(
        name="Vacances B", start=datetime.date(2031, 2, 1), end=datetime.date(2031, 2, 10)
    )

    neighbourhood = Neighbourhood.objects.create(name="Quartier B", slug="quartier-b", team=board)
    listing = listing_services.listing_create(
        person=person,
        data={
            "kind": Kind.OFFER,
            "category": Category.SHOPPING,
            "neighbourhood": neighbourhood,
            "title": "Courses B",
            "text": "Je fais vos courses le mardi.",
            "availability": "",
            "ongoing": False,
        },
        channel="counter",
        consent=True,
        actor=moderator,
        submission_key=uuid.uuid4(),
    )
    if listing.status == "pending":
        moderation_services.listing_moderate(listing=listing, action="approve", reason="", actor=moderator)
    conversation = conversation_services.conversation_start(
        listing=listing, responder=other, body="Bonjour, je suis intéressé.", actor=moderator, safety_read=True
    )
    report = moderation_services.report_create(
        listing=listing, reason="other", details="B", reporter=other, actor=moderator
    )
    appointment_type = AppointmentType.objects.create(team=service, slug="rdv-service-b", title="Rendez-vous B")
    opening = DropIn.objects.create(
        team=service, place=place, appointment_type=appointment_type, booking=mc.Booking.APPOINTMENT,
        rrule="FREQ=DAILY", start_date=timezone.localdate(), start_time=datetime.time(9), end_time=datetime.time(12),
        counters=2, slot_minutes=15,
    )  # fmt: skip
    b_manager = make_member("chef-mediation-b@valbrenne.fr", "mediation-b", Role.MANAGER)
    share_link, _secret = stats_services.share_create(
        actor=b_manager,
        audience="mediation",
        query=Query(period=preset("this_year"), team_ids=(mediation.pk,)),
        label="Partenaire B",
        days=30,
    )
    application, webhook, delivery = _application_b(service, worker)
    return World(
        application=application,
        webhook=webhook,
        delivery=delivery,
        person=person,
        other_person=other,
        case=case,
        document=document,
        message=message,
        letter=letter,
        call=call,
        batch=batch,
        form=form,
        field=field,
        mandate=mandate,
        dropin=dropin,
        workshop=workshop,
        session=session,
        registration=registration,
        appointment=appointment,
        accompaniment=accompaniment,
        holiday=holiday,
        listing=listing,
        conversation=conversation,
        report=report,
        neighbourhood=neighbourhood,
        team=service,
        user=worker,
        membership=Membership.objects.get(user=worker),
        place=place,
        members={"case_worker": worker, "advisor": advisor, "moderator": moderator},
        share_link=share_link,
        appointment_type=appointment_type,
        opening=opening,
    )
