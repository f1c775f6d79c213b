import pytest
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from relais.accounts.demo import DEMO_INVITATION_CODE, DEMO_PASSWORD, DEMO_TOTP_SECRET
from relais.core.models import AuditEvent
from tests.accounts.conftest import totp_code
from tests.conftest import staff_client


def current_code(secret=DEMO_TOTP_SECRET):
    return totp_code(secret)


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()


def test_staff_without_second_factor_is_sent_to_the_invitation_code_first(unenrolled_agent):
    client = Client()
    client.force_login(unenrolled_agent)
    for url in [reverse("people:staff_home"), reverse("people:person_search"), "/admin/", reverse("mfa_activate_totp")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:invitation")


def test_entering_the_invitation_then_enrolling_totp_opens_the_staff_pages(
    unenrolled_agent, django_capture_on_commit_callbacks
):
    client = Client()
    response = client.post(reverse("account_login"), {"login": unenrolled_agent.email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("people:staff_home"))["Location"] == reverse("accounts:invitation")
    response = client.post(reverse("accounts:invitation"), {"code": DEMO_INVITATION_CODE.lower().replace("-", " ")})
    assert response["Location"] == reverse("mfa_activate_totp")
    assert client.get(reverse("people:staff_home"))["Location"] == reverse("mfa_activate_totp")
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=unenrolled_agent, type="totp").exists()
    assert client.get(reverse("people:staff_home")).status_code == 200
    assert AuditEvent.objects.filter(action="accounts.second_factor.enrolled", actor=unenrolled_agent).exists()


def test_a_session_that_skipped_the_second_factor_is_logged_out(reception_agent):
    client = Client()
    client.force_login(reception_agent)  # password only, no "mfa" record in the session
    response = client.get(reverse("people:staff_home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_full_login_with_password_then_totp_code(reception_agent):
    client = Client()
    response = client.post(reverse("account_login"), {"login": reception_agent.email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("people:staff_home")).status_code == 302  # not logged in yet
    response = client.post(reverse("mfa_authenticate"), {"code": current_code()})
    assert response.status_code == 302
    assert client.get(reverse("people:staff_home")).status_code == 200


def test_wrong_totp_code_is_refused(reception_agent):
    client = Client()
    client.post(reverse("account_login"), {"login": reception_agent.email, "password": DEMO_PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": "000000" if current_code() != "000000" else "111111"})
    assert response.status_code == 200
    assert client.get(reverse("people:staff_home")).status_code == 302


def test_staff_cannot_remove_their_last_second_factor(reception_agent):
    client = staff_client(reception_agent)
    response = client.post(reverse("mfa_deactivate_totp"), {})
    assert Authenticator.objects.filter(user=reception_agent, type="totp").exists()
    assert response.status_code in (200, 302)


def test_residents_log_in_without_second_factor_and_never_reach_staff_pages(resident_with_email):
    client = Client()
    response = client.post(reverse("account_login"), {"login": "marie.dupont@example.org", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("core:account")).status_code == 200
    assert client.get(reverse("people:staff_home")).status_code == 404
    assert client.get(reverse("people:person_search")).status_code == 404


def test_repeated_failed_logins_are_rate_limited(db):
    client = Client()
    for _ in range(5):
        response = client.post(
            reverse("account_login"), {"login": "accueil@valbrenne.fr", "password": "wrong-password"}
        )
        assert response.status_code == 200
    response = client.post(reverse("account_login"), {"login": "accueil@valbrenne.fr", "password": DEMO_PASSWORD})
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session


def test_sessions_end_after_thirty_idle_minutes(reception_agent):
    client = staff_client(reception_agent)
    client.get(reverse("people:staff_home"))
    assert 29 * 60 < client.session.get_expiry_age() <= 30 * 60
    assert client.session.get_expire_at_browser_close()


def test_logout_is_on_every_page_for_a_logged_in_person(resident_with_email):
    client = Client()
    client.force_login(resident_with_email.user)
    for url in [reverse("directory:home"), reverse("directory:places"), reverse("core:account")]:
        html = client.get(url).content.decode()
        assert f'action="{reverse("account_logout")}"' in html
