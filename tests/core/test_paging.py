"""The staff lists' paginator counts up to 1,000 rows: past that, the list says "plus de
1 000" and its further pages are still reached with "Page suivante"."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.staff_lists import MARKER, fill_appointments, fill_journal, make_people
from relais.accounts.models import User
from relais.core.models import AuditEvent
from relais.core.paging import COUNT_CAP, CappedPaginator, capped_count
from tests.conftest import staff_client


def _text(response) -> str:
    """The page's text with its non-breaking spaces as spaces (1 000 is written 1&nbsp;000)."""
    return re.sub(r"[\u00a0\u202f]", " ", response.content.decode())


def _next_url(content: str) -> str | None:
    found = re.search(r'<a href="([^"]*)" rel="next">', content)
    return found.group(1).replace("&amp;", "&") if found else None


def test_a_short_list_is_paged_as_django_does():
    paginator = CappedPaginator(list(range(95)), 10)
    assert not paginator.capped and paginator.count == 95 and paginator.num_pages == 10
    assert paginator.count_label == "95"
    last = paginator.get_page(10)
    assert list(last) == list(range(90, 95)) and not last.has_next()
    assert paginator.get_page(99).number == 10  # past the end: the last page
    assert paginator.get_page("x").number == 1


def test_a_long_list_is_counted_up_to_the_cap_and_its_pages_go_on_past_it():
    rows = list(range(COUNT_CAP + 95))
    paginator = CappedPaginator(rows, 10)
    assert paginator.capped and paginator.count == COUNT_CAP + 1
    assert re.sub(r"\s", " ", paginator.count_label) == "plus de 1 000"
    past = paginator.get_page(103)
    assert list(past) == rows[1020:1030] and past.has_next() and past.has_previous()
    assert past.start_index() == 1021 and past.end_index() == 1030
    last = paginator.get_page(110)
    assert list(last) == rows[1090:] and not last.has_next()
    # Past the very end, the last page that was counted (the end is not known).
    assert paginator.get_page(500).number == paginator.num_pages
    # The page links: the first pages, those around this one, no last page.
    assert list(paginator.get_elided_page_range(103, on_each_side=1, on_ends=1)) == [1, "…", 102, 103]


@pytest.mark.django_db
def test_a_queryset_is_counted_with_a_limit_not_over_every_row():
    people = make_people(3)
    fill_journal(COUNT_CAP + 10, people)
    paginator = CappedPaginator(AuditEvent.objects.order_by("-pk"), 50)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.capped
    assert len(queries) == 1 and "LIMIT" in queries[0]["sql"].upper()


@pytest.mark.django_db
def test_a_queue_counted_in_its_own_order_gives_the_same_count():
    people = make_people(3)
    fill_journal(COUNT_CAP + 10, people)
    ordered = AuditEvent.objects.order_by("-pk")
    for rows, capped in ((ordered, True), (ordered.filter(pk__lte=ordered.last().pk + 4), False)):
        in_order = CappedPaginator(rows, 50, in_order=True)
        assert (in_order.count, in_order.capped) == (CappedPaginator(rows, 50).count, capped)


@pytest.mark.django_db
def test_the_journal_says_more_than_1000_entries_and_its_next_pages_are_still_reached():
    people = make_people(5)
    fill_journal(COUNT_CAP + 60, people)
    client = staff_client(User.objects.get(email="admin@valbrenne.fr"))
    url = reverse("people:audit_journal")
    first = _text(client.get(url))
    assert "plus de 1 000 entrées" in first
    # Page 20 holds entries 951 to 1,000: "Page suivante" leads past what was counted.
    page_20 = _text(client.get(url, {"page": 20}))
    following = _next_url(page_20)
    assert following and "page=21" in following
    page_21 = _text(client.get(url + following))
    shown = set(re.findall(rf"{MARKER}\d{{6}}", page_21))
    assert shown and not shown & set(re.findall(rf"{MARKER}\d{{6}}", first))
    assert 'aria-current="page" href="?page=21"' in page_21
    # And on, until the end of the journal: the last page has no "Page suivante".
    page, seen = url + following, 21
    while (following := _next_url(_text(client.get(page)))) is not None and seen < 40:
        page, seen = url + following, seen + 1
    assert following is None and seen >= 22


@pytest.mark.django_db
def test_the_appointments_list_is_paged_past_the_cap():
    people = make_people(10)
    fill_appointments(COUNT_CAP + 20, people)
    client = staff_client(User.objects.get(email="conseiller@valbrenne.fr"))
    url = reverse("mediation:staff_appointments")
    page_21 = _text(client.get(url, {"page": 21}))  # appointments 1,001 to 1,020
    assert len(set(re.findall(rf"{MARKER}\d{{6}}", page_21))) >= 10
    assert _next_url(page_21) is None
    assert 'rel="prev"' in page_21


@pytest.mark.django_db
def test_a_count_beside_a_list_stops_at_the_cap_and_says_so():
    people = make_people(3)
    fill_journal(12, people)
    entries = AuditEvent.objects.filter(details__ligne__startswith=MARKER)
    exact, capped = capped_count(entries, cap=20), capped_count(entries, cap=10)
    assert exact == 12 and str(exact) == "12" and not exact.capped and exact
    assert capped.n == 11 and capped.capped and re.sub(r"\s", " ", str(capped)) == "plus de 10"
    assert not capped_count(entries.none())
