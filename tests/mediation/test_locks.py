"""The SQLite write queue is an optimisation: when the lock file cannot be locked (or
opened), the writer carries on without it instead of failing the registration."""

import errno

import pytest

from relais.mediation import locks


class _Outside:
    """The default connection as it is outside any transaction, on SQLite."""

    vendor = "sqlite"
    in_atomic_block = False


@pytest.fixture
def outside_a_transaction(monkeypatch, tmp_path, settings):
    if locks.fcntl is None:
        pytest.skip("no fcntl on this system")
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(locks, "connection", _Outside())


def test_a_lock_that_cannot_be_taken_lets_the_writer_through(outside_a_transaction, monkeypatch):
    def refuse(handle, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(locks.fcntl, "flock", refuse)
    ran = []
    with locks.sqlite_write_queue("mediation-registrations"):
        ran.append(True)
    assert ran == [True]


def test_a_lock_file_that_cannot_be_opened_lets_the_writer_through(outside_a_transaction, settings, tmp_path, caplog):
    settings.VAR_DIR = tmp_path / "missing"
    ran = []
    with locks.sqlite_write_queue("mediation-registrations"):
        ran.append(True)
    assert ran == [True]
    assert "Cannot open" in caplog.text and "mediation-registrations.lock" in caplog.text


def test_the_lock_is_taken_and_released(outside_a_transaction, monkeypatch):
    calls = []
    real = locks.fcntl.flock
    monkeypatch.setattr(locks.fcntl, "flock", lambda handle, op: (calls.append(op), real(handle, op)))
    with locks.sqlite_write_queue("mediation-registrations"):
        assert calls == [locks.fcntl.LOCK_EX]
    assert calls == [locks.fcntl.LOCK_EX, locks.fcntl.LOCK_UN]
