"""Export of places in the national Schéma des lieux de médiation numérique (v1.0.2)."""

from __future__ import annotations

import csv
import io

from relais.core.exports import spreadsheet_safe
from relais.directory.models import Place

SCHEMA_FIELDS = [
    "id", "pivot", "nom", "commune", "code_postal", "code_insee", "adresse", "complement_adresse",
    "latitude", "longitude", "typologie", "telephone", "courriels", "site_web", "horaires",
    "presentation_resume", "presentation_detail", "source", "itinerance", "structure_parente", "date_maj",
    "services", "publics_specifiquement_adresses", "prise_en_charge_specifique", "frais_a_charge",
    "dispositif_programmes_nationaux", "formations_labels", "autres_formations_labels", "modalites_acces",
    "modalites_accompagnement", "fiche_acces_libre", "prise_rdv",
]  # fmt: skip
LIST_SEPARATOR = "|"


def place_record(place: Place, *, source: str) -> dict:
    """One place as a dict of the standard's fields (lists joined with "|", empty as "")."""
    record = {}
    for name in SCHEMA_FIELDS:
        if name == "id":
            value = place.standard_id
        elif name == "source":
            value = place.source or source
        elif name == "date_maj":
            value = place.date_maj.isoformat()
        else:
            value = getattr(place, name)
        if isinstance(value, list):
            value = LIST_SEPARATOR.join(value)
        record[name] = "" if value is None else value
    return record


def places_records(*, source: str) -> list[dict]:
    return [place_record(p, source=source) for p in Place.objects.published().order_by("nom")]


def to_csv(records: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=SCHEMA_FIELDS, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writeheader()
    # Free-text fields are edited by staff: a "=HYPERLINK(…)" must reach a spreadsheet as text.
    writer.writerows({name: spreadsheet_safe(value) for name, value in record.items()} for record in records)
    return out.getvalue()
