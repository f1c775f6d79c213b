"""The Django admin has no password form of its own: allauth's login, limits and second factor."""

from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from relais.accounts.demo import DEMO_PASSWORD
from relais.accounts.models import User
from tests.conftest import staff_client


def superuser():
    user = User.objects.create_superuser(email="tech@valbrenne.fr", password=DEMO_PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_the_admin_login_page_sends_to_the_site_login(db):
    response = Client().get("/admin/login/?next=/admin/accounts/user/")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=/admin/accounts/user/"
    response = Client().get("/admin/")
    assert response.status_code == 302
    assert Client().get(response["Location"])["Location"] == reverse("account_login") + "?next=/admin/"


def test_the_admin_login_accepts_no_password(db):
    superuser()
    client = Client()
    responses = [
        client.post("/admin/login/", {"username": "tech@valbrenne.fr", "password": password})
        for password in ["wrong-password"] * 10 + [DEMO_PASSWORD]
    ]
    assert {r.status_code for r in responses} == {302}  # the right password is neither confirmed nor used
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_the_site_login_asks_a_superuser_for_a_second_factor_before_the_admin(db):
    user = superuser()
    client = Client()
    response = client.post(reverse("account_login") + "?next=/admin/", {"login": user.email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    response = client.get("/admin/")
    assert response.status_code == 302
    assert not response["Location"].startswith("/admin/")  # the second factor comes first


def test_a_superuser_who_passed_the_second_factor_uses_the_admin(db):
    from allauth.mfa.totp.internal.auth import TOTP

    from relais.accounts.demo import DEMO_TOTP_SECRET

    user = superuser()
    TOTP.activate(user, DEMO_TOTP_SECRET)
    client = staff_client(user)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/auth/group/").status_code == 200


def test_a_logged_in_person_without_admin_access_gets_a_missing_page(resident_with_email, reception_agent):
    client = Client()
    client.force_login(resident_with_email.user)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 404
    response = staff_client(reception_agent).get("/admin/", follow=True)
    assert response.status_code == 404
