"""Backups an operator can trust, and restores that never reissue what residents hold.

`relais backup` writes one dated folder:

    relais-backup-20261204-201500/
        database.sqlite3 | database.pgdump   the database, consistent at one instant
        files.tar                            the private uploads (RELAIS_VAR_DIR/private)
        manifest.json                        sha256 and size of each part, Relais and Django
                                             versions, applied migrations, high-water marks

SQLite is copied with SQLite's online backup API (a consistent snapshot, write-ahead log
included, while the site runs); PostgreSQL with `pg_dump -Fc` (the client must be of the
server's major version or newer). `relais restore` checks every checksum first and changes
nothing when one differs; it then restores the database and the files, migrates, resumes the
number series past their high-water marks (see core.highwater) and holds the queued messages
for the operator to decide (they were queued before the backup and may have gone already).
"""

from __future__ import annotations

import datetime
import hashlib
import importlib
import importlib.metadata
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

import django
from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import default_storage
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.dispatch import Signal
from django.utils import timezone

from relais.core.audit import audit_log
from relais.core.highwater import marks_merge, marks_read
from relais.core.journal import Action

FORMAT = 1
MANIFEST = "manifest.json"
FILES_PART = "files.tar"

# Sent after a restore, once the database is migrated, with `marks` (the high-water marks,
# merged from the machine's file and the backup) and `marks_found` (False on a machine that
# had no marks file: what was issued after the backup is then unknown). Apps resume their
# number series there (cases: references).
restored = Signal()
# Sent before a restore changes anything; a receiver returns a reason to refuse (a worker
# still running would send restored messages before they are held), or None.
restoring = Signal()


class BackupError(Exception):
    """A backup or restore that cannot be done safely; the message says why, for the operator."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _relais_version() -> str:
    try:
        return importlib.metadata.version("relais")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _database() -> dict:
    return settings.DATABASES["default"]


def _is_sqlite() -> bool:
    return connection.vendor == "sqlite"


def _pg_environment() -> dict:
    """libpq variables for pg_dump / pg_restore: the password never appears on a command line."""
    db = _database()
    env = {**os.environ, "PGDATABASE": db["NAME"]}
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[variable] = str(db[key])
    if db.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = db["OPTIONS"]["sslmode"]
    return env


def _pg_tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client of the server's major version "
            f"(Debian: apt install postgresql-client-<version>)."
        )
    return tool


def _run(command: list[str], env: dict) -> None:
    completed = subprocess.run(command, env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {completed.stderr.strip()[-2000:]}")


def _applied_migrations() -> list[str]:
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


def _media_root() -> Path:
    return Path(default_storage.location)


def backup_create(*, output: Path) -> Path:
    """Write a backup folder inside `output` and return its path."""
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    folder = Path(output) / f"relais-backup-{stamp}"
    Path(output).mkdir(parents=True, exist_ok=True)
    folder.mkdir(mode=0o700)  # everyone's personal data: readable by the service account only
    try:
        # Marks first: a number issued while the backup runs is then covered by the file on
        # the machine, which a restore reads too.
        marks = marks_read() or {}
        migrations = _applied_migrations()
        if _is_sqlite():
            database_part = "database.sqlite3"
            source = sqlite3.connect(_database()["NAME"])
            target = sqlite3.connect(folder / database_part)
            try:
                with target:
                    source.backup(target)
            finally:
                target.close()
                source.close()
        else:
            database_part = "database.pgdump"
            _run([_pg_tool("pg_dump"), "-Fc", "--no-owner", "--no-privileges", "-f", str(folder / database_part)],
                 _pg_environment())  # fmt: skip
        vanished = _archive_files(folder / FILES_PART)
        parts = {
            name: {"sha256": _sha256(folder / name), "bytes": (folder / name).stat().st_size}
            for name in (database_part, FILES_PART)
        }
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "relais_version": _relais_version(),
            "django_version": django.get_version(),
            "database": {"vendor": connection.vendor, "part": database_part},
            "migrations": migrations,
            "high_water_marks": marks,
            "files_vanished_during_backup": vanished,
            "parts": parts,
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        # The journal says a copy of everyone's data was taken, and where (not in the copy).
        audit_log(actor=None, action=Action.BACKUP_CREATED, details={"folder": str(folder), "parts": parts})
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def _archive_files(archive_path: Path) -> list[str]:
    """Tar the private files, after the database snapshot: a file deleted meanwhile (a purge)
    is left out and named in the manifest rather than failing the whole backup."""
    media = _media_root()
    vanished = []
    with tarfile.open(archive_path, "w") as archive:
        folder = tarfile.TarInfo("private")
        folder.type, folder.mode, folder.mtime = tarfile.DIRTYPE, 0o700, int(timezone.now().timestamp())
        archive.addfile(folder)
        for path in sorted(media.rglob("*")) if media.is_dir() else []:
            name = f"private/{path.relative_to(media).as_posix()}"
            try:
                archive.add(path, arcname=name, recursive=False)
            except FileNotFoundError:
                vanished.append(name)
    return vanished


def backup_verify(path: Path) -> dict:
    """The backup's manifest, once every part is there with the checksum it records."""
    path = Path(path)
    try:
        manifest = json.loads((path / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{path} holds no {MANIFEST}: this is not a Relais backup folder.")
    except ValueError:
        raise BackupError(f"{path / MANIFEST} is not valid JSON: the backup is damaged.")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Backup format {manifest.get('format')!r} is not understood by this version of Relais.")
    for name, expected in manifest["parts"].items():
        part = path / Path(name).name
        if not part.is_file():
            raise BackupError(f"{name} is missing from the backup.")
        if _sha256(part) != expected["sha256"]:
            raise BackupError(f"{name} does not match its checksum in the manifest: the backup is damaged or altered.")
    return manifest


def _unknown_migrations(manifest: dict) -> list[str]:
    """Migrations applied in the backup that this code does not have (a newer Relais made it)."""
    known = {f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}
    return sorted(set(manifest["migrations"]) - known)


def _restore_sqlite(source: Path) -> None:
    target_path = Path(_database()["NAME"])
    target_path.parent.mkdir(parents=True, exist_ok=True)
    connections.close_all()
    backup = sqlite3.connect(source)
    target = sqlite3.connect(target_path, timeout=30)
    try:
        # The backup API replaces every page of the live database, write-ahead log included,
        # under SQLite's own lock: no file is swapped under an open connection.
        backup.backup(target)
    finally:
        target.close()
        backup.close()


def _restore_postgresql(source: Path) -> None:
    pg_restore = _pg_tool("pg_restore")
    # The dump must be readable by this pg_restore before anything is dropped.
    _run([pg_restore, "--list", str(source)], _pg_environment())
    with connection.cursor() as cursor:
        # A clean schema: tables added by later migrations must not survive the restore.
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    connections.close_all()
    _run([pg_restore, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
          "-d", _database()["NAME"], str(source)], _pg_environment())  # fmt: skip


def _extract(archive: tarfile.TarFile, into: Path) -> None:
    """Only regular files and folders, only inside `into` (no absolute path, no "..", no link)."""
    if hasattr(tarfile, "data_filter"):  # Python 3.11.4 and later
        archive.extractall(into, filter="data")
        return
    root = into.resolve()
    for member in archive.getmembers():
        if not (member.isfile() or member.isdir()) or not (root / member.name).resolve().is_relative_to(root):
            raise BackupError(f"unsafe entry {member.name}")
    archive.extractall(into)  # noqa: S202 - every member checked above


def _unpack_files(archive_path: Path) -> Path:
    """Unpack the backup's files beside the live ones (same disk: the swap is a rename),
    before the database is touched: an archive that cannot be unpacked changes nothing."""
    media = _media_root()
    media.parent.mkdir(parents=True, exist_ok=True)
    unpacked = Path(tempfile.mkdtemp(prefix="restore-", dir=media.parent))
    try:
        with tarfile.open(archive_path) as archive:
            _extract(archive, unpacked)
    except (tarfile.TarError, BackupError) as error:
        shutil.rmtree(unpacked, ignore_errors=True)
        raise BackupError(f"files.tar cannot be restored safely: {error}") from error
    (unpacked / "private").mkdir(exist_ok=True)
    return unpacked


def _swap_files(unpacked: Path) -> Path | None:
    """Put the unpacked files in place; return where the previous files were moved, if any."""
    media = _media_root()
    restored_media = unpacked / "private"
    previous = None
    if media.exists():
        previous = media.with_name(f"{media.name}.before-restore-{timezone.now():%Y%m%d-%H%M%S}")
        media.rename(previous)
    restored_media.rename(media)
    shutil.rmtree(unpacked, ignore_errors=True)
    return previous


def backup_restore(path: Path) -> dict:
    """Replace the database and the files by the backup's; returns what was done."""
    from django.core.management import call_command

    manifest = backup_verify(path)
    if manifest["database"]["vendor"] != connection.vendor:
        raise BackupError(
            f"This backup holds a {manifest['database']['vendor']} database and DATABASE_URL points at "
            f"{connection.vendor}: restore it into the same kind of database."
        )
    unknown = _unknown_migrations(manifest)
    if unknown:
        raise BackupError(
            f"This backup was made by a newer Relais ({manifest['relais_version']}; unknown migrations: "
            f"{', '.join(unknown[:5])}): install that version, then restore."
        )
    for _receiver, refusal in restoring.send(sender=None):
        if refusal:
            raise BackupError(refusal)
    # Read the machine's marks before anything changes: they cover numbers issued after the backup.
    marks_on_machine = marks_read()
    unpacked = _unpack_files(Path(path) / FILES_PART)
    source = Path(path) / manifest["database"]["part"]
    try:
        if manifest["database"]["vendor"] == "sqlite":
            _restore_sqlite(source)
        else:
            _restore_postgresql(source)
    except BaseException:
        shutil.rmtree(unpacked, ignore_errors=True)
        raise
    previous_files = _swap_files(unpacked)
    call_command("migrate", interactive=False, verbosity=0)
    marks = marks_merge(manifest.get("high_water_marks", {}))
    results = restored.send(sender=None, marks=marks, marks_found=marks_on_machine is not None)
    for cache in caches.all():
        cache.clear()  # pages, sessions and counters cached from the replaced data
    resumed = [line for _receiver, lines in results for line in (lines or [])]
    audit_log(
        actor=None,
        action=Action.BACKUP_RESTORED,
        details={"backup_created_at": manifest["created_at"], "folder": str(path), "said": resumed},
    )
    return {
        "created_at": manifest["created_at"],
        "previous_files": previous_files,
        "marks_found": marks_on_machine is not None,
        "resumed": resumed,
    }


def backup_describe(manifest: dict) -> str:
    created = datetime.datetime.fromisoformat(manifest["created_at"])
    return (
        f"backup of {created:%Y-%m-%d %H:%M %Z}, Relais {manifest['relais_version']}, {manifest['database']['vendor']}"
    )
