"""Every URL of Relais, read from the URL configuration, with real arguments from the demo town.

Tests built on this module (the fuzz test, a permission matrix…) cover a new view without
anyone listing it: `all_routes()` walks the resolver, and `SAMPLES` says how to build valid
arguments for each route that takes some. A route with arguments but no entry in `SAMPLES`
makes `sample_kwargs()` raise `MissingSample`, naming the route, so it cannot slip through.

Sample functions run inside a test (database access, the demo town loaded, see
tests/conftest.py) and may create what the demo lacks (a mandate, a draft…): each test is
rolled back. They choose objects that the demo's actors may see: Marie Dupont (the demo
resident with an account, `RESIDENT_EMAIL`) and the staff of the demo teams.
"""

from __future__ import annotations

import datetime
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.regex_helper import normalize

# Not walked: Django's technical admin has no Relais code behind it, lists only third-party
# models, and is reachable by superusers only (the demo has none); its views are Django's own.
SKIPPED_PREFIXES = ("admin/", "api/")
# The REST API (api/v1/) is walked from its own OpenAPI document instead: tests/api/test_schema.py
# runs schemathesis over every operation, with and without keys.

RESIDENT_EMAIL = "marie.dupont@example.org"


@dataclass(frozen=True)
class Route:
    name: str  # namespaced: "cases:detail", "account_login"
    route: str  # as written, with its prefixes: "gestion/dossiers/<str:reference>/"
    params: tuple[str, ...]  # path parameters, in order
    converters: dict[str, str]  # parameter -> "int", "slug", "str", "uuid", "path", or "regex"
    callback: Callable
    defaults: dict = field(default_factory=dict)  # extra kwargs given in path(…, {"kind": "fiches"})
    template: str = ""  # "/gestion/dossiers/%(reference)s/": takes any value, hostile ones too

    def __str__(self):
        return self.name

    @property
    def staff(self) -> bool:
        """Staff routes live under /gestion/ (and need a second factor)."""
        return self.route.startswith("gestion/")

    @property
    def view(self) -> Callable:
        """The function (or class) behind the callback, decorators removed."""
        view = getattr(self.callback, "view_class", None) or self.callback
        return inspect.unwrap(view)

    def url(self, **kwargs) -> str:
        """The URL with valid arguments (checked by the converters)."""
        return reverse(self.name, kwargs=kwargs or None)

    def raw_url(self, **encoded) -> str:
        """The URL with any path segments, already percent-encoded: what an attacker types."""
        return self.template % encoded


class MissingSample(LookupError):
    """A route takes arguments but SAMPLES cannot build them."""


def _pattern_parts(pattern) -> tuple[str, dict[str, str]]:
    """A %-format string of one level of the URL configuration and its parameters' converters."""
    regex = pattern.regex.pattern
    fmt, params = normalize(regex)[0]
    converters = {
        name: type(conv).__name__.removesuffix("Converter").lower() for name, conv in pattern.converters.items()
    }
    for name in params:
        converters.setdefault(name, "regex")
    return fmt, converters


def _walk(resolver: URLResolver, prefix: str, fmt: str, converters: dict, namespace: str | None):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if route.lstrip("^").startswith(SKIPPED_PREFIXES):
            continue
        part, part_converters = _pattern_parts(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = ":".join(n for n in (namespace, entry.namespace) if n) or None
            yield from _walk(entry, route, fmt + part, {**converters, **part_converters}, ns)
        elif isinstance(entry, URLPattern):
            all_converters = {**converters, **part_converters}
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield Route(
                name=name,
                route=route,
                params=tuple(re.findall(r"%\((\w+)\)s", fmt + part)),
                converters=all_converters,
                callback=entry.callback,
                defaults=dict(entry.default_args),
                template="/" + fmt + part,
            )


@cache
def all_routes() -> tuple[Route, ...]:
    """Every named URL pattern of the project (but the technical admin)."""
    routes = tuple(_walk(get_resolver(), "", "", {}, None))
    unnamed = [r.route for r in routes if r.name is None or r.name.endswith(":None")]
    if unnamed:
        raise AssertionError(f"URL patterns without a name (every URL is named): {unnamed}")
    return routes


def sample_kwargs(route: Route) -> dict:
    """Valid arguments for `route`, built from the demo town (empty for a route without any)."""
    if not route.params:
        return {}
    if route.name not in SAMPLES:
        raise MissingSample(
            f"{route.name} ({route.route}) takes {', '.join(route.params)}: add to SAMPLES in tests/routes.py "
            "a function returning real arguments from the demo town"
        )
    kwargs = SAMPLES[route.name]()
    if set(kwargs) != set(route.params):
        raise MissingSample(f"SAMPLES[{route.name!r}] returned {sorted(kwargs)}, the route takes {list(route.params)}")
    return kwargs


# ---------------------------------------------------------------- the demo's objects


def resident():
    """Marie Dupont: the demo resident with an account, a listing, a conversation, cases."""
    from relais.core.models import Person

    return Person.objects.get(email=RESIDENT_EMAIL)


def _first(qs):
    obj = qs.first()
    if obj is None:
        raise MissingSample(f"the demo town has no {qs.model._meta.verbose_name} for this sample")
    return obj


def _case():
    """A case of État civil (the demo case worker's team) filed by Marie, with a document."""
    from relais.cases.models import Case

    return _first(Case.objects.filter(team__slug="etat-civil", person=resident(), documents__isnull=False))


def _anonymous_online_case():
    """A request sent online by someone without an account (the kind a team may mark as spam)."""
    from relais.cases.models import Case
    from relais.cases.services import reference_next
    from relais.core.models import Person

    model = _case()
    person = Person.objects.create(first_name="Sam", last_name="Anonyme", email="sam.anonyme@example.org")
    return Case.objects.create(
        reference=reference_next(),
        form=model.form,
        team=model.team,
        person=person,
        answers=model.answers,
        channel="online",
        due_date=model.due_date,
    )


def _correction():
    """A correction of one answer asked by État civil on Marie's case, not yet made."""
    import uuid

    from relais.accounts.models import User
    from relais.cases.services import correction_request

    case = _case()
    return correction_request(
        case=case,
        field_key=case.answers[0]["key"],
        reason="Merci de vérifier.",
        actor=User.objects.get(email="etat-civil@valbrenne.fr"),
        submission_key=uuid.uuid4(),
    )


def _paper_code() -> str:
    from relais.core import access

    case = _case()
    return access.code_for(person=case.person, target=case.get_tracking_url()).code


def _form(**filters):
    from relais.cases.models import Form

    return _first(
        Form.objects.published()
        .filter(requires_account=False, fields__isnull=False, **filters)
        .distinct()
        .order_by("pk")
    )


def _draft(**filters):
    from relais.cases.models import Draft

    # Counted in the funnel (cases.funnel): its pages show the device hint's picture.
    return Draft.objects.create(form=_form(**filters), funnel_at=timezone.now())


def _person():
    return resident()


def _other_person():
    from relais.core.models import Person

    return _first(Person.objects.active().exclude(pk=resident().pk).filter(last_name="MOREAU"))


def _mandate():
    from relais.accounts.models import Team, User
    from relais.mandates import services

    advisor = User.objects.get(email="conseiller@valbrenne.fr")
    mandate = services.mandate_create(
        person=resident(),
        team=Team.objects.get(slug="mediation"),
        scopes=["papiers"],
        duration="1m",
        consent_method="paper",
        actor=advisor,
    )
    return services.mandate_record_paper(mandate=mandate, actor=advisor)


def _coming_appointment(team: str = ""):
    """The next appointment (of a team, when given: the demo's next one overall may be another
    team's, depending on the hour the tests run at)."""
    from relais.mediation.models import Appointment

    coming = Appointment.objects.active().filter(starts_at__gt=timezone.now())
    if team:
        coming = coming.filter(team__slug=team)
    return _first(coming.order_by("starts_at"))


def _registration():
    from relais.mediation.models import Registration

    return _first(Registration.objects.active().filter(workshop__sessions__starts_at__gt=timezone.now()).distinct())


def _workshop():
    from relais.mediation.models import Workshop

    return _first(
        Workshop.objects.filter(sessions__starts_at__gt=timezone.now(), registrations__isnull=False).distinct()
    )


def _attended_registration():
    from relais.mediation.models import Registration

    return _first(Registration.objects.filter(attendances__present=True).distinct())


def _dropin():
    from relais.mediation.models import DropIn

    return _first(DropIn.objects.all().order_by("pk"))


def _free_slot():
    from relais.mediation import selectors

    slots = selectors.free_slots()
    if not slots:
        raise MissingSample("the demo town has no free appointment slot")
    return slots[0]


def _appointment_type():
    """The demo's identity-card appointments (État civil), open online."""
    from relais.mediation.models import AppointmentType

    return _first(AppointmentType.objects.published().filter(slug="carte-identite-passeport"))


def _mediation_type():
    """An appointment type of the demo's mediation team (its manager and advisor define it), with an opening."""
    from relais.accounts.models import Team
    from relais.mediation.models import AppointmentType, DropIn

    kind, _created = AppointmentType.objects.get_or_create(
        slug="conseil-numerique-essai",
        defaults={"team": Team.objects.get(slug="mediation"), "title": "Conseil numérique", "duration": 30},
    )
    if not kind.openings.exists():
        DropIn.objects.create(
            team=kind.team, place=_place(), appointment_type=kind, booking="appointment", rrule="FREQ=WEEKLY;BYDAY=FR",
            start_date=timezone.localdate(), start_time=datetime.time(9), end_time=datetime.time(12), counters=2,
            slot_minutes=30,
        )  # fmt: skip
    return kind


def _booking_code():
    """A code sent for an identity-card slot, waiting to be typed."""
    from relais.core.models import Person
    from relais.mediation import selectors
    from relais.mediation.models import BookingCode, DropIn

    slot = selectors.free_slots(dropins=DropIn.objects.filter(appointment_type=_appointment_type()))[0]
    return BookingCode.objects.create(
        dropin=slot.dropin, starts_at=slot.starts_at, person=_first(Person.objects.active().order_by("pk")),
        channel="email", code_hash="0" * 64, expires_at=timezone.now() + datetime.timedelta(minutes=10),
    )  # fmt: skip


def _listing():
    """One of Marie's published listings."""
    from relais.mutualaid.models import Listing, ListingStatus

    return _first(Listing.objects.filter(posted_by=resident(), status=ListingStatus.PUBLISHED).order_by("pk"))


def _others_listing():
    """A published listing of someone else, that Marie may answer or report."""
    from relais.mutualaid.models import Listing, ListingStatus

    return _first(
        Listing.objects.filter(status=ListingStatus.PUBLISHED, posted_by__user__isnull=False)
        .exclude(posted_by=resident())
        .order_by("pk")
    )


def _conversation():
    """A conversation Marie takes part in."""
    from django.db.models import Q

    from relais.mutualaid.models import Conversation

    me = resident()
    return _first(Conversation.objects.filter(Q(responder=me) | Q(listing__posted_by=me)).order_by("pk"))


def _message_to_resident():
    from relais.mutualaid.models import ConversationMessage

    conversation = _conversation()
    me = resident()
    other = conversation.other(me)
    message = ConversationMessage.objects.filter(conversation=conversation, recipient=me).first()
    return message or ConversationMessage.objects.create(
        conversation=conversation, sender=other, recipient=me, body="Bonjour, toujours disponible ?"
    )


def _block():
    from relais.mutualaid.models import Block

    conversation = _conversation()
    me = resident()
    return Block.objects.get_or_create(blocker=me, blocked=conversation.other(me))[0]


def _thanks():
    from relais.mutualaid.models import ThankYou

    conversation = _conversation()
    me = resident()
    note = ThankYou.objects.filter(recipient=me).first()
    return note or ThankYou.objects.create(
        conversation=conversation, sender=conversation.other(me), recipient=me, text="Merci beaucoup !"
    )


def _message_to_call():
    from relais.notifications.models import Message, MessageStatus

    return Message.objects.create(
        person=_other_person(),
        channel="phone",
        template="fuzz",
        subject="Votre demande",
        body="Votre demande est prête.",
        status=MessageStatus.QUEUED,
    )


def _failed_message():
    from relais.notifications.models import Message, MessageStatus

    message = _first(Message.objects.filter(channel="email", person__isnull=False).order_by("pk"))
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED)
    return message


def _letter():
    from relais.notifications.models import Message

    return _first(Message.objects.filter(channel="letter", person__isnull=False).order_by("pk"))


def _calendar_token():
    from relais.accounts.models import User
    from relais.mediation.models import CalendarToken

    return CalendarToken.objects.get_or_create(user=User.objects.get(email="conseiller@valbrenne.fr"))[0]


def _email_to_confirm():
    from allauth.account.models import EmailAddress, EmailConfirmationHMAC

    from relais.accounts.models import User

    user = User.objects.create_user(email="a.confirmer@example.org", password="x" * 12)
    address = EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    return EmailConfirmationHMAC(address).key


def _password_reset_key() -> dict:
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    user = resident().user
    return {"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)}


def _identity_link():
    """A FranceConnect login held because its names differ from Marie Dupont's account's."""
    from relais.accounts.models import IdentityLinkRequest

    return IdentityLinkRequest.objects.create(
        provider="franceconnect",
        uid="sample-uid",
        user=resident().user,
        email=RESIDENT_EMAIL,
        given_name="Marina",
        family_name="Dupond",
    )


def _staff_user():
    """A staff member other than the fuzzing visitors (a toggle must not lock them out)."""
    from relais.accounts.models import User

    return User.objects.get(email="nouvel.agent@valbrenne.fr")


def _membership():
    from relais.accounts.models import Membership

    return Membership.objects.get(user=_staff_user())


def _team():
    from relais.accounts.models import Team

    return Team.objects.get(slug="mediation")


def _procedure():
    from relais.directory.models import Procedure

    return _first(Procedure.objects.order_by("pk"))


def _acronym():
    from relais.directory.models import Acronym

    return _first(Acronym.objects.order_by("pk"))


def _place():
    from relais.directory.models import Place

    return _first(Place.objects.filter(dropins__isnull=False).distinct().order_by("pk"))


def _theme():
    from relais.directory.models import Theme

    return _first(Theme.objects.order_by("pk"))


def _template_code():
    from relais.notifications import texts

    return sorted(texts.all_defaults())[0]


def _field():
    from relais.cases.models import FormField

    return _first(FormField.objects.filter(form__team__slug="etat-civil").order_by("pk"))


def _session():
    workshop = _workshop()
    return workshop, _first(workshop.sessions.order_by("starts_at"))


def _report():
    from relais.mutualaid.models import Report

    return _first(Report.objects.order_by("pk"))


def _neighbourhood():
    from relais.mutualaid.models import Neighbourhood

    return _first(Neighbourhood.objects.order_by("pk"))


def _staff_conversation():
    """A conversation the demo moderator relays (one side has no internet)."""
    from relais.accounts.models import User
    from relais.mutualaid import selectors

    return _first(selectors.staff_conversations(User.objects.get(email="moderation@valbrenne.fr")).order_by("pk"))


def _relayed_person():
    """A resident without internet in that conversation, whom the moderators relay."""
    conversation = _staff_conversation()
    for person in (conversation.responder, conversation.listing.posted_by):
        if person.user_id is None or not person.user.is_active:
            return person
    return conversation.responder


def _holiday():
    from relais.mediation.models import SchoolHoliday

    return _first(SchoolHoliday.objects.order_by("pk"))


def _accompaniment():
    from relais.mediation.models import Accompaniment

    return _first(Accompaniment.objects.filter(advisor__email="conseiller@valbrenne.fr").order_by("-pk"))


def _letter_batch():
    from relais.notifications.models import LetterBatch

    return _first(LetterBatch.objects.order_by("pk"))


def _share_link() -> dict:
    """A share link of the demo's mediation manager, and its secret (only a hash is stored:
    the sample makes a new one)."""
    from relais.accounts.models import User
    from relais.stats import services
    from relais.stats.filters import Query, preset

    link, secret = services.share_create(
        actor=User.objects.get(email="responsable@valbrenne.fr"),
        audience="mediation",
        query=Query(period=preset("this_year")),
        label="Département",
        days=30,
    )
    return {"pk": link.pk, "secret": secret}


def _webauthn_key_id() -> int:
    """The demo has no security key: a well-formed id (the views answer 404)."""
    from allauth.mfa.models import Authenticator

    return _first(Authenticator.objects.order_by("pk")).pk


def _slot() -> dict:
    slot = _free_slot()
    return {"dropin_id": slot.dropin.pk, "key": slot.key}


def _street_report():
    """A published street report of the demo town (Urbanisme's lamp, potholes…)."""
    from relais.cases.models import StreetReport

    return _first(StreetReport.objects.filter(published=True).order_by("pk"))


def _open311_token():
    """The Open311 token of a published street report (as a POST would have answered)."""
    from relais.api.open311 import token_for

    return token_for(_street_report().case)


def _page_feedback():
    """A "Non" answered on a fiche, its reasons not yet chosen (cases.views_feedback)."""
    from relais.cases.models import PageFeedback
    from relais.directory.models import Procedure

    procedure = _first(Procedure.objects.published().order_by("pk"))
    return PageFeedback.objects.create(page_key=f"fiche:{procedure.pk}", procedure=procedure, useful=False)


def _street_draft():
    """A draft of the street form whose place is near a published report ("Déjà signalé ?")."""
    from relais.cases.models import Draft

    report = _street_report()
    return Draft.objects.create(form=report.case.form, data={"location": {"location_text": report.location_text}})


def _street_case_of_civil_status():
    """A street report of État civil (the demo case worker's team): the demo's street form
    belongs to Urbanisme, whose staff are not among the visitors of the generated tests."""
    from relais.cases.models import Form
    from relais.cases.services import case_submit

    form, _created = Form.objects.get_or_create(
        slug="signalement-etat-civil",
        defaults={"title": "Signalement (état civil)", "intro": "Test.", "asks_location": True, "public_reports": True,
                  "published": True, "team": _case().team},
    )  # fmt: skip
    return case_submit(
        form=form, person=resident(), answers={}, channel="counter", location={"location_text": "Place de la Mairie"}
    )


def _application():
    """The demo town's website (relais/demo/demo.py), a partner application."""
    from relais.api.models import Application

    return _first(Application.objects.filter(revoked_at__isnull=True).order_by("pk"))


def _webhook():
    from relais.api.models import WebhookEndpoint

    return WebhookEndpoint.objects.create(
        application=_application(), url="https://partenaire.example.org/relais", events=["case.filed"],
        secret="whsec_sample",
    )  # fmt: skip


def _delivery():
    from relais.api.models import DeliveryStatus, WebhookDelivery

    return WebhookDelivery.objects.create(
        endpoint=_webhook(), event="case.filed", payload={"id": 0}, status=DeliveryStatus.FAILED, attempts=6,
        attempt_log=[{"at": "2026-12-06T10:00:00+01:00", "status": 500, "error": "Réponse 500 du partenaire."}],
    )  # fmt: skip


def _track(case) -> dict:
    return {"reference": case.reference, "token": case.token}


# URL name -> a function returning valid keyword arguments (real objects of the demo town).
SAMPLES: dict[str, Callable[[], dict]] = {
    # statistics
    "stats:page": lambda: {"audience": "mediation"},
    "stats:export": lambda: {"audience": "mediation", "fmt": "ods"},
    "stats:share_create": lambda: {"audience": "mediation"},
    "stats:share_revoke": lambda: {"pk": _share_link()["pk"]},
    "stats:shared": lambda: {"secret": _share_link()["secret"]},
    "stats:shared_json": lambda: {"secret": _share_link()["secret"]},
    "stats:simplify_detail": lambda: {"kind": "demarche", "pk": _form().pk},
    # directory
    "directory:theme": lambda: {"code": _theme().code},
    "directory:procedure": lambda: {"slug": _procedure().slug},
    "directory:procedure_print": lambda: {"slug": _procedure().slug},
    "directory:place": lambda: {"slug": _place().slug},
    "directory:places_export": lambda: {"fmt": "json"},
    "directory:datainclusion_csv": lambda: {"part": "services"},
    "directory:catalogue_list": lambda: {"kind": "lieux"},
    "directory:catalogue_create": lambda: {"kind": "fiches"},
    "directory:catalogue_edit": lambda: {"kind": "fiches", "pk": _procedure().pk},
    "directory:catalogue_translate": lambda: {"kind": "fiches", "pk": _procedure().pk, "lang": "en"},
    "directory:acronym_delete": lambda: {"pk": _acronym().pk},
    # core
    "core:language": lambda: {"code": "en"},
    "people:person_detail": lambda: {"pk": _person().pk},
    "people:person_edit": lambda: {"pk": _person().pk},
    "people:person_merge": lambda: {"pk": _person().pk, "other_pk": _other_person().pk},
    "people:person_rights": lambda: {"pk": _person().pk},
    "people:person_rectify": lambda: {"pk": _person().pk},
    "people:person_erase": lambda: {"pk": _person().pk},
    "core:access_detail": lambda: {"code": _paper_code()},
    # accounts
    "accounts:team_detail": lambda: {"slug": _team().slug},
    "accounts:team_edit": lambda: {"slug": _team().slug},
    "accounts:membership_remove": lambda: {"pk": _membership().pk},
    "accounts:user_toggle_active": lambda: {"pk": _staff_user().pk},
    "accounts:user_invitation": lambda: {"pk": _staff_user().pk},
    "accounts:identity_link": lambda: {"pk": _identity_link().pk},
    # partner applications (the demo town's website)
    "api_admin:application_detail": lambda: {"pk": _application().pk},
    "api_admin:application_reveal": lambda: {"pk": _application().pk},
    "api_admin:application_revoke": lambda: {"pk": _application().pk},
    "api_admin:key_rotate": lambda: {"pk": _application().pk},
    "api_admin:key_revoke": lambda: {"pk": (a := _application()).pk, "key_pk": a.keys.first().pk},
    "api_admin:webhook_create": lambda: {"pk": _application().pk},
    "api_admin:webhook_detail": lambda: {"pk": (w := _webhook()).application_id, "webhook_pk": w.pk},
    "api_admin:webhook_delete": lambda: {"pk": (w := _webhook()).application_id, "webhook_pk": w.pk},
    "api_admin:delivery_resend": lambda: {"pk": (d := _delivery()).endpoint.application_id, "delivery_pk": d.pk},
    # notifications
    "notifications:batch_pdf": lambda: {"pk": _letter_batch().pk},
    "notifications:batch_posted": lambda: {"pk": _letter_batch().pk},
    "notifications:batch_recipients": lambda: {"pk": _letter_batch().pk},
    "notifications:call": lambda: {"pk": _message_to_call().pk},
    "notifications:message_detail": lambda: {"pk": _letter().pk},
    "notifications:message_letter": lambda: {"pk": _letter().pk},
    "notifications:message_retry": lambda: {"pk": _failed_message().pk},
    "notifications:template_edit": lambda: {"code": _template_code(), "language": "fr"},
    # mandates
    "mandates:resident": lambda: {"token": _mandate().token},
    "mandates:detail": lambda: {"pk": _mandate().pk},
    "mandates:form_pdf": lambda: {"pk": _mandate().pk},
    "mandates:create": lambda: {"person_pk": _person().pk},
    # cases
    "cases:start": lambda: {"slug": _form().slug},
    "cases:question": lambda: {"slug": (d := _draft()).form.slug, "key": d.key, "n": 1},
    "cases:location": lambda: {"slug": (d := _draft(asks_location=True)).form.slug, "key": d.key},
    "cases:contact": lambda: {"slug": (d := _draft()).form.slug, "key": d.key},
    "cases:check": lambda: {"slug": (d := _draft()).form.slug, "key": d.key},
    "cases:device_hint": lambda: {"slug": (d := _draft()).form.slug, "key": str(d.key), "device": "phone"},
    "cases:track": lambda: _track(_case()),
    "cases:lookup_track": lambda: {"reference": _case().reference},
    "cases:receipt": lambda: _track(_case()),
    "cases:track_document": lambda: {**_track(c := _case()), "pk": c.documents.first().pk},
    "cases:correct": lambda: {**_track((k := _correction()).case), "pk": k.pk},
    "cases:export": lambda: {"fmt": "csv"},
    "cases:detail": lambda: {"reference": _case().reference},
    "cases:spam": lambda: {"reference": _anonymous_online_case().reference},
    "cases:document": lambda: {"reference": (c := _case()).reference, "pk": c.documents.first().pk},
    "cases:record_start": lambda: {"person_pk": _person().pk},
    "cases:record": lambda: {"person_pk": _person().pk, "slug": _form().slug},
    "cases:form_edit": lambda: {"slug": _field().form.slug},
    "cases:form_translate": lambda: {"slug": _field().form.slug, "lang": "ar"},
    "cases:field_create": lambda: {"slug": _field().form.slug},
    "cases:field_edit": lambda: {"slug": (f := _field()).form.slug, "pk": f.pk},
    "cases:field_action": lambda: {"slug": (f := _field()).form.slug, "pk": f.pk},
    # street reports
    "cases:street_nearby": lambda: {"slug": (d := _street_draft()).form.slug, "key": d.key},
    "cases:street_report": lambda: {"pk": _street_report().pk},
    "cases:street_me_too": lambda: {"pk": _street_report().pk},
    "cases:feedback_detail": lambda: {"token": _page_feedback().token},
    "cases:street_moderate": lambda: {"reference": _street_case_of_civil_status().reference},
    "cases:street_duplicate": lambda: {"reference": _street_case_of_civil_status().reference},
    # Open311 (relais.api.open311)
    "open311_services": lambda: {"fmt": "json"},
    "open311_service": lambda: {"code": _street_report().case.form.slug, "fmt": "xml"},
    "open311_requests": lambda: {"fmt": "json"},
    "open311_request": lambda: {"service_request_id": str(_street_report().pk), "fmt": "json"},
    "open311_token": lambda: {"token": _open311_token(), "fmt": "json"},
    # mediation, public
    "mediation:place_ics": lambda: {"slug": _place().slug},
    "mediation:advisor_ics": lambda: {"token": _calendar_token().token},
    "mediation:book_place": lambda: {"slug": _free_slot().dropin.place.slug},
    "mediation:book": _slot,
    "mediation:appointment_manage": lambda: {"token": _coming_appointment().token},
    "mediation:appointment_cancel": lambda: {"token": _coming_appointment().token},
    "mediation:appointment_move": lambda: {"token": _coming_appointment().token},
    "mediation:appointment_ics": lambda: {"token": _coming_appointment().token},
    "mediation:registration_manage": lambda: {"token": _registration().token},
    "mediation:registration_cancel": lambda: {"token": _registration().token},
    "mediation:workshop": lambda: {"slug": _workshop().slug},
    "mediation:workshop_ics": lambda: {"slug": _workshop().slug},
    "mediation:book_type": lambda: {"slug": _appointment_type().slug},
    "mediation:book_code": lambda: {"token": _booking_code().token},
    # mediation, staff
    "mediation:staff_dropin": lambda: {"pk": _dropin().pk},
    "mediation:staff_dropin_edit": lambda: {"pk": _dropin().pk},
    "mediation:staff_dropin_cancel": lambda: {"pk": _dropin().pk},
    "mediation:staff_dropin_restore": lambda: {"pk": _dropin().pk},
    "mediation:staff_holiday_delete": lambda: {"pk": _holiday().pk},
    "mediation:staff_appointment": lambda: {"pk": _coming_appointment().pk},
    "mediation:staff_appointment_cancel": lambda: {"pk": _coming_appointment().pk},
    "mediation:staff_workshop": lambda: {"pk": _workshop().pk},
    "mediation:staff_workshop_edit": lambda: {"pk": _workshop().pk},
    "mediation:staff_workshop_cancel": lambda: {"pk": _workshop().pk},
    "mediation:staff_workshop_register": lambda: {"pk": _workshop().pk},
    "mediation:staff_attendance": lambda: {"pk": (s := _session())[0].pk, "session_pk": s[1].pk},
    "mediation:staff_certificate": lambda: {
        "pk": (r := _attended_registration()).workshop_id,
        "registration_pk": r.pk,
    },
    "mediation:staff_registration_cancel": lambda: {"pk": _registration().pk},
    "mediation:accompaniment_edit": lambda: {"pk": _accompaniment().pk},
    "mediation:staff_appointment_move": lambda: {"pk": _coming_appointment().pk},
    "mediation:staff_type": lambda: {"pk": _mediation_type().pk},
    "mediation:staff_type_edit": lambda: {"pk": _mediation_type().pk},
    "mediation:staff_opening_create": lambda: {"pk": _mediation_type().pk},
    "mediation:staff_opening_edit": lambda: {"pk": (k := _mediation_type()).pk, "opening_pk": k.openings.first().pk},
    "mediation:staff_opening_close": lambda: {"pk": (k := _mediation_type()).pk, "opening_pk": k.openings.first().pk},
    # mutual aid, residents
    "mutualaid:listing_detail": lambda: {"pk": _listing().pk},
    "mutualaid:listing_edit": lambda: {"pk": _listing().pk},
    "mutualaid:listing_renew": lambda: {"pk": _listing().pk},
    "mutualaid:listing_close": lambda: {"pk": _listing().pk},
    "mutualaid:respond": lambda: {"pk": _others_listing().pk},
    "mutualaid:report_listing": lambda: {"pk": _others_listing().pk},
    "mutualaid:renew": lambda: {"token": _renew_token()},
    "mutualaid:conversation": lambda: {"pk": _conversation().pk},
    "mutualaid:contacts_share": lambda: {"pk": _conversation().pk},
    "mutualaid:block": lambda: {"pk": _conversation().pk},
    "mutualaid:thanks": lambda: {"pk": _conversation().pk},
    "mutualaid:report_message": lambda: {"pk": _message_to_resident().pk},
    "mutualaid:unblock": lambda: {"pk": _block().pk},
    "mutualaid:thanks_show": lambda: {"pk": _thanks().pk},
    # mutual aid, staff
    "mutualaid:staff_listing": lambda: {"pk": _listing().pk},
    "mutualaid:staff_listing_decide": lambda: {"pk": _listing().pk},
    "mutualaid:staff_listing_edit": lambda: {"pk": _listing().pk},
    "mutualaid:staff_listing_renew": lambda: {"pk": _listing().pk},
    "mutualaid:staff_listing_close": lambda: {"pk": _listing().pk},
    "mutualaid:staff_report": lambda: {"pk": _report().pk},
    "mutualaid:staff_person": lambda: {"person_pk": _person().pk},
    "mutualaid:staff_suspend": lambda: {"person_pk": _person().pk},
    "mutualaid:staff_unsuspend": lambda: {"person_pk": _person().pk},
    "mutualaid:staff_badge": lambda: {"person_pk": _person().pk},
    "mutualaid:staff_respond": lambda: {"pk": _others_listing().pk, "person_pk": _relayed_person().pk},
    "mutualaid:staff_conversation": lambda: {"pk": _staff_conversation().pk},
    "mutualaid:staff_contacts_share": lambda: {
        "pk": _staff_conversation().pk,
        "person_pk": _relayed_person().pk,
    },
    "mutualaid:relay_sheet": lambda: {"person_pk": _relayed_person().pk},
    "mutualaid:neighbourhood_edit": lambda: {"pk": _neighbourhood().pk},
    # accounts (allauth; FranceConnect and ProConnect answer 404 while not configured)
    "openid_connect_login": lambda: {"provider_id": "franceconnect"},
    "openid_connect_callback": lambda: {"provider_id": "franceconnect"},
    "account_confirm_email": lambda: {"key": _email_to_confirm()},
    "account_reset_password_from_key": _password_reset_key,
    "mfa_remove_webauthn": lambda: {"pk": _webauthn_key_id()},
    "mfa_edit_webauthn": lambda: {"pk": _webauthn_key_id()},
}


# URL name -> a function returning the query parameters that lead a visitor further than
# the page without them (the form of a chosen person, a channel…).
SAMPLE_QUERIES: dict[str, Callable[[], dict]] = {
    "cases:record": lambda: {"canal": "counter"},
    "cases:queue": lambda: {"onglet": "toutes"},
    "mediation:staff_appointment_book": lambda: {"person": _person().pk},
    "mediation:staff_workshop_register": lambda: {"person": _person().pk},
    "mediation:accompaniment_create": lambda: {"rdv": _coming_appointment(team="mediation").pk},
    "mutualaid:staff_listing_create": lambda: {"personne": _relayed_person().pk},
    "mutualaid:staff_listings": lambda: {"pour": _relayed_person().pk},
}


def sample_query(route: Route) -> dict:
    """Valid query parameters that lead further into `route` (usually none)."""
    return SAMPLE_QUERIES[route.name]() if route.name in SAMPLE_QUERIES else {}


def _renew_token() -> str:
    from relais.mutualaid.services import links as link_services

    listing = _listing()
    if listing.expires_at is None:
        type(listing).objects.filter(pk=listing.pk).update(expires_at=timezone.now() + datetime.timedelta(days=3))
        listing.refresh_from_db()
    return link_services.renew_token(listing)
