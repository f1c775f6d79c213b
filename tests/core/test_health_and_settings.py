import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

from django.test import Client
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "RELAIS_DOTENV": "",
    "DEBUG": "0",
    "SECRET_KEY": "a-long-production-secret-key-with-enough-entropy-0123456789abcdef",
    "ALLOWED_HOSTS": "relais.example.fr",
    "PATH": os.environ["PATH"],
}


def test_healthz_reports_a_reachable_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_down(client, db):
    with mock.patch("relais.core.views.connection.cursor", side_effect=Exception("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_healthz_answers_over_plain_http_when_https_is_enforced(db, settings):
    settings.SECURE_SSL_REDIRECT = True
    client = Client()  # a new client loads the middleware with this setting
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert client.get("/healthz", secure=True).status_code == 200
    # Every other page still moves to HTTPS.
    for path in ("/", "/healthz/", "/healthzz", "/comptes/login/"):
        response = client.get(path)
        assert response.status_code == 301 and response["Location"].startswith("https://"), path


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {**PRODUCTION_ENV, "RELAIS_VAR_DIR": str(tmp_path)}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**PRODUCTION_ENV, "SECRET_KEY": "", "RELAIS_VAR_DIR": str(tmp_path)}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_malformed_boolean_stops_the_start(tmp_path):
    env = {**PRODUCTION_ENV, "DEBUG": "maybe", "RELAIS_VAR_DIR": str(tmp_path)}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_relais_console_command_wraps_manage_py(tmp_path):
    relais = Path(sys.executable).parent / "relais"
    assert relais.exists(), "the `relais` entry point is installed with the package"
    result = subprocess.run(
        [str(relais), "check"], env={**PRODUCTION_ENV, "RELAIS_VAR_DIR": str(tmp_path)}, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_security_headers_on_every_page(client, db):
    response = client.get(reverse("directory:home"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self';" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
