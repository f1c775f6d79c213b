"""Failed logins are counted per account and per account and address, with only a high
ceiling per address: a library's or the town hall's shared connection is one address."""

import html
import subprocess
import sys
import textwrap

import pytest
from django.test import Client
from django.urls import reverse

from bench.server import ROOT, production_env
from relais.accounts.demo import DEMO_PASSWORD
from relais.accounts.models import User

LIBRARY = "192.0.2.10"
THROTTLED = "Trop d'essais pour ce compte"


def page(response) -> str:
    return html.unescape(response.content.decode())


def attempt(client, email, password, address=LIBRARY):
    """One login; returns "in", "throttled" or "refused" (wrong password)."""
    response = client.post(reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=address)
    if response.status_code == 302:
        client.logout()
        return "in"
    if THROTTLED in page(response):
        return "throttled"
    assert response.status_code == 200, response.status_code
    return "refused"


@pytest.fixture
def residents(db):
    """Two residents who share the library's connection."""
    for email in ("a@example.org", "b@example.org"):
        User.objects.create_user(email=email, password=DEMO_PASSWORD)
    return "a@example.org", "b@example.org"


def test_typos_on_one_account_do_not_block_another_account_at_the_same_address(residents):
    a, b = residents
    client = Client()
    assert [attempt(client, a, "wrong-password") for _ in range(5)] == ["refused"] * 5
    assert attempt(client, b, DEMO_PASSWORD) == "in"


def test_an_account_is_blocked_from_an_address_after_five_failures(residents):
    a, _ = residents
    client = Client()
    for _ in range(5):
        attempt(client, a, "wrong-password")
    response = client.post(reverse("account_login"), {"login": a, "password": DEMO_PASSWORD}, REMOTE_ADDR=LIBRARY)
    assert "_auth_user_id" not in client.session
    assert "Trop d'essais pour ce compte. Réessayez dans quelques minutes, ou appelez la mairie" in page(response)
    assert "Too many" not in page(response)
    # The same person at home is not blocked.
    assert attempt(client, a, DEMO_PASSWORD, address="198.51.100.7") == "in"


def test_an_account_is_blocked_everywhere_after_twenty_failures_in_an_hour(residents):
    a, _ = residents
    client = Client()
    outcomes = [attempt(client, a, "wrong-password", address=f"203.0.113.{n // 5}") for n in range(20)]
    assert outcomes == ["refused"] * 20
    assert attempt(client, a, DEMO_PASSWORD, address="198.51.100.7") == "throttled"


def test_many_accounts_failing_from_one_address_meet_a_high_ceiling(db):
    client = Client()
    outcomes = [attempt(client, f"person{n // 4}@example.org", "wrong-password") for n in range(104)]
    assert outcomes[:100] == ["refused"] * 100
    assert set(outcomes[100:]) == {"throttled"}


def test_ipv6_addresses_of_one_subscriber_count_as_one_address(residents):
    a, _ = residents
    client = Client()
    for n in range(5):
        attempt(client, a, "wrong-password", address=f"2001:db8:5:6::{n + 1}")
    assert attempt(client, a, DEMO_PASSWORD, address="2001:db8:5:6::99") == "throttled"
    assert attempt(client, a, DEMO_PASSWORD, address="2001:db8:5:7::1") == "in"


def test_wrong_second_factor_codes_are_limited_too(reception_agent):
    client = Client()
    client.post(reverse("account_login"), {"login": reception_agent.email, "password": DEMO_PASSWORD})
    for _ in range(20):
        response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
        assert THROTTLED not in page(response)
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert THROTTLED in page(response)


SERVER_SCRIPT = textwrap.dedent(
    """
    import html, sys
    import django
    django.setup()
    from django.conf import settings
    from django.test import Client, override_settings
    from relais.accounts.models import User
    # Static files are not collected for this throw-away instance.
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": static}).enable()
    if not User.objects.filter(email="a@example.org").exists():
        User.objects.create_user(email="a@example.org", password="relais-demo")
    client = Client()
    outcomes = []
    for _ in range(int(sys.argv[1])):
        response = client.post(
            "/comptes/login/", {"login": "a@example.org", "password": sys.argv[2]}, REMOTE_ADDR="192.0.2.10"
        )
        if response.status_code == 302:
            outcomes.append("in")
        elif response.status_code != 200:
            outcomes.append(str(response.status_code))
        else:
            text = html.unescape(response.content.decode())
            outcomes.append("throttled" if "Trop d'essais" in text else "refused")
    print(" ".join(outcomes))
    """
)


def test_two_servers_sharing_the_database_count_together(tmp_path):
    """Two processes, as two gunicorn workers or servers, on one database without Redis."""
    env = production_env(
        tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'relais.sqlite3'}", REDIS_URL="", ALLOWED_HOSTS="testserver"
    )
    env["DJANGO_SETTINGS_MODULE"] = "relais.settings"
    run = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*run, "migrate", "--noinput"], env=env, cwd=ROOT, check=True, capture_output=True)

    def server(attempts, password):
        result = subprocess.run(
            [sys.executable, "-c", SERVER_SCRIPT, str(attempts), password],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout.split()

    assert server(3, "wrong-password") == ["refused"] * 3
    assert server(2, "wrong-password") == ["refused"] * 2
    # The fifth failure was counted on the second server: the first one refuses the right password.
    assert server(1, "relais-demo") == ["throttled"]
    # Without the shared table (each process counting alone), the right password would get in.
    assert server(1, "relais-demo") == ["throttled"]


def test_a_flood_of_logins_from_one_address_gets_a_page_in_french(db):
    client = Client()
    statuses = [client.post(reverse("account_login"), {}, REMOTE_ADDR=LIBRARY).status_code for _ in range(120)]
    assert statuses[:120] == [200] * 120
    response = client.post(reverse("account_login"), {}, REMOTE_ADDR=LIBRARY)
    assert response.status_code == 429
    assert "Réessayez dans quelques minutes" in page(response) and "Too Many" not in page(response)
