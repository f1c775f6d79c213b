"""A resident files a request online, without an account, one question per page."""

import re
from html import unescape

from django.core import mail
from django.urls import reverse

from relais.cases.models import Case, Draft
from relais.core.models import AuditEvent
from relais.notifications.services import process_due
from tests.bidi import unisolated
from tests.cases.conftest import pdf_file


def start(client, form):
    response = client.post(reverse("cases:start", args=[form.slug]))
    assert response.status_code == 302
    return response["Location"]


def answer_ccas(client, form):
    url = start(client, form)
    response = client.post(url, {"motif": "Logement"})
    url = response["Location"]
    response = client.post(url, {"precisions": "Mon propriétaire veut vendre."})
    url = response["Location"]
    response = client.post(url, {"moments": ["Le matin", "Le samedi matin"]})
    return response["Location"]


def test_a_resident_without_account_files_and_gets_a_reference_and_receipt(client, ccas_form):
    contact_url = answer_ccas(client, ccas_form)
    assert contact_url.endswith("/coordonnees/")
    response = client.post(
        contact_url,
        {"first_name": "Lina", "last_name": "Haddad", "preferred_channel": "email", "email": "lina@example.org"},
    )
    check_url = response["Location"]
    page = client.get(check_url).content.decode()
    assert "Mon propriétaire veut vendre." in page and "Le matin, Le samedi matin" in page
    response = client.post(check_url)
    case = Case.objects.get(person__email="lina@example.org")
    assert response["Location"] == case.get_tracking_url()
    assert re.fullmatch(r"\d{4}-\d{5}", case.reference)
    assert case.channel == "online" and case.team.slug == "ccas" and case.status == "submitted"
    tracking = client.get(case.get_tracking_url()).content.decode()
    assert case.reference in tracking and "Reçue" in tracking
    receipt = client.get(reverse("cases:receipt", args=[case.reference, case.token]))
    assert receipt["Content-Type"] == "application/pdf" and receipt.content.startswith(b"%PDF")
    process_due()
    [email] = [m for m in mail.outbox if m.to == ["lina@example.org"]]
    assert case.reference in email.subject and case.get_tracking_url() in email.body
    assert AuditEvent.objects.filter(action="cases.case.submitted", object_id=str(case.pk)).exists()


def test_sending_twice_creates_one_case(client, ccas_form):
    contact_url = answer_ccas(client, ccas_form)
    check_url = client.post(
        contact_url, {"first_name": "Paul", "last_name": "Ny", "preferred_channel": "phone", "phone": "0247000001"}
    )["Location"]
    first = client.post(check_url)
    second = client.post(check_url)  # a double click, or the back button and send again
    assert Case.objects.filter(person__last_name="Ny").count() == 1
    assert first["Location"] == second["Location"]


def test_an_empty_answer_is_explained_beside_the_field(client, ccas_form):
    url = start(client, ccas_form)
    response = client.post(url, {})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Il y a un problème" in html and "Choisissez une réponse." in html
    assert html.count("Choisissez une réponse.") == 2  # in the summary and beside the field
    assert "<title>Erreur :" in html


def test_a_draft_survives_a_closed_tab_and_answers_are_kept(client, ccas_form):
    url = start(client, ccas_form)
    client.post(url, {"motif": "Autre"})
    draft = Draft.objects.get(form=ccas_form)
    assert draft.data["answers"] == {"motif": "Autre"}
    fresh = client.__class__()  # another browser session with the same link
    page = fresh.get(url).content.decode()
    assert '<input type="radio" name="motif" value="Autre" id="id_motif_4" required checked>' in page


def test_the_check_page_links_to_each_question_and_returns_there(client, ccas_form):
    contact_url = answer_ccas(client, ccas_form)
    check_url = client.post(
        contact_url, {"first_name": "A", "last_name": "B", "preferred_channel": "phone", "phone": "0247000002"}
    )["Location"]
    page = client.get(check_url).content.decode()
    edit = re.search(r'href="([^"]+/question/1/\?retour=verifier)"', page).group(1)
    response = client.post(edit, {"motif": "Aide alimentaire"})
    assert response["Location"] == check_url


def test_letters_need_a_full_address_and_the_form_keeps_what_was_typed(client, ccas_form):
    contact_url = answer_ccas(client, ccas_form)
    response = client.post(
        contact_url,
        {
            "first_name": "Rose",
            "last_name": "Petit",
            "preferred_channel": "letter",
            "address": "3 rue Haute",
            "postal_code": "",
            "commune": "",
        },
    )
    html = response.content.decode()
    assert (
        "Indiquez le code postal pour recevoir des courriers." in html
        and "3 rue Haute" in html
        and 'value="Rose"' in html
    )


def test_files_are_checked_by_size_and_content(client, electoral_form, settings):
    url = start(client, electoral_form)
    url = client.post(url, {"naissance": "1990-05-01"})["Location"]
    url = client.post(url, {"lieu_naissance": "Tours"})["Location"]
    url = client.post(url, {"nationalite": "Français"})["Location"]
    # a "PDF" that is really text
    liar = pdf_file("carte.pdf", b"hello, I am not a PDF at all")
    html = unescape(client.post(url, {"piece": liar}).content.decode())
    assert "n'est pas d'un type accepté" in html
    # a real PDF named as a photo
    html = unescape(client.post(url, {"piece": pdf_file("carte.jpg")}).content.decode())
    assert "ne correspond pas à son type" in html
    # an executable
    html = unescape(client.post(url, {"piece": pdf_file("virus.exe", b"MZ\x90\x00" * 10)}).content.decode())
    assert "n'est pas d'un type accepté" in html
    settings.RELAIS = {**settings.RELAIS, "MAX_UPLOAD_MB": 1}
    big = pdf_file("gros.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10) + b"\n%%EOF")
    html = client.post(url, {"piece": big}).content.decode()
    assert "la taille maximale est de 1,0" in html
    # a good one goes through and is kept with the draft
    response = client.post(url, {"piece": pdf_file("carte.pdf")})
    assert response.status_code == 302
    assert Draft.objects.get(form=electoral_form).files.get().name == "carte.pdf"


def test_an_unpublished_form_is_not_found(client, ccas_form):
    ccas_form.published = False
    ccas_form.save()
    assert client.get(reverse("cases:start", args=[ccas_form.slug])).status_code == 404


def test_a_form_that_needs_an_account_asks_to_log_in(client, db):
    response = client.get(reverse("cases:start", args=["occupation-domaine-public"]))
    assert "Se connecter" in response.content.decode()
    assert client.post(reverse("cases:start", args=["occupation-domaine-public"])).status_code == 302


def test_a_logged_in_resident_skips_contact_and_sees_my_requests(client, resident_with_email, ccas_form):
    client.force_login(resident_with_email.user)
    check_url = answer_ccas(client, ccas_form)
    assert check_url.endswith("/verifier/")
    client.post(check_url)
    case = Case.objects.filter(person=resident_with_email).latest("pk")
    page = client.get(reverse("cases:my_cases")).content.decode()
    assert case.reference in page
    account = client.get(reverse("core:account")).content.decode()
    assert "Vos demandes" in account and case.reference in account


def test_a_street_report_needs_a_place(client, street_form):
    url = start(client, street_form)
    url = client.post(url, {"type": "Déchets"})["Location"]
    url = client.post(url, {"description": "Des sacs depuis lundi."})["Location"]
    url = client.post(url, {})["Location"]  # the photo is optional
    assert url.endswith("/lieu/")
    html = client.post(url, {"location_text": ""}).content.decode()
    assert "Dites-nous où se trouve le problème." in html
    response = client.post(url, {"location_text": "Parc des Tilleuls", "latitude": "47.25", "longitude": "0.68"})
    assert response["Location"].endswith("/coordonnees/")


def test_a_wrong_tracking_link_is_a_404(client, db):
    case = Case.objects.first()
    assert client.get(reverse("cases:track", args=[case.reference, "not-the-token"])).status_code == 404


def test_the_resident_answers_a_question_and_the_case_resumes(client, db):
    case = Case.objects.get(status="waiting_for_resident")
    response = client.post(case.get_tracking_url(), {"text": "Voici la copie.", "document": pdf_file("copie.pdf")})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "in_progress" and case.resident_replied_at
    assert case.documents.filter(name="copie.pdf", by_resident=True).exists()


def test_an_empty_reply_is_refused_kindly(client, db):
    case = Case.objects.get(status="waiting_for_resident")
    html = client.post(case.get_tracking_url(), {"text": ""}).content.decode()
    assert "Écrivez un message ou ajoutez un document." in html


def test_a_procedure_page_links_to_its_online_form(client, db):
    page = client.get(reverse("directory:procedure", args=["inscription-scolaire"])).content.decode()
    assert reverse("cases:start", args=["inscription-scolaire"]) in page and "Faire la demande en ligne" in page


def test_old_unsent_drafts_are_purged(client, ccas_form):
    import datetime

    from django.utils import timezone

    from relais.cases.services import drafts_purge

    start(client, ccas_form)
    Draft.objects.update(updated_at=timezone.now() - datetime.timedelta(days=31))
    assert drafts_purge(dry_run=True) == 1
    assert drafts_purge() == 1 and not Draft.objects.exists()


def test_the_resume_box_says_when_an_unsent_request_is_deleted(client, ccas_form):
    import datetime

    from django.utils import timezone

    url = start(client, ccas_form)
    saved_on = timezone.make_aware(datetime.datetime(2026, 11, 20, 10, 0))
    Draft.objects.update(updated_at=saved_on)
    html = unisolated(unescape(re.sub(r"\s+", " ", client.get(url).content.decode())))
    assert "effacée 30 jours après la dernière réponse enregistrée, avec ses documents" in html
    assert 'votre demande commencée sera effacée le <strong class="nowrap">20 décembre 2026</strong>' in html


def test_a_photo_cut_in_half_is_refused_beside_the_field(client, electoral_form):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    url = start(client, electoral_form)
    url = client.post(url, {"naissance": "1990-05-01"})["Location"]
    url = client.post(url, {"lieu_naissance": "Tours"})["Location"]
    url = client.post(url, {"nationalite": "Français"})["Location"]
    for name, kind in (("carte.jpg", "JPEG"), ("carte.png", "PNG")):
        buffer = io.BytesIO()
        Image.effect_noise((400, 300), 60).convert("RGB").save(buffer, format=kind)
        half = buffer.getvalue()[: len(buffer.getvalue()) // 2]
        html = unescape(client.post(url, {"piece": SimpleUploadedFile(name, half)}).content.decode())
        message = re.search(r'<p class="error-message" id="[^"]+">(.*?)</p>', html, re.S).group(1)
        assert f"Le fichier « {name} » ne correspond pas à son type ou est abîmé" in message
    assert not Draft.objects.get().files.exists()


def test_sms_answers_need_a_mobile_number_beside_the_phone_field(client, ccas_form):
    contact_url = answer_ccas(client, ccas_form)
    response = client.post(
        contact_url, {"first_name": "A", "last_name": "B", "preferred_channel": "sms", "phone": "02 47 00 00 02"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "Ce numéro ne reçoit pas de SMS" in html
    assert 'value="02 47 00 00 02"' in html
