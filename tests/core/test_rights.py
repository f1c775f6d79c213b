"""The person's rights (RGPD): a complete export, a rectification and an erasure on request."""

from __future__ import annotations

import json

import pytest
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from relais.cases.models import Case, CaseEvent, Document
from relais.core import rights
from relais.core.models import AccessCode, AuditEvent, Person
from relais.mandates.models import Mandate
from relais.mediation.models import Accompaniment, Appointment, Registration
from relais.mutualaid.models import ConversationMessage, Listing
from relais.notifications.models import Message
from tests.conftest import staff_client
from tests.world import build_world

pytestmark = pytest.mark.django_db


def _export(person) -> dict:
    body, content_type, _ = rights.person_data_export(person=person, actor=None, fmt="json", reason="test")
    assert content_type == "application/json"
    return json.loads(body)


def _sections(document) -> dict:
    return {s["key"]: s["items"] for s in document["sections"]}


def test_export_holds_every_kind_of_record_and_nothing_of_another_person():
    world = build_world()
    AccessCode.objects.create(
        code="ABCD2345", person=world.person, target="/x/", expires_at=timezone.now() + timezone.timedelta(days=3)
    )
    document = _export(world.person)
    sections = _sections(document)
    assert sections["identity"][0]["last_name"] == "Bailleul"
    assert sections["identity"][0]["phone"] == "0622334455"
    for kind in (
        "cases",
        "documents",
        "mandates",
        "appointments",
        "registrations",
        "accompaniments",
        "listings",
        "relayed_messages",
        "messages",
        "access_codes",
        "journal",
    ):
        assert sections.get(kind), f"no {kind} in the export"
    assert sections["cases"][0]["reference"] == world.case.reference
    assert sections["cases"][0]["answers"] == [{"question": "Objet", "answer": "x"}]
    assert sections["relayed_messages"][0]["direction"] == "reçu"
    journal = _sections(_export(world.person))["journal"]
    assert {"what": "export de vos données", "by": "le système"}.items() <= next(
        entry for entry in journal if entry["action"] == "core.person.data_exported"
    ).items()
    text = json.dumps(document, ensure_ascii=False)
    assert "Bruno" not in text
    assert "0622334466" not in text  # Bruno's phone


def test_export_is_journaled_with_its_reason():
    world = build_world()
    rights.person_data_export(person=world.person, actor=None, fmt="json", reason="demande écrite du 3 mars")
    entry = AuditEvent.objects.filter(action="core.person.data_exported", person_id=world.person.pk).get()
    assert entry.reason == "demande écrite du 3 mars"
    assert entry.details["sections"]["cases"] == 1


def test_pdf_export_renders():
    world = build_world()
    body, content_type, filename = rights.person_data_export(person=world.person, actor=None, fmt="pdf")
    assert content_type == "application/pdf"
    assert body.startswith(b"%PDF")
    assert filename.endswith(".pdf")


def test_an_administrator_downloads_an_export_with_a_reason(administrator):
    world = build_world()
    client = staff_client(administrator)
    url = reverse("people:person_rights", args=[world.person.pk])
    page = client.get(url)
    assert page.status_code == 200
    refused = client.post(url, {"format": "json", "reason": ""})
    assert refused.status_code == 400
    assert "Ce champ est obligatoire" in refused.content.decode()
    response = client.post(url, {"format": "json", "reason": "demande transmise par l'accueil"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert json.loads(response.content)["person"] == world.person.pk
    assert AuditEvent.objects.filter(
        action="core.person.data_exported", person_id=world.person.pk, actor=administrator
    ).exists()


@pytest.mark.parametrize(
    "email", ["accueil@valbrenne.fr", "etat-civil@valbrenne.fr", "conseiller@valbrenne.fr", "responsable@valbrenne.fr"]
)
def test_other_roles_get_a_404(email):
    """An export holds every team's requests and messages: reception, who sees only the
    envelopes of other teams' messages, does not make one (nor do other roles)."""
    from relais.accounts.models import User

    world = build_world()
    client = staff_client(User.objects.get(email=email))
    for name in ("people:person_rights", "people:person_rectify", "people:person_erase"):
        response = client.get(reverse(name, args=[world.person.pk]))
        assert response.status_code == 404, name
        assert client.post(reverse(name, args=[world.person.pk]), {"format": "json", "reason": "x"}).status_code == 404
    assert client.get(reverse("people:rights_home")).status_code == 404


def test_reception_may_not_rectify_or_erase(reception_client):
    world = build_world()
    assert reception_client.get(reverse("people:person_rectify", args=[world.person.pk])).status_code == 404
    assert reception_client.post(reverse("people:person_erase", args=[world.person.pk])).status_code == 404


def test_administrator_finds_the_record_by_its_number(admin_client):
    world = build_world()
    response = admin_client.get(reverse("people:rights_home"), {"number": world.person.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("people:person_rights", args=[world.person.pk])
    missing = admin_client.get(reverse("people:rights_home"), {"number": 987654321})
    assert missing.status_code == 400
    assert "Aucune fiche ne porte ce numéro." in missing.content.decode()


def test_resident_downloads_only_their_own_data(client, resident_with_email):
    build_world()
    client.force_login(resident_with_email.user)
    response = client.get(reverse("core:account_data_json"))
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["person"] == resident_with_email.pk
    assert "Bailleul" not in response.content.decode()
    pdf = client.get(reverse("core:account_data_pdf"))
    assert pdf.content.startswith(b"%PDF")
    assert (
        AuditEvent.objects.filter(
            action="core.person.data_exported", person_id=resident_with_email.pk, actor=resident_with_email.user
        ).count()
        == 2
    )
    assert "mes-donnees.pdf" in client.get(reverse("core:account")).content.decode()


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("core:account_data_json"))
    assert response.status_code == 302


def test_rectification_journals_field_names_not_contact_values(admin_client, administrator):
    world = build_world()
    url = reverse("people:person_rectify", args=[world.person.pk])
    assert admin_client.get(url).status_code == 200
    data = {
        "last_name": "Bailleul-Roux",
        "first_name": "Béatrice",
        "birth_year": "1970",
        "phone": "0622334455",
        "email": "",
        "preferred_channel": "letter",
        "address": "3 rue Haute",
        "postal_code": "37500",
        "commune": "Valbrenne",
        "preferred_language": "en",
        "accessibility_needs": "",
        "reason": "",
    }
    refused = admin_client.post(url, data)
    assert refused.status_code == 400
    assert 'value="Bailleul-Roux"' in refused.content.decode()
    response = admin_client.post(url, {**data, "reason": "acte de mariage présenté"})
    assert response.status_code == 302
    world.person.refresh_from_db()
    assert world.person.last_name == "Bailleul-Roux"
    entry = AuditEvent.objects.get(action="core.person.rectified", person_id=world.person.pk)
    assert entry.reason == "acte de mariage présenté"
    assert sorted(entry.details["fields"]) == ["last_name", "preferred_language"]
    assert "Bailleul" not in json.dumps(entry.details)
    assert entry.details["values"] == {"preferred_language": {"before": "fr", "after": "en"}}


def _counts() -> dict:
    return {
        "cases": list(Case.objects.values("form", "channel").annotate(n=Count("pk")).order_by("form", "channel")),
        "appointments": list(Appointment.objects.values("place", "outcome").annotate(n=Count("pk")).order_by("place")),
        "registrations": Registration.objects.count(),
        "accompaniments": Accompaniment.objects.count(),
        "participants": sum(a.participant_count() for a in Accompaniment.objects.prefetch_related("participants")),
        "listings": list(Listing.objects.values("category", "kind").annotate(n=Count("pk")).order_by("category")),
        "people": Person.objects.count(),
    }


def test_erasure_refuses_while_something_is_under_way():
    world = build_world()
    plan = rights.erasure_plan(world.person)
    assert plan["open_records"]  # the open request, the future appointment, the workshop, the mandate…
    with pytest.raises(rights.ErasureRefused):
        rights.person_erase(person=world.person, actor=None, reason="demande")
    world.person.refresh_from_db()
    assert world.person.last_name == "Bailleul"


def test_erasure_removes_personal_data_everywhere_and_keeps_proof_journal_and_counts(
    administrator, django_capture_on_commit_callbacks
):
    world = build_world()
    person = world.person
    Mandate.objects.filter(pk=world.mandate.pk).update(activated_at=timezone.now(), expires_at=timezone.now())
    document_file = Document.objects.get(pk=world.document.pk).file
    journal_before = AuditEvent.objects.filter(person_id=person.pk).count()
    case_statuses = dict(Case.objects.values_list("pk", "status"))
    before = _counts()
    messages_before = set(Message.objects.values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        rights.person_erase(person=person, actor=administrator, reason="demande écrite", close_open=True)

    person.refresh_from_db()
    assert person.is_erased
    assert [person.first_name, person.last_name, person.phone, person.address, person.birth_year] == [
        "",
        "",
        "",
        "",
        None,
    ]
    assert person.display_name == f"Personne effacée n° {person.pk}"
    case = Case.objects.get(pk=world.case.pk)
    assert case.person_id == person.pk
    assert all(a["value"] is None and a["display"] == "" for a in case.answers)
    assert not CaseEvent.objects.filter(case=case).exclude(text="").exists()
    assert not Document.objects.filter(case=case).exists()
    assert not document_file.storage.exists(document_file.name)
    assert not Listing.objects.filter(posted_by=person).exclude(text="").exists()
    assert not Accompaniment.objects.filter(person=person).exists()
    assert not Appointment.objects.filter(person=person).exclude(topic="").exists()
    assert not Message.objects.filter(person=person).exclude(body="").exists()
    assert not Message.objects.filter(person=person, status="queued").exists()
    # A neighbour's message to her stays theirs.
    assert ConversationMessage.objects.filter(recipient=person).exclude(body="").exists()
    # Kept: the consent proof and the journal (and a new entry saying what happened).
    mandate = Mandate.objects.get(pk=world.mandate.pk)
    assert mandate.consent_text == "Texte" and mandate.consent_method == "paper"
    assert AuditEvent.objects.filter(person_id=person.pk).count() > journal_before
    erased = AuditEvent.objects.get(action="core.person.erased", person_id=person.pk)
    assert erased.reason == "demande écrite"
    # Statistics: the same rows, the open request closed instead of deleted.
    after = _counts()
    assert {k: v for k, v in after.items() if k != "appointments"} == {
        k: v for k, v in before.items() if k != "appointments"
    }
    # Messages are blanked, not deleted (the cancellations the closing queued are cancelled too).
    assert messages_before <= set(Message.objects.values_list("pk", flat=True))
    assert Case.objects.get(pk=world.case.pk).status == "closed_without_action"
    assert case_statuses[world.case.pk] != "closed_without_action"
    # The future appointment is cancelled by the service (the slot is free again), not deleted.
    assert Appointment.objects.count() == sum(row["n"] for row in before["appointments"])
    # The export of a tombstone holds nothing personal.
    text = json.dumps(_export(person), ensure_ascii=False)
    assert "Bailleul" not in text and "0622334455" not in text and "rue Haute" not in text


def test_named_participant_of_a_group_becomes_one_of_its_anonymous_count(administrator):
    world = build_world()
    group = Accompaniment.objects.create(
        team=world.accompaniment.team,
        advisor=world.accompaniment.advisor,
        duration=60,
        themes=["email"],
        kind="collectif",
        place=world.place,
        anonymous_count=2,
    )
    group.participants.add(world.person, world.other_person)
    rights.person_erase(person=world.person, actor=administrator, reason="demande", close_open=True)
    group.refresh_from_db()
    assert list(group.participants.all()) == [world.other_person]
    assert group.anonymous_count == 3


def test_erasure_page_says_what_is_kept_and_asks_to_confirm(admin_client):
    world = build_world()
    url = reverse("people:person_erase", args=[world.person.pk])
    page = admin_client.get(url).content.decode()
    assert "Ce qui est gardé, et pourquoi" in page
    assert "preuve du consentement" in page
    assert "Ce qui est encore en cours" in page
    assert world.case.reference in page
    refused = admin_client.post(url, {"reason": "demande"})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "Cochez cette case pour confirmer l&#x27;effacement." in body
    assert "Des éléments sont encore en cours." in body
    assert not Person.objects.get(pk=world.person.pk).is_erased
    done = admin_client.post(url, {"reason": "demande", "close_open": "on", "confirm": "on"})
    assert done.status_code == 302
    assert Person.objects.get(pk=world.person.pk).is_erased


def test_erasure_closes_the_account(client, resident_with_email, administrator):
    user = resident_with_email.user
    rights.person_erase(person=resident_with_email, actor=administrator, reason="demande", close_open=True)
    user.refresh_from_db()
    assert not user.is_active
    assert "marie" not in user.email
    assert not user.has_usable_password()


def test_zip_export_holds_the_documents_themselves():
    import io
    import zipfile

    world = build_world()
    body, content_type, filename = rights.person_data_export(person=world.person, actor=None, fmt="zip")
    assert content_type == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(body))
    names = archive.namelist()
    base = filename.removesuffix(".zip")
    assert f"{base}.json" in names and f"{base}.pdf" in names
    documents = [n for n in names if n.startswith(f"{base}/documents/{world.case.reference}/")]
    assert len(documents) == 1
    stored = Document.objects.get(pk=world.document.pk)
    with stored.file.open("rb") as fh:
        assert archive.read(documents[0]) == fh.read()


def test_erased_record_is_not_edited_or_merged_again(reception_client, administrator):
    world = build_world()
    rights.person_erase(person=world.person, actor=administrator, reason="demande", close_open=True)
    page = reception_client.get(reverse("people:person_detail", args=[world.person.pk]))
    assert "ont été effacées à sa demande" in page.content.decode()
    assert reception_client.get(reverse("people:person_edit", args=[world.person.pk])).status_code == 404
    merge = reverse("people:person_merge", args=[world.other_person.pk, world.person.pk])
    assert reception_client.get(merge).status_code == 404


def test_no_row_pointing_at_an_erased_person_still_holds_their_details(administrator):
    """Every relation to Person, discovered from the model graph (a record type added later
    is checked too): no text left with the name, phone or address, but the consent proof."""
    from relais.core.selectors import person_relations

    world = build_world()
    person = world.person
    Case.objects.filter(pk=world.case.pk).update(location_text="devant le 3 rue Haute")
    Appointment.objects.filter(pk=world.appointment.pk).update(topic="Béatrice Bailleul, 0622334455")
    Accompaniment.objects.filter(pk=world.accompaniment.pk).update(notes="Mme Bailleul, 3 rue Haute")
    rights.person_erase(person=person, actor=administrator, reason="demande", close_open=True)
    leftovers = []
    for rel in person_relations():
        model = rel.related_model
        if model is Mandate:
            continue  # the consent proof, kept on purpose
        for row in model._base_manager.filter(**{rel.field.name: person}):
            text = json.dumps({f.name: str(getattr(row, f.attname)) for f in model._meta.concrete_fields})
            if any(secret in text for secret in ("Bailleul", "0622334455", "rue Haute", "Béatrice")):
                leftovers.append(f"{model._meta.label} #{row.pk}")
    assert leftovers == []


def test_erasing_twice_does_nothing_more(administrator):
    world = build_world()
    rights.person_erase(person=world.person, actor=administrator, reason="demande", close_open=True)
    assert rights.person_erase(person=world.person, actor=administrator, reason="demande", close_open=True) == {}
    assert AuditEvent.objects.filter(action="core.person.erased", person_id=world.person.pk).count() == 1


@pytest.mark.django_db
def test_the_resident_reads_entries_under_old_and_new_names_with_the_same_plain_words(resident_by_letter):
    AuditEvent.objects.create(action="case.viewed", person_id=resident_by_letter.pk)  # before the vocabulary
    AuditEvent.objects.create(action="cases.case.viewed", person_id=resident_by_letter.pk)
    AuditEvent.objects.create(action="mediation.appointment.booked", person_id=resident_by_letter.pk)
    words = {entry["action"]: entry["what"] for entry in _sections(_export(resident_by_letter))["journal"]}
    assert words["case.viewed"] == words["cases.case.viewed"] == "consultation"
    assert words["mediation.appointment.booked"] == "autre action"
