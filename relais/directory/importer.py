"""Import of places from a file in the national Schéma des lieux de médiation numérique
(v1.0.2; CSV or JSON; lists separated by "|", or ";" as older files do).

A place whose `id` matches a known place (its identifier in the standard, or its page
identifier) is updated; others are created. Every row is checked first; by default
nothing is imported when one row is invalid. With `partial=True`, valid rows are
imported and invalid ones reported. `dry_run=True` checks without saving.

An update only changes what the file gives: a record without coordinates (a JSON object
without the keys, or empty CSV cells) keeps the place's latitude and longitude. The file's
`date_maj` is kept as the place's date of update: `Place.save()` stamps today's date, so
the importer writes the file's date afterwards with a queryset `update()`.
Errors name the line where the record begins in the file (a quoted field may span lines).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import math
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from relais.core.audit import audit_log
from relais.directory.export import SCHEMA_FIELDS
from relais.directory.journal import Action
from relais.directory.models import Place

LIST_FIELDS = [
    "typologie", "courriels", "site_web", "itinerance", "services", "publics_specifiquement_adresses",
    "prise_en_charge_specifique", "frais_a_charge", "dispositif_programmes_nationaux", "formations_labels",
    "modalites_acces", "modalites_accompagnement",
]  # fmt: skip
TEXT_FIELDS = [
    "pivot", "nom", "commune", "code_postal", "code_insee", "adresse", "complement_adresse", "telephone", "horaires",
    "presentation_resume", "presentation_detail", "source", "structure_parente", "autres_formations_labels",
    "fiche_acces_libre", "prise_rdv",
]  # fmt: skip
REQUIRED = ["id", "pivot", "nom", "commune", "code_postal", "adresse", "date_maj"]


@dataclass
class RowError:
    line: int
    name: str
    messages: list[str]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    partial: bool = False
    saved: bool = False

    @property
    def summary(self) -> str:
        counts = ngettext("%(n)s lieu nouveau", "%(n)s lieux nouveaux", self.created) % {"n": self.created}
        counts += ", " + ngettext("%(n)s lieu mis à jour", "%(n)s lieux mis à jour", self.updated) % {"n": self.updated}
        errors = ngettext("%(n)s ligne en erreur", "%(n)s lignes en erreur", len(self.errors)) % {"n": len(self.errors)}
        if self.dry_run:
            return _("Vérification seulement, rien n'est enregistré : %(counts)s, %(errors)s.") % {
                "counts": counts,
                "errors": errors,
            }
        if not self.saved and not self.errors:
            return _("Le fichier ne contient aucun lieu.")
        if not self.saved:
            return _(
                "Rien n'est importé : %(errors)s. Corrigez le fichier, ou importez seulement les lignes valides."
            ) % {"errors": errors}
        return _("Import terminé : %(counts)s, %(errors)s.") % {"counts": counts, "errors": errors}


def split_list(value) -> list[str]:
    """ "a|b" or "a;b" (older files) -> ["a", "b"]; a JSON list is kept."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value)
    separator = "|" if "|" in text else ";"
    return [part.strip() for part in text.split(separator) if part.strip()]


def parse(content: str, fmt: str) -> list[tuple[int, dict]]:
    """[(line or item number, record)]; raises ValueError when the file cannot be read at all."""
    if fmt == "json":
        try:
            data = json.loads(content)
        except json.JSONDecodeError as error:
            raise ValueError(_("Le fichier JSON est illisible (ligne %(line)s).") % {"line": error.lineno}) from None
        if isinstance(data, dict):
            data = data.get("data") or data.get("lieux") or []
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise ValueError(_("Le fichier JSON doit contenir une liste de lieux."))
        return [(number, item) for number, item in enumerate(data, start=1)]
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(_("Colonnes manquantes : %(names)s.") % {"names": ", ".join(missing)})
    rows = []
    begins = reader.line_num + 1  # the line after the header
    for row in reader:
        rows.append((begins, row))
        begins = reader.line_num + 1
    return rows


def _unique_slug(name: str, taken: set[str]) -> str:
    base = slugify(name)[:70] or "lieu"
    slug, n = base, 2
    while slug in taken or Place.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _float(value, name: str, messages: list[str]):
    if value in (None, ""):
        return None
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        number = math.nan
    if not math.isfinite(number):  # "nan" and "inf" are floats to Python, not coordinates
        messages.append(_("%(field)s : « %(value)s » n'est pas un nombre.") % {"field": name, "value": value})
        return None
    limit = 90 if name == "latitude" else 180
    if not -limit <= number <= limit:
        messages.append(
            _("%(field)s : %(value)s est hors limites (entre -%(limit)s et %(limit)s).")
            % {"field": name, "value": value, "limit": limit}
        )
        return None
    return number


def build_place(record: dict, *, taken_slugs: set[str]) -> tuple[Place | None, bool, list[str]]:
    """(place ready to save, whether it is new, error messages) for one record. The file's
    date of update is left on the place as `import_date_maj` (see the module docstring)."""
    messages = []
    for name in REQUIRED:
        if not str(record.get(name) or "").strip():
            messages.append(_("%(field)s : champ obligatoire.") % {"field": name})
    date_maj = str(record.get("date_maj") or "").strip()
    updated_on = None
    if date_maj:
        try:
            updated_on = datetime.date.fromisoformat(date_maj)
        except ValueError:
            messages.append(_("date_maj : « %(value)s » n'est pas une date AAAA-MM-JJ.") % {"value": date_maj})
    identifier = str(record.get("id") or "").strip()
    if not identifier:
        return None, False, messages
    place = Place.objects.filter(Q(schema_id=identifier) | Q(slug=identifier)).first()
    created = place is None
    if created:
        place = Place(schema_id=identifier, slug=_unique_slug(record.get("nom") or identifier, taken_slugs))
    for name in TEXT_FIELDS:
        if name in record:
            setattr(place, name, str(record.get(name) or "").strip())
    for name in LIST_FIELDS:
        if name in record:
            setattr(place, name, split_list(record.get(name)))
    # Coordinates only when the file gives them: a record without them keeps the known ones.
    for name in ("latitude", "longitude"):
        if str(record.get(name) if record.get(name) is not None else "").strip():
            setattr(place, name, _float(record.get(name), name, messages))
    place.import_date_maj = updated_on
    try:
        place.full_clean(exclude=["slug"] if not created else None)
    except ValidationError as error:
        for name, errors in error.message_dict.items():
            label = "id" if name in ("slug", "schema_id") else name
            messages += [f"{label} : {message}" for message in errors]
    return place, created, messages


def import_places(
    content: str,
    *,
    fmt: str = "csv",
    partial: bool = False,
    dry_run: bool = False,
    actor=None,
    request: HttpRequest | None = None,
) -> ImportReport:
    report = ImportReport(dry_run=dry_run, partial=partial)
    try:
        records = parse(content, fmt)
    except ValueError as error:
        report.errors.append(RowError(line=0, name="", messages=[str(error)]))
        return report
    valid: list[tuple[Place, bool]] = []
    seen_ids: dict[str, int] = {}
    taken_slugs: set[str] = set()
    for line, record in records:
        record = {k: v for k, v in record.items() if k in SCHEMA_FIELDS}
        place, created, messages = build_place(record, taken_slugs=taken_slugs)
        identifier = str(record.get("id") or "").strip()
        if identifier in seen_ids:
            messages.append(_("id : déjà utilisé ligne %(line)s du fichier.") % {"line": seen_ids[identifier]})
        elif identifier:
            seen_ids[identifier] = line
        if messages:
            report.errors.append(RowError(line=line, name=str(record.get("nom") or ""), messages=messages))
        else:
            valid.append((place, created))
    report.created = sum(1 for _p, created in valid if created)
    report.updated = len(valid) - report.created
    if dry_run or (report.errors and not partial) or not valid:
        return report
    with transaction.atomic():
        for place, _created in valid:
            place.save()
            if place.import_date_maj:
                # Place.save() stamps today; the file says when the place was last checked.
                Place.objects.filter(pk=place.pk).update(date_maj=place.import_date_maj)
        audit_log(
            actor=actor,
            action=Action.PLACES_IMPORTED,
            request=request,
            details={"created": report.created, "updated": report.updated, "rejected": len(report.errors)},
        )
    report.saved = True
    return report
