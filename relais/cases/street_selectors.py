"""Reads about street reports: the public list (only what an agent published), the reports
near a place a resident is about to report, and the groups of close cases a team sees."""

from __future__ import annotations

import datetime
import math
import re

from django.conf import settings
from django.db.models import Count, QuerySet

from relais.cases.models import OPEN_STATUSES, PUBLIC_STATUSES, Case, Form, StreetReport, TownPlan
from relais.cases.street_map import distance_m
from relais.core.text import fold

# Words of a place that say nothing of which street it is ("rue", "devant", "école"): left
# out when the place typed is compared with published ones. First names cannot all be listed:
# the rule of `_same_place` (the whole shorter name, or two words, in common) covers them.
PLACE_STOPWORDS = {
    "rue", "avenue", "boulevard", "place", "chemin", "route", "allee", "impasse", "quai", "square",
    "cours", "passage", "sentier", "voie", "rond", "point", "carrefour", "parvis", "promenade",
    "residence", "lotissement", "hameau", "lieu", "dit", "cite", "quartier",
    "saint", "sainte", "ecole", "eglise", "mairie", "college", "lycee", "poste", "gare", "parking",
    "devant", "derriere", "pres", "proche", "face", "coin", "angle", "entre", "cote", "niveau", "hauteur",
    "bout", "fond", "haut", "bas", "milieu", "entree", "sortie", "nord", "sud", "est", "ouest",
    "sur", "sous", "dans", "vers", "chez", "moi", "ici", "juste", "numero", "trottoir", "chaussee",
    "les", "des", "du", "de", "la", "le", "au", "aux", "et", "en", "a", "une", "un",
}  # fmt: skip

# Public points are drawn on a grid of this many metres, never where the resident stood.
PUBLIC_GRID_METERS = 100


def public_enabled() -> bool:
    """The town's switch for every public report (RELAIS_STREET_REPORTS_PUBLIC)."""
    return bool(settings.RELAIS.get("STREET_REPORTS_PUBLIC", True))


def public_forms() -> QuerySet[Form]:
    """The forms whose reviewed reports are public (the categories of the public list)."""
    if not public_enabled():
        return Form.objects.none()
    return Form.objects.published().filter(asks_location=True, public_reports=True).order_by("title")


def public_reports(*, form: Form | None = None, status: str = "") -> QuerySet[StreetReport]:
    """Published reports of public forms, newest first, with their "moi aussi" counts."""
    qs = StreetReport.objects.filter(published=True, case__form__in=public_forms(), case__duplicate_of__isnull=True)
    if form is not None:
        qs = qs.filter(case__form=form)
    if status in PUBLIC_STATUSES:
        qs = qs.filter(case__status__in=PUBLIC_STATUSES[status])
    return (
        qs.select_related("case__form")
        .only(
            "pk", "title", "description", "location_text", "published_at", "moderated_at", "on_map",
            "case__status", "case__channel", "case__latitude", "case__longitude", "case__submitted_at",
            "case__closed_at",
            "case__form__title", "case__form__slug", "case__form__translations",
        )
        .annotate(me_too_count=Count("me_toos", distinct=True), duplicate_count=Count("case__duplicates", distinct=True))
        .order_by("-published_at", "-pk")
    )  # fmt: skip


def located_forms() -> QuerySet[Form]:
    """The published forms that take a location and no online account: what a partner
    application may file by position or address (the services of Open311)."""
    return (
        Form.objects.published()
        .filter(asks_location=True, requires_account=False)
        .select_related("team", "procedure")
        .prefetch_related("fields", "procedure__themes")
        .order_by("title")
    )


def public_report(pk) -> StreetReport | None:
    return public_reports().filter(pk=pk).first()


def town_plan() -> TownPlan | None:
    return TownPlan.objects.order_by("-created_at", "-pk").first()


def public_point(latitude: float | None, longitude: float | None) -> tuple[float, float] | None:
    """Where the public map draws a report: its position snapped to a grid of about
    PUBLIC_GRID_METERS, so that a point never gives away a house."""
    if latitude is None or longitude is None:
        return None
    step_lat = PUBLIC_GRID_METERS / 111_320
    lat = round(round(latitude / step_lat) * step_lat, 5)
    step_lon = PUBLIC_GRID_METERS / (111_320 * max(0.01, math.cos(math.radians(lat))))
    return lat, round(round(longitude / step_lon) * step_lon, 5)


def report_point(report: StreetReport) -> tuple[float, float] | None:
    """Where a published report may be shown (the public map, Open311): its case's position
    on the public grid, or None when the team chose not to place it on the plan."""
    return public_point(report.case.latitude, report.case.longitude) if report.on_map else None


def is_public_form(form: Form) -> bool:
    """Whether `form`'s reviewed reports go to the public list (public_forms, one form)."""
    return public_forms().filter(pk=form.pk).exists()


def public_points(reports) -> list[tuple[float | None, float | None, str, str]]:
    """The public map's items (latitude, longitude, link, accessible name) of `reports`: the
    only place that turns a report into a point, rounded, and left off when the team chose
    not to place it on the plan (the report stays in the list)."""
    items = []
    for r in reports:
        lat, lon = report_point(r) or (None, None)
        items.append((lat, lon, r.get_absolute_url(), f"{r.title} – {r.location_text} ({r.public_status.label})"))
    return items


def _place_words(text: str) -> set[str]:
    words = re.split(r"[^a-z0-9]+", fold(text or ""))
    return {w for w in words if len(w) > 2 and not w.isdigit() and w not in PLACE_STOPWORDS}


def _same_place(typed: set[str], published: set[str]) -> bool:
    """Two places named in words: the same when they share two significant words ("jules
    ferry"), or when every word of the shorter one is in the other ("Voltaire" and "rue
    Voltaire, côté poste"). One shared word is not enough: "Jean Moulin" is not "Jean-Jaurès"."""
    shared = typed & published
    return len(shared) >= 2 or (bool(shared) and len(shared) == min(len(typed), len(published)))


def reports_near(*, form: Form, location: dict, limit: int = 5) -> list[StreetReport]:
    """Open published reports of `form` near the place a resident is reporting: when both
    have a position, within STREET_NEARBY_METERS of it (distance only); else naming the same
    street or landmark (`_same_place`)."""
    if form not in public_forms():
        return []
    lat, lon = location.get("latitude"), location.get("longitude")
    words = _place_words(location.get("location_text", ""))
    radius = settings.RELAIS["STREET_NEARBY_METERS"]
    scored = []
    candidates = public_reports(form=form).filter(case__status__in=OPEN_STATUSES)[:500]
    for report in candidates:
        case = report.case
        if lat is not None and lon is not None and case.latitude is not None and case.longitude is not None:
            distance = distance_m(lat, lon, case.latitude, case.longitude)
            if distance <= radius:
                scored.append((distance, 0, report))
            continue
        theirs = _place_words(report.location_text)
        if words and theirs and _same_place(words, theirs):
            scored.append((radius + 1, -len(words & theirs), report))
    scored.sort(key=lambda item: (item[0], item[1], -item[2].pk))
    return [report for *_key, report in scored[:limit]]


def _close(a: Case, b: Case, meters: int, days: int) -> bool:
    if abs(a.submitted_at - b.submitted_at) > datetime.timedelta(days=days):
        return False
    if None not in (a.latitude, a.longitude, b.latitude, b.longitude):
        return distance_m(a.latitude, a.longitude, b.latitude, b.longitude) <= meters
    return bool(a.location_text) and fold(a.location_text).strip() == fold(b.location_text).strip()


def close_cases(cases: list[Case], team_ids) -> dict[int, list[Case]]:
    """For each case of a location form, the other cases of the same form (of the given
    teams) within STREET_GROUP_METERS and STREET_GROUP_DAYS of it, oldest first."""
    located = [c for c in cases if c.form_id and c.location_text]
    if not located:
        return {}
    meters, days = settings.RELAIS["STREET_GROUP_METERS"], settings.RELAIS["STREET_GROUP_DAYS"]
    window = datetime.timedelta(days=days)
    start = min(c.submitted_at for c in located) - window
    end = max(c.submitted_at for c in located) + window
    candidates = list(
        Case.objects.filter(
            team_id__in=team_ids,
            form_id__in={c.form_id for c in located},
            form__asks_location=True,
            submitted_at__gte=start,
            submitted_at__lte=end,
        )
        .exclude(location_text="")
        .only("pk", "reference", "form_id", "status", "submitted_at", "latitude", "longitude", "location_text",
              "duplicate_of_id", "person_id")
        .order_by("submitted_at", "pk")
    )  # fmt: skip
    groups = {}
    for case in located:
        near = [
            o for o in candidates if o.pk != case.pk and o.form_id == case.form_id and _close(case, o, meters, days)
        ]
        if near:
            groups[case.pk] = near
    return groups


def duplicate_choices(case: Case, team_ids) -> QuerySet[Case]:
    """The cases offered as the first report of `case`'s problem: only its close cases (the
    ones its team already sees grouped with it), not itself, not themselves duplicates."""
    close = [c.pk for c in close_cases([case], team_ids).get(case.pk, []) if not c.duplicate_of_id]
    return Case.objects.filter(pk__in=close).order_by("-submitted_at", "-pk")


def duplicate_by_reference(case: Case, reference: str, team_ids) -> Case | None:
    """The case of reference `reference` that `case` may be linked to: of the same form and
    team, within the worker's teams, not `case` itself (None otherwise)."""
    return (
        Case.objects.filter(
            reference=(reference or "").strip(), form_id=case.form_id, team_id=case.team_id, team_id__in=team_ids
        )
        .exclude(pk=case.pk)
        .first()
    )
