"""The council report: sentences written from the published figures, in French number
format, only for the figures that are there; the PDF holds them with the tables."""

import datetime
import re
import shutil
import subprocess

import pytest

from relais.stats.figures import DAYS, PERCENT, SUPPRESSED, Figure, Row, Section, Table
from relais.stats.filters import Period, Query
from relais.stats.report import council_pdf, summary

PERIODS = ["Période", "Période précédente"]
YEAR = Query(period=Period(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)))
PERIOD_SENTENCE = (
    "Période couverte : du 1 janvier 2025 au 31 décembre 2025 ; entre parenthèses, la période précédente : "
    "du 1 janvier 2024 au 31 décembre 2024."
)


def mediation(**values) -> Section:
    figures = {
        "beneficiaries": ("Personnes différentes accompagnées", 1240, 1102),
        "first_time": ("Premières visites", 471, 400),  # 471 / 1 240 = 37,98 %
        "activities": ("Activités enregistrées", 312, 290),
        "accompaniments": ("Accompagnements", 540, 501),
        "hours": ("Heures d'accompagnement", 410, 388),
        "certificates": ("Attestations de participation remises", SUPPRESSED, 6),
    }
    for slug, value in values.items():
        figures[slug] = (figures[slug][0], value, figures[slug][2])
    kind = Table(
        "kind",
        "Type d'activité",
        [Row("Accompagnement individuel", [300, 280], "individual"), Row("Atelier collectif", [12, SUPPRESSED], "c")],
        PERIODS,
    )
    return Section(
        "mediation",
        "Médiation numérique",
        [Figure(slug, label, now, before) for slug, (label, now, before) in figures.items() if now is not None],
        [kind],
    )


def requests(counter=200) -> Section:
    channel = Table(
        "channel",
        "Demandes par canal",
        [
            Row("En ligne", [590, 500], "online"),
            Row("Au guichet", [counter, 180], "counter"),
            Row("Par téléphone", [150, 160], "phone"),
            Row("Par courrier", [60, 70], "post"),
        ],
        PERIODS,
    )
    figures = [
        Figure("received", "Demandes reçues", 1000, 910),
        Figure("median_days", "Délai médian", 3.5, 4, unit=DAYS, base=1000),
        Figure("p90_days", "Délai pour 9 demandes sur 10", 12, 15, unit=DAYS, base=1000),
        Figure("late_rate", "Part des demandes en retard", 7.6, 9.0, unit=PERCENT, base=1000),
    ]
    return Section("demandes", "Demandes", figures, [channel])


def test_summary_writes_numbers_the_french_way():
    sentences = summary([mediation()], YEAR)
    assert sentences[0] == PERIOD_SENTENCE
    assert (
        "1\xa0240 personnes différentes ont été accompagnées (1\xa0102 la période précédente), "
        "dont 38\xa0% pour la première fois."
    ) in sentences
    assert (
        "Les conseillers numériques ont noté 312 activités, soit 540 accompagnements et 410 heures d'accompagnement."
    ) in sentences


def test_summary_says_moins_de_5_for_suppressed_counts():
    sentences = summary([mediation(beneficiaries=SUPPRESSED, first_time=SUPPRESSED)], YEAR)
    assert (
        "Moins de 5 personnes différentes ont été accompagnées (1\xa0102 la période précédente), "
        "dont moins de 5 pour la première fois."
    ) in sentences


def test_share_of_requests_not_made_online():
    sentences = summary([requests()], YEAR)
    # (200 + 150 + 60) / 1 000
    assert (
        "Les demandes reçues au guichet, par téléphone ou par courrier représentent 41\xa0% des demandes." in sentences
    )
    assert "1\xa0000 demandes ont été reçues (910 la période précédente)." in sentences
    assert (
        "La moitié des demandes ont été traitées en 3,5 jours ou moins, neuf sur dix en 12 jours ou moins." in sentences
    )
    assert "8\xa0% des demandes ont dépassé le délai de traitement prévu." in sentences


def test_no_share_is_written_from_a_hidden_cell():
    sentences = summary([requests(counter=SUPPRESSED)], YEAR)
    assert not any("au guichet, par téléphone" in sentence for sentence in sentences)


def test_missing_sections_and_figures_leave_their_sentences_out():
    assert summary([], YEAR) == []
    only_activities = Section("mediation", "Médiation", [Figure("activities", "Activités", 312, 290)])
    assert summary([only_activities], YEAR) == [
        PERIOD_SENTENCE,
        "Les conseillers numériques ont noté 312 activités.",
    ]
    # An audience whose figures are not (yet) those the summary reads: nothing, no error.
    assert summary([Section("entraide", "Entraide", [Figure("other", "Autre", 40, 3)])], YEAR) == []


def test_zero_is_not_a_sentence():
    sentences = summary([mediation(beneficiaries=0, first_time=0)], YEAR)
    assert not any("personnes différentes" in sentence for sentence in sentences)


def frequentation() -> Section:
    heatmap = Table(
        "heatmap",
        "Visites par jour et par heure",
        [Row("lundi", [0, 8], "1"), Row("mardi", [SUPPRESSED, 21], "2")],
        ["9 h", "10 h"],
        chart="heatmap",
    )
    return Section("frequentation", "Fréquentation", [Figure("visits", "Visites", 32, 25)], [heatmap])


def test_busiest_hour_of_the_places():
    assert summary([frequentation()], YEAR)[1:] == [
        "32 visites ont été comptées dans les lieux d'accueil (25 la période précédente).",
        "Le créneau le plus fréquenté est le mardi à 10 h (21 visites).",
    ]


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "rapport.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return out


def words(text: str) -> str:
    """Spaces of any kind and line breaks as one space: the PDF wraps lines where it likes."""
    return " ".join(text.split())


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_council_pdf_holds_the_cover_the_summary_and_the_tables(tmp_path):
    sections = [mediation(), requests(), frequentation()]
    pdf = council_pdf(sections=sections, query=YEAR, town_name="Valbrenne", title="Rapport d'activité 2025")
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf, tmp_path)
    flat = words(text)
    assert "Valbrenne" in flat and "Rapport d'activité 2025" in flat
    assert "Du 1 janvier 2025 au 31 décembre 2025" in flat
    for sentence in summary(sections, YEAR):
        assert words(sentence) in flat
    # The data table of the activity kinds, line by line, small counts hidden.
    lines = [words(line) for line in text.splitlines()]
    assert "Accompagnement individuel 300 280" in lines
    assert "Atelier collectif 12 moins de 5" in lines
    assert "Attestations de participation remises moins de 5 6" in lines
    assert "mardi moins de 5 21" in lines  # the heat map's data table
    last_page = re.search(r"\b(\d+) ?/ ?\1$", flat)  # the footer of the last page: "5 / 5"
    assert last_page and int(last_page.group(1)) >= 3


def test_the_outbox_sentence_counts_the_letters_among_the_same_messages():
    outbox = Section(
        "envois",
        "Envois aux habitants",
        figures=[Figure("messages", "Messages envoyés aux habitants", 40, 30)],
        tables=[
            Table(
                "channel",
                "Messages par canal",
                [Row("Courriel", [28, 20], "email"), Row("Courrier", [12, 10], "letter")],
                ["Période", "Période précédente"],
            )
        ],
    )
    sentences = summary([outbox], YEAR)
    assert any("40 messages ont été envoyés aux habitants" in s and "dont 12 par courrier" in s for s in sentences), (
        sentences
    )
