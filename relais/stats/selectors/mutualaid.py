"""Mutual aid (entraide): listings by kind, category and neighbourhood, those that got an
answer, the private "did it work?" answers, listings posted by staff for residents without
internet, and the moderation load (reports, refusals, suspensions).

Never anything about a named resident: counts only. Listings count in the period they were
posted; outcomes in the period the listing was closed. Both include the listings the
retention purge removed (mutualaid.selectors `listing_counts`, `outcome_counts` add back its
anonymous counts); reports, decisions and suspensions are counted while they are held."""

from __future__ import annotations

from django.utils.translation import gettext as _

from relais.core.models import Channel
from relais.mutualaid.models import (
    POSTED_VIA,
    Category,
    DecisionAction,
    Kind,
    ModerationDecision,
    Neighbourhood,
    Outcome,
    Report,
    ReportReason,
    Suspension,
)
from relais.mutualaid.selectors import listing_counts, outcome_counts
from relais.stats.build import compare, link, ratio_figure
from relais.stats.figures import COUNT, Figure, Section
from relais.stats.filters import Query
from relais.stats.selectors._sql import counts

# What moderators did to keep a listing or a message off the board.
REFUSALS = (DecisionAction.REJECT, DecisionAction.HIDE, DecisionAction.HIDE_MESSAGE)
POSTED_VIA_CODES = {code for code, _label in POSTED_VIA}


def _posted_via(q: Query) -> str | None:
    """The channel filter as a way of posting; None when no listing can come that way (e-mail)."""
    if q.channel and q.channel not in POSTED_VIA_CODES:
        return None
    return q.channel


def listing_figures(q: Query) -> dict:
    """Listings posted in the period, removed ones included: by kind, category,
    neighbourhood and channel, and how many got an answer (one GROUP BY, then sums)."""
    via = _posted_via(q)
    rows = {}
    if via is not None:
        rows = listing_counts(team_ids=q.team_ids, start=q.period.start, end=q.period.end, posted_via=via)
    out = {"posted": 0, "answered": 0, "by_staff": 0, "kind": {}, "category": {}, "neighbourhood": {}, "via": {}}
    for (kind, category, neighbourhood, posted_via, answered), n in rows.items():
        out["posted"] += n
        out["answered"] += n if answered else 0
        out["by_staff"] += n if posted_via != Channel.ONLINE else 0
        for name, code in (
            ("kind", kind),
            ("category", category),
            ("neighbourhood", neighbourhood),
            ("via", posted_via),
        ):
            out[name][code] = out[name].get(code, 0) + n
    out["outcome"] = (
        {}
        if via is None
        else outcome_counts(start=q.period.start, end=q.period.end, team_ids=q.team_ids, posted_via=via)
    )
    return out


def moderation_counts(q: Query) -> dict:
    """Reports received, refusals and suspensions started in the period."""
    start, end = q.period.bounds()
    reports = Report.objects.filter(created_at__gte=start, created_at__lt=end)
    decisions = ModerationDecision.objects.filter(decided_at__gte=start, decided_at__lt=end, action__in=REFUSALS)
    suspensions = Suspension.objects.filter(starts_at__gte=start, starts_at__lt=end)
    if q.team_ids is not None:
        reports = reports.filter(team_id__in=q.team_ids)
        decisions = decisions.filter(team_id__in=q.team_ids)
        suspensions = suspensions.filter(team_id__in=q.team_ids)
    via = _posted_via(q)
    if q.channel:
        # About the listings that came that way; a suspension is about a person, not a listing.
        reports = reports.filter(listing__posted_via=via)
        decisions = decisions.filter(listing__posted_via=via)
    return {
        "reports": reports.count(),
        "report_reason": counts(reports, "reason"),
        "refusals": counts(decisions, "action"),
        "suspensions": suspensions.count(),
    }


def _figure(slug, label, now, before, help="") -> Figure:
    return Figure(slug, label, now, before, COUNT, help=help)


def _neighbourhoods(codes) -> list[tuple]:
    ids = [code for code in codes if code is not None]
    return list(Neighbourhood.objects.filter(pk__in=ids).order_by("position", "name").values_list("pk", "name"))


def section(q: Query) -> Section:
    """The mutual-aid page: the period and the previous one."""
    now, before = listing_figures(q), listing_figures(q.previous())
    mod_now, mod_before = moderation_counts(q), moderation_counts(q.previous())
    refused_now, refused_before = sum(mod_now["refusals"].values()), sum(mod_before["refusals"].values())
    figures = [
        _figure("posted", _("Annonces déposées"), now["posted"], before["posted"]),
        _figure(
            "answered",
            _("Annonces qui ont reçu une réponse"),
            now["answered"],
            before["answered"],
            _("Au moins un voisin a écrit à l'auteur."),
        ),
        ratio_figure(
            "answered_rate",
            _("Part des annonces qui ont reçu une réponse"),
            now["answered"],
            now["posted"],
            before["answered"],
            before["posted"],
        ),
        _figure(
            "by_staff",
            _("Annonces déposées par l'équipe pour un habitant"),
            now["by_staff"],
            before["by_staff"],
            _("Au guichet, par téléphone ou par courrier, pour un habitant sans internet."),
        ),
        ratio_figure(
            "worked_rate",
            _("Annonces terminées où « ça a marché »"),
            now["outcome"].get(Outcome.WORKED, 0),
            sum(now["outcome"].values()),
            before["outcome"].get(Outcome.WORKED, 0),
            sum(before["outcome"].values()),
            _("Réponse privée de l'auteur en fermant son annonce."),
        ),
        _figure("reports", _("Signalements reçus"), mod_now["reports"], mod_before["reports"]),
        _figure("refusals", _("Annonces ou messages refusés ou masqués"), refused_now, refused_before),
        _figure("suspensions", _("Suspensions décidées"), mod_now["suspensions"], mod_before["suspensions"]),
    ]
    tables = [
        compare("kind", _("Annonces par type"), now["kind"], before["kind"], Kind.choices),
        compare("category", _("Annonces par catégorie"), now["category"], before["category"], Category.choices),
        compare(
            "neighbourhood",
            _("Annonces par quartier"),
            now["neighbourhood"],
            before["neighbourhood"],
            _neighbourhoods(set(now["neighbourhood"]) | set(before["neighbourhood"])),
            keep_empty=False,
        ),
        compare("posted_via", _("Annonces par façon de les déposer"), now["via"], before["via"], POSTED_VIA),
        compare(
            "outcome",
            _("« Ça a marché ? »"),
            now["outcome"],
            before["outcome"],
            Outcome.choices,
            note=_("Annonces terminées pendant la période, selon la réponse privée de leur auteur."),
        ),
        compare(
            "report_reason",
            _("Signalements par raison"),
            mod_now["report_reason"],
            mod_before["report_reason"],
            ReportReason.choices,
        ),
        compare(
            "refusals",
            _("Décisions de modération"),
            mod_now["refusals"],
            mod_before["refusals"],
            [(code, label) for code, label in DecisionAction.choices if code in REFUSALS],
            note=_("Les décisions, signalements et suspensions sont comptés tant qu'ils sont conservés."),
        ),
    ]
    notes = []
    if q.channel:
        notes.append(_("Le canal choisi s'applique aux annonces, pas aux suspensions."))
    if q.place_id or q.commune:
        notes.append(
            _("Les annonces sont rattachées à un quartier, pas à un lieu : le filtre par lieu ne s'applique pas.")
        )
    section = Section("entraide", _("Entraide"), figures, tables, notes)
    return link(section, parts={"answered": "posted", "by_staff": "posted"})
