"""A new agent's first second factor needs the one-time code an administrator handed over."""

import datetime
import html
import re

from allauth.mfa.models import Authenticator
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from relais.accounts.demo import DEMO_INVITATION_CODE, DEMO_PASSWORD
from relais.accounts.models import Role, StaffInvitation, Team, User
from relais.core.models import AuditEvent
from tests.accounts.conftest import totp_code
from tests.conftest import staff_client


def page(response) -> str:
    return html.unescape(response.content.decode())


def logged_in(user) -> Client:
    """The agent logged in with their password only, as after the link to choose it."""
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return client


def enrol_totp(client) -> int:
    """Try to enrol an authenticator app; returns the status of the activation answer."""
    response = client.get(reverse("mfa_activate_totp"))
    if response.status_code != 200:
        return response.status_code
    secret = client.session["mfa.totp.secret"]
    code = totp_code(secret)
    return client.post(reverse("mfa_activate_totp"), {"code": code}).status_code


def issue(admin_client, user) -> str:
    """The administrator issues a code from the agent list; returns the code shown."""
    response = admin_client.post(reverse("accounts:user_invitation", args=[user.pk]))
    assert response.status_code == 200
    return re.search(r"<code>([A-Z0-9-]+)</code>", page(response)).group(1)


def enter(client, code):
    return client.post(reverse("accounts:invitation"), {"code": code})


def test_no_enrolment_without_the_code(unenrolled_agent):
    client = logged_in(unenrolled_agent)
    for name in ("mfa_activate_totp", "mfa_add_webauthn", "mfa_generate_recovery_codes", "mfa_index"):
        for method in (client.get, client.post):
            response = method(reverse(name))
            assert response.status_code == 302, name
            assert response["Location"] == reverse("accounts:invitation"), name
    assert not Authenticator.objects.filter(user=unenrolled_agent).exists()


def test_a_wrong_code_is_refused_beside_the_field_and_journaled(unenrolled_agent):
    client = logged_in(unenrolled_agent)
    response = enter(client, "ABCD-EFGH-JKMN")
    assert response.status_code == 200
    assert "Ce code n'est pas le bon" in page(response)
    assert 'value="ABCD-EFGH-JKMN"' in page(response)
    assert enrol_totp(client) == 302
    assert not Authenticator.objects.filter(user=unenrolled_agent).exists()
    event = AuditEvent.objects.get(action="accounts.invitation.failed", actor=unenrolled_agent)
    assert event.details == {"reason": "wrong"}


def test_an_expired_code_is_refused(unenrolled_agent):
    StaffInvitation.objects.filter(user=unenrolled_agent).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    client = logged_in(unenrolled_agent)
    assert "Ce code a expiré" in page(enter(client, DEMO_INVITATION_CODE))
    assert enrol_totp(client) == 302


def test_a_code_serves_once(unenrolled_agent):
    first = logged_in(unenrolled_agent)
    assert enter(first, DEMO_INVITATION_CODE)["Location"] == reverse("mfa_activate_totp")
    # Someone else, with the password and the same code, in another session.
    second = logged_in(unenrolled_agent)
    assert "Ce code a déjà servi" in page(enter(second, DEMO_INVITATION_CODE))
    assert enrol_totp(second) == 302
    assert not Authenticator.objects.filter(user=unenrolled_agent).exists()
    assert AuditEvent.objects.filter(action="accounts.invitation.used", actor=unenrolled_agent).count() == 1


def test_the_right_code_opens_the_enrolment(unenrolled_agent):
    client = logged_in(unenrolled_agent)
    response = enter(client, DEMO_INVITATION_CODE)
    assert response["Location"] == reverse("mfa_activate_totp")
    assert enrol_totp(client) == 302
    assert Authenticator.objects.filter(user=unenrolled_agent, type="totp").exists()
    assert client.get(reverse("people:staff_home")).status_code == 200
    assert StaffInvitation.objects.get(user=unenrolled_agent).used_at is not None


def test_reissuing_revokes_the_previous_code(admin_client, administrator, unenrolled_agent):
    first = issue(admin_client, unenrolled_agent)
    second = issue(admin_client, unenrolled_agent)
    assert first != second
    client = logged_in(unenrolled_agent)
    for old in (DEMO_INVITATION_CODE, first):
        assert "Ce code a été remplacé" in page(enter(client, old))
    assert enter(client, second)["Location"] == reverse("mfa_activate_totp")
    assert StaffInvitation.objects.filter(user=unenrolled_agent, revoked_at__isnull=True).count() == 1
    issued = AuditEvent.objects.filter(action="accounts.invitation.issued", actor=administrator)
    assert issued.count() == 2 and issued.order_by("at").last().details["revoked_earlier"] == 1


def test_failed_codes_are_rate_limited(unenrolled_agent):
    client = logged_in(unenrolled_agent)
    for n in range(5):
        assert "n'est pas le bon" in page(enter(client, f"WRNG-CODE-000{n}"))
    assert "Trop d'essais" in page(enter(client, DEMO_INVITATION_CODE))
    assert enrol_totp(client) == 302
    assert StaffInvitation.objects.get(user=unenrolled_agent).used_at is None
    reasons = AuditEvent.objects.filter(action="accounts.invitation.failed").values_list("details__reason", flat=True)
    assert list(reasons).count("too_many_attempts") == 1


def test_the_code_is_stored_hashed_and_shown_once(admin_client, unenrolled_agent):
    code = issue(admin_client, unenrolled_agent)
    stored = StaffInvitation.objects.get(user=unenrolled_agent, revoked_at__isnull=True)
    assert code.replace("-", "") not in stored.code_hash and stored.code_hash == StaffInvitation.hash_code(code)
    listing = page(admin_client.get(reverse("accounts:user_list")))
    assert code not in listing and "code valable jusqu'au" in listing
    assert 20 <= (stored.expires_at - timezone.now()).total_seconds() / 3600 <= 72


def test_an_agent_created_by_an_administrator_gets_a_code(admin_client):
    response = admin_client.post(
        reverse("accounts:user_create"),
        {
            "full_name": "Inès Scolaire",
            "email": "ines@valbrenne.fr",
            "team": Team.objects.get(slug="scolaire").pk,
            "role": Role.CASE_WORKER,
        },
    )
    code = re.search(r"<code>([A-Z0-9-]+)</code>", page(response)).group(1)
    user = User.objects.get(email="ines@valbrenne.fr")
    assert StaffInvitation.objects.get(user=user).code_hash == StaffInvitation.hash_code(code)


def test_only_administrators_issue_codes_and_not_for_enrolled_agents(admin_client, reception_agent, unenrolled_agent):
    assert (
        staff_client(reception_agent).post(reverse("accounts:user_invitation", args=[unenrolled_agent.pk])).status_code
        == 404
    )
    response = admin_client.post(reverse("accounts:user_invitation", args=[reception_agent.pk]), follow=True)
    assert "déjà activé sa double authentification" in page(response)
    assert not StaffInvitation.objects.filter(user=reception_agent).exists()


def test_residents_enrol_without_any_code(resident_with_email):
    client = logged_in(resident_with_email.user)
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    assert client.get(reverse("accounts:invitation")).status_code == 404


def test_the_first_administrator_gets_a_code_from_the_command_line(db, capsys):
    User.objects.create_superuser(email="tech@valbrenne.fr", password=DEMO_PASSWORD)
    call_command("staff_invitation", "tech@valbrenne.fr")
    code = re.search(r"([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})", capsys.readouterr().out).group(1)
    invitation = StaffInvitation.objects.get(user__email="tech@valbrenne.fr")
    assert invitation.code_hash == StaffInvitation.hash_code(code) and invitation.issued_by is None


def test_demo_totp_prints_the_demo_invitation(unenrolled_agent, settings, capsys):
    settings.DEBUG = True
    call_command("demo_totp")
    assert f"nouvel.agent@valbrenne.fr : {DEMO_INVITATION_CODE}" in capsys.readouterr().out
