"""deploy/gunicorn.conf.py, the recipe the README gives for production, run by gunicorn itself
(a stand-in application that holds /held until the test opens its gate)."""

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str, timeout: float = 30) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        return conn.getresponse().read().decode()
    finally:
        conn.close()


@pytest.fixture
def server(tmp_path):
    main, health = _free_port(), _free_port()
    gate = tmp_path / "gate"
    env = {
        **os.environ,
        "GATE_FILE": str(gate),
        "GUNICORN_BIND": f"127.0.0.1:{main}",
        "GUNICORN_HEALTH_BIND": f"127.0.0.1:{health}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_TIMEOUT": "2",  # seconds without a heartbeat (see the last test)
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [str(gunicorn), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "tests.deploy.gated_app:application"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=log,
    )
    for _ in range(100):
        try:
            _get(main, "/", timeout=1)
            _get(health, "/", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.terminate()
        pytest.fail("gunicorn did not start: " + (tmp_path / "gunicorn.log").read_text())
    yield {"main": main, "health": health, "gate": gate}
    gate.touch()
    process.terminate()
    process.wait(timeout=10)
    log.close()


def _held(port: int, answers: list) -> threading.Thread:
    thread = threading.Thread(target=lambda: answers.append(_get(port, "/held")))
    thread.start()
    return thread


def test_health_checks_are_answered_while_every_thread_is_held(server):
    answers = []
    held = [_held(server["main"], answers) for _ in range(4)]  # two more than the workers
    time.sleep(0.5)  # let them reach the workers
    assert _get(server["health"], "/healthz", timeout=10)  # answered, the gate still shut
    assert answers == []  # nothing held was let through to answer it
    server["gate"].touch()
    for thread in held:
        thread.join(timeout=30)
    assert len(answers) == 4


def test_a_worker_takes_a_connection_only_when_it_is_free(server):
    """Two held requests on two workers: each worker serves one, rather than one worker
    taking both connections and leaving the other core idle."""
    answers = []
    held = [_held(server["main"], answers)]
    time.sleep(0.5)  # the first is held by one worker
    held.append(_held(server["main"], answers))
    time.sleep(0.5)
    server["gate"].touch()
    for thread in held:
        thread.join(timeout=30)
    assert len(answers) == 2
    assert answers[0] != answers[1], "both requests went to the same worker"


def test_a_request_longer_than_the_timeout_is_not_cut(server):
    """An export of 100,000 requests takes tens of seconds: the worker serving it keeps
    telling the master it is alive, and the agent gets the whole file."""
    answers = []
    held = _held(server["main"], answers)
    time.sleep(4.5)  # more than twice the 2 s timeout of this server
    server["gate"].touch()
    held.join(timeout=30)
    assert len(answers) == 1 and answers[0].isdigit()
