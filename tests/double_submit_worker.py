"""The same form sent 2 and 5 times in the same instant, for real: threads with their own
database connection and their own browser session, on a database of their own (SQLite
file or PostgreSQL), through the whole stack (middleware, view, service).

    DATABASE_URL=… DJANGO_SETTINGS_MODULE=tests.settings python -m tests.double_submit_worker

Migrates the empty database and loads the demo town, then for each create a person can
make from a form, and for N in (2, 5): prepares a fresh form (a fresh submission key),
has N threads wait at a barrier and POST the same data, and counts what was made.
Prints one JSON line: {scenario: {N: {records, people, messages, statuses, pages}}};
run by tests/test_double_submit.py.
"""

from __future__ import annotations

import json
import threading
import uuid

import django

ATTEMPTS = (2, 5)


def _staff(email: str):
    from relais.accounts.models import User
    from tests.conftest import staff_client

    return lambda: staff_client(User.objects.get(email=email))


def _anonymous(ip: str):
    from django.test import Client

    return lambda: Client(REMOTE_ADDR=ip)


def _counts(model, **filters) -> dict:
    from relais.cases.models import Document
    from relais.core.models import Person
    from relais.notifications.models import Message

    return {
        "records": model.objects.filter(**filters).count(),
        "people": Person.objects.count(),
        "messages": Message.objects.count(),
        "documents": Document.objects.count(),
    }


# ---------------------------------------------------------------- scenarios
# Each returns (client factory, url, data, model, filters counting the records made).


def online_request(n):
    from django.urls import reverse

    from relais.cases.models import Case, Draft, Form

    form = Form.objects.get(slug="rendez-vous-ccas")
    draft = Draft.objects.create(
        form=form,
        data={
            "answers": {"motif": "Logement", "moments": ["Le matin"]},
            "contact": {"last_name": f"Double{n}", "first_name": "Léa", "preferred_channel": "email",
                        "email": f"double{n}-{uuid.uuid4().hex[:6]}@example.org", "phone": "", "address": "",
                        "postal_code": "", "commune": ""},
        },
    )  # fmt: skip
    url = reverse("cases:check", args=[form.slug, draft.key])
    return _anonymous(f"198.51.100.{n}"), url, {}, Case, {"submission_key": draft.key}


def online_request_funnel(n):
    """The same send, counted in the form's funnel: "sent" reached once (a day of its own
    per N, so that the FunnelDay row found says reached = 1 only if counted once)."""
    import datetime

    from django.utils import timezone

    from relais.cases import funnel
    from relais.cases.models import Draft, FunnelDay

    _client, url, data, _model, filters = online_request(n)
    client = _anonymous(f"198.51.100.{100 + n}")
    started = timezone.now() - datetime.timedelta(days=1000 + n)  # before the demo town's funnel counts
    draft = Draft.objects.select_related("form").get(pk=filters["submission_key"])
    Draft.objects.filter(pk=draft.pk).update(created_at=started, funnel_at=started, funnel_step=funnel.CHECK)
    return (
        client,
        url,
        data,
        FunnelDay,
        {"form_id": draft.form_id, "day": timezone.localdate(started), "step": funnel.SENT, "reached": 1},
    )


def staff_request(n):
    from django.urls import reverse

    from relais.cases.models import Case
    from relais.core.models import Person

    person = Person.objects.get(first_name="Jeanne", last_name="Martin")
    key = str(uuid.uuid4())
    url = reverse("cases:record", args=[person.pk, "rendez-vous-ccas"]) + "?canal=phone"
    data = {"motif": "Logement", "moments": ["Le matin"], "submission_key": key}
    return _staff("accueil@valbrenne.fr"), url, data, Case, {"submission_key": key}


def counter_person(n):
    from django.urls import reverse

    from relais.core.models import Person

    key = str(uuid.uuid4())
    data = {"channel": "counter", "last_name": f"GUICHET{n}", "first_name": "Paul", "preferred_channel": "letter",
            "address": "3 rue des Lilas", "postal_code": "37500", "commune": "Valbrenne", "preferred_language": "fr",
            "submission_key": key}  # fmt: skip
    return _staff("accueil@valbrenne.fr"), reverse("people:person_create"), data, Person, {"submission_key": key}


def mandate(n):
    from django.urls import reverse

    from relais.accounts.models import Team
    from relais.core.models import Person
    from relais.mandates.models import Mandate

    person = Person.objects.create(last_name=f"MANDAT{n}", first_name="Rose", phone="06 12 34 56 7" + str(n),
                                   preferred_channel="sms")  # fmt: skip
    key = str(uuid.uuid4())
    data = {"team": Team.objects.get(slug="mediation").pk, "scopes": ["social"], "duration": "1m",
            "consent_method": "code", "submission_key": key}  # fmt: skip
    url = reverse("mandates:create", args=[person.pk])
    return _staff("conseiller@valbrenne.fr"), url, data, Mandate, {"submission_key": key}


def _free_slot():
    from relais.mediation.models import Appointment, DropIn
    from relais.mediation.selectors import free_slots

    taken = set(Appointment.objects.values_list("starts_at", flat=True))
    dropins = DropIn.objects.filter(booking="appointment", published=True, appointment_type__isnull=True)
    return next(s for s in free_slots(dropins=dropins) if s.starts_at not in taken)


def _free_typed_slot():
    """A free slot of the demo's identity-card appointments (2 counters at the town hall)."""
    from relais.mediation.models import Appointment, DropIn
    from relais.mediation.selectors import free_slots

    taken = set(Appointment.objects.values_list("starts_at", flat=True))
    dropins = DropIn.objects.filter(appointment_type__slug="carte-identite-passeport")
    return next(s for s in free_slots(dropins=dropins) if s.starts_at not in taken)


def typed_code_request(n):
    """The identity-card form: a code is sent (one person, one code), nothing booked yet."""
    from django.urls import reverse

    from relais.mediation.models import BookingCode

    slot = _free_typed_slot()
    key = str(uuid.uuid4())
    data = {"last_name": f"Titre{n}", "first_name": "Camille", "preferred_channel": "email",
            "email": f"titre{n}-{key[:6]}@example.org", "phone": "", "address": "", "postal_code": "", "commune": "",
            "topic": "", "submission_key": key}  # fmt: skip
    url = reverse("mediation:book", args=[slot.dropin.pk, slot.key])
    return _anonymous(f"198.51.100.{60 + n}"), url, data, BookingCode, {"submission_key": key}


def typed_code_confirm(n):
    """The code typed and sent several times: one appointment, one confirmation."""
    import datetime

    from django.utils import timezone

    from relais.core.models import Person
    from relais.mediation.models import Appointment, BookingCode
    from relais.mediation.services.appointments import _code_hash

    slot = _free_typed_slot()
    key = uuid.uuid4()
    person = Person.objects.create(last_name=f"Code{n}", first_name="Camille", email=f"code{n}@example.org",
                                   preferred_channel="email")  # fmt: skip
    hold = BookingCode(dropin=slot.dropin, starts_at=slot.starts_at, person=person, channel="email",
                       expires_at=timezone.now() + datetime.timedelta(minutes=10), submission_key=key)  # fmt: skip
    hold.code_hash = _code_hash(hold.token, "123456")
    hold.save()
    return (
        _anonymous(f"198.51.100.{80 + n}"),
        hold.get_absolute_url(),
        {"code": "123456"},
        Appointment,
        {"submission_key": key},
    )


def staff_typed_appointment(n):
    """The counter books an identity-card slot for someone."""
    from django.urls import reverse

    from relais.core.models import Person
    from relais.mediation.models import Appointment

    slot = _free_typed_slot()
    person = Person.objects.create(last_name=f"Guichet{n}", first_name="Dominique", email=f"guichet{n}@example.org",
                                   preferred_channel="email")  # fmt: skip
    key = str(uuid.uuid4())
    data = {"slot": f"{slot.dropin.pk}-{slot.key}", "channel": "counter", "topic": "", "submission_key": key}
    url = reverse("mediation:staff_appointment_book") + f"?person={person.pk}&type={slot.dropin.appointment_type_id}"
    return _staff("accueil@valbrenne.fr"), url, data, Appointment, {"submission_key": key}


def online_appointment(n):
    from django.urls import reverse

    from relais.mediation.models import Appointment

    slot = _free_slot()
    key = str(uuid.uuid4())
    data = {"last_name": f"Rdv{n}", "first_name": "Camille", "preferred_channel": "email",
            "email": f"rdv{n}-{key[:6]}@example.org", "phone": "", "address": "", "postal_code": "", "commune": "",
            "topic": "Mes impôts", "submission_key": key}  # fmt: skip
    url = reverse("mediation:book", args=[slot.dropin.pk, slot.key])
    return _anonymous(f"198.51.100.{20 + n}"), url, data, Appointment, {"submission_key": key}


def staff_appointment(n):
    from django.urls import reverse

    from relais.core.models import Person
    from relais.mediation.models import Appointment

    slot = _free_slot()
    person = Person.objects.get(first_name="Jeanne", last_name="Martin")
    key = str(uuid.uuid4())
    data = {"slot": f"{slot.dropin.pk}-{slot.key}", "channel": "phone", "topic": "", "submission_key": key}
    url = reverse("mediation:staff_appointment_book") + f"?person={person.pk}"
    return _staff("accueil@valbrenne.fr"), url, data, Appointment, {"submission_key": key}


def _workshop():
    from tests.mediation.conftest import make_workshop

    return make_workshop(capacity=10, team_slug="mediation")


def online_registration(n):
    from relais.mediation.models import Registration

    workshop = _workshop()
    key = str(uuid.uuid4())
    data = {"last_name": f"Atelier{n}", "first_name": "Camille", "preferred_channel": "email",
            "email": f"atelier{n}-{key[:6]}@example.org", "phone": "", "address": "", "postal_code": "",
            "commune": "", "submission_key": key}  # fmt: skip
    return _anonymous(f"198.51.100.{40 + n}"), workshop.get_absolute_url(), data, Registration, {"submission_key": key}


def staff_registration(n):
    from django.urls import reverse

    from relais.core.models import Person
    from relais.mediation.models import Registration

    workshop = _workshop()
    person = Person.objects.create(last_name=f"INSCRIT{n}-{uuid.uuid4().hex[:4]}", email=f"i{n}@example.org",
                                   preferred_channel="email")  # fmt: skip
    key = str(uuid.uuid4())
    data = {"person": person.pk, "channel": "counter", "submission_key": key}
    url = reverse("mediation:staff_workshop_register", args=[workshop.pk]) + f"?person={person.pk}"
    return _staff("accueil@valbrenne.fr"), url, data, Registration, {"submission_key": key}


def case_message(n):
    from django.urls import reverse

    from relais.cases.models import Case, CaseEvent

    case = Case.objects.filter(team__slug="etat-civil").order_by("pk").first()
    key = str(uuid.uuid4())
    data = {"action": "message", "text": f"Votre acte est prêt ({n}).", "submission_key": key}
    url = reverse("cases:detail", args=[case.reference])
    return _staff("etat-civil@valbrenne.fr"), url, data, CaseEvent, {"submission_key": key}


def case_note(n):
    from django.urls import reverse

    from relais.cases.models import Case, CaseEvent

    case = Case.objects.filter(team__slug="etat-civil").order_by("pk").first()
    key = str(uuid.uuid4())
    data = {"action": "note", "text": f"Vu au guichet ({n}).", "submission_key": key}
    url = reverse("cases:detail", args=[case.reference])
    return _staff("etat-civil@valbrenne.fr"), url, data, CaseEvent, {"submission_key": key}


def resident_reply(n):
    from relais.cases.models import Case, CaseEvent

    case = Case.objects.filter(team__slug="etat-civil").order_by("pk").first()
    key = str(uuid.uuid4())
    data = {"text": f"Voici ma réponse ({n}).", "submission_key": key}
    return _anonymous(f"198.51.100.{60 + n}"), case.get_tracking_url(), data, CaseEvent, {"submission_key": key}


def case_document(n):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from relais.cases.models import Case, CaseEvent

    case = Case.objects.filter(team__slug="etat-civil").order_by("pk").first()
    key = str(uuid.uuid4())
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

    def data():  # each click sends its own copy of the file
        return {"action": "document", "submission_key": key,
                "document": SimpleUploadedFile("acte.pdf", pdf, content_type="application/pdf")}  # fmt: skip

    url = reverse("cases:detail", args=[case.reference])
    return _staff("etat-civil@valbrenne.fr"), url, data, CaseEvent, {"submission_key": key}


def case_correction(n):
    from django.urls import reverse

    from relais.cases.models import Case, Correction

    case = Case.objects.filter(team__slug="etat-civil").order_by("pk").first()
    key = str(uuid.uuid4())
    field_key = case.answers[ATTEMPTS.index(n)]["key"]  # one open correction per answer
    data = {"action": "correction", "field_key": field_key, "reason": f"À vérifier ({n}).", "submission_key": key}
    url = reverse("cases:detail", args=[case.reference])
    return _staff("etat-civil@valbrenne.fr"), url, data, Correction, {"submission_key": key}


def correction_answer(n):
    from relais.accounts.models import User
    from relais.cases.models import Case, CaseEvent
    from relais.cases.services import correction_request

    case = Case.objects.filter(form__slug="attestation-accueil").order_by("pk").first()
    field_key = ("nationalite", "nom_invite")[ATTEMPTS.index(n)]
    correction = correction_request(
        case=case, field_key=field_key, reason="À vérifier.", actor=User.objects.get(email="etat-civil@valbrenne.fr")
    )
    key = str(uuid.uuid4())
    data = {field_key: f"Réponse corrigée ({n})", "submission_key": key}
    url = correction.get_absolute_url()
    return _anonymous(f"198.51.100.{80 + n}"), url, data, CaseEvent, {"submission_key": key}


def accompaniment(n):
    from relais.mediation.models import Accompaniment
    from tests.mediation.test_accompaniments import URL, form_data

    make_client = _staff("conseiller@valbrenne.fr")
    data = form_data(make_client(), themes=["email"], age_band="soixante_dix_plus", gender="feminin")
    return make_client, URL, data, Accompaniment, {"submission_key": data["submission_key"]}


def _resident(n, *, account=True):
    from tests.mutualaid.conftest import make_resident

    return make_resident("Entraide", f"Voisin{n}{uuid.uuid4().hex[:4]}", phone="06 11 22 33 4" + str(n),
                         account=account)  # fmt: skip


def _logged_in(person):
    from django.test import Client

    def make():
        client = Client()
        client.force_login(person.user)
        return client

    return make


def _listing_form(**overrides) -> dict:
    from relais.mutualaid.models import Neighbourhood

    return {"submission_key": str(uuid.uuid4()), "kind": "offer", "category": "lending",
            "neighbourhood": Neighbourhood.objects.get(slug="les-tilleuls").pk, "title": "Je prête ma perceuse",
            "text": "Perceuse à percussion, à rendre dans la semaine.", "availability": "Le soir", "rules": "on",
            **overrides}  # fmt: skip


def online_listing(n):
    from django.urls import reverse

    from relais.mutualaid.models import Listing

    data = _listing_form()
    url = reverse("mutualaid:listing_create")
    return _logged_in(_resident(n)), url, data, Listing, {"submission_key": data["submission_key"]}


def staff_listing(n):
    from django.urls import reverse

    from relais.mutualaid.models import Listing

    person = _resident(n, account=False)
    data = _listing_form(channel="phone", consent="on", kind="request", category="shopping")
    del data["rules"]
    url = reverse("mutualaid:staff_listing_create") + f"?personne={person.pk}"
    return _staff("accueil@valbrenne.fr"), url, data, Listing, {"submission_key": data["submission_key"]}


def _live_listing():
    from relais.mutualaid.models import Listing

    return Listing.objects.visible_on_board().filter(posted_by__user__isnull=False).order_by("pk").first()


def relayed_answer(n):
    from django.urls import reverse

    from relais.mutualaid.models import ConversationMessage

    key = str(uuid.uuid4())
    data = {"submission_key": key, "body": "Bonjour, je peux vous aider mercredi.", "safety": "on"}
    url = reverse("mutualaid:respond", args=[_live_listing().pk])
    return _logged_in(_resident(n)), url, data, ConversationMessage, {"submission_key": key}


def relayed_reply(n):
    from django.urls import reverse

    from relais.mutualaid.models import ConversationMessage
    from relais.mutualaid.services import conversations as conversation_services

    responder = _resident(n)
    conversation = conversation_services.conversation_start(
        listing=_live_listing(), responder=responder, body="Bonjour !", actor=responder.user, safety_read=True
    )
    key = str(uuid.uuid4())
    data = {"submission_key": key, "body": "Mercredi à 10 h, cela vous va ?"}
    url = reverse("mutualaid:conversation", args=[conversation.pk])
    return _logged_in(responder), url, data, ConversationMessage, {"submission_key": key}


def share_link(n):
    from django.urls import reverse

    from relais.stats.models import ShareLink

    key = str(uuid.uuid4())
    data = {"submission_key": key, "label": f"Département {n}", "days": "30"}
    url = reverse("stats:share_create", args=["mediation"]) + "?period=this_year"
    return _staff("responsable@valbrenne.fr"), url, data, ShareLink, {"submission_key": key}


def me_too(n):
    """One browser clicking "moi aussi" several times at once: one session, counted once."""
    from importlib import import_module

    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from relais.accounts.models import User
    from relais.cases import street_services
    from relais.cases.models import Form, MeToo
    from relais.cases.services import case_submit
    from relais.core.models import Person

    case = case_submit(
        form=Form.objects.get(slug="signalement-voirie"),
        person=Person.objects.get(first_name="Jeanne", last_name="Martin"),
        channel="counter",
        answers={"type": "Déchets", "description": "Des sacs."},
        location={"location_text": f"Rue du Double {n}"},
    )
    report = street_services.report_publish(
        case=case, title="Dépôt sauvage", description="", location_text=f"Rue du Double {n}",
        actor=User.objects.get(email="urbanisme@valbrenne.fr"),
    )  # fmt: skip
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session.create()

    def client():
        browser = Client(REMOTE_ADDR=f"198.51.100.{60 + n}")
        browser.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
        return browser

    url = reverse("cases:street_me_too", args=[report.pk])
    return client, url, {}, MeToo, {"report": report}


def page_feedback(n):
    """One visitor clicking "Non" under a fiche several times at once: one answer (per page,
    day and connection), every click sent to the same reasons page."""
    from django.urls import reverse

    from relais.cases.models import PageFeedback
    from relais.directory.models import Procedure

    procedure = Procedure.objects.published().order_by("pk")[n]
    data = {"page": f"fiche:{procedure.slug}", "useful": "non"}
    # The demo town's answers all have a reason when "no": only the clicks' answers have none.
    mine = {"procedure": procedure, "useful": False, "reason": ""}
    return _anonymous(f"198.51.100.{80 + n}"), reverse("cases:feedback"), data, PageFeedback, mine


def application_create(n):
    """An administrator adds a partner application: one application, one key."""
    from django.urls import reverse

    from relais.api.models import Application

    key = str(uuid.uuid4())
    data = {"name": f"Appli double {n}", "contact_email": "", "scopes": ["requests:read"], "team": "", "role": "",
            "rate_limit": "120", "submission_key": key}  # fmt: skip
    url = reverse("api_admin:application_create")
    return _staff("admin@valbrenne.fr"), url, data, Application, {"submission_key": key}


def _demo_application():
    from relais.api.models import Application

    return Application.objects.filter(revoked_at__isnull=True).order_by("pk").first()


def key_rotate(n):
    """ "Remplacer la clé" clicked several times: one new key."""
    from django.urls import reverse

    from relais.api.models import ApplicationKey

    key = str(uuid.uuid4())
    url = reverse("api_admin:key_rotate", args=[_demo_application().pk])
    return _staff("admin@valbrenne.fr"), url, {"submission_key": key}, ApplicationKey, {"submission_key": key}


def webhook_create(n):
    from django.urls import reverse

    from relais.api.models import WebhookEndpoint

    key = str(uuid.uuid4())
    data = {"url": f"https://partenaire.example.org/relais/{n}", "events": ["case.filed"], "submission_key": key}
    url = reverse("api_admin:webhook_create", args=[_demo_application().pk])
    return _staff("admin@valbrenne.fr"), url, data, WebhookEndpoint, {"submission_key": key}


SCENARIOS = {
    f.__name__: f
    for f in (
        online_request,
        online_request_funnel,
        staff_request,
        counter_person,
        mandate,
        online_appointment,
        staff_appointment,
        online_registration,
        staff_registration,
        case_message,
        case_note,
        resident_reply,
        case_document,
        case_correction,
        correction_answer,
        accompaniment,
        online_listing,
        staff_listing,
        relayed_answer,
        relayed_reply,
        share_link,
        typed_code_request,
        typed_code_confirm,
        staff_typed_appointment,
        me_too,
        page_feedback,
        application_create,
        key_rotate,
        webhook_create,
    )
}


def _fire(scenario, n: int) -> dict:
    from django.db import connection

    make_client, url, data, model, filters = SCENARIOS[scenario](n)
    clients = [make_client() for _ in range(n)]
    connection.close()  # the setup's connection must not be shared with the threads
    before = _counts(model, **filters)
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def post(i: int) -> None:
        from django.db import connection

        try:
            barrier.wait()
            response = clients[i].post(url, data() if callable(data) else data)
            results[i] = (response.status_code, response.get("Location", ""))
        except Exception as error:  # noqa: BLE001 - every failure is reported, none hidden
            results[i] = (f"error: {error!r}", "")
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = _counts(model, **filters)
    return {
        "records": after["records"],
        "people": after["people"] - before["people"],
        "messages": after["messages"] - before["messages"],
        "documents": after["documents"] - before["documents"],
        "statuses": [status for status, _ in results],
        "pages": sorted({location for _, location in results}),
    }


def main() -> None:
    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's own hooks (no e-mail leaves, templates recorded)
    from django.conf import settings
    from django.test import override_settings

    # As in the suite (tests/conftest.py): static files read from the source tree.
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    override_settings(STORAGES=storages).enable()
    call_command("migrate", verbosity=0)
    call_command("demo_load", allow_without_debug=True, stdout=open("/dev/null", "w"))
    print(json.dumps({name: {n: _fire(name, n) for n in ATTEMPTS} for name in SCENARIOS}))


if __name__ == "__main__":
    main()
