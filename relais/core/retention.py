"""One retention framework for every kind of personal data (RGPD, art. 5-1-e).

Each app declares its rules next to its models, in a `retention.py` module holding a list
`RULES` (collected when the apps are ready): what the kind is, in plain French; how long it
is kept (a default and a floor, in days, overridable by one variable per kind); what to do
when the period is over (delete or anonymise); what stays (anonymous counts); and, for the
register of processing activities (registre des traitements), its purpose, legal basis,
categories of data and people, and recipients.

`relais retention_purge` runs every rule in order; each run refuses a period under its
floor and writes its own journal entry (kind, how many, cutoff). A period under a floor in
the configuration stops Relais from starting (`check_configuration`).

Periods are read from `settings.RELAIS_RETENTION`, a dict of every `RELAIS_*_RETENTION_DAYS`
variable set in the environment; a kind whose variable is unset keeps its default.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from relais.core import journal

DELETE = "delete"
ANONYMISE = "anonymise"

PURGED_ACTION = journal.Action.RETENTION_PURGED

# Records removed per transaction: a long write transaction would hold SQLite's only writer.
BATCH_SIZE = 500


class RetentionRefused(Exception):
    """A period under the floor of its kind, or a kind nobody declared."""


@dataclass(frozen=True)
class Rule:
    """The retention rule of one kind of personal data.

    `purge(cutoff=, days=, dry_run=)` applies the rule to what is older than `cutoff` and
    returns how many records it removed or anonymised (with `dry_run`: would). It must be
    idempotent: a second run finds nothing left to do.
    """

    kind: str
    label: str
    setting: str
    default_days: int
    floor_days: int
    action: str
    purge: Callable[..., int]
    order: int
    keeps: str
    starts: str
    purpose: str
    legal_basis: str
    data: str
    people: str
    recipients: str
    floor_reason: str = ""
    # The audit journal seals and removes entries in its own transactions.
    own_transaction: bool = False
    # `purge` accepts `limit=`: a backlog (the first run on an old instance) is removed in
    # batches, each in its own short transaction with its own journal entry.
    batched: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def period_label(self) -> str:
        """The period in force in plain French: "3 ans", "6 mois", "30 jours"."""
        from django.utils.translation import ngettext

        days = self.days
        if days % 365 == 0:
            n = days // 365
            return ngettext("%(n)s an", "%(n)s ans", n) % {"n": n}
        if days % 30 == 0 and days >= 60:
            n = days // 30
            return ngettext("%(n)s mois", "%(n)s mois", n) % {"n": n}
        return ngettext("%(n)s jour", "%(n)s jours", days) % {"n": days}

    @property
    def days(self) -> int:
        """The period in force: the variable when set, else the default."""
        value = getattr(settings, "RELAIS_RETENTION", {}).get(self.setting)
        return self.default_days if value is None else int(value)


_rules: dict[str, Rule] = {}


def register(*rules: Rule) -> None:
    for rule in rules:
        if rule.action not in (DELETE, ANONYMISE):
            raise ImproperlyConfigured(f"Retention rule {rule.kind}: unknown action {rule.action!r}.")
        if rule.floor_days < 1 or rule.default_days < rule.floor_days:
            raise ImproperlyConfigured(f"Retention rule {rule.kind}: its default is under its floor.")
        _rules[rule.kind] = rule


def discover() -> None:
    """Collect `RULES` from the `retention` module of every installed app."""
    from importlib import import_module
    from importlib.util import find_spec

    from django.apps import apps

    for config in apps.get_app_configs():
        if find_spec(f"{config.name}.retention") is not None:
            register(*getattr(import_module(f"{config.name}.retention"), "RULES", ()))


def rules() -> list[Rule]:
    """Every declared rule, in the order the purge runs them."""
    return sorted(_rules.values(), key=lambda rule: (rule.order, rule.kind))


def rule(kind: str) -> Rule:
    try:
        return _rules[kind]
    except KeyError:
        known = ", ".join(r.kind for r in rules())
        raise RetentionRefused(f"unknown kind {kind!r} (known: {known})") from None


def configuration_problems() -> list[str]:
    """What is wrong with the configured periods: a period under its floor, or a
    `RELAIS_*_RETENTION_DAYS` variable that names no kind (a typo would silently keep the default)."""
    problems = []
    configured = dict(getattr(settings, "RELAIS_RETENTION", {}))
    declared = {r.setting for r in _rules.values()}
    for name in sorted(set(configured) - declared):
        problems.append(f"{name} names no kind of data (known: {', '.join(sorted(declared))})")
    for r in rules():
        if r.days < r.floor_days:
            problems.append(
                f"{r.setting} is {r.days}: {r.kind} ({r.label}) is kept at least {r.floor_days} days"
                + (f" ({r.floor_reason})" if r.floor_reason else "")
            )
    return problems


def check_configuration() -> None:
    """Refuse to start with a period under a floor."""
    problems = configuration_problems()
    if problems:
        raise ImproperlyConfigured("Retention periods refused: " + "; ".join(problems) + ".")


@dataclass
class Outcome:
    kind: str
    days: int
    cutoff: datetime.datetime
    count: int


def purge(kind: str, *, days: int | None = None, dry_run: bool = False, now=None) -> Outcome:
    """Apply the rule of `kind` and journal it (`retention.purged`: kind, how many, cutoff).

    `days` overrides the configured period (never under the floor). A dry run writes nothing.
    """
    from relais.core.audit import audit_log

    r = rule(kind)
    days = r.days if days is None else days
    if days < r.floor_days:
        raise RetentionRefused(
            f"{r.kind} ({r.label}) is kept at least {r.floor_days} days; refusing {days} days"
            + (f" ({r.floor_reason})" if r.floor_reason else "")
        )
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=days)
    if dry_run:
        return Outcome(kind, days, cutoff, r.purge(cutoff=cutoff, days=days, dry_run=True))
    if r.own_transaction:
        count = r.purge(cutoff=cutoff, days=days, dry_run=False)
        audit_log(actor=None, action=PURGED_ACTION, details=_details(r, days, cutoff, count))
        return Outcome(kind, days, cutoff, count)
    total = 0
    while True:
        with transaction.atomic():
            if r.batched:
                count = r.purge(cutoff=cutoff, days=days, dry_run=False, limit=BATCH_SIZE)
            else:
                count = r.purge(cutoff=cutoff, days=days, dry_run=False)
            if count or not total:
                audit_log(actor=None, action=PURGED_ACTION, details=_details(r, days, cutoff, count))
        total += count
        if not r.batched or count < BATCH_SIZE:
            return Outcome(kind, days, cutoff, total)


def purge_all(*, dry_run: bool = False, now=None) -> list[Outcome]:
    """Every rule, in order (what a case removes first lets its person go last)."""
    return [purge(r.kind, dry_run=dry_run, now=now) for r in rules()]


def _details(r: Rule, days: int, cutoff: datetime.datetime, count: int) -> dict:
    return {"kind": r.kind, "action": r.action, "count": count, "days": days, "cutoff": cutoff.isoformat()}


# ---------------------------------------------------------------- anonymous roll-ups


def _month(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value.replace(day=1)


def _key(dimensions: dict) -> str:
    return "|".join(f"{name}={dimensions[name]}" for name in sorted(dimensions))


def retain_counts(kind: str, rows) -> int:
    """Add removed records to the anonymous counts of `kind`: `rows` yields
    (team_id, date or datetime, {code: value}) for each record; returns how many."""
    from django.db.models import F

    from relais.core.models import RetainedCount

    grouped: dict[tuple, int] = {}
    dims: dict[str, dict] = {}
    for team_id, when, dimensions in rows:
        clean = {name: ("" if value is None else value) for name, value in dimensions.items()}
        key = _key(clean)
        dims[key] = clean
        group = (team_id or 0, _month(when), key)
        grouped[group] = grouped.get(group, 0) + 1
    for (team_id, month, key), n in grouped.items():
        updated = RetainedCount.objects.filter(kind=kind, team_id=team_id, month=month, key=key).update(
            count=F("count") + n
        )
        if not updated:
            RetainedCount.objects.create(
                kind=kind, team_id=team_id, month=month, key=key, dimensions=dims[key], count=n
            )
    return sum(grouped.values())


def whole_months(start: datetime.date | None, end: datetime.date | None) -> tuple:
    """The months wholly between two days (both included), as [first, stop): first days of
    months, either None when its day is. Anonymous counts are kept by month: a figure over
    days counts them only for the months it covers whole."""
    first = stop = None
    if start:
        first = start if start.day == 1 else next_month(start)
    if end:
        stop = next_month(end) if next_month(end) - datetime.timedelta(days=1) == end else end.replace(day=1)
    return first, stop


def next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def retained(kind: str, *, team_ids=None, start=None, end=None):
    """The anonymous counts of `kind` (optionally of some teams, between two dates)."""
    from relais.core.models import RetainedCount

    qs = RetainedCount.objects.filter(kind=kind)
    if team_ids is not None:
        qs = qs.filter(team_id__in=list(team_ids))
    if start:
        qs = qs.filter(month__gte=_month(start))
    if end:
        qs = qs.filter(month__lte=_month(end))
    return qs


def retained_by(kind: str, name: str, **filters) -> dict:
    """{value of `name`: count} over the anonymous counts of `kind`."""
    totals: dict = {}
    for dimensions, count in retained(kind, **filters).values_list("dimensions", "count"):
        value = dimensions.get(name, "")
        totals[value] = totals.get(value, 0) + count
    return totals


def retained_total(kind: str, **filters) -> int:
    from django.db.models import Sum

    return retained(kind, **filters).aggregate(n=Sum("count"))["n"] or 0


# ---------------------------------------------------------------- files


def delete_files_on_commit(names, storage=None) -> None:
    """Remove these stored files once the transaction that removed their rows commits
    (a rollback keeps both the rows and the files)."""
    from django.core.files.storage import default_storage

    storage = storage or default_storage
    names = [name for name in names if name]
    if names:
        transaction.on_commit(lambda: [storage.delete(name) for name in names])


def referenced_files() -> set[str]:
    """The name of every file a row points at, in any app (discovered from the models)."""
    from django.apps import apps
    from django.db.models import FileField

    names: set[str] = set()
    for model in apps.get_models():
        for f in model._meta.get_fields():
            if isinstance(f, FileField):
                names.update(model._base_manager.exclude(**{f.name: ""}).values_list(f.name, flat=True))
    return names


def orphan_files(cutoff: datetime.datetime) -> list[str]:
    """Files of the private storage older than `cutoff` that no row points at: left by a
    request killed between writing the file and committing its row (a `kill -9`, a crash)."""
    import os

    from django.core.files.storage import default_storage

    root = getattr(default_storage, "location", None)
    if not root or not os.path.isdir(root):
        return []
    keep = referenced_files()
    limit = cutoff.timestamp()
    found = []
    for directory, _subdirs, files in os.walk(root):
        for filename in files:
            path = os.path.join(directory, filename)
            name = os.path.relpath(path, root).replace(os.sep, "/")
            if name in keep or filename.startswith("."):
                continue
            try:
                if os.stat(path).st_mtime < limit:
                    found.append(name)
            except FileNotFoundError:
                continue
    return sorted(found)


def purge_orphan_files(*, cutoff, days, dry_run) -> int:
    """Sweep the orphans, once the purge's transaction commits: a rule run before this one
    in the same transaction (or a rolled-back one) may have removed rows still pointing at them."""
    names = orphan_files(cutoff)
    if not dry_run:
        delete_files_on_commit(names)
    return len(names)


# ---------------------------------------------------------------- the kernel's own rules


def people_with_nothing_left(cutoff: datetime.datetime):
    """People without an account, unchanged since `cutoff`, to whom nothing in any app
    points any more (discovered from the model graph: core.selectors.person_relations).
    What is deleted with them (a paper access code, a block they made) does not count."""
    from django.db.models import CASCADE, Exists, OuterRef

    from relais.core.models import Person
    from relais.core.selectors import person_relations

    qs = Person.objects.filter(user__isnull=True, created_at__lt=cutoff, updated_at__lt=cutoff)
    for rel in person_relations():
        through = rel.related_model._meta.auto_created  # a named participant (many-to-many)
        if rel.on_delete is CASCADE and not through:
            continue
        qs = qs.exclude(Exists(rel.related_model._base_manager.filter(**{rel.field.name: OuterRef("pk")})))
    return qs


def purge_people(*, cutoff, days, dry_run, limit=None) -> int:
    from relais.core.audit import audit_log
    from relais.core.models import Person

    due = people_with_nothing_left(cutoff)
    if dry_run:
        return due.count()
    # Lock them, then keep only those still with nothing (a case filed since the listing).
    listed = list(due.order_by("pk").values_list("pk", flat=True)[:limit])
    ids = list(Person.objects.select_for_update().filter(pk__in=listed).values_list("pk", flat=True))
    ids = list(people_with_nothing_left(cutoff).filter(pk__in=ids).values_list("pk", flat=True))
    for pk in ids:
        audit_log(
            actor=None,
            action=journal.Action.PERSON_DELETED,
            person=Person(pk=pk),
            reason="retention",
            details={"days": days},
        )
    # A tombstone of a merge points at the record kept: remove the tombstones first.
    Person.objects.filter(pk__in=ids, merged_into__isnull=False).delete()
    Person.objects.filter(pk__in=ids).delete()
    return len(ids)


def purge_audit(*, cutoff, days, dry_run) -> int:
    from relais.core.audit import PurgeRefused, audit_purge

    try:
        return audit_purge(older_than_days=days, dry_run=dry_run)
    except PurgeRefused as refusal:
        raise RetentionRefused(f"audit journal: {refusal}") from refusal


def _core_rules() -> list[Rule]:
    from django.utils.translation import gettext_lazy as _

    from relais.core.audit import AUDIT_RETENTION_FLOOR_DAYS

    return [
        Rule(
            kind="people",
            label=_("Fiches de personnes à qui plus rien ne se rapporte"),
            setting="RELAIS_PEOPLE_RETENTION_DAYS",
            default_days=365,
            floor_days=30,
            action=DELETE,
            purge=purge_people,
            batched=True,
            order=80,
            starts=_("depuis la dernière modification de la fiche, une fois tous ses dossiers effacés"),
            keeps=_("Rien : le journal garde seulement le numéro de la fiche effacée."),
            purpose=_(
                "Connaître l'habitant qui fait une démarche, prend un rendez-vous ou publie une annonce, "
                "et le contacter par le moyen qu'il préfère."
            ),
            legal_basis=_("Mission d'intérêt public (article 6-1-e du RGPD)."),
            data=_(
                "Identité (nom, prénom, année de naissance), coordonnées (courriel, téléphone, adresse postale), "
                "moyen de contact et langue préférés, besoins d'accessibilité."
            ),
            people=_("Habitants et usagers des services de la commune."),
            recipients=_("Agents de la commune et des structures partenaires, chacun pour son équipe."),
            floor_reason=_("une fiche à peine créée au guichet attend souvent sa première demande"),
        ),
        Rule(
            kind="files.orphans",
            label=_("Fichiers qu'aucune donnée n'utilise"),
            setting="RELAIS_ORPHAN_FILES_RETENTION_DAYS",
            default_days=1,
            floor_days=1,
            action=DELETE,
            purge=purge_orphan_files,
            order=90,
            starts=_("depuis l'écriture du fichier"),
            keeps=_("Rien."),
            purpose=_("Ne garder aucun fichier envoyé lors d'une demande qui a échoué."),
            legal_basis=_("Minimisation des données (article 5-1-c du RGPD)."),
            data=_("Pièces jointes et documents restés sur le disque sans dossier."),
            people=_("Habitants qui ont envoyé un document."),
            recipients=_("Personne."),
            floor_reason=_("un fichier en cours d'envoi n'a pas encore sa ligne"),
        ),
        Rule(
            kind="audit",
            label=_("Journal des consultations et des modifications"),
            setting="RELAIS_AUDIT_RETENTION_DAYS",
            default_days=365,
            floor_days=AUDIT_RETENTION_FLOOR_DAYS,
            action=DELETE,
            purge=purge_audit,
            order=100,
            own_transaction=True,
            starts=_("depuis l'écriture de l'entrée"),
            keeps=_("Une entrée signée dit combien d'entrées ont été retirées, jusqu'à quelle date."),
            purpose=_(
                "Savoir qui a consulté ou modifié quelles données personnelles, pour répondre à un habitant "
                "et détecter un abus."
            ),
            legal_basis=_(
                "Obligation de sécurité (article 32 du RGPD) ; recommandation de la CNIL sur la journalisation (2021)."
            ),
            data=_("Agent, action, objet, personne concernée, date, adresse IP."),
            people=_("Agents et habitants dont les données ont été consultées."),
            recipients=_("Administrateurs de Relais ; sur demande, l'habitant concerné et la justice."),
            floor_reason=_("la CNIL recommande de garder les traces de six mois à un an"),
        ),
    ]


RULES = _core_rules()


def register_of_activities() -> list[dict]:
    """The register of processing activities (registre des traitements, RGPD art. 30),
    generated from the declared rules: one entry per kind, with the period in force."""
    return [
        {
            "kind": r.kind,
            "label": r.label,
            "purpose": r.purpose,
            "legal_basis": r.legal_basis,
            "data": r.data,
            "people": r.people,
            "recipients": r.recipients,
            "days": r.days,
            "period": r.period_label,
            "period_in_days": not (r.days % 365 == 0 or (r.days % 30 == 0 and r.days >= 60)),
            "floor_days": r.floor_days,
            "starts": r.starts,
            "action": r.action,
            "keeps": r.keeps,
            "setting": r.setting,
        }
        for r in rules()
    ]
