"""SQLite only: a trigram index of the cases' search text, so that a search by name, e-mail
or phone in the back-office reads the few matching cases instead of the team's whole
(team, search text) index (~12 ms at 100,000 cases, ~1 ms through this index).
PostgreSQL has its own (a pg_trgm index, cases/0017).

The index is an FTS5 table with the trigram tokenizer over `cases_case.search_text` (an
"external content" table: the text is not stored twice), kept by three triggers. It is made
after every `migrate` (`ensure`, from the app's post_migrate), not by a migration of its own:
SQLite drops a table's triggers when Django remakes the table to alter it, so a later
migration of the cases would silently leave the index behind. `ensure` finds the triggers
gone, puts them back and rebuilds the index from the table (a few seconds at 100,000 cases).
Where SQLite has no FTS5 or no trigram tokenizer (before 3.34), nothing is made and the
search reads the (team, search text) index as before.

What is removed from a search text (an erasure, a deleted case) FTS5 marks deleted and keeps
in the index's pages until they are merged: `forget_removed` has the index merged ('optimize')
once the transaction that removed it commits, so that an erased name cannot be read there.

The index only narrows: the caller still tests every word on the cases found, so the
results are the same with or without it. Words of fewer than 3 characters have no trigram:
they are only tested on the cases the longer words found.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connections, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL

from relais.core.commit import on_commit_once

logger = logging.getLogger(__name__)

TABLE = "cases_case_fts"
TRIGGERS = {
    f"{TABLE}_insert": f"""AFTER INSERT ON cases_case BEGIN
        INSERT INTO {TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END""",
    f"{TABLE}_delete": f"""AFTER DELETE ON cases_case BEGIN
        INSERT INTO {TABLE}({TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END""",
    # Django's save() writes every column: only a text that changed is indexed again.
    f"{TABLE}_update": f"""AFTER UPDATE OF search_text ON cases_case
        WHEN old.search_text IS NOT new.search_text BEGIN
        INSERT INTO {TABLE}({TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text);
        INSERT INTO {TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END""",
}
SHORTEST = 3  # a trigram


def ensure(using: str = "default") -> bool:
    """Make the index and its triggers where they are missing or differ from these (then
    rebuilding the index from the cases); True when the index is there and kept. Where this
    SQLite cannot keep the index (a database moved to one without FTS5 or the trigram
    tokenizer), its triggers are removed: they would make every write to the cases fail."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    try:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [TABLE])
            existed = cursor.fetchone() is not None
            cursor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5("
                "search_text, content='cases_case', content_rowid='id', tokenize='trigram')"
            )
            cursor.execute(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH '\"abc\"' LIMIT 1")  # the module works
            present = _stored_triggers(cursor)
            changed = not existed
            for name, body in TRIGGERS.items():
                if present.get(name) != f"CREATE TRIGGER {name} {body}":
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
                    cursor.execute(f"CREATE TRIGGER {name} {body}")
                    changed = True
            if changed:
                cursor.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')")
                logger.info("Search index of the cases rebuilt (%s).", using)
    except DatabaseError as error:  # no FTS5, or no trigram tokenizer
        logger.warning("Search index of the cases not kept (%s): the search reads every case of the team.", error)
        with connection.cursor() as cursor:
            for name in TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        return False
    return True


def forget_removed(using: str = "default") -> None:
    """After the transaction: the index rewritten without what was removed from the search
    texts (an erasure, deleted cases). FTS5 only marks a removed entry deleted, and keeps its
    trigrams (from which a name or a phone number can be read again) until its segments are
    merged: 'optimize' merges them all now (~0.4 s at 100,000 cases, holding the writer)."""
    if connections[using].vendor == "sqlite":
        on_commit_once(_optimize, using)


def _optimize(using: str) -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        if _kept(cursor):
            cursor.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('optimize')")


def _stored_triggers(cursor) -> dict[str, str]:
    """The triggers on the cases, by name, with the SQL that made them."""
    cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'cases_case'")
    return dict(cursor.fetchall())


def _kept(cursor) -> bool:
    """Whether every trigger keeping the index is there (a table remade since the last
    migrate has none: the index no longer follows the cases)."""
    return TRIGGERS.keys() <= _stored_triggers(cursor).keys()


def matching(words: list[str], using: str = "default") -> Q | None:
    """A condition on cases: their search text holds each word of 3 characters or more
    (as a substring), read from the index; None where there is no such word or no index
    (the caller then tests the words on the team's cases)."""
    connection = connections[using]
    long_words = [word for word in words if len(word) >= SHORTEST]
    if connection.vendor != "sqlite" or not long_words:
        return None
    with connection.cursor() as cursor:
        if not _kept(cursor):
            return None
    # Folded words are [a-z0-9]+ (core.text.fold): a quoted phrase of one word is its trigrams
    # in a row, that is the word as a substring.
    query = " AND ".join(f'"{word}"' for word in long_words)
    return Q(pk__in=RawSQL(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", (query,)))  # noqa: S611 - fixed SQL, the query is a parameter
