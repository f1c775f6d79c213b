"""The operator's drill: back up, keep working, restore, check. Each step is a real `relais`
command in its own process, on a throw-away database (SQLite, or PostgreSQL when the suite
runs on it: PostgreSQL needs pg_dump and pg_restore)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def drill(throwaway_database_url, tmp_path):
    if throwaway_database_url.startswith("postgres") and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump and pg_restore are needed to back up PostgreSQL (package postgresql-client)")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": throwaway_database_url,
        "RELAIS_VAR_DIR": str(tmp_path / "var"),
    }

    def run(*args, check=True):
        completed = subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        if check:
            assert completed.returncode == 0, completed.stderr[-3000:]
        return completed

    def relais(*args, check=True):
        return run("manage.py", *args, check=check)

    def worker(*args):
        return json.loads(run("-m", "tests.core.backup_worker", *args).stdout.strip().splitlines()[-1])

    relais("migrate", "--noinput")
    run.relais, run.worker, run.var = relais, worker, tmp_path / "var"
    return run


def _backup(drill, tmp_path) -> Path:
    return Path(drill.relais("backup", "--output", str(tmp_path / "backups")).stdout.strip().splitlines()[-1])


def test_a_restore_brings_back_the_database_and_files_and_never_reissues_a_reference(drill, tmp_path):
    before = drill.worker("file", "Alice", "Bruno")
    folder = _backup(drill, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["parts"]) == {manifest["database"]["part"], "files.tar"}
    assert "cases.0001_initial" in manifest["migrations"]

    after_backup = drill.worker("file", "Chloé", "David", "Emma")  # the day goes on, then the disk fails
    restore = drill.relais("restore", str(folder), "--yes")

    assert drill.worker("state") == {
        "people": ["Alice", "Bruno"],
        "references": before,
        # The two receipts queued at backup time may have gone out since: held, not re-sent.
        "outbox": ["held", "held"],
        "files": sorted(f"{ref}/piece.txt" for ref in before),
    }
    assert f"resume after {after_backup[-1]}" in restore.stdout
    assert "2 queued message(s) held" in restore.stdout
    filed_after_restore = drill.worker("file", "Farid")
    assert filed_after_restore[0] not in before + after_backup
    assert filed_after_restore[0] > after_backup[-1]


def test_a_restore_on_a_new_machine_skips_ahead_rather_than_guess(drill, tmp_path):
    before = drill.worker("file", "Alice")
    folder = _backup(drill, tmp_path)
    drill.worker("file", "Bruno")
    (drill.var / "issued-high-water.json").unlink()  # the old machine is lost, marks with it

    restore = drill.relais("restore", str(folder), "--yes")

    assert "numbers issued after the backup are unknown" in restore.stdout
    year, number = before[0].split("-")
    assert drill.worker("file", "Chloé") == [f"{year}-{int(number) + 1001:05d}"]


def test_a_restore_waits_for_the_workers_to_be_stopped(drill, tmp_path):
    drill.worker("file", "Alice")
    folder = _backup(drill, tmp_path)
    drill.worker("file", "Bruno")
    beat = "from relais.notifications.worker import beat; beat('worker-1')"
    drill.relais("shell", "-c", beat)  # a worker is still running

    refused = drill.relais("restore", str(folder), "--yes", check=False)

    assert refused.returncode != 0 and "stop every worker first" in refused.stderr
    assert drill.worker("state")["people"] == ["Alice", "Bruno"]


def test_a_damaged_backup_is_refused_and_nothing_changes(drill, tmp_path):
    drill.worker("file", "Alice")
    folder = _backup(drill, tmp_path)
    drill.worker("file", "Bruno")
    with open(folder / "files.tar", "r+b") as archive:
        archive.seek(600)
        archive.write(b"X")

    refused = drill.relais("restore", str(folder), "--yes", check=False)

    assert refused.returncode != 0
    assert "files.tar does not match its checksum" in refused.stderr
    assert drill.worker("state")["people"] == ["Alice", "Bruno"]


def test_a_restore_asks_for_confirmation(drill, tmp_path):
    drill.worker("file", "Alice")
    folder = _backup(drill, tmp_path)
    drill.worker("file", "Bruno")

    refused = drill.relais("restore", str(folder), check=False)

    assert refused.returncode != 0 and "--yes" in refused.stderr
    assert drill.worker("state")["people"] == ["Alice", "Bruno"]


def test_an_archive_that_would_write_outside_the_files_folder_is_refused_before_anything_changes(db, tmp_path):
    import hashlib
    import io
    import tarfile

    from django.db import connection

    from relais.core import backup
    from relais.core.models import Person

    folder = tmp_path / "relais-backup-forged"
    folder.mkdir()
    with tarfile.open(folder / "files.tar", "w") as archive:
        info = tarfile.TarInfo("../../evil.txt")
        info.size = 4
        archive.addfile(info, io.BytesIO(b"evil"))
    (folder / "database.sqlite3").write_bytes(b"not used")
    parts = {
        name: {"sha256": hashlib.sha256((folder / name).read_bytes()).hexdigest()}
        for name in ("files.tar", "database.sqlite3")
    }
    manifest = {
        "format": 1, "created_at": "2026-12-01T10:00:00+00:00", "relais_version": "0.1.0",
        "database": {"vendor": connection.vendor, "part": "database.sqlite3"},
        "migrations": [], "high_water_marks": {}, "parts": parts,
    }  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(manifest))
    people = Person.objects.count()

    with pytest.raises(backup.BackupError, match="cannot be restored safely"):
        backup.backup_restore(folder)

    assert Person.objects.count() == people
    media = backup._media_root()
    assert not (media.parent.parent / "evil.txt").exists()
    assert not list(media.parent.glob("restore-*"))
