"""Every staff page that shows a person says so in the journal, under that person's id.

Generated from the URL patterns: every staff page (lists, and pages naming one record of
the demo town or of the "B" teams) is opened by every role, including the B teams' own
staff; wherever a resident's name appears on the page, a journal entry written by that
request must name them (as its person, or among the people a list showed), so that the
journal filtered by person finds every look at their data.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from relais.accounts.models import User
from relais.core.models import AuditEvent, AuditPerson, Person
from tests.conftest import staff_client
from tests.routes import all_routes
from tests.test_permission_matrix import OBJECT_OF_ANOTHER_TEAM, POST_ONLY, QUERY, ROLES
from tests.world import build_world

VISITORS = [*[role for role, email in ROLES.items() if email], "b_case_worker", "b_advisor", "b_moderator"]


def _pages(world) -> list[str]:
    pages = []
    for route in all_routes():
        if not route.staff or route.name in POST_ONLY:
            continue
        if not route.params:
            pages.append(reverse(route.name))
        elif route.name in OBJECT_OF_ANOTHER_TEAM:
            kwargs = OBJECT_OF_ANOTHER_TEAM[route.name](world)
            pages.append(reverse(route.name, kwargs=kwargs) + QUERY.get(route.name, ""))
    return pages


def _names_on(html: str, people: list[Person]) -> set[int]:
    found = set()
    for person in people:
        first, last = person.first_name.strip(), person.last_name.strip()
        if not (first and last):
            continue
        forms = {person.display_name, f"{first} {last}", f"{first} {last.upper()}"}
        if any(escape(form) in html for form in forms):
            found.add(person.pk)
    return found


def _named_since(first_id: int) -> set[int]:
    events = AuditEvent.objects.filter(pk__gt=first_id)
    named = {pk for pk in events.values_list("person_id", flat=True) if pk}
    named |= set(AuditPerson.objects.filter(event__in=events).values_list("person_id", flat=True))
    return named


@pytest.mark.parametrize("visitor", VISITORS)
def test_every_page_showing_a_person_journals_them(visitor, db):
    world = build_world()
    if visitor.startswith("b_"):
        user = world.members[visitor[2:]]
    else:
        user = User.objects.get(email=ROLES[visitor])
    client = staff_client(user)
    people = list(Person.objects.filter(merged_into__isnull=True))
    unjournaled = {}
    for url in _pages(world):
        last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        shown = _names_on(response.content.decode(), people)
        missing = shown - _named_since(last)
        if missing:
            unjournaled[url] = sorted(Person.objects.get(pk=pk).display_name for pk in missing)
    assert unjournaled == {}, f"pages that show people without journaling them: {unjournaled}"
