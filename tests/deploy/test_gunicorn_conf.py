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


def _get(port: int, path: str, timeout: float = 30) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


@pytest.fixture
def start(tmp_path):
    """Starts gunicorn with the recipe (2 workers) and `env`; stopped after the test."""
    started = []

    def start(**env):
        main, health = _free_port(), _free_port()
        gate = tmp_path / f"gate{len(started)}"
        log = open(tmp_path / f"gunicorn{len(started)}.log", "w")  # noqa: SIM115 - closed below
        environ = {
            **os.environ,
            "GATE_FILE": str(gate),
            "GUNICORN_BIND": f"127.0.0.1:{main}",
            "GUNICORN_HEALTH_BIND": f"127.0.0.1:{health}",
            "GUNICORN_WORKERS": "2",
            **env,
        }
        gunicorn = Path(sys.executable).parent / "gunicorn"
        process = subprocess.Popen(
            [str(gunicorn), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "tests.deploy.gated_app:application"],
            env=environ,
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )
        started.append((process, gate, log))
        for _ in range(100):
            try:
                _get(main, "/", timeout=1)
                _get(health, "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start: " + Path(log.name).read_text())
        return {"main": main, "health": health, "gate": gate}

    yield start
    for process, gate, log in started:
        gate.touch()
        process.terminate()
        process.wait(timeout=10)
        log.close()


def _held(port: int, answers: list) -> threading.Thread:
    def ask():
        try:
            answers.append(_get(port, "/held")[1])
        except OSError as error:  # the worker was stopped under it
            answers.append(error)

    thread = threading.Thread(target=ask)
    thread.start()
    return thread


def test_health_checks_are_answered_while_every_worker_is_held(start):
    server = start()
    answers = []
    held = [_held(server["main"], answers) for _ in range(4)]  # two more than the workers
    time.sleep(0.5)  # let them reach the workers
    assert _get(server["health"], "/healthz", timeout=10)[0] == 200  # answered, the gate still shut
    assert answers == []  # nothing held was let through to answer it
    server["gate"].touch()
    for thread in held:
        thread.join(timeout=30)
    assert len(answers) == 4 and all(isinstance(answer, str) for answer in answers)


def test_the_health_address_serves_health_checks_only(start):
    server = start()
    assert _get(server["health"], "/healthz/deep")[0] == 200
    assert _get(server["health"], "/")[0] == 404  # pages go through the reverse proxy
    assert _get(server["health"], "/held")[0] == 404


def test_a_worker_takes_a_connection_only_when_it_is_free(start):
    """Two held requests on two workers: each worker serves one, rather than one worker
    taking both connections and leaving the other core idle."""
    server = start()
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


def test_a_request_longer_than_the_timeout_is_not_cut(start):
    """An export of 100,000 requests takes tens of seconds: the worker serving it keeps
    telling the master it is alive, and the agent gets the whole file."""
    server = start(GUNICORN_TIMEOUT="2")
    answers = []
    held = _held(server["main"], answers)
    time.sleep(4.5)  # more than twice the timeout
    server["gate"].touch()
    held.join(timeout=30)
    assert len(answers) == 1 and isinstance(answers[0], str) and answers[0].isdigit()


def test_a_request_stuck_past_the_longest_allowed_is_stopped_and_the_worker_replaced(start):
    server = start(GUNICORN_TIMEOUT="2", GUNICORN_MAX_REQUEST_SECONDS="1")
    answers = []
    held = _held(server["main"], answers)
    held.join(timeout=30)  # the gate never opens: the master stops that worker
    assert len(answers) == 1
    assert not (isinstance(answers[0], str) and answers[0].isdigit())  # stopped, not answered
    statuses = {_get(server["main"], "/")[0] for _ in range(4)}
    assert statuses == {200}  # its replacement and the other worker answer
