"""Letters that arrive together and SMS that cost one segment, in a real browser with axe-core:
the counter prepares a batch where one resident has seven letters (one envelope), finds her
in the batch's list of recipients, downloads the PDF; an administrator sees the SMS segments
of a text and the warning above two."""

import json
import re
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from tests.browser.test_rights_and_outbox_pages import _shell, staff_login

# Seven letters to Jeanne Martin and one to another resident written to by post, waiting to
# be printed; print what the test needs, as JSON.
SETUP = """
import json
from relais.core.models import ContactChannel, Person
from relais.notifications import services
jeanne = Person.objects.get(first_name="Jeanne", last_name="Martin")
other = Person.objects.create(first_name="Gaston", last_name="Lelièvre", address="9 rue Basse",
    postal_code="37500", commune="Valbrenne", preferred_channel=ContactChannel.LETTER)
sent = [services.notify(person=jeanne, template="generic",
        context={"subject": f"Courrier {n}", "text": "Appelez-nous au 02 47 12 34 56."}).pk for n in range(1, 8)]
sent.append(services.notify(person=other, template="generic", context={"subject": "Info", "text": "T"}).pk)
# Letters other journeys left waiting print in the same batch: count them in.
from relais.notifications.models import Message
waiting = Message.objects.letters_to_print()
print(json.dumps({"messages": sent, "other": other.pk, "letters": waiting.count(),
    "envelopes": len(set(waiting.values_list("person_id", "to_address"))),
    "jeanne": waiting.filter(person=jeanne).count()}))
"""

TEARDOWN = """
from relais.core.models import Person
from relais.notifications.models import LetterBatch, Message
batches = set(Message.objects.filter(pk__in={pks!r}).values_list("batch_id", flat=True))
Message.objects.filter(pk__in={pks!r}).delete()
LetterBatch.objects.filter(pk__in=batches, letters__isnull=True).delete()
Person.objects.filter(pk={other!r}).delete()
"""


@pytest.fixture
def letters(server):
    data = json.loads(_shell(server, SETUP))
    yield data
    _shell(server, TEARDOWN.format(pks=data["messages"], other=data["other"]))


def test_one_envelope_per_resident_and_the_batchs_recipients(server, letters, page, axe, tmp_path):
    base = server["url"]
    staff_login(page, server, "accueil@valbrenne.fr")
    page.goto(base + "/gestion/courriers/")
    page.get_by_role("button", name="Préparer le lot à imprimer").click()
    expect(page.locator("main")).to_contain_text("est prêt")
    number = re.search(r"Le lot n° (\d+) est prêt", page.locator("main").inner_text()).group(1)
    row = page.locator(f"tr:has(td:first-child:text-is('{number}'))")
    expect(row.get_by_role("cell").nth(2)).to_have_text(str(letters["letters"]))  # 8 and any left waiting
    expect(row.get_by_role("cell").nth(3)).to_have_text(str(letters["envelopes"]))  # Jeanne's 7 in one
    row.get_by_role("link", name=re.compile("^Destinataires")).click()

    expect(page.locator("h1")).to_contain_text("Destinataires du lot")
    expect(page.locator("main")).to_contain_text(f"{letters['envelopes']} enveloppes")
    jeanne = page.get_by_role("row", name=re.compile("Jeanne", re.I))
    expect(jeanne.get_by_role("listitem")).to_have_count(letters["jeanne"])
    assert axe(page.url, cookies=page.context.cookies()) == [], page.url

    page.get_by_label("Nom du destinataire").fill("lelievre")
    page.get_by_role("button", name="Chercher").click()
    expect(page.get_by_role("row", name=re.compile("Lelièvre", re.I))).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Jeanne", re.I))).to_have_count(0)
    expect(page.get_by_label("Nom du destinataire")).to_have_value("lelievre")
    assert axe(page) == [], page.url

    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le PDF du lot").click()
    pdf = tmp_path / "lot.pdf"
    download.value.save_as(pdf)
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
        assert text.count("12 impasse du Moulin") == 1
        assert f"Cette enveloppe contient {letters['jeanne']} courriers" in text
        assert sum("02 47 12 34 56" in " ".join(line.split()) for line in text.splitlines()) == 7
    page.reload()
    expect(page.locator("main")).to_contain_text("Pages du PDF")


def test_the_template_editor_counts_sms_and_warns_above_two(server, page, axe):
    base = server["url"]
    staff_login(page, server, "admin@valbrenne.fr")
    page.goto(base + "/gestion/modeles/generic/fr/")
    expect(page.locator("#sms-segments")).to_contain_text("1 SMS")
    page.get_by_label("Texte du SMS").fill("« Très long » message – à lire. " * 12)
    page.get_by_role("button", name="Aperçu").click()
    expect(page.locator("#sms-segments")).to_contain_text("3 SMS")
    expect(page.locator("main")).to_contain_text("part en 3 morceaux")
    expect(page.locator("main")).to_contain_text('"Très long" message - à lire.')
    assert axe(page) == [], page.url
