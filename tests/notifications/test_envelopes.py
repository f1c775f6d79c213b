"""One envelope per resident per batch, the counter's list of a batch's recipients, and print
that never breaks a phone number or a link across lines."""

import datetime
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from relais.core.models import AuditEvent, ContactChannel, Person
from relais.notifications import letters, selectors, services
from relais.notifications.models import LetterBatch, Message, MessageStatus
from tests.conftest import staff_client

pytestmark = pytest.mark.django_db


def _write(person, subject, text="Votre dossier avance."):
    return services.notify(person=person, template="generic", context={"subject": subject, "text": text})


def _by_post(first_name, last_name, address="3 rue Haute"):
    return Person.objects.create(
        first_name=first_name,
        last_name=last_name,
        address=address,
        postal_code="37500",
        commune="Valbrenne",
        preferred_channel=ContactChannel.LETTER,
    )


def _pdf_text(pdf: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "letters.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout


def test_seven_letters_of_one_day_go_in_one_envelope(resident_by_letter, reception_agent, tmp_path):
    sent = [_write(resident_by_letter, f"Courrier {n}") for n in range(1, 8)]
    batch = services.letters_batch_create(actor=reception_agent)
    assert batch.envelopes == 1 and batch.letters.count() == 7
    # Each message still records that it went by post in this batch.
    assert set(Message.objects.filter(batch=batch, status=MessageStatus.PRINTED)) == set(sent)
    [envelope] = selectors.batch_envelopes(batch)
    assert [m.pk for m in envelope.letters] == [m.pk for m in sent]
    pdf = services.letters_batch_download(batch=batch, actor=reception_agent)
    text = _pdf_text(pdf, tmp_path)
    assert text.count("12 impasse du Moulin") == 1  # one address block
    assert "Cette enveloppe contient 7 courriers" in text
    for message in sent:  # every message with its own heading and reference
        assert f"Réf. courrier {message.pk}" in text and message.subject in text
    batch.refresh_from_db()
    assert batch.envelopes == 1 and len(batch.envelope_pages) == 1 and batch.pages == batch.envelope_pages[0]
    assert batch.pages < 7  # they follow one another, not a page each


def test_n_residents_get_n_envelopes_each_starting_a_new_page(resident_by_letter, reception_agent, tmp_path):
    others = [_by_post("Paul", "Lenoir"), _by_post("Rose", "Aubry", address="8 chemin Vert")]
    for person in [resident_by_letter, *others]:
        _write(person, "Premier")
        _write(person, "Second")
    batch = services.letters_batch_create(actor=reception_agent)
    assert batch.envelopes == 3 and batch.letters.count() == 6
    pdf = services.letters_batch_download(batch=batch, actor=reception_agent)
    batch.refresh_from_db()
    assert len(batch.envelope_pages) == 3 and all(pages >= 1 for pages in batch.envelope_pages)
    pages = _pdf_text(pdf, tmp_path).split("\f")
    assert len([p for p in pages if p.strip()]) == batch.pages
    for envelope in selectors.batch_envelopes(batch):
        first_page = pages[envelope.first_page - 1]
        assert f"Enveloppe {envelope.number}" in first_page and envelope.to_address.split("\n")[1] in first_page


def test_letters_to_one_person_at_two_addresses_make_two_envelopes(resident_by_letter, reception_agent):
    _write(resident_by_letter, "Avant")
    resident_by_letter.address = "1 allée Neuve"
    resident_by_letter.save(update_fields=["address"])
    _write(resident_by_letter, "Après")
    batch = services.letters_batch_create(actor=reception_agent)
    assert batch.envelopes == 2


def test_a_later_batch_makes_a_new_envelope(resident_by_letter, reception_agent):
    _write(resident_by_letter, "Lundi")
    services.letters_batch_create(actor=reception_agent)
    _write(resident_by_letter, "Mardi")
    second = services.letters_batch_create(actor=reception_agent)
    assert second.envelopes == 1 and second.letters.get().subject == "Mardi"


def test_the_outbox_counts_messages_and_envelopes(reception_client, resident_by_letter, reception_agent):
    for n in range(3):
        _write(resident_by_letter, f"Courrier {n}")
    _write(_by_post("Paul", "Lenoir"), "Autre")
    batch = services.letters_batch_create(actor=reception_agent)
    page = reception_client.get(reverse("notifications:outbox")).content.decode()
    assert f"<td>{batch.pk}</td>" in page and "<td>4</td><td>2</td>" in page
    assert reverse("notifications:batch_recipients", args=[batch.pk]) in page


# ---------------------------------------------------------------- the counter's list of recipients


def _batch_of_three(reception_agent, resident_by_letter):
    later, earlier, latest = _by_post("Zoé", "Lefèvre"), _by_post("Anatole", "Brun"), resident_by_letter
    moments = {earlier: 3, later: 2, latest: 1}  # days ago
    for person, days in moments.items():
        message = _write(person, "Info")
        Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - datetime.timedelta(days=days))
    return services.letters_batch_create(actor=reception_agent), (earlier, later, latest)


def test_the_recipients_of_a_batch_are_listed_in_date_order(reception_client, reception_agent, resident_by_letter):
    batch, people = _batch_of_three(reception_agent, resident_by_letter)
    url = reverse("notifications:batch_recipients", args=[batch.pk])
    response = reception_client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    positions = [page.index(person.display_name) for person in people]
    assert positions == sorted(positions)
    event = AuditEvent.objects.filter(action="notifications.letter_batch.recipients_viewed").latest("pk")
    assert set(event.details["people"]) == {p.pk for p in people}


def test_the_recipients_are_searched_by_name_without_accents(reception_client, reception_agent, resident_by_letter):
    batch, (earlier, later, latest) = _batch_of_three(reception_agent, resident_by_letter)
    url = reverse("notifications:batch_recipients", args=[batch.pk])
    page = reception_client.get(url, {"q": "lefevre"}).content.decode()
    assert later.display_name in page and earlier.display_name not in page and latest.display_name not in page
    assert 'value="lefevre"' in page  # what was typed stays
    page = reception_client.get(url, {"q": "Personne Inconnue"}).content.decode()
    assert "Aucun destinataire de ce lot ne porte ce nom." in page


def test_the_recipients_page_shows_the_pages_of_each_envelope_once_printed(
    reception_client, reception_agent, resident_by_letter
):
    batch, _people = _batch_of_three(reception_agent, resident_by_letter)
    url = reverse("notifications:batch_recipients", args=[batch.pk])
    assert "Pages du PDF" not in reception_client.get(url).content.decode()
    services.letters_batch_download(batch=batch, actor=reception_agent)
    page = reception_client.get(url).content.decode()
    assert "Pages du PDF" in page and "3 enveloppes" in page


def test_only_the_counter_opens_a_batchs_recipients(case_worker, reception_agent, resident_by_letter):
    _write(resident_by_letter, "Info")
    batch = services.letters_batch_create(actor=reception_agent)
    url = reverse("notifications:batch_recipients", args=[batch.pk])
    assert staff_client(case_worker).get(url).status_code == 404
    assert (
        staff_client(reception_agent).get(reverse("notifications:batch_recipients", args=[batch.pk + 99])).status_code
        == 404
    )


# ---------------------------------------------------------------- print never breaks a number or a link


def test_phone_numbers_get_non_breaking_spaces():
    assert letters.phone_unbreakable("Appelez le 02 47 00 00 00.") == "Appelez le 02\u00a047\u00a000\u00a000\u00a000."
    assert letters.phone_unbreakable("+33 6 12 34 56 78") == "+33\u00a06\u00a012\u00a034\u00a056\u00a078"
    assert letters.phone_unbreakable("le 12 mars 2026 à 10 h") == "le 12 mars 2026 à 10 h"  # not a number


def test_print_text_escapes_and_keeps_links_and_numbers_whole():
    html = letters.print_text(
        "<b>Écrivez</b> à mairie@valbrenne.fr ou https://valbrenne.fr/suivi/?a=1&b=2, 02 47 00 00 00"
    )
    assert "&lt;b&gt;" in html
    assert '<span class="link">mairie@valbrenne.fr</span>' in html
    assert '<span class="link">https://valbrenne.fr/suivi/?a=1&amp;b=2</span>,' in html
    assert '<span class="phone">02\u00a047\u00a000\u00a000\u00a000</span>' in html


def test_a_phone_number_and_a_link_at_the_end_of_a_line_stay_on_one_line(resident_by_letter, tmp_path):
    text = "\n".join(
        "Mot " * words + "appelez le 02 47 12 34 56 ou allez sur https://www.valbrenne.fr/demarches/etat-civil/"
        for words in range(8, 20)
    )
    message = _write(resident_by_letter, "Numéros", text)
    pdf_text = _pdf_text(services.letter_pdf(message), tmp_path)
    lines = [" ".join(line.split()) for line in pdf_text.splitlines()]
    assert sum("02 47 12 34 56" in line for line in lines) == 12
    assert sum("https://www.valbrenne.fr/demarches/etat-civil/" in line for line in lines) == 12
    town_phone = " ".join(services.settings.RELAIS["TOWN_PHONE"].split())
    assert any(town_phone in line for line in lines)


def test_demo_batches_count_their_envelopes(db):
    assert not LetterBatch.objects.filter(envelopes=0, letters__isnull=False).exists()
