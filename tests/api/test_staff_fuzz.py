"""The staff operations fuzzed from their own OpenAPI description: whatever a partner sends,
with a key of each staff role, no server error and no reply outside the schema."""

import uuid

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from relais.accounts.models import Role, Team, User
from relais.api import services as api_services
from relais.api.models import Scope

pytestmark = pytest.mark.django_db


def _schema():
    # Built from the API object (no request at import time); calls go to the WSGI application.
    from relais.api.v1 import api

    schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"))
    schema.app = get_wsgi_application()
    return schema.include(path_regex="/staff/")


@pytest.fixture
def staff_keys(db):
    admin = User.objects.get(email="admin@valbrenne.fr")
    scopes = [Scope.CASES_READ, Scope.CASES_WRITE, Scope.ACCOMPANIMENTS_WRITE]
    keys = []
    for slug, role in (("etat-civil", Role.CASE_WORKER), ("mediation", Role.ADVISOR), ("accueil", Role.RECEPTION)):
        _app, raw = api_services.application_create(
            name=f"Fuzz {slug}",
            scopes=scopes,
            team=Team.objects.get(slug=slug),
            role=role,
            actor=admin,
            rate_limit=100_000,
        )
        keys.append(raw)
    return keys


staff = _schema()
# No server error, a documented status, a body as documented. (Not "positive data accepted":
# a schema cannot say which references exist or which status a case may move to; not the
# content type: problems are application/problem+json, as RFC 9457 wants.)
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def connection_kept():
    """Calls go straight to the WSGI application: its request signals would close the test's
    database connection (PostgreSQL), as django.test.Client prevents for its own calls."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@staff.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_staff_operation_errors_or_breaks_its_schema(case, staff_keys, connection_kept):
    for raw in staff_keys:
        # identity: the WSGI transport would hand schemathesis the gzipped bytes undecoded.
        headers = {
            "Authorization": f"Bearer {raw}",
            "Idempotency-Key": str(uuid.uuid4()),
            "Accept-Encoding": "identity",
        }
        case.call_and_validate(headers=headers, checks=CHECKS)
