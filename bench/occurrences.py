"""Expanding drop-in recurrence rules: what a page listing sessions pays, cold and kept.

    make bench-occurrences    (or: .venv/bin/python bench/occurrences.py [--runs 200])

A drop-in's sessions come from its RRULE, walked from its first session on every page that
lists them ("get help", a place's page, the booking pages, the API). The expansion is kept
in each process's memory keyed on the rule, its times, the days shown and the holidays
(relais.mediation.models.expand_rule), and the published sessions of the coming weeks under
the public-content version (relais.mediation.selectors.occurrences). Measured in process on
the demo town (production settings, SQLite unless DATABASE_URL is set):

- *cold*: every cache emptied before each call (what every page paid before the caches);
- *kept*: the same call again (what a page pays now, until a drop-in, a cancellation or a
  holiday changes, or the day does).

Also the two guards of `DropIn.occurrences` that used to be a timed test: a rule saved
before the rules were restricted (FREQ=MINUTELY) gives no session at once, and a daily rule
asked for three years stops at MAX_OCCURRENCES. Results replace the section "Drop-in
sessions (occurrences)" of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.server import in_django, load_average, machine, manage, production_env, write_section  # noqa: E402


def _timed(function, runs: int, *, before=None) -> dict:
    values = []
    for _ in range(runs):
        if before is not None:
            before()
        began = time.perf_counter()
        result = function()
        values.append((time.perf_counter() - began) * 1000)
    values.sort()
    return {
        "median": statistics.median(values),
        "p99": values[max(0, int(len(values) * 0.99) - 1)],
        "n": len(result) if result is not None else 0,
    }


def measure(runs: int) -> dict:
    """Run inside Django, on the demo town."""
    from django.utils import timezone

    from relais.accounts.models import Team
    from relais.core import pagecache
    from relais.directory.models import Place
    from relais.mediation import selectors
    from relais.mediation.models import MAX_OCCURRENCES, DropIn, expand_rule

    def cold():
        expand_rule.cache_clear()
        pagecache.forget_version()

    now = timezone.now()
    team, place = Team.objects.filter(kind="mediation").first(), Place.objects.first()
    today = timezone.localdate()

    def dropin(rule: str, start: datetime.date) -> DropIn:
        return DropIn(
            team=team,
            place=place,
            rrule=rule,
            start_date=start,
            start_time=datetime.time(9),
            end_time=datetime.time(12),
        )

    legacy = dropin("FREQ=MINUTELY", today)
    daily = dropin("FREQ=DAILY", today)
    old_weekly = dropin("FREQ=WEEKLY;BYDAY=TU,TH", today - datetime.timedelta(days=5 * 365))
    in_14_days, in_3_years = now + datetime.timedelta(days=14), now + datetime.timedelta(days=3 * 365)
    no_db = {"holidays": [], "cancellations": {}}
    results = {
        "legacy": _timed(lambda: legacy.occurrences(now, now + datetime.timedelta(days=30), **no_db), runs),
        "daily_cold": _timed(lambda: daily.occurrences(now, in_3_years, **no_db), runs, before=cold),
        "daily_kept": _timed(lambda: daily.occurrences(now, in_3_years, **no_db), runs),
        "old_weekly_cold": _timed(lambda: old_weekly.occurrences(now, in_14_days, **no_db), runs, before=cold),
        "old_weekly_kept": _timed(lambda: old_weekly.occurrences(now, in_14_days, **no_db), runs),
        "page_cold": _timed(lambda: selectors.occurrences(days=14), runs, before=cold),
        "page_kept": _timed(lambda: selectors.occurrences(days=14), runs),
        "by_place_cold": _timed(lambda: selectors.sessions_by_place(days=14), runs, before=cold),
        "by_place_kept": _timed(lambda: selectors.sessions_by_place(days=14), runs),
        "dropins": DropIn.objects.sessions().count(),
        "max": MAX_OCCURRENCES,
    }
    assert results["legacy"]["n"] == 0
    assert MAX_OCCURRENCES - 1 <= results["daily_cold"]["n"] <= MAX_OCCURRENCES
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="calls timed per line (default 200)")
    args = parser.parse_args()
    load = load_average()
    with tempfile.TemporaryDirectory() as tmp:
        env = production_env(Path(tmp))
        for command in (["migrate", "--noinput"], ["demo_load", "--allow-without-debug"]):
            manage(env, *command)
        out = in_django(env, f"import json, bench.occurrences as b; print(json.dumps(b.measure({args.runs})))")
    r = json.loads(out.strip().splitlines()[-1])
    database = "PostgreSQL" if "DATABASE_URL" in os.environ else "SQLite"

    def row(label, cold, kept=None):
        a = r[cold]
        if kept is None:
            return f"| {label} | {a['n']} | {a['median']:.3f} | {a['p99']:.3f} | — | — |"
        b = r[kept]
        return f"| {label} | {a['n']} | {a['median']:.3f} | {a['p99']:.3f} | {b['median']:.3f} | {b['p99']:.3f} |"

    lines = [
        f"Measured {datetime.date.today():%Y-%m-%d} on {machine()}; in process, {database}, demo town "
        f"({r['dropins']} published drop-in sessions), {args.runs} calls per line. *Cold*: every cache emptied "
        "before each call (what each page paid before); *kept*: the same call again (what a page pays now, until "
        "a drop-in, a cancellation or a holiday changes, or the day does). "
        f"Load average (1 min) when the measure began: {load}.",
        "",
        "| call | sessions | cold median ms | cold p99 ms | kept median ms | kept p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        row("a rule saved before the restriction (FREQ=MINUTELY), 30 days: none, at once", "legacy"),
        row(f"a daily rule asked for 3 years: capped at MAX_OCCURRENCES ({r['max']})", "daily_cold", "daily_kept"),
        row("a weekly rule begun 5 years ago, the next 14 days", "old_weekly_cold", "old_weekly_kept"),
        row("`selectors.occurrences(days=14)`: published sessions (3 queries cold)", "page_cold", "page_kept"),
        row("`selectors.sessions_by_place(days=14)`: the « get help » page's data", "by_place_cold", "by_place_kept"),
    ]
    body = "\n".join(lines)
    write_section("Drop-in sessions (occurrences)", body)
    print(body)


if __name__ == "__main__":
    main()
