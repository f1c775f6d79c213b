"""Application keys: shown once, stored hashed, rotated with a grace period, revoked at once."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from relais.accounts.models import Membership, Role, Team, User
from relais.api import keys, services
from relais.api.models import ApplicationKey, Scope
from relais.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return User.objects.get(email="admin@valbrenne.fr")


def test_a_key_is_stored_only_as_its_digest_and_opens_its_application(admin):
    application, raw = services.application_create(name="Site de la ville", scopes=[Scope.REQUESTS_WRITE], actor=admin)
    stored = ApplicationKey.objects.get(application=application)
    assert raw not in {stored.prefix, stored.digest}
    assert keys.authenticate(raw) == application
    assert keys.authenticate(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None
    assert keys.authenticate("") is None and keys.authenticate("Bearer nonsense") is None
    assert AuditEvent.objects.filter(action="api.application.created", actor=admin).exists()


def test_the_technical_account_is_named_after_the_application_and_cannot_log_in(admin, client):
    application, _raw = services.application_create(
        name="Bornes de la médiathèque", scopes=[Scope.BOOKINGS_WRITE], actor=admin
    )
    user = application.user
    assert user.is_application and str(user) == "Bornes de la médiathèque"
    assert not user.has_usable_password()
    # Even with a password (set by mistake in the Django admin), a login is refused.
    user.set_password("un-mot-de-passe-solide-42")
    user.save()
    client.post("/comptes/login/", {"login": user.email, "password": "un-mot-de-passe-solide-42"})
    assert "_auth_user_id" not in client.session


def test_a_staff_application_holds_the_chosen_role_in_its_team(admin):
    team = Team.objects.filter(memberships__role=Role.CASE_WORKER).first()
    with pytest.raises(ValidationError):
        services.application_create(name="Logiciel social", scopes=[Scope.CASES_READ], actor=admin)
    application, _raw = services.application_create(
        name="Logiciel social",
        scopes=[Scope.CASES_READ, Scope.CASES_WRITE],
        team=team,
        role=Role.CASE_WORKER,
        actor=admin,
    )
    assert Membership.objects.get(user=application.user).team == team


def test_rotation_keeps_the_old_key_for_the_grace_period_only(admin):
    application, old = services.application_create(
        name="Appli signalements", scopes=[Scope.REQUESTS_WRITE], actor=admin
    )
    new = services.key_rotate(application=application, actor=admin, grace=datetime.timedelta(hours=1))
    assert keys.authenticate(old) == application and keys.authenticate(new) == application
    ApplicationKey.objects.filter(expires_at__isnull=False).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert keys.authenticate(old) is None
    assert keys.authenticate(new) == application


def test_revoking_a_key_or_the_application_stops_it_at_once(admin):
    application, raw = services.application_create(
        name="Écran de réservation", scopes=[Scope.BOOKINGS_WRITE], actor=admin
    )
    services.key_revoke(key=application.keys.get(), actor=admin)
    assert keys.authenticate(raw) is None
    raw2 = services.key_rotate(application=application, actor=admin)
    assert keys.authenticate(raw2) == application
    services.application_revoke(application=application, actor=admin)
    assert keys.authenticate(raw2) is None
    with pytest.raises(ValidationError):
        services.key_rotate(application=application, actor=admin)


def test_over_its_rate_limit_an_application_is_told_when_to_come_back(admin):
    application, raw = services.application_create(
        name="Appli pressée", scopes=[Scope.REQUESTS_READ], actor=admin, rate_limit=2
    )
    keys.authenticate(raw)
    keys.authenticate(raw)
    with pytest.raises(keys.RateLimited) as refused:
        keys.authenticate(raw)
    assert refused.value.retry_after > 0


def test_unknown_api_addresses_answer_a_french_problem_document(client):
    response = client.get("/api/v2/rien/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Introuvable."
    response = client.post("/api/v1/nulle-part")
    assert response.status_code == 404 and response.json()["status"] == 404


def test_the_openapi_document_is_served_at_a_stable_address(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Relais"
