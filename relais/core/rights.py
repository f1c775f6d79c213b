"""A person's rights over their data (RGPD articles 15, 16 and 17): access, rectification
and erasure, gathered once here for the staff pages, the resident's account and commands.

Each app describes its own records about a person in `<app>/person.py` (see
core.extensions): this module asks every app, so no record type is described twice.

Erasure keeps the Person row as a tombstone (`erased_at`, no personal field left): cases,
bookings and accompaniments stay counted in the statistics, the journal keeps pointing at
the same number, and the mandate's consent proof stays for its legal duration.
"""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relais.core import extensions
from relais.core.audit import audit_log
from relais.core.extensions import ExportSection
from relais.core.journal import Action, current_name
from relais.core.models import PERSON_DETAILS, AccessCode, Person
from relais.core.pdf import large_print_asked, render_pdf, wants_large_print
from relais.core.selectors import journal

EXPORT_VERSION = 1

CORE_KEEPS = [
    gettext_lazy(
        "Le journal des accès et des modifications : ses lignes restent, mais elles ne renvoient plus "
        "qu'au numéro de la fiche effacée. Il prouve qui a vu ou changé les données, et il est "
        "purgé à sa propre durée de conservation."
    ),
    gettext_lazy(
        "Le numéro de la fiche, sans nom ni coordonnées : les demandes, rendez-vous et "
        "accompagnements restent comptés dans les statistiques, sans personne derrière."
    ),
]


class ErasureRefused(Exception):
    """Erasing now would leave something under way (an open request, a future appointment)."""

    def __init__(self, open_records: list[str]):
        super().__init__("; ".join(open_records))
        self.open_records = open_records


def plain(value):
    """`value` as JSON can carry it: dates in ISO 8601, labels as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    return str(value)


# ---------------------------------------------------------------- access (article 15)


def _identity(person: Person) -> ExportSection:
    fields = {
        "number": _("Numéro de fiche"),
        "first_name": _("Prénom"),
        "last_name": _("Nom"),
        "birth_year": _("Année de naissance"),
        "email": _("Adresse électronique"),
        "phone": _("Téléphone"),
        "address": _("Adresse postale"),
        "postal_code": _("Code postal"),
        "commune": _("Commune"),
        "preferred_channel": _("Moyen de contact préféré"),
        "preferred_language": _("Langue préférée"),
        "accessibility_needs": _("Besoins d'accessibilité"),
        "large_print": _("Courriers en gros caractères"),
        "created_via": _("Fiche créée"),
        "created_at": _("Date de création"),
        "has_account": _("Compte en ligne"),
    }
    item = {
        "number": person.pk,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "birth_year": person.birth_year,
        "email": person.email,
        "phone": person.phone,
        "address": person.address,
        "postal_code": person.postal_code,
        "commune": person.commune,
        "preferred_channel": person.get_preferred_channel_display(),
        "preferred_language": person.get_preferred_language_display(),
        "accessibility_needs": person.accessibility_needs,
        "large_print": person.large_print,
        "created_via": person.get_created_via_display(),
        "created_at": person.created_at,
        "has_account": person.user.email if person.user_id else "",
    }
    return ExportSection("identity", _("Identité et coordonnées"), fields, [item])


def _access_codes(person: Person) -> list[ExportSection]:
    codes = AccessCode.objects.filter(person=person).order_by("created_at")
    if not codes:
        return []
    fields = {
        "code": _("Code"),
        "page": _("Page ouverte"),
        "created_at": _("Créé le"),
        "expires_at": _("Valable jusqu'au"),
        "used_at": _("Utilisé le"),
    }
    items = [
        {"code": c.code, "page": c.target, "created_at": c.created_at, "expires_at": c.expires_at, "used_at": c.used_at}
        for c in codes
    ]
    return [ExportSection("access_codes", _("Codes d'accès imprimés sur papier"), fields, items)]


def _journal(person: Person) -> ExportSection:
    # The entries ABOUT the person: when, what, and whether a town agent, the person or the
    # system did it. Agents' names are not given (as the CNIL advises for access logs): the
    # town answers "who exactly" on a motivated request.
    fields = {"at": _("Date"), "what": _("Quoi"), "action": _("Code de l'action"), "by": _("Par")}
    items = []
    own_user = person.user_id
    for event in journal(person_id=person.pk).only("at", "action", "actor_id").order_by("at", "pk").iterator():
        if event.actor_id is None:
            by = _("le système")
        elif event.actor_id == own_user:
            by = _("vous-même")
        else:
            by = _("un agent")
        items.append({"at": event.at, "what": _action_label(event.action), "action": event.action, "by": by})
    return ExportSection("journal", _("Journal des consultations et des modifications"), fields, items)


def _action_label(action: str) -> str:
    """A plain word for the resident, from the verb of a journal action ("cases.case.viewed"
    → "consultation"; an entry under an old name reads as under its new one). The journal's
    own labels are written for administrators."""
    verb = current_name(action).rsplit(".", 1)[-1]
    labels = {
        "viewed": _("consultation"),
        "searched": _("recherche"),
        "created": _("création"),
        "updated": _("modification"),
        "rectified": _("correction à votre demande"),
        "exported": _("export"),
        "data_exported": _("export de vos données"),
        "merged": _("regroupement de deux fiches"),
        "erased": _("effacement à votre demande"),
        "submitted": _("envoi d'une demande"),
        "status_changed": _("changement d'état d'une demande"),
        "sent": _("envoi d'un message"),
        "activated": _("début d'un mandat"),
        "revoked": _("fin d'un mandat"),
        "deleted": _("suppression"),
    }
    if verb in labels:
        return labels[verb]
    for suffix, label in (
        ("_viewed", labels["viewed"]),
        ("_cancelled", _("annulation")),
        ("_created", labels["created"]),
    ):
        if verb.endswith(suffix) or verb == suffix[1:]:
            return label
    return _("autre action")


def person_export_sections(person: Person) -> list[ExportSection]:
    """Everything Relais holds about `person`, section by section (no journal entry: the
    callers below write one)."""
    sections = [_identity(person), *_access_codes(person), *extensions.export_sections(person=person)]
    sections.append(_journal(person))
    return sections


def readable(value) -> str:
    """`value` as a person reads it on paper: dates in French, yes/no, one line per item."""
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "j F Y H:i")
    if isinstance(value, datetime.date):
        return date_format(value, "j F Y")
    if isinstance(value, dict):
        return " – ".join(readable(v) for v in value.values() if v not in (None, ""))
    if isinstance(value, list | tuple):
        return "\n".join(readable(v) for v in value)
    return str(value)


def _pdf_sections(sections: list[ExportSection]) -> list[dict]:
    return [
        {
            "title": s.title,
            "items": [[(label, readable(item.get(key))) for key, label in s.fields.items()] for item in s.items],
        }
        for s in sections
    ]


def _export_document(person: Person, sections: list[ExportSection]) -> dict:
    return {
        "format": "relais-subject-access",
        "version": EXPORT_VERSION,
        "generated_at": plain(timezone.now()),
        "person": person.pk,
        "sections": [
            {"key": s.key, "title": str(s.title), "fields": plain(s.fields), "items": plain(s.items)} for s in sections
        ],
    }


def _json(person: Person, sections: list[ExportSection]) -> bytes:
    return json.dumps(_export_document(person, sections), ensure_ascii=False, indent=2).encode()


def _pdf(person: Person, sections: list[ExportSection], *, large_print: bool = False) -> bytes:
    """The export as the person reads it: in large print when they asked for it (or the
    staff member chose it), like every other document."""
    context = {
        "person": person,
        "sections": _pdf_sections(sections),
        "generated_at": timezone.now(),
        "large_print": wants_large_print(person, asked=large_print),
    }
    return render_pdf("core/rights/export_pdf.html", context)


def _zip(person: Person, sections: list[ExportSection], base: str, *, large_print: bool = False) -> bytes:
    """The JSON, the PDF and the files themselves (documents, signed forms) in one archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{base}.json", _json(person, sections))
        archive.writestr(f"{base}.pdf", _pdf(person, sections, large_print=large_print))
        for name, file in extensions.export_files(person=person):
            try:
                with file.open("rb") as fh:
                    archive.writestr(f"{base}/{name}", fh.read())
            except OSError:
                # A file missing on disk is named in the JSON and the PDF; the archive goes without it.
                continue
    return buffer.getvalue()


def _exported(*, person, actor, fmt: str, reason: str, request, sections) -> None:
    counts = {s.key: len(s.items) for s in sections}
    audit_log(
        actor=actor,
        action=Action.PERSON_DATA_EXPORTED,
        obj=person,
        reason=reason,
        request=request,
        details={"format": fmt, "sections": counts},
    )


@transaction.atomic
def person_data_export(*, person: Person, actor, fmt: str, reason: str = "", request: HttpRequest | None = None):
    """The export as (bytes, content type, file name), journaled. `fmt`: "json" or "pdf"."""
    if fmt not in ("json", "pdf", "zip"):
        raise ValueError(f"unknown export format {fmt!r}")
    sections = person_export_sections(person)
    base = f"donnees-personnelles-{person.pk}-{timezone.localdate().isoformat()}"
    if fmt == "json":
        result = (_json(person, sections), "application/json", f"{base}.json")
    elif fmt == "pdf":
        result = (_pdf(person, sections, large_print=large_print_asked(request)), "application/pdf", f"{base}.pdf")
    else:
        result = (
            _zip(person, sections, base, large_print=large_print_asked(request)),
            "application/zip",
            f"{base}.zip",
        )
    _exported(person=person, actor=actor, fmt=fmt, reason=reason, request=request, sections=sections)
    return result


# ---------------------------------------------------------------- rectification (article 16)


@transaction.atomic
def person_rectify(*, person: Person, actor, data: dict, reason: str, request: HttpRequest | None = None) -> list[str]:
    """Correct the person's details on their request; returns the fields changed.

    The journal says which fields changed; the old and new values only for fields that
    are not contact details or free text (a preference, a language)."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.is_erased:
        raise ValidationError(_("Cette fiche a été effacée : elle ne peut plus être modifiée."))
    changed = [name for name, value in data.items() if getattr(person, name) != value]
    if not changed:
        return []
    before = {name: getattr(person, name) for name in changed}
    for name in changed:
        setattr(person, name, data[name])
    person.full_clean()
    person.save(update_fields=changed)
    values = {
        name: {"before": plain(before[name]), "after": plain(data[name])}
        for name in changed
        if name not in PERSON_DETAILS
    }
    audit_log(
        actor=actor,
        action=Action.PERSON_RECTIFIED,
        obj=person,
        reason=reason,
        request=request,
        details={"fields": changed, "values": values},
    )
    return changed


class StaffLoginErasureRefused(Exception):
    """The record is linked to a staff login: erasing it would close a colleague's account."""


# ---------------------------------------------------------------- erasure (article 17)


def staff_login_message() -> str:
    return _(
        "Cette fiche est liée au compte d'un agent de la mairie. Elle ne peut pas être effacée : "
        "l'effacement fermerait son compte de travail. Retirez d'abord ses rôles dans les équipes, "
        "puis recommencez."
    )


def has_staff_login(person: Person) -> bool:
    """Whether the person's login is a staff member's (a role in a team, or an admin: the
    rule is accounts', through the `is_staff_login` person hook)."""
    return extensions.is_staff_login(person=person)


def erasure_plan(person: Person) -> dict:
    """What an erasure would find still under way, and what it keeps (and why)."""
    return {
        "open_records": extensions.open_records(person=person),
        "keeps": [*CORE_KEEPS, *extensions.erasure_keeps()],
        "staff_login": has_staff_login(person),
    }


def _erase_account(person: Person) -> bool:
    """The resident's login goes too; the user row stays (the journal names it as the actor
    of what the resident did) but keeps no address, name or way to log in."""
    user = person.user
    if user is None:
        return False
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user=user).delete()
    try:
        from allauth.mfa.models import Authenticator

        Authenticator.objects.filter(user=user).delete()
    except ImportError:  # pragma: no cover - mfa is installed
        pass
    user.email = f"efface-{user.pk}@invalid"
    user.full_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save(update_fields=["email", "full_name", "is_active", "password"])
    return True


@transaction.atomic
def person_erase(
    *, person: Person, actor, reason: str, close_open: bool = False, request: HttpRequest | None = None
) -> dict[str, int]:
    """Erase everything about `person` but what must be kept; returns what was done.

    With anything still under way, refuses (ErasureRefused) unless `close_open`: then each
    app closes or cancels it first (the seat goes to the next person waiting…). A record
    linked to a staff login is refused (StaffLoginErasureRefused): its login would close."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.is_erased:
        return {}
    if person.is_merged:
        raise ValueError("A merged record is erased through the record it was merged into.")
    if has_staff_login(person):
        raise StaffLoginErasureRefused(staff_login_message())
    pending = extensions.open_records(person=person)
    if pending:
        if not close_open:
            raise ErasureRefused(pending)
        extensions.close_open_records(person=person, actor=actor, reason=reason)
    counts = extensions.erase_records(person=person)
    counts["access_codes"] = AccessCode.objects.filter(person=person).delete()[0]
    counts["account"] = int(_erase_account(person))
    # Merged duplicates are the same person under an old record.
    for duplicate in Person.objects.filter(merged_into=person):
        _blank(duplicate)
    _blank(person)
    audit_log(
        actor=actor,
        action=Action.PERSON_ERASED,
        obj=person,
        reason=reason,
        request=request,
        details={"closed": len(pending), "done": counts},
    )
    return counts


def _blank(person: Person) -> None:
    for name in PERSON_DETAILS:
        field = Person._meta.get_field(name)
        setattr(person, name, None if field.null else "")
    person.preferred_channel = Person._meta.get_field("preferred_channel").default
    person.large_print = False
    person.user = None
    person.erased_at = timezone.now()
    person.save()
