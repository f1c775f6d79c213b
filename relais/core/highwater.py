"""High-water marks kept outside the database: the highest number ever issued of a series
(case references of a year), so that a database restored from an older backup never hands
out a number that residents already hold on paper.

The marks live in one small JSON file beside the private files (`RELAIS_VAR_DIR`), which
several app servers share like the uploads. A mark is written before the database commits
the number it covers: after a crash the mark may be ahead of the database (a number
skipped), never behind it (a number given twice). `relais restore` leaves this file alone,
reads it and resumes every series past it.
"""

from __future__ import annotations

import fcntl
import json
import os
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

FILENAME = "issued-high-water.json"


def marks_path() -> Path:
    return Path(settings.VAR_DIR) / FILENAME


@contextmanager
def _locked():
    """One writer at a time across processes of this machine (and NFS with lockd)."""
    path = marks_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield path
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def marks_read() -> dict[str, int] | None:
    """Every mark, or None when the file does not exist (a fresh machine)."""
    try:
        return {str(k): int(v) for k, v in json.loads(marks_path().read_text()).items()}
    except FileNotFoundError:
        return None


def _write(path: Path, marks: dict[str, int]) -> None:
    temporary = path.with_suffix(".tmp")
    with open(temporary, "w") as out:
        json.dump(marks, out, sort_keys=True)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


def mark_issued(series: str, number: int) -> None:
    """Record that `number` of `series` was (or is about to be) issued; marks only go up."""
    with _locked() as path:
        marks = marks_read() or {}
        if marks.get(series, 0) < number:
            marks[series] = number
            _write(path, marks)


def marks_merge(extra: dict[str, int]) -> dict[str, int]:
    """Raise the marks to at least `extra` (a backup's), and return them all."""
    with _locked() as path:
        marks = marks_read() or {}
        for series, number in extra.items():
            marks[series] = max(marks.get(series, 0), int(number))
        _write(path, marks)
        return marks
