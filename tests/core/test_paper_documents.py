"""Documents on paper for every reader (core.pdf): every PDF is tagged (PDF/UA-1) with its
title shown and its language, reads in order (a letter's address before its body), and a
person who asked for large print gets it throughout — at least 16 pt for every piece of
text, phone number and footer included."""

import html
import io
import re
import shutil
import subprocess

import pytest
from django.urls import reverse
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar
from pdfminer.pdfdevice import TagExtractor
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1

from relais.accounts.models import Team, User
from relais.cases import services as case_services
from relais.cases.models import Case
from relais.core import rights
from relais.core.models import Person
from relais.mandates.models import Mandate
from relais.mediation.models import Registration
from relais.mediation.services import workshops
from relais.notifications import services
from tests.conftest import staff_client

LARGE_PRINT_MIN_PT = 16


# ---------------------------------------------------------------- reading a PDF back


def _catalog(pdf: bytes, tmp_path) -> tuple[dict, dict]:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    with open(path, "rb") as fh:
        document = PDFDocument(PDFParser(fh))
        catalog = {key: resolve1(value) for key, value in document.catalog.items()}
        info = {key: resolve1(value) for key, value in (document.info[0] if document.info else {}).items()}
    return catalog, info


def _text(pdf: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return " ".join(text.split())


def _text_sizes(pdf: bytes, tmp_path) -> dict[float, str]:
    """Each font size used for a visible character, with a sample of the text printed at it."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    sizes: dict[float, str] = {}

    def walk(item):
        if isinstance(item, LTChar):
            if item.get_text().strip():
                size = round(item.size, 1)
                sizes[size] = (sizes.get(size, "") + item.get_text())[:60]
        elif hasattr(item, "__iter__"):
            for child in item:
                walk(child)

    for page in extract_pages(str(path)):
        walk(page)
    return sizes


def _tagged_text(pdf: bytes, tmp_path) -> str:
    """The text in the order of the PDF's structure tree: what a screen reader reads (each
    marked-content piece of a page's stream, found by its MCID, in the tree's order)."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    with open(path, "rb") as fh:
        document = PDFDocument(PDFParser(fh))
        resources = PDFResourceManager()
        pieces, page_numbers = {}, {}
        for number, page in enumerate(PDFPage.create_pages(document)):
            page_numbers[page.pageid] = number
            out = io.BytesIO()
            PDFPageInterpreter(resources, TagExtractor(resources, out, codec="utf-8")).process_page(page)
            for mcid, text in re.findall(rb'MCID="?(\d+)"?[^>]*>(.*?)</', out.getvalue(), re.S):
                pieces[(number, int(mcid))] = html.unescape(text.decode("utf-8"))
        order = []

        def walk(node, page=None):
            node = resolve1(node)
            if isinstance(node, int):
                order.append((page, node))
            elif isinstance(node, list):
                for kid in node:
                    walk(kid, page)
            elif isinstance(node, dict):
                if node.get("Pg") is not None:
                    page = page_numbers.get(node["Pg"].objid, page)
                if "MCID" in node:
                    order.append((page, node["MCID"]))
                elif "K" in node:
                    walk(node["K"], page)

        walk(document.catalog["StructTreeRoot"])
    return " ".join(" ".join(pieces.get(key, "").split()) for key in order)


def _b(value) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


# ---------------------------------------------------------------- every kind of document


@pytest.fixture
def person(resident_by_letter):
    """Jeanne Martin: by post, and (in the demo) large print."""
    return resident_by_letter


def _letter(person):
    message = services.notify(
        person=person,
        template="generic",
        context={"subject": "Votre rendez-vous", "text": "Le corps de la lettre. Appelez le 02 47 00 00 00."},
    )
    return services.letter_pdf(message)


def _batch(person, reception_agent):
    for subject in ("Premier courrier", "Second courrier"):
        services.notify(person=person, template="generic", context={"subject": subject, "text": "Le corps."})
    batch = services.letters_batch_create(actor=reception_agent)
    return services.letters_batch_download(batch=batch, actor=reception_agent)


def _case_of(person):
    case = Case.objects.filter(team__slug="etat-civil").first()
    Case.objects.filter(pk=case.pk).update(person=person)
    case.refresh_from_db()
    return case


def _receipt(person, client_kwargs=None):
    return case_services.receipt_pdf(_case_of(person), **(client_kwargs or {}))


def _mandate(person, advisor, *, query=""):
    client = staff_client(advisor)
    client.post(
        reverse("mandates:create", args=[person.pk]),
        {
            "team": Team.objects.get(slug="mediation").pk,
            "scopes": ["papiers"],
            "duration": "1m",
            "consent_method": "paper",
        },
    )
    mandate = Mandate.objects.filter(person=person).latest("pk")
    response = client.get(reverse("mandates:form_pdf", args=[mandate.pk]) + query)
    assert response.status_code == 200
    return response.content


def _attended_registration(person) -> Registration:
    registration = Registration.objects.filter(status="attended").first()
    Registration.objects.filter(pk=registration.pk).update(person=person)
    registration.refresh_from_db()
    return registration


def _certificate(person, advisor, *, large_print=False):
    return workshops.certificate_pdf(
        registration=_attended_registration(person), actor=advisor, large_print=large_print
    )


def _export(person):
    """The subject-access export, as the town hands it over (PDF)."""
    admin = User.objects.get(email="admin@valbrenne.fr")
    return rights.person_data_export(person=person, actor=admin, fmt="pdf", reason="Demande écrite")[0]


def _register(admin_client):
    response = admin_client.get(reverse("people:processing_register_pdf"))
    assert response.status_code == 200
    return response.content


KINDS = ["letter", "batch", "receipt", "mandate", "certificate", "register", "export"]


@pytest.fixture
def make_pdf(person, reception_agent, advisor, admin_client):
    def make(kind):
        return {
            "letter": lambda: _letter(person),
            "batch": lambda: _batch(person, reception_agent),
            "receipt": lambda: _receipt(person),
            "mandate": lambda: _mandate(person, advisor),
            "certificate": lambda: _certificate(person, advisor),
            "register": lambda: _register(admin_client),
            "export": lambda: _export(person),
        }[kind]()

    return make


TITLES = {
    "letter": "Votre rendez-vous – Mairie de Valbrenne",
    "batch": "Courriers – Mairie de Valbrenne",
    "receipt": "Récépissé",
    "mandate": "Mandat pour faire des démarches à ma place",
    "certificate": "Attestation de participation",
    "register": "Registre des traitements",
    "export": "Vos données personnelles",
}


@pytest.mark.parametrize("kind", KINDS)
def test_every_pdf_is_tagged_with_its_title_shown_and_its_language(make_pdf, kind, tmp_path):
    catalog, info = _catalog(make_pdf(kind), tmp_path)
    assert "StructTreeRoot" in catalog, "not a tagged PDF"
    assert resolve1(catalog["MarkInfo"]).get("Marked") in (True, "true", b"true")
    # The viewer's title bar shows the document's title, not "recepisse-….pdf".
    assert resolve1(catalog["ViewerPreferences"]).get("DisplayDocTitle") in (True, "true", b"true")
    assert _b(TITLES[kind]).decode() in (
        info["Title"].decode("utf-16") if info["Title"][:2] == b"\xfe\xff" else info["Title"].decode()
    )
    assert _b(catalog["Lang"]).decode("latin-1").startswith("fr")


@pytest.mark.parametrize("reader", ["structure", "page"])
def test_a_letter_reads_letterhead_then_address_then_date_then_body(person, reader, tmp_path):
    """In the order a screen reader follows (the structure tree) and the one of the page."""
    pdf = _letter(person)
    text = _tagged_text(pdf, tmp_path) if reader == "structure" else _text(pdf, tmp_path)
    order = [
        text.index("Mairie de Valbrenne"),
        text.index("12 impasse du Moulin"),
        text.index("Valbrenne, le"),
        text.index("Votre rendez-vous"),
        text.index("Le corps de la lettre"),
    ]
    assert order == sorted(order), text


def test_images_on_paper_have_a_text_alternative(person, monkeypatch, settings):
    """The logo and the QR code are described (an image without one is an error in PDF/UA)."""
    settings.RELAIS = {**settings.RELAIS, "LOGO": "logo.png"}
    monkeypatch.setattr("relais.core.pdf.html_to_pdf", lambda html: html.encode())
    message = services.notify(
        person=person,
        template="case_message",
        context=case_services._message_context(_case_of(person), message="Il manque un justificatif."),
    )
    for page in (services.letter_html([message]), _receipt(person).decode()):
        images = re.findall(r"<img\b[^>]*>", page)
        assert len(images) >= 1
        for image in images:
            assert re.search(r'alt="[^"]+"', image), image


# ---------------------------------------------------------------- large print throughout


@pytest.mark.parametrize("kind", ["letter", "batch", "receipt", "mandate", "certificate", "export"])
def test_a_person_who_asked_for_large_print_gets_it_throughout(make_pdf, person, kind, tmp_path):
    assert person.large_print
    sizes = _text_sizes(make_pdf(kind), tmp_path)
    small = {size: sample for size, sample in sizes.items() if size < LARGE_PRINT_MIN_PT}
    assert not small, f"text under {LARGE_PRINT_MIN_PT} pt: {small}"


@pytest.mark.parametrize("kind", ["letter", "receipt", "certificate", "export"])
def test_without_the_preference_documents_keep_their_usual_sizes(make_pdf, person, kind, tmp_path):
    Person.objects.filter(pk=person.pk).update(large_print=False)
    person.refresh_from_db()
    sizes = _text_sizes(make_pdf(kind), tmp_path)
    assert min(sizes) < LARGE_PRINT_MIN_PT


def test_staff_can_choose_large_print_for_someone_without_the_preference(person, advisor, tmp_path):
    Person.objects.filter(pk=person.pk).update(large_print=False)
    person.refresh_from_db()
    assert min(_text_sizes(_mandate(person, advisor), tmp_path)) < LARGE_PRINT_MIN_PT
    assert min(_text_sizes(_mandate(person, advisor, query="?gros-caracteres=1"), tmp_path)) >= LARGE_PRINT_MIN_PT
    assert min(_text_sizes(_certificate(person, advisor, large_print=True), tmp_path)) >= LARGE_PRINT_MIN_PT


def test_the_staff_pages_offer_the_large_print_version(person, advisor):
    Person.objects.filter(pk=person.pk).update(large_print=False)
    client = staff_client(advisor)
    _mandate(person, advisor)
    mandate = Mandate.objects.filter(person=person).latest("pk")
    page = client.get(mandate.get_absolute_url()).content.decode()
    assert reverse("mandates:form_pdf", args=[mandate.pk]) + "?gros-caracteres=1" in page


def test_a_resident_can_download_the_receipt_in_large_print(client, person, tmp_path):
    Person.objects.filter(pk=person.pk).update(large_print=False)
    case = _case_of(person)
    page = client.get(case.get_tracking_url()).content.decode()
    url = reverse("cases:receipt", args=[case.reference, case.token])
    assert f"{url}?gros-caracteres=1" in page
    assert min(_text_sizes(client.get(url).content, tmp_path)) < LARGE_PRINT_MIN_PT
    assert min(_text_sizes(client.get(url + "?gros-caracteres=1").content, tmp_path)) >= LARGE_PRINT_MIN_PT


def test_a_batch_mixes_large_and_usual_print_envelope_by_envelope(person, reception_agent, tmp_path):
    other = Person.objects.create(
        first_name="Paul",
        last_name="Lenoir",
        address="3 rue Haute",
        postal_code="37500",
        commune="Valbrenne",
        preferred_channel="letter",
    )
    services.notify(person=other, template="generic", context={"subject": "Pour Paul", "text": "Le corps."})
    pdf = _batch(person, reception_agent)
    sizes = _text_sizes(pdf, tmp_path)
    assert min(sizes) < LARGE_PRINT_MIN_PT  # Paul's envelope
    assert any(size >= LARGE_PRINT_MIN_PT for size in sizes)
