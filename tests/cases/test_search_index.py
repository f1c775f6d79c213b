"""The back-office search through SQLite's trigram index (relais.cases.search_index): the
same cases as without it, kept by every write, and put back when its triggers are lost."""

import pytest
from django.db import connection

from relais.cases import search_index, selectors
from relais.cases.models import Case

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL has its trigram index (cases/0017)")


@pytest.fixture
def civil_case(db):
    """A case of État civil of its own (the test deletes it)."""
    demo = Case.objects.filter(team__slug="etat-civil").first()
    return Case.objects.create(
        reference="T-1", form=demo.form, team=demo.team, person=demo.person, channel="phone",
        due_date=demo.due_date, answers=[], search_text="t 1",
    )  # fmt: skip


QUERIES = ["Dupont", "dupont jean", "du", "Jean D", "martin", "06", "0612", "zzzqqq", "@", "valbrenne", "e"]


def _found(user, query: str) -> list[int]:
    return list(selectors.queue(user, tab="toutes", filters={"q": query}).values_list("pk", flat=True))


def _unindexed(user, query, monkeypatch) -> list[int]:
    with monkeypatch.context() as patch:
        patch.setattr(search_index, "matching", lambda words, using="default": None)
        return _found(user, query)


def test_a_search_finds_the_same_cases_with_the_index_as_without(case_worker, monkeypatch):
    assert search_index.matching(["dupont"]) is not None  # made by migrate
    found_any = 0
    for query in QUERIES:
        indexed = _found(case_worker, query)
        assert indexed == _unindexed(case_worker, query, monkeypatch), query
        found_any += bool(indexed)
    assert found_any >= 4  # the demo data has matches for most of them
    other_team = Case.objects.exclude(team__slug="etat-civil").exclude(person=None).first()
    assert other_team.pk not in _found(case_worker, other_team.person.last_name)


def test_a_search_by_name_reads_the_index_not_the_team(case_worker):
    plan = selectors.queue(case_worker, tab="toutes", filters={"q": "Dupont"}).order_by().values("pk").explain()
    assert search_index.TABLE in plan and "case_search" not in plan, plan
    # Two letters have no trigram: the team's (team, search text) index, as before.
    plan = selectors.queue(case_worker, tab="toutes", filters={"q": "du"}).order_by().values("pk").explain()
    assert search_index.TABLE not in plan, plan


def test_the_index_follows_every_write_to_the_cases(case_worker, civil_case):
    Case.objects.filter(pk=civil_case.pk).update(search_text="zorglub quixote")
    assert _found(case_worker, "zorglub") == [civil_case.pk]
    civil_case.refresh_from_db()
    civil_case.search_text = "quintessence"
    civil_case.save()
    assert _found(case_worker, "zorglub") == []
    assert _found(case_worker, "quintessence") == [civil_case.pk]
    civil_case.delete()
    assert _found(case_worker, "quintessence") == []
    with connection.cursor() as cursor:  # the index holds no entry of a deleted case
        cursor.execute(f"SELECT count(*) FROM {search_index.TABLE} WHERE {search_index.TABLE} MATCH 'quintessence'")
        assert cursor.fetchone() == (0,)


def test_lost_triggers_are_not_trusted_and_migrate_puts_them_back(case_worker, civil_case):
    """SQLite drops a table's triggers when Django remakes it for a migration: until the next
    migrate's `ensure`, the search does without the index; then the index is rebuilt."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {search_index.TABLE}_update")
    Case.objects.filter(pk=civil_case.pk).update(search_text="written while the trigger was gone")
    assert search_index.matching(["gone"]) is None
    assert _found(case_worker, "trigger was gone") == [civil_case.pk]
    assert search_index.ensure()
    assert search_index.matching(["gone"]) is not None
    assert _found(case_worker, "trigger was gone") == [civil_case.pk]  # rebuilt: the index has it
    Case.objects.filter(pk=civil_case.pk).update(search_text="and after")
    assert _found(case_worker, "trigger was gone") == []


def _merges(run) -> int:
    """How many times the index was merged ('optimize') while `run()` ran and committed."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        run()
    return sum("VALUES ('optimize')" in query["sql"] for query in queries.captured_queries)


def test_an_erased_name_is_not_left_in_the_index(civil_case, django_capture_on_commit_callbacks):
    """FTS5 keeps a removed entry's trigrams in its pages (readable there) until they are
    merged: an erasure, and deleted cases, have the index merged once, after the commit."""
    from relais.cases.person import erase

    def erasure():
        with django_capture_on_commit_callbacks(execute=True):
            erase(person=civil_case.person)

    def rewording():
        with django_capture_on_commit_callbacks(execute=True):
            Case.objects.filter(pk__in=Case.objects.all()[:3]).update(search_text="t 1")

    assert _merges(rewording) == 0  # nothing removed: no merge
    assert _merges(erasure) == 1


def test_a_deleted_case_is_not_left_in_the_index(civil_case, django_capture_on_commit_callbacks):
    def deletion():
        with django_capture_on_commit_callbacks(execute=True):
            Case.objects.filter(pk=civil_case.pk).delete()

    assert _merges(deletion) == 1


def test_migrate_replaces_a_trigger_that_differs_and_a_missing_index(case_worker, civil_case):
    Case.objects.filter(pk=civil_case.pk).update(search_text="t 1 plinth")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {search_index.TABLE}")
        cursor.execute(f"DROP TRIGGER {search_index.TABLE}_update")
        cursor.execute(  # as an older version might have written it
            f"CREATE TRIGGER {search_index.TABLE}_update AFTER UPDATE ON cases_case BEGIN SELECT 1; END"
        )
    assert search_index.ensure()
    assert _found(case_worker, "plinth") == [civil_case.pk]  # made again, from the cases
    Case.objects.filter(pk=civil_case.pk).update(search_text="t 1 quorum")
    assert _found(case_worker, "plinth") == [] and _found(case_worker, "quorum") == [civil_case.pk]


def test_a_sqlite_that_cannot_keep_the_index_drops_its_triggers(case_worker, civil_case):
    """A database moved to a SQLite without FTS5: triggers left in place would make every
    write to the cases fail. Here a plain table stands where the index was."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {search_index.TABLE}")
        cursor.execute(f"CREATE TABLE {search_index.TABLE} (search_text text)")
    assert not search_index.ensure()
    assert search_index.matching(["quorum"]) is None
    Case.objects.filter(pk=civil_case.pk).update(search_text="t 1 quorum")  # writes go on
    assert _found(case_worker, "quorum") == [civil_case.pk]  # the search too, without the index
