"""Reads about street reports: the public list (only what an agent published), the reports
near a place a resident is about to report, and the groups of close cases a team sees."""

from __future__ import annotations

import datetime
import re

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from relais.cases.models import OPEN_STATUSES, PUBLIC_STATUSES, Case, Form, StreetReport, TownPlan
from relais.cases.street_map import distance_m
from relais.core.text import fold

# Words of a place that say nothing of where it is ("rue", "devant"): left out when the
# place typed is compared with published ones.
PLACE_STOPWORDS = {
    "rue", "avenue", "boulevard", "place", "chemin", "route", "allee", "impasse", "quai", "square",
    "devant", "pres", "face", "coin", "angle", "entre", "cote", "niveau", "sur", "dans", "vers",
    "les", "des", "du", "de", "la", "le", "au", "aux", "et", "en", "a",
}  # fmt: skip


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
            "pk", "title", "description", "location_text", "published_at",
            "case__status", "case__latitude", "case__longitude", "case__submitted_at",
            "case__form__title", "case__form__slug",
        )
        .annotate(me_too_count=Count("me_toos", distinct=True), duplicate_count=Count("case__duplicates", distinct=True))
        .order_by("-published_at", "-pk")
    )  # fmt: skip


def public_report(pk) -> StreetReport | None:
    return public_reports().filter(pk=pk).first()


def town_plan() -> TownPlan | None:
    return TownPlan.objects.order_by("-created_at", "-pk").first()


def _place_words(text: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", fold(text or "")) if len(w) > 2 and w not in PLACE_STOPWORDS}


def reports_near(*, form: Form, location: dict, limit: int = 5) -> list[StreetReport]:
    """Open published reports of `form` near the place a resident typed: within
    STREET_NEARBY_METERS of their position, or naming the same street or landmark."""
    if form not in public_forms():
        return []
    lat, lon = location.get("latitude"), location.get("longitude")
    words = _place_words(location.get("location_text", ""))
    radius = settings.RELAIS["STREET_NEARBY_METERS"]
    scored = []
    candidates = public_reports(form=form).filter(case__status__in=OPEN_STATUSES)[:500]
    for report in candidates:
        case = report.case
        distance = None
        if lat is not None and lon is not None and case.latitude is not None and case.longitude is not None:
            distance = distance_m(lat, lon, case.latitude, case.longitude)
        shared = len(words & _place_words(report.location_text))
        if (distance is not None and distance <= radius) or shared:
            scored.append(((distance if distance is not None and distance <= radius else radius + 1), -shared, report))
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
              "duplicate_of_id")
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
    """Cases `case` may be marked as a duplicate of: the same form, the same team, not
    itself, and not themselves duplicates (the first report is the one the team handles)."""
    return (
        Case.objects.filter(team_id__in=team_ids, form_id=case.form_id, duplicate_of__isnull=True)
        .exclude(pk=case.pk)
        .exclude(location_text="")
        .filter(~Q(pk__in=case.duplicates.values("pk")))
    )
