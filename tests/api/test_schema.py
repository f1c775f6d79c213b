"""The whole OpenAPI document, fuzzed by schemathesis against a running server.

A real gunicorn (one worker) serves a throw-away database of the suite's kind (a SQLite
file, or PostgreSQL beside the suite's when DATABASE_URL points at one) loaded with the
demo town: the suite's own test transactions would hide the demo from another process, and
pytest-django's live_server would flush the suite's database at the end of the test.

Every operation of /api/v1/openapi.json is called with generated data (valid and invalid),
with no key and with an application key holding every scope (a staff application: a team
and a role in it), and every answer must pass schemathesis' checks (all but one, see EXCLUDED): no server error,
status code, content type and body as documented (problems included, see
relais.api.problems.document). Nothing here names an endpoint: the other routers are covered
as soon as they are in the schema. Examples are bounded (SCHEMATHESIS_EXAMPLES, default 12
per operation and per kind of caller) to stay near a minute on two cores.
"""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from bench.server import free_port
from tests.test_double_submit import _database_url

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "12"))

MAKE_KEY = """
from relais.accounts.models import Role, Team, User
from relais.api import services
from relais.api.models import Scope
team = Team.objects.filter(memberships__role=Role.CASE_WORKER).order_by("pk").first()
_app, raw = services.application_create(
    name="Essai schemathesis", scopes=list(Scope.values), team=team, role=Role.CASE_WORKER,
    actor=User.objects.get(email="admin@valbrenne.fr"), rate_limit=1_000_000,
)
print(raw)
"""


def _manage(env, *args) -> str:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture(scope="module")
def running_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("schema")
    url, drop = _database_url(tmp)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.api.server_settings",
        "DATABASE_URL": url,
        "RELAIS_VAR_DIR": str(tmp),
        "RELAIS_API_PUBLIC_PER_MINUTE": "0",  # thousands of calls from one address
        "LOG_LEVEL": "ERROR",
    }
    process = None
    try:
        _manage(env, "migrate", "--noinput")
        _manage(env, "demo_load", "--allow-without-debug")
        key = _manage(env, "shell", "-c", MAKE_KEY).strip().splitlines()[-1]
        port = free_port()
        log = open(tmp / "gunicorn.log", "w")  # noqa: SIM115 - closed with the process
        gunicorn = Path(sys.executable).parent / "gunicorn"
        process = subprocess.Popen(
            # No limit on the request line: generated query strings of many long non-ASCII
            # values pass 4 KiB, which gunicorn would refuse itself (414) before Relais answers.
            [str(gunicorn), "relais.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}", "--limit-request-line", "0"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        yield {"base": base, "key": key, "log": tmp / "gunicorn.log"}
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=20)
        if drop:
            drop()


@pytest.fixture(scope="module")
def api_schema(running_server):
    return schemathesis.openapi.from_url(running_server["base"] + "/api/v1/openapi.json")


def _fuzz(api_schema, base: str, headers: dict) -> list[str]:
    """Every operation, valid then invalid data; the failures, one line each."""
    # schemathesis' own pytest plugin (`from_fixture`) does not run under pytest 9: the
    # operations are walked here, each one a Hypothesis test of its own.
    failures = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert operations, "the schema lists no operation"
    for operation in operations:
        for mode in GenerationMode:

            @given(case=operation.as_strategy(generation_mode=mode))
            @SETTINGS
            def check(case):
                case.call_and_validate(base_url=base, headers=headers, excluded_checks=EXCLUDED)

            began = time.monotonic()
            try:
                check()
            except Exception as exc:  # noqa: BLE001 - every failure is reported, all operations run
                failures.append(f"{operation.label} ({mode.value}): {str(exc)[:2000]}")
            print(f"{operation.label} ({mode.value}): {time.monotonic() - began:.1f} s")
    return failures


# "Schema-valid data is accepted" does not hold for an API whose parameters name other
# resources: an opaque cursor, a theme code or a place's slug can be well-formed strings and
# still name nothing (422, with the field). Every other check runs.
EXCLUDED = [positive_data_acceptance]

SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
    # No shrinking: the first failing call is reported as found (a shrink can run long).
    phases=[Phase.explicit, Phase.generate],
)


def test_every_operation_answers_as_documented_without_a_key(api_schema, running_server):
    failures = _fuzz(api_schema, running_server["base"], {})
    assert not failures, "\n\n".join(failures)


def test_every_operation_answers_as_documented_with_a_key_holding_every_scope(api_schema, running_server):
    failures = _fuzz(api_schema, running_server["base"], {"Authorization": f"Bearer {running_server['key']}"})
    assert not failures, "\n\n".join(failures)
