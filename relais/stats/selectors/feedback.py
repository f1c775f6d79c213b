"""Procedures to simplify (issue 16): where online requests fail, per form (démarche) and per
fiche, read from the funnel counts (cases.FunnelDay), the requests filed through a person
(cases.Case), the questions staff asked back (cases.Correction), the residents' answers to
"Cette page vous a-t-elle été utile ?" (cases.PageFeedback) and the dates a fiche or a
form was changed (the audit journal).

The one module every reader of these figures calls: the staff pages, the monthly digest,
the statistics section (`section()`, registered as "demarches") and the future API. Every
figure is aggregated by the database (GROUP BY with filtered sums and counts); nothing
loops over requests in Python, and the number of queries does not grow with the number of
forms.

An "item" is a form (with the fiche it is linked to, if any: their answers add up) or a
fiche that has no form (only its page answers). Managers read the forms of their teams
(`Query.team_ids`); a fiche without a form is town-wide (team_ids None).

The ranking score (0 to 100, higher = needs work more) is the mean of the evidence that
rests on enough records (`MIN_VOLUME` each, so that one answer never tops the list):
  - share of the requests filed that needed a person (staff channel, recorded by staff or a
    helper, under a mandate, or linked to an accompaniment about administrative procedures);
  - drop-off: 1 - sent / started, over the drafts started online;
  - share of page answers saying "not useful".
An item with none of the three above its minimum is listed last, without a score.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import BooleanField, Count, DateField, ExpressionWrapper, IntegerField, Max, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relais.cases.funnel import RESUMED, SENT, START, step_label, steps_of
from relais.cases.models import (
    STEP_TIME_FIELDS,
    Case,
    Correction,
    Device,
    FeedbackReason,
    Form,
    FunnelDay,
    PageFeedback,
)
from relais.core.bidi import isolate_plain
from relais.core.models import AuditEvent, Channel
from relais.directory.models import Procedure
from relais.mediation.choices import ADMIN_THEME
from relais.mediation.models import Accompaniment
from relais.stats.build import period_columns
from relais.stats.figures import COUNT, DAYS, PERCENT, Figure, Row, Section, Table, published, share
from relais.stats.filters import Period, Query
from relais.stats.selectors._sql import percentile

FORM, FICHE = "demarche", "fiche"
# Each piece of evidence counts in the score only above this many records.
MIN_VOLUME = 10
# Journal actions that change what a resident reads or fills in.
FORM_EDITS = ("cases.form.updated", "cases.form.translated", "cases.form_field.saved", "cases.form_field.deleted")
FICHE_EDITS = ("directory.procedure.updated", "directory.procedure.translated")
# The time-on-step buckets (cases.STEP_TIME_FIELDS), as staff read them.
STEP_TIME_LABELS = {
    "under_30s": gettext_lazy("moins de 30 s"),
    "under_1m": gettext_lazy("moins de 1 min"),
    "under_2m": gettext_lazy("moins de 2 min"),
    "under_5m": gettext_lazy("moins de 5 min"),
    "under_15m": gettext_lazy("moins de 15 min"),
    "under_1h": gettext_lazy("moins de 1 h"),
    "under_1d": gettext_lazy("moins de 1 jour"),
    "longer": gettext_lazy("plus de 1 jour"),
}
LATEST_COMMENTS = 20
TOP_QUESTIONS = 10


@dataclass
class Evidence:
    """The counts of one item over one period."""

    started: int = 0
    sent: int = 0
    cases: int = 0
    helped: int = 0
    yes: int = 0
    no: int = 0
    reasons: dict = field(default_factory=dict)

    @property
    def answers(self) -> int:
        return self.yes + self.no

    @property
    def need_share(self) -> float | None:
        return share(self.helped, self.cases) if self.cases >= MIN_VOLUME else None

    @property
    def dropoff(self) -> float | None:
        if self.started < MIN_VOLUME:
            return None
        return round(100 * max(0, self.started - self.sent) / self.started, 1)

    @property
    def not_useful(self) -> float | None:
        return share(self.no, self.answers) if self.answers >= MIN_VOLUME else None

    @property
    def score(self) -> float | None:
        parts = [v for v in (self.need_share, self.dropoff, self.not_useful) if v is not None]
        return round(sum(parts) / len(parts), 1) if parts else None

    @property
    def volume(self) -> int:
        return self.started + self.cases + self.answers

    def top_reasons(self, n: int = 3) -> list[tuple[str, int]]:
        labels = dict(FeedbackReason.choices)
        ranked = sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0]))
        return [(str(labels.get(code, code)), count) for code, count in ranked[:n] if count]


@dataclass
class Item:
    kind: str  # FORM or FICHE
    pk: int
    title: str
    form_id: int | None = None
    slug: str = ""  # the form's, for its edit link
    procedure_id: int | None = None
    team_id: int | None = None
    now: Evidence = field(default_factory=Evidence)
    before: Evidence = field(default_factory=Evidence)
    last_edit: datetime.datetime | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.pk}"


def _both(q: Query) -> tuple[Period, Period, Period]:
    """The period, the previous one, and the days covering both (one scan for the two)."""
    now, before = q.period, q.period.previous()
    return now, before, Period(min(now.start, before.start), max(now.end, before.end))


def _in(period: Period, name: str, *, day: bool = True) -> Q:
    if day:
        return Q(**{f"{name}__gte": period.start, f"{name}__lte": period.end})
    start, end = period.bounds()
    return Q(**{f"{name}__gte": start, f"{name}__lt": end})


def scoped_forms(q: Query):
    forms = Form.objects.all()
    if q.team_ids is not None:
        forms = forms.filter(team__in=q.team_ids)
    return forms


def helped_q() -> Q:
    """A request that needed a person: filed by staff (any channel but online), recorded by
    staff or a helper, under a mandate, or linked to an accompaniment about administrative
    procedures."""
    accompanied = Accompaniment.objects.filter(case__isnull=False, themes__icontains=ADMIN_THEME).values("case")
    return (
        ~Q(channel=Channel.ONLINE)
        | Q(recorded_by__isnull=False)
        | Q(acting_under__isnull=False)
        | Q(pk__in=accompanied)
    )


def _forms_q(form_ids, path: str = "form") -> Q:
    """`form_ids` None: every form (the whole town; no list of ids to test each row against)."""
    return Q() if form_ids is None else Q(**{f"{path}__in": form_ids})


def _funnel_totals(form_ids, now: Period, before: Period, whole: Period) -> dict:
    rows = (
        FunnelDay.objects.filter(_in(whole, "day"), _forms_q(form_ids), step__in=(START, SENT))
        .order_by()
        .values_list("form", "step")
        .annotate(
            n=Coalesce(Sum("reached", filter=_in(now, "day")), 0),
            b=Coalesce(Sum("reached", filter=_in(before, "day")), 0),
        )
    )
    return {(form, step): (n, b) for form, step, n, b in rows}


def _case_rows(form_ids, now: Period, before: Period, *, by_month: bool = False):
    """(form, month or None, in this period, needed a person, requests): one GROUP BY over
    the requests of the two periods (each request's test evaluated once; the accompaniments
    matched through `helped_q()`'s uncorrelated IN, hashed once by PostgreSQL, not a
    subquery per request)."""
    start, _end = now.bounds()
    qs = (
        # The two periods only: the previous one may end weeks before this one starts.
        Case.objects.filter(
            _in(now, "submitted_at", day=False) | _in(before, "submitted_at", day=False), _forms_q(form_ids)
        )
        .order_by()
        .annotate(
            current=ExpressionWrapper(Q(submitted_at__gte=start), output_field=BooleanField()),
            helped=ExpressionWrapper(helped_q(), output_field=BooleanField()),
            month=TruncMonth("submitted_at") if by_month else Value(None, output_field=DateField()),
        )
        .values_list("form", "month", "current", "helped")
        .annotate(n=Count("form"))
    )
    return list(qs)


def _case_totals(form_ids, now: Period, before: Period, rows=None) -> dict:
    """{form: (requests now, before, needed a person now, before)}."""
    out: dict[int, list[int]] = {}
    for form, _month, current, helped, n in _case_rows(form_ids, now, before) if rows is None else rows:
        values = out.setdefault(form, [0, 0, 0, 0])
        values[0 if current else 1] += n
        if helped:
            values[2 if current else 3] += n
    return {form: tuple(values) for form, values in out.items()}


def _answer_totals(where: Q, now: Period, before: Period, whole: Period):
    return (
        PageFeedback.objects.filter(_in(whole, "day"))
        .filter(where)
        .order_by()
        .values_list("form", "procedure", "useful", "reason")
        .annotate(n=Count("pk", filter=_in(now, "day")), b=Count("pk", filter=_in(before, "day")))
    )


def _last_edits(until: datetime.datetime) -> dict:
    rows = (
        AuditEvent.objects.filter(action__in=FORM_EDITS + FICHE_EDITS, at__lt=until)
        .order_by()
        .values_list("object_type", "object_id")
        .annotate(last=Max("at"))
    )
    return {(t, str(i)): last for t, i, last in rows}


def ranking(q: Query, *, include_unscored: bool = True) -> list[Item]:
    """Every form (and, town-wide, every fiche without a form that got answers) in the
    reader's scope, most in need of work first. A fixed number of queries."""
    now, before, whole = _both(q)
    forms = list(scoped_forms(q).values_list("pk", "title", "slug", "procedure_id", "team_id"))
    items = {pk: Item(FORM, pk, title, pk, slug, procedure, team) for pk, title, slug, procedure, team in forms}
    by_procedure = {item.procedure_id: item for item in items.values() if item.procedure_id}
    form_ids = list(items)
    only = None if q.team_ids is None else form_ids
    # A form created since the first query is left for the next reading.
    for (form, step), (n, b) in _funnel_totals(only, now, before, whole).items():
        if form in items:
            attr = "started" if step == START else "sent"
            setattr(items[form].now, attr, getattr(items[form].now, attr) + n)
            setattr(items[form].before, attr, getattr(items[form].before, attr) + b)
    for form, (n, b, hn, hb) in _case_totals(only, now, before).items():
        if form in items:
            items[form].now.cases, items[form].before.cases = n, b
            items[form].now.helped, items[form].before.helped = hn, hb
    # An answer given on a form's page belongs to that form, whatever fiche it carried (the
    # fiche may be linked to another team's form since); a fiche page's answer (no form)
    # belongs to the form its fiche is linked to now, or to the fiche alone.
    where = Q(form__in=form_ids) | Q(form__isnull=True, procedure__in=list(by_procedure))
    if q.team_ids is None:
        where |= Q(form__isnull=True, procedure__isnull=False)
    fiches: dict[int, Item] = {}
    for form, procedure, useful, reason, n, b in _answer_totals(where, now, before, whole):
        item = items.get(form) if form is not None else by_procedure.get(procedure)
        if item is None and procedure is not None and q.team_ids is None:
            item = fiches.setdefault(procedure, Item(FICHE, procedure, "", procedure_id=procedure))
        if item is None:
            continue
        for evidence, count in ((item.now, n), (item.before, b)):
            if useful:
                evidence.yes += count
            else:
                evidence.no += count
                if reason:
                    evidence.reasons[reason] = evidence.reasons.get(reason, 0) + count
    if fiches:
        titles = dict(Procedure.objects.filter(pk__in=list(fiches), case_form__isnull=True).values_list("pk", "title"))
        fiches = {pk: item for pk, item in fiches.items() if pk in titles}
        for pk, item in fiches.items():
            item.title = titles[pk]
    edits = _last_edits(now.bounds()[1])
    out = [*items.values(), *fiches.values()]
    for item in out:
        marks = [
            edits.get(("cases.form", str(item.form_id))),
            edits.get(("directory.procedure", str(item.procedure_id))),
        ]
        marks = [m for m in marks if m is not None]
        item.last_edit = max(marks) if marks else None
    if not include_unscored:
        out = [item for item in out if item.now.score is not None]
    return sorted(out, key=_rank_key)


def _rank_key(item: Item):
    score = item.now.score
    return (score is None, -(score or 0), -item.now.volume, item.title.lower(), item.pk)


# ---------------------------------------------------------------- one item, in detail


def item_for(kind: str, pk: int, q: Query) -> Item | None:
    """The form or fiche `pk` if it is in the query's scope (None: a 404)."""
    columns = ("pk", "title", "slug", "procedure_id", "team_id")
    if kind == FORM:
        form = scoped_forms(q).filter(pk=pk).values_list(*columns).first()
        return Item(FORM, form[0], form[1], form[0], *form[2:]) if form else None
    if kind == FICHE:
        procedure = Procedure.objects.filter(pk=pk).values_list("pk", "title").first()
        if procedure is None:
            return None
        form = scoped_forms(q).filter(procedure=pk).values_list(*columns).first()
        if form:
            return Item(FORM, form[0], form[1], form[0], *form[2:])
        if q.team_ids is not None:
            return None
        return Item(FICHE, procedure[0], procedure[1], procedure_id=procedure[0])
    return None


def _answers_where(item: Item) -> Q:
    where = Q(pk__in=[])
    if item.form_id:
        where |= Q(form=item.form_id)
    if item.procedure_id:
        # The fiche's own page only: a form page's answer also carries the fiche it was
        # linked to then, maybe another team's form (see `ranking`).
        where |= Q(form__isnull=True, procedure=item.procedure_id)
    return where


def median_bucket(counts: dict) -> str | None:
    """The time bucket holding the median draft (counts per STEP_TIME_FIELDS name)."""
    total = sum(counts.get(name) or 0 for name in STEP_TIME_FIELDS)
    if not total:
        return None
    seen = 0
    for name in STEP_TIME_FIELDS:
        seen += counts.get(name) or 0
        if 2 * seen >= total:
            return name
    return STEP_TIME_FIELDS[-1]


@dataclass
class Detail:
    item: Item
    section: Section
    comments: list = field(default_factory=list)  # (day, reason label, masked comment)
    edits: list = field(default_factory=list)  # (datetime, label)
    steps: list = field(default_factory=list)  # funnel_rows(): with shares and median times
    reasons: list = field(default_factory=list)  # (label, count) ranked


def funnel_rows(form: Form, q: Query) -> list[dict]:
    """One row per step of the form, in the order a resident meets them: reached, stopped
    there (reached minus the next step's), share stopped, the median time bucket."""
    fields = list(form.fields.all())
    by_key = {f.key: f for f in fields}
    sums = {f: Sum(f) for f in ("reached", *STEP_TIME_FIELDS)}
    data = {
        row["step"]: row
        for row in FunnelDay.objects.filter(_in(q.period, "day"), form=form).order_by().values("step").annotate(**sums)
    }
    path = steps_of(form, fields=fields)
    # Steps counted before a question was removed come after the path, without a drop-off.
    extra = sorted(s for s in data if s not in path and s != RESUMED)
    rows = []
    for index, step in enumerate(path + extra):
        reached = (data.get(step) or {}).get("reached") or 0
        stopped = None
        if index < len(path) - 1:
            # Signed-in visitors pass "contact" without a page (counted as reached), so its
            # drop-off is the visitors without an account who stopped at their details.
            stopped = max(0, reached - ((data.get(path[index + 1]) or {}).get("reached") or 0))
        bucket = median_bucket(data.get(step) or {}) if step != SENT else None
        rows.append(
            {
                "step": step,
                "label": step_label(step, by_key),
                "reached": reached,
                "stopped": stopped,
                "stopped_share": share(stopped, reached) if stopped is not None else None,
                "median": str(STEP_TIME_LABELS[bucket]) if bucket else "",
            }
        )
    resumed = (data.get(RESUMED) or {}).get("reached") or 0
    rows.append({"step": RESUMED, "label": step_label(RESUMED), "reached": resumed, "stopped": None,
                 "stopped_share": None, "median": ""})  # fmt: skip
    return rows


def _months(q: Query) -> list[datetime.date]:
    return q.period.months()


def _month_label(month: datetime.date) -> str:
    return formats.date_format(month, "F Y")


def detail(q: Query, item: Item) -> Detail:
    """Everything the detail page shows, for one item and period (a fixed number of queries)."""
    now, before, whole = _both(q)
    evidence = Evidence()
    prev = Evidence()
    figures, tables, steps = [], [], []
    months = _months(q)
    monthly: dict[datetime.date, dict] = {m: {} for m in months}
    form = Form.objects.filter(pk=item.form_id).first() if item.form_id else None
    if form is not None:
        totals = _funnel_totals([form.pk], now, before, whole)
        evidence.started, prev.started = totals.get((form.pk, START), (0, 0))
        evidence.sent, prev.sent = totals.get((form.pk, SENT), (0, 0))
        case_rows = _case_rows([form.pk], now, before, by_month=True)
        cases = _case_totals([form.pk], now, before, case_rows).get(form.pk, (0, 0, 0, 0))
        evidence.cases, prev.cases, evidence.helped, prev.helped = cases
        steps = funnel_rows(form, q)
        tables.append(
            Table(
                "funnel",
                _("Parcours de la demande en ligne"),
                [Row(r["label"], [r["reached"], r["stopped"]], r["step"]) for r in steps],
                [_("Brouillons arrivés à cette étape"), _("Arrêtés à cette étape")],
                COUNT,
                additive=False,
                chart="",
                note=_(
                    "Les personnes connectées à leur compte n'ont pas l'étape « Coordonnées » : "
                    "celles qui s'arrêtent juste avant comptent à l'étape précédente."
                ),
            )
        )
        devices = dict(Device.choices)
        by_device = (
            FunnelDay.objects.filter(_in(now, "day"), form=form, step__in=(START, SENT))
            .order_by()
            .values_list("device", "step")
            .annotate(n=Sum("reached"))
        )
        split: dict[str, list[int]] = {code: [0, 0] for code, _label in Device.choices}
        for device, step, n in by_device:
            split.setdefault(device, [0, 0])[0 if step == START else 1] += n
        tables.append(
            Table(
                "devices",
                _("Par type d'écran"),
                [Row(str(devices.get(code, code)), values, code or "unknown") for code, values in split.items()],
                [_("Brouillons commencés"), _("Demandes envoyées")],
                COUNT,
                additive=True,
                chart="",
            )
        )
        for month, step, n in (
            FunnelDay.objects.filter(_in(now, "day"), form=form, step__in=(START, SENT))
            .order_by()
            .annotate(month=TruncMonth("day"))
            .values_list("month", "step")
            .annotate(n=Sum("reached"))
        ):
            monthly.setdefault(_as_date(month), {})[step] = n
        for _form, month, current, helped, n in case_rows:
            if current:
                values = monthly.setdefault(_as_date(month), {})
                values["cases"] = values.get("cases", 0) + n
                values["helped"] = values.get("helped", 0) + (n if helped else 0)
        questions = (
            Correction.objects.filter(_in(now, "created_at", day=False), case__form=form)
            .order_by()
            .values_list("field_key")
            .annotate(n=Count("pk"), label=Max("label"))
            .order_by("-n", "field_key")[:TOP_QUESTIONS]
        )
        by_key = {f.key: f.label for f in form.fields.all()}
        tables.append(
            Table(
                "questions",
                _("Questions que les agents font le plus compléter"),
                [Row(by_key.get(key) or label, [n], key) for key, n, label in questions],
                [_("Corrections demandées")],
                COUNT,
                additive=False,
                chart="",
            )
        )
    answers = list(
        PageFeedback.objects.filter(_in(whole, "day"))
        .filter(_answers_where(item))
        .order_by()
        .values_list("useful", "reason")
        .annotate(n=Count("pk", filter=_in(now, "day")), b=Count("pk", filter=_in(before, "day")))
    )
    reasons_now, reasons_before = {}, {}
    for useful, reason, n, b in answers:
        for ev, count, reasons in ((evidence, n, reasons_now), (prev, b, reasons_before)):
            if useful:
                ev.yes += count
            else:
                ev.no += count
                reasons[reason or ""] = reasons.get(reason or "", 0) + count
    evidence.reasons = {k: v for k, v in reasons_now.items() if k}
    prev.reasons = {k: v for k, v in reasons_before.items() if k}
    for month, useful, n in (
        PageFeedback.objects.filter(_in(now, "day"))
        .filter(_answers_where(item))
        .order_by()
        .annotate(month=TruncMonth("day"))
        .values_list("month", "useful")
        .annotate(n=Count("pk"))
    ):
        monthly.setdefault(_as_date(month), {})["yes" if useful else "no"] = n
    reason_labels = [*FeedbackReason.choices, ("", _("Sans raison donnée"))]
    tables.append(
        Table(
            "reasons",
            _("Pourquoi la page n'a pas été utile"),
            [
                Row(str(label), [reasons_now.get(code, 0), reasons_before.get(code, 0)], code or "none")
                for code, label in reason_labels
            ],
            period_columns(),
            COUNT,
            additive=True,
            chart="bars",
        )  # fmt: skip
    )
    edits = edit_marks(item, now)
    edit_months = {}
    for at, _label in edits:
        edit_months.setdefault(at.date().replace(day=1), []).append(at)
    month_rows = []
    for month in sorted(monthly):
        values = monthly[month]
        started, sent = values.get(START, 0), values.get(SENT, 0)
        # Unicode isolates (plain text: the table also goes to files): the dates keep their order.
        marks = ", ".join(isolate_plain(formats.date_format(at, "j F")) for at in edit_months.get(month, []))
        month_rows.append(
            Row(
                _month_label(month),
                [
                    started,
                    sent,
                    values.get("cases", 0),
                    values.get("helped", 0),
                    values.get("yes", 0),
                    values.get("no", 0),
                    _("Modifiée le %(days)s") % {"days": marks} if marks else "",
                ],
                month.strftime("%Y-%m"),
            )
        )
    tables.insert(
        0,
        Table(
            "months",
            _("Mois par mois"),
            month_rows,
            [
                _("Brouillons commencés"),
                _("Demandes envoyées en ligne"),
                _("Demandes reçues"),
                _("Avec l'aide d'une personne"),
                _("Page utile : oui"),
                _("Page utile : non"),
                _("Modification de la fiche ou du formulaire"),
            ],
            COUNT,
            additive=False,
            chart="",
        ),
    )
    days = _attempt_days(item, now) if form is not None else {}
    attempts = sum(days.values())
    figures = [
        Figure("started", _("Brouillons commencés en ligne"), evidence.started, prev.started),
        Figure("sent", _("Demandes envoyées en ligne"), evidence.sent, prev.sent, part_of="started"),
        Figure(
            "dropoff",
            _("Part des brouillons jamais envoyés"),
            evidence.dropoff,
            prev.dropoff,
            PERCENT,
            base=evidence.started,
            base_previous=prev.started,
            part=evidence.started - evidence.sent,
            part_previous=prev.started - prev.sent,
        ),
        Figure("cases", _("Demandes reçues"), evidence.cases, prev.cases),
        Figure(
            "need_share",
            _("Part des demandes faites avec l'aide d'une personne"),
            share(evidence.helped, evidence.cases),
            share(prev.helped, prev.cases),
            PERCENT,
            base=evidence.cases,
            base_previous=prev.cases,
            part=evidence.helped,
            part_previous=prev.helped,
            help=_(
                "Au guichet, par téléphone, courrier ou courriel, saisies par un agent ou un aidant, sous mandat, "
                "ou liées à un accompagnement « aide aux démarches administratives »."
            ),
        ),  # fmt: skip
        Figure("answers", _("Réponses à « Cette page vous a-t-elle été utile ? »"), evidence.answers, prev.answers),
        Figure(
            "not_useful",
            _("Part des réponses « non »"),
            share(evidence.no, evidence.answers),
            share(prev.no, prev.answers),
            PERCENT,
            base=evidence.answers,
            base_previous=prev.answers,
            part=evidence.no,
            part_previous=prev.no,
        ),
        Figure(
            "attempt_days",
            _("Délai médian entre un essai en ligne et la demande faite avec une personne (jours)"),
            _rounded(percentile(days, 0.5)),
            None,
            DAYS,
            base=attempts,
            help=_("Quand la même personne avait commencé cette demande en ligne sans l'envoyer."),
        ),
        Figure(
            "resumed",
            _("Brouillons repris depuis leur lien"),
            _resumed(item, now) if form is not None else 0,
            None,
        ),
    ]
    item.now, item.before, item.last_edit = evidence, prev, (edits[-1][0] if edits else None)
    section = Section("demarche", item.title, figures, tables)
    return Detail(
        item=item,
        section=section,
        comments=comments(item, now),
        edits=edits,
        steps=steps,
        reasons=evidence.top_reasons(len(FeedbackReason.choices)),
    )


def _resumed(item: Item, period: Period) -> int:
    return FunnelDay.objects.filter(_in(period, "day"), form=item.form_id, step=RESUMED).aggregate(
        n=Coalesce(Sum("reached"), Value(0), output_field=IntegerField())
    )["n"]


def _attempt_days(item: Item, period: Period) -> dict[int, int]:
    """{whole days from the first online attempt to filing through a person: requests}, of
    the form's requests filed in the period. Only ever read as a median."""
    qs = (
        Case.objects.filter(_in(period, "submitted_at", day=False), form=item.form_id, online_attempt_at__isnull=False)
        .order_by()
        .annotate(d=TruncDate("submitted_at") - TruncDate("online_attempt_at"))
        .values_list("d")
        .annotate(n=Count("pk"))
    )
    out: dict[int, int] = {}
    for delta, n in qs:
        days = delta.days if isinstance(delta, datetime.timedelta) else int(delta or 0)
        out[days] = out.get(days, 0) + n
    return out


def _rounded(value):
    return None if value is None else round(value, 1)


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def edit_marks(item: Item, period: Period) -> list[tuple[datetime.datetime, str]]:
    """(when, what) for every change of the item's form or fiche during the period."""
    start, end = period.bounds()
    where = Q(pk__in=[])
    if item.form_id:
        where |= Q(object_type="cases.form", object_id=str(item.form_id), action__in=FORM_EDITS)
    if item.procedure_id:
        where |= Q(object_type="directory.procedure", object_id=str(item.procedure_id), action__in=FICHE_EDITS)
    rows = AuditEvent.objects.filter(where, at__gte=start, at__lt=end).order_by("at").values_list("at", "object_type")
    return [
        (at, _("Fiche modifiée") if kind == "directory.procedure" else _("Formulaire modifié")) for at, kind in rows
    ]


def comments(item: Item, period: Period, limit: int = LATEST_COMMENTS) -> list[tuple]:
    """The latest comments (masked when stored; still personal: the page journals showing them)."""
    labels = dict(FeedbackReason.choices)
    rows = (
        PageFeedback.objects.filter(_in(period, "day"), _answers_where(item))
        .exclude(comment="")
        .order_by("-created_at", "-pk")
        .values_list("pk", "day", "reason", "comment")[:limit]
    )
    return [(pk, day, str(labels.get(reason, "")), comment) for pk, day, reason, comment in rows]


def published_detail(q: Query, item: Item) -> Section:
    """The item's figures as they may leave the staff area: counts under 5 suppressed, no comment."""
    return published(detail(q, item).section)


# ---------------------------------------------------------------- the statistics section


def section(q: Query) -> Section:
    """The ranking as a statistics section ("demarches"): exports, council report, share links.

    The headline figures add up every item in scope; the tables list the scored ones. Shares,
    and the score made of them, are left empty when a side of one rests on fewer than 5
    records (`published()` only suppresses counts)."""
    # The headline totals add up every item in scope; the tables list the scored ones only.
    everything = ranking(q)
    items = [item for item in everything if item.now.score is not None]
    columns = period_columns()

    def table(slug, title, values, unit=COUNT, note=""):
        rows = [Row(item.title, [values(item.now), values(item.before)], item.key) for item in items]
        return Table(slug, title, rows, columns, unit, additive=unit == COUNT, chart="", note=note)

    def pct(getter):
        # Published shares must not give a small count back: hidden under 5 on either side.
        def value(ev):
            part, whole = getter(ev)
            if whole < MIN_VOLUME or 0 < part < 5 or 0 < whole - part < 5:
                return None
            return share(part, whole)

        return value

    need, drop, not_useful = (
        pct(lambda ev: (ev.helped, ev.cases)),
        pct(lambda ev: (ev.started - ev.sent, ev.started)),
        pct(lambda ev: (ev.no, ev.answers)),
    )

    def score(ev):
        # Built only from parts that may be published themselves: a score resting on one
        # part that gives a small count away (1 request in 12) would give it away too.
        parts = []
        for raw, guarded in ((ev.need_share, need), (ev.dropoff, drop), (ev.not_useful, not_useful)):
            if raw is None:
                continue
            value = guarded(ev)
            if value is None:
                return None
            parts.append(value)
        return round(sum(parts) / len(parts), 1) if parts else None

    total = Evidence()
    previous = Evidence()
    for item in everything:
        for acc, ev in ((total, item.now), (previous, item.before)):
            acc.started += ev.started
            acc.sent += ev.sent
            acc.cases += ev.cases
            acc.helped += ev.helped
            acc.yes += ev.yes
            acc.no += ev.no
    figures = [
        Figure("started", _("Brouillons commencés en ligne"), total.started, previous.started),
        Figure("sent", _("Demandes envoyées en ligne"), total.sent, previous.sent, part_of="started"),
        Figure("cases", _("Demandes reçues"), total.cases, previous.cases),
        Figure(
            "helped", _("Demandes faites avec l'aide d'une personne"), total.helped, previous.helped, part_of="cases"
        ),  # fmt: skip
        Figure("answers", _("Réponses « page utile ? »"), total.answers, previous.answers),
        Figure("not_useful", _("Réponses « non »"), total.no, previous.no, part_of="answers"),
    ]
    tables = [
        table("score", _("Indice « à simplifier » (0 à 100)"), score, "score",
              note=_("Moyenne de la part des demandes faites avec une personne, de la part des brouillons jamais "
                     "envoyés et de la part des réponses « page pas utile », chacune à partir de %(n)s.")
              % {"n": MIN_VOLUME}),
        table("need_share", _("Part des demandes faites avec une personne (%)"), need, PERCENT),
        table("dropoff", _("Part des brouillons jamais envoyés (%)"), drop, PERCENT),
        table("not_useful_share", _("Part des réponses « page pas utile » (%)"), not_useful, PERCENT),
        table("started", _("Brouillons commencés en ligne"), lambda ev: ev.started),
        table("cases", _("Demandes reçues"), lambda ev: ev.cases),
        table("answers", _("Réponses à « page utile ? »"), lambda ev: ev.answers),
    ]  # fmt: skip
    return Section("demarches", _("Démarches à simplifier"), figures, tables)
