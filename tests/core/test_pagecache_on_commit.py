"""A page rendered while a change is being written, from the data before it, is never served
after the change is committed: cached public pages are forgotten on commit (one helper,
core.pagecache.public_pages_changed, for every app)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readers_during_a_change_do_not_keep_the_old_page_cached_after_the_commit(throwaway_database_url, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": throwaway_database_url,
        "RELAIS_VAR_DIR": str(tmp_path),
    }
    completed = subprocess.run(
        [sys.executable, "-m", "tests.core.pagecache_worker"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    for change in ("listing", "procedure"):  # a listing hidden by a moderator, a catalogue edit
        window = result[change]
        assert window["errors"] == []
        assert window["before"] == [True] * 4
        assert window["in_window"] == [True] * 4  # not committed yet: the old page, rightly
        assert window["after"] == [False] * 4, change
