"""Work done once after the commit of a transaction, however many times the transaction
asks for it: the audit journal's seal after entries are written (relais.core.auditchain),
the merge of SQLite's search index after search texts are removed (relais.cases.search_index).

    on_commit_once(seal_soon, using)   # a second call in the same transaction adds nothing

`function(using)` runs after the commit as `transaction.on_commit` runs it (at once outside
a transaction); one callable per function and database is kept, so that the pending ones
can be told apart from others by identity.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.db import connections, transaction

_callbacks: dict[tuple[Callable, str], Callable[[], None]] = {}


def on_commit_once(function: Callable[[str], None], using: str = "default", *, robust: bool = False) -> None:
    """Run `function(using)` after the current transaction commits, unless this transaction
    already has it waiting. `robust`: an exception it raises is logged, not raised."""
    callback = _callbacks.setdefault((function, using), partial(function, using))
    if not any(pending[1] is callback for pending in connections[using].run_on_commit):
        transaction.on_commit(callback, using=using, robust=robust)
