"""Import of places in the national schema: CSV and JSON, "|" or ";" lists, clear errors
per row, nothing imported when a row is invalid unless the partial mode is asked for."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from relais.core.models import AuditEvent
from relais.directory import importer
from relais.directory.export import SCHEMA_FIELDS
from relais.directory.models import Place
from tests.conftest import staff_client

EXAMPLE = Path(__file__).resolve().parents[2] / "standards/lieux-mediation-numerique/exemple-valide.csv"


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=SCHEMA_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: row.get(name, "") for name in SCHEMA_FIELDS})
    return out.getvalue()


def _row(n: int, **changes) -> dict:
    row = {
        "id": f"lieu-{n}",
        "pivot": "43493312300029",
        "nom": f"Espace numérique {n}",
        "commune": "Valbrenne",
        "code_postal": "37500",
        "adresse": f"{n} rue des Écoles",
        "date_maj": "2026-10-01",
        "services": "Aide aux démarches administratives;Accès internet et matériel informatique",
        "typologie": "EPN",
        "latitude": "47.17",
        "longitude": "0.24",
    }
    row.update(changes)
    return row


def test_the_standards_own_example_imports(db):
    report = importer.import_places(EXAMPLE.read_text(encoding="utf-8"), fmt="csv")
    assert report.errors == [] and report.created == 1 and report.saved
    place = Place.objects.get(schema_id="structure-1")
    assert place.nom == "Anonymal" and place.typologie == ["TIERS_LIEUX", "ASSO"]
    assert "Insertion professionnelle via le numérique" in place.services


def test_semicolon_lists_of_older_files_are_accepted(db):
    report = importer.import_places(_csv([_row(1)]), fmt="csv")
    assert report.saved
    assert Place.objects.get(schema_id="lieu-1").services == [
        "Aide aux démarches administratives",
        "Accès internet et matériel informatique",
    ]


def test_one_invalid_row_means_nothing_is_imported_and_each_error_is_explained(db):
    rows = [_row(1), _row(2, code_postal="375", services="Cours de cuisine"), _row(3, nom="")]
    report = importer.import_places(_csv(rows), fmt="csv")
    assert not report.saved and not Place.objects.filter(schema_id__startswith="lieu-").exists()
    assert [e.line for e in report.errors] == [3, 4]
    assert any("code_postal" in m for m in report.errors[0].messages)
    assert any("Cours de cuisine" in m for m in report.errors[0].messages)
    assert any(m.startswith("nom") for m in report.errors[1].messages)
    assert "Rien n'est importé" in report.summary


def test_partial_mode_imports_the_valid_rows(db):
    report = importer.import_places(_csv([_row(1), _row(2, pivot="abc")]), fmt="csv", partial=True)
    assert report.saved and report.created == 1 and len(report.errors) == 1
    assert Place.objects.filter(schema_id="lieu-1").exists() and not Place.objects.filter(schema_id="lieu-2").exists()


def test_dry_run_saves_nothing(db):
    report = importer.import_places(_csv([_row(1)]), fmt="csv", dry_run=True)
    assert report.created == 1 and not report.saved and not Place.objects.filter(schema_id="lieu-1").exists()


def test_a_known_place_is_updated_from_our_own_export(client, db):
    records = client.get(reverse("directory:places_export", args=["json"])).json()
    nord = next(r for r in records if r["id"] == "relais-citoyen-nord")
    nord["telephone"] = "+33261910199"
    count = Place.objects.count()
    report = importer.import_places(json.dumps([nord]), fmt="json")
    assert report.updated == 1 and report.created == 0 and Place.objects.count() == count
    place = Place.objects.get(slug="relais-citoyen-nord")
    assert place.telephone == "+33261910199" and place.accessibility_notes  # fields outside the schema are kept


def test_the_whole_export_round_trips(client, db):
    content = client.get(reverse("directory:places_export", args=["csv"])).content.decode()
    report = importer.import_places(content, fmt="csv", dry_run=True)
    assert report.errors == [] and report.updated == Place.objects.published().count()


def test_duplicate_ids_and_unreadable_files_are_reported(db):
    report = importer.import_places(_csv([_row(1), _row(1)]), fmt="csv")
    assert "déjà utilisé ligne 2" in report.errors[0].messages[0]
    assert importer.import_places("{not json", fmt="json").errors[0].line == 0
    assert "Colonnes manquantes" in importer.import_places("a,b\n1,2\n", fmt="csv").errors[0].messages[0]


def test_json_lists_may_be_real_lists(db):
    record = _row(5, services=["Aide aux démarches administratives"], typologie=["EPN", "BIB"])
    report = importer.import_places(json.dumps([record]), fmt="json")
    assert report.saved and Place.objects.get(schema_id="lieu-5").typologie == ["EPN", "BIB"]


def test_the_command_refuses_a_file_with_errors_unless_partial(db, tmp_path):
    path = tmp_path / "lieux.csv"
    path.write_text(_csv([_row(1), _row(2, code_postal="x")]), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("places_import", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert not Place.objects.filter(schema_id="lieu-1").exists()
    out = io.StringIO()
    call_command("places_import", str(path), "--partial", stdout=out, stderr=io.StringIO())
    assert "Import terminé" in out.getvalue() and Place.objects.filter(schema_id="lieu-1").exists()
    assert AuditEvent.objects.filter(action="directory.place.imported").exists()


def test_an_administrator_imports_from_a_screen(administrator):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = staff_client(administrator)
    url = reverse("mediation:staff_places_import")
    upload = SimpleUploadedFile("lieux.csv", _csv([_row(7)]).encode(), content_type="text/csv")
    response = client.post(url, {"file": upload})
    assert "Import terminé" in response.content.decode() and Place.objects.filter(schema_id="lieu-7").exists()


def test_only_administrators_import(advisor):
    assert staff_client(advisor).get(reverse("mediation:staff_places_import")).status_code == 404


def test_a_record_without_coordinates_keeps_the_known_ones(client, db):
    place = Place.objects.get(slug="relais-citoyen-nord")
    assert place.latitude is not None
    records = client.get(reverse("directory:places_export", args=["json"])).json()
    nord = next(r for r in records if r["id"] == "relais-citoyen-nord")
    for name in ("latitude", "longitude"):
        nord.pop(name, None)
    nord["telephone"] = "+33261910198"
    assert importer.import_places(json.dumps([nord]), fmt="json").saved
    updated = Place.objects.get(pk=place.pk)
    assert (updated.latitude, updated.longitude) == (place.latitude, place.longitude)
    assert updated.telephone == "+33261910198"
    empty_cells = _csv([_row(9, id="relais-citoyen-nord", nom=place.nom, latitude="", longitude="")])
    assert importer.import_places(empty_cells, fmt="csv").saved
    assert Place.objects.get(pk=place.pk).latitude == place.latitude


def test_the_date_of_update_comes_from_the_file(db):
    importer.import_places(_csv([_row(11, date_maj="2025-03-14")]), fmt="csv")
    assert Place.objects.get(schema_id="lieu-11").date_maj.isoformat() == "2025-03-14"


def test_errors_name_the_line_where_the_record_begins_despite_multi_line_fields(db):
    rows = [
        _row(1, presentation_detail="Première ligne\nDeuxième ligne\nTroisième ligne"),
        _row(2, code_postal="375"),
    ]
    content = _csv(rows)
    report = importer.import_places(content, fmt="csv")
    [error] = report.errors
    lines = content.splitlines()
    assert lines[error.line - 1].startswith("lieu-2,")  # line numbers as a text editor shows them
    assert error.line == 5


def test_coordinates_must_be_real_and_on_earth(db):
    rows = [_row(21, latitude="nan"), _row(22, longitude="inf"), _row(23, latitude="91"), _row(24, longitude="-181")]
    report = importer.import_places(_csv(rows), fmt="csv")
    assert not report.saved and len(report.errors) == 4
    assert not Place.objects.filter(schema_id__in=["lieu-21", "lieu-22", "lieu-23", "lieu-24"]).exists()
