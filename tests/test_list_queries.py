"""No staff list costs more SQL queries with more rows: every list page, opened by the staff
member it is for, with 4 and then 40 rows behind it, sends the same number of queries
(a query per row — a person's name, a count, a journal entry — is what makes a page with
100,000 rows slow; bench/staff_lists.py measures the time).

Generated from the URL patterns: every staff page without parameters is either in
`bench.staff_lists.PAGES` (who opens it and how to put rows behind it; the benchmark uses
the same table) or in `NOT_A_LIST` with the reason; a new page fails
`test_every_staff_page_is_a_list_or_says_why_not` until someone says which. Pages with
parameters show one record (a listing, a batch, a person) and what it holds.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.staff_lists import MARKER, PAGES, make_people
from relais.accounts.models import User
from tests.conftest import staff_client
from tests.routes import all_routes

FEW, MANY = 4, 40

# URL name -> why the page is not a list that grows with the town's activity.
NOT_A_LIST = {
    "api_admin:application_list": "partner applications: a handful, registered by administrators",
    "api_admin:application_create": "a form",
    "directory:catalogue_list_default": "the catalogue: hundreds of entries written by hand (search helper)",
    "directory:acronym_check": "acronyms to check: tens, written by hand",
    "people:staff_home": "the staff home: links",
    "people:person_create": "a form",
    "people:rights_home": "a form asking a record's number",
    "people:accessibility_statement_edit": "a form",
    "people:processing_register": "generated from the retention rules in the code",
    "people:processing_register_pdf": "generated from the retention rules in the code",
    "accounts:team_list": "the town's teams: tens",
    "accounts:team_create": "a form",
    "accounts:user_list": "the town's staff: tens to a few hundred",
    "accounts:user_create": "a form",
    "accounts:identity_link_list": "logins held for a check at the counter: a few at a time",
    "notifications:batch_create": "POST only",
    "notifications:resend_since": "POST only",
    "notifications:template_list": "message templates: from the code",
    "cases:bulk": "POST only",
    "cases:town_plan": "a form (the town's plan)",
    "cases:form_list": "the town's forms: tens, written by hand",
    "cases:form_create": "a form",
    "mediation:staff_home": "dashboard: a week of appointments (bounded by the counters' hours), 10 to record, 8 workshops",
    "mediation:staff_dropins": "drop-in sessions: tens, configured by hand",
    "mediation:staff_dropin_create": "a form",
    "mediation:staff_holidays": "school holidays: a few a year",
    "mediation:staff_appointment_book": "a form, with a person search of at most 20 lines",
    "mediation:staff_types": "appointment types: tens, configured by hand",
    "mediation:staff_type_create": "a form",
    "mediation:staff_day_list": "one day's appointments: bounded by the day's slots",
    "mediation:staff_workshop_create": "a form",
    "mediation:accompaniment_create": "a form",
    "mediation:staff_calendar": "a calendar link",
    "mediation:staff_places_import": "a form",
    "mutualaid:listings_letter": "POST only",
    "mutualaid:staff_listing_create": "a form",
    "mutualaid:settings": "board settings and neighbourhoods: tens",
    "stats:home": "statistics: aggregates (bench/stats.py)",
    "stats:report": "statistics: aggregates (bench/stats.py)",
    "stats:shares": "share links of statistics: a handful",
    "stats:simplify": "statistics: aggregates (bench/feedback.py)",
}


def staff_pages() -> set[str]:
    return {route.name for route in all_routes() if route.staff and not route.params}


def test_every_staff_page_is_a_list_or_says_why_not():
    unknown = staff_pages() - set(PAGES) - set(NOT_A_LIST)
    assert not unknown, (
        f"New staff pages {sorted(unknown)}: add each to bench.staff_lists.PAGES (a list: who opens it, how to "
        "put rows behind it) or to NOT_A_LIST in tests/test_list_queries.py (why it is not one)"
    )
    gone = (set(PAGES) | set(NOT_A_LIST)) - staff_pages()
    assert not gone, f"No such staff page any more: {sorted(gone)}"


def _render(client, name: str, query: dict) -> tuple[int, str]:
    url = reverse(name)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, query)
    assert response.status_code == 200, (name, response.status_code)
    return len(queries), response.content.decode()


def _shows_rows(page, content: str, n: int) -> bool:
    if page.summary is not None:
        return page.summary(n) in content
    return len(set(re.findall(rf"{MARKER}\d{{6}}", content))) >= min(n, page.shows)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PAGES))
def test_query_count_does_not_grow_with_rows(name):
    page = PAGES[name]
    client = staff_client(User.objects.get(email=page.user))
    page.fill(FEW, make_people(FEW))
    _render(client, name, page.query)  # first visit: the session's caches
    few, content = _render(client, name, page.query)
    assert _shows_rows(page, content, FEW), f"{name} does not show its {FEW} rows"
    page.fill(MANY - FEW, make_people(MANY - FEW, start=FEW), FEW)
    many, content = _render(client, name, page.query)
    assert _shows_rows(page, content, MANY), f"{name} does not show its {MANY} rows"
    assert many == few, f"{name}: {few} SQL queries with {FEW} rows, {many} with {MANY}"


@pytest.mark.django_db
def test_a_long_mandate_list_shows_the_first_of_each_section_and_each_section_whole_by_pages():
    from bench.staff_lists import fill_mandates

    client = staff_client(User.objects.get(email="conseiller@valbrenne.fr"))
    fill_mandates(75, make_people(75))  # 25 waiting, 25 active, 25 ended
    overview = client.get(reverse("mandates:list")).content.decode()
    assert "Voir tous les mandats actifs" in overview and "?etat=actifs" in overview
    active = client.get(reverse("mandates:list"), {"etat": "actifs"}).content.decode()
    # Active mandates are the second of every three rows filled: 25 of them, all on one page.
    shown = set(re.findall(rf"{MARKER}\d{{6}}", active))
    assert len(shown) == 25 and all(int(m[len(MARKER) :]) % 3 == 1 for m in shown)
