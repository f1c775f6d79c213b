"""The administrator's screens for partner applications: create, see the key once, rotate,
revoke, edit, webhooks and their log; nobody but administrators gets in."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse

from relais.accounts.models import Role, Team, User
from relais.api import keys, services, webhooks
from relais.api.models import Application, ApplicationKey, DeliveryStatus, Scope, WebhookDelivery
from relais.core.models import AuditEvent
from tests.conftest import make_member, staff_client

pytestmark = pytest.mark.django_db

LIST = reverse("api_admin:application_list")
CREATE = reverse("api_admin:application_create")


def _create(client, **overrides):
    data = {"name": "Site de la ville", "contact_email": "web@valbrenne.fr", "scopes": ["requests:write"],
            "team": "", "role": "", "rate_limit": "120", "submission_key": str(uuid.uuid4()), **overrides}  # fmt: skip
    return client.post(CREATE, data)


def _shown_key(html: str) -> str:
    start = html.index('value="rls_') + len('value="')
    return html[start : html.index('"', start)]


def test_only_administrators_open_the_screens(db):
    for email in ("accueil@valbrenne.fr", "etat-civil@valbrenne.fr", "responsable@valbrenne.fr"):
        assert staff_client(User.objects.get(email=email)).get(LIST).status_code == 404
    admin = staff_client(User.objects.get(email="admin@valbrenne.fr"))
    assert admin.get(LIST).status_code == 200
    assert LIST in admin.get(reverse("people:staff_home")).content.decode()  # the menu entry


def test_the_key_is_shown_once_on_the_next_page_never_in_a_url(admin_client):
    response = _create(admin_client)
    application = Application.objects.get(name="Site de la ville")
    reveal = response["Location"]
    assert response.status_code == 302
    assert reveal.startswith(reverse("api_admin:application_reveal", args=[application.pk]) + "?k=")
    page = admin_client.get(reveal)
    assert "no-store" in page["Cache-Control"]
    raw = _shown_key(page.content.decode())
    assert keys.authenticate(raw) == application
    assert "elle ne sera plus affichée" in page.content.decode()
    assert raw not in response["Location"]
    assert not ApplicationKey.objects.filter(digest=raw).exists() and raw not in str(dict(admin_client.session))
    again = admin_client.get(reveal).content.decode()
    assert raw not in again and "déjà affichée" in again
    listing = admin_client.get(LIST).content.decode()
    assert "Site de la ville" in listing and application.keys.get().prefix in listing and raw not in listing


def test_a_double_click_makes_one_application(admin_client):
    key = str(uuid.uuid4())
    first, second = _create(admin_client, submission_key=key), _create(admin_client, submission_key=key)
    assert first["Location"] == second["Location"]
    assert Application.objects.filter(name="Site de la ville").count() == 1
    assert ApplicationKey.objects.filter(application__name="Site de la ville").count() == 1


def test_a_double_click_still_shows_the_key_once_whichever_answer_the_browser_follows(admin_client):
    """The browser drops the first answer of a double click and follows the second one's
    redirect: the key made by the first must be on that page, and only once."""
    key = str(uuid.uuid4())
    _create(admin_client, submission_key=key)  # its answer is never followed
    second = _create(admin_client, submission_key=key)
    application = Application.objects.get(name="Site de la ville")
    page = admin_client.get(second["Location"]).content.decode()
    raw = _shown_key(page)
    assert keys.authenticate(raw, count=False) == application
    again = admin_client.get(second["Location"]).content.decode()
    assert raw not in again and "déjà affichée" in again


def test_the_key_shown_for_one_administrator_is_not_shown_to_another(admin_client, administrator):
    response = _create(admin_client)
    other = make_member("admin2@valbrenne.fr", administrator.memberships.first().team.slug, Role.ADMINISTRATOR)
    page = staff_client(other).get(response["Location"]).content.decode()
    assert 'value="rls_' not in page and "déjà affichée" in page
    assert 'value="rls_' in admin_client.get(response["Location"]).content.decode()


def test_a_second_click_on_deleting_a_webhook_goes_back_to_the_application(admin_client, administrator):
    application, _raw = services.application_create(name="Appli", scopes=[Scope.REQUESTS_READ], actor=administrator)
    endpoint, _secret = webhooks.webhook_create(
        application=application, url="https://partenaire.example.org/h", events=["case.filed"], actor=administrator
    )
    delete = reverse("api_admin:webhook_delete", args=[application.pk, endpoint.pk])
    assert admin_client.post(delete).status_code == 302
    again = admin_client.post(delete)
    assert again.status_code == 302
    assert again["Location"] == reverse("api_admin:application_detail", args=[application.pk])


def test_a_staff_scope_without_team_is_refused_beside_the_field_and_nothing_typed_is_lost(admin_client):
    response = _create(admin_client, name="Logiciel du CCAS", scopes=["cases:read"], contact_email="dsi@ccas.fr")
    html = response.content.decode()
    assert response.status_code == 200 and not Application.objects.filter(name="Logiciel du CCAS").exists()
    assert "Choisissez l&#x27;équipe dont l&#x27;application traite les dossiers" in html
    assert 'value="Logiciel du CCAS"' in html and 'value="dsi@ccas.fr"' in html
    assert re.search(r'value="cases:read"[^>]*checked', html) and not re.search(
        r'value="requests:write"[^>]*checked', html
    )
    team = Team.objects.get(slug="ccas")
    ok = _create(admin_client, name="Logiciel du CCAS", scopes=["cases:read"], team=team.pk, role=Role.CASE_WORKER)
    assert ok.status_code == 302
    assert Application.objects.get(name="Logiciel du CCAS").user.memberships.get().team == team


def test_rotating_shows_a_new_key_and_the_old_one_works_a_day_more(admin_client, administrator):
    application, old = services.application_create(name="Appli", scopes=[Scope.REQUESTS_READ], actor=administrator)
    url = reverse("api_admin:key_rotate", args=[application.pk])
    key = str(uuid.uuid4())
    first = admin_client.post(url, {"submission_key": key})
    second = admin_client.post(url, {"submission_key": key})  # a double click: one new key
    assert first["Location"] == second["Location"]
    assert application.keys.count() == 2
    new = _shown_key(admin_client.get(first["Location"]).content.decode())
    assert keys.authenticate(new) == application and keys.authenticate(old) == application
    assert application.keys.get(expires_at__isnull=False).prefix in old


def test_revoking_a_key_then_the_application(admin_client, administrator):
    application, raw = services.application_create(name="Appli", scopes=[Scope.REQUESTS_READ], actor=administrator)
    key = application.keys.get()
    admin_client.post(reverse("api_admin:key_revoke", args=[application.pk, key.pk]))
    assert keys.authenticate(raw) is None
    raw2 = services.key_rotate(application=application, actor=administrator)
    page = admin_client.get(reverse("api_admin:application_revoke", args=[application.pk]))
    assert "définitif" in page.content.decode()
    for _ in range(2):  # twice: the second changes nothing
        admin_client.post(reverse("api_admin:application_revoke", args=[application.pk]))
    assert keys.authenticate(raw2) is None
    assert AuditEvent.objects.filter(action="api.application.revoked").count() == 1


def test_editing_the_scopes(admin_client, administrator):
    application, _raw = services.application_create(name="Appli", scopes=[Scope.REQUESTS_READ], actor=administrator)
    url = reverse("api_admin:application_detail", args=[application.pk])
    response = admin_client.post(url, {"scopes": ["requests:read", "bookings:write"], "rate_limit": "30",
                                       "contact_email": ""})  # fmt: skip
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.scopes == ["bookings:write", "requests:read"] and application.rate_limit == 30
    refused = admin_client.post(url, {"scopes": ["cases:write"], "rate_limit": "30", "contact_email": ""})
    assert refused.status_code == 200 and "Choisissez l" in refused.content.decode()


def test_application_accounts_are_not_agents(admin_client, administrator):
    team = Team.objects.get(slug="etat-civil")
    application, _raw = services.application_create(
        name="Logiciel d'état civil", scopes=[Scope.CASES_READ], team=team, role=Role.CASE_WORKER, actor=administrator
    )
    agents = admin_client.get(reverse("accounts:user_list")).content.decode()
    assert "Logiciel d&#x27;état civil" not in agents and "Logiciel d'état civil" not in agents
    page = admin_client.get(reverse("accounts:team_detail", args=[team.slug])).content.decode()
    assert "Application : Logiciel d" in page
    user = application.user
    assert admin_client.post(reverse("accounts:user_invitation", args=[user.pk])).status_code == 404
    assert admin_client.post(reverse("accounts:user_toggle_active", args=[user.pk])).status_code == 404
    membership = user.memberships.get()
    assert admin_client.post(reverse("accounts:membership_remove", args=[membership.pk])).status_code == 404
    assert f'value="{user.pk}"' not in page  # not offered as a member to add


def test_a_webhook_is_registered_its_secret_shown_once_and_its_log_resent(admin_client, administrator, settings):
    application, _raw = services.application_create(name="Appli", scopes=[Scope.REQUESTS_READ], actor=administrator)
    create = reverse("api_admin:webhook_create", args=[application.pk])
    refused = admin_client.post(
        create, {"url": "https://10.0.0.5/hook", "events": ["case.filed"], "submission_key": str(uuid.uuid4())}
    )
    assert refused.status_code == 200 and "réseau privé" in refused.content.decode()
    assert 'value="https://10.0.0.5/hook"' in refused.content.decode()
    response = admin_client.post(
        create,
        {"url": "https://partenaire.example.org/hook", "events": ["case.filed"], "submission_key": str(uuid.uuid4())},
    )
    endpoint = application.webhooks.get()
    page = admin_client.get(response["Location"]).content.decode()
    assert endpoint.secret in page
    assert endpoint.secret not in admin_client.get(response["Location"]).content.decode()
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="case.filed", payload={"id": 1}, status=DeliveryStatus.FAILED, attempts=6,
        attempt_log=[{"at": "2026-12-06T10:00:00+01:00", "status": 502, "error": "Réponse 502 du partenaire."}],
    )  # fmt: skip
    log = admin_client.get(reverse("api_admin:webhook_detail", args=[application.pk, endpoint.pk])).content.decode()
    assert "réponse 502" in log and "Renvoyer" in log
    assert "06/12/2026 10:00:00" in log  # the try's time, in the town's time zone
    admin_client.post(reverse("api_admin:delivery_resend", args=[application.pk, delivery.pk]))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 0
    assert webhooks.events_for(application)


def test_the_demo_town_has_a_partner_application_with_the_documented_key(db, settings):
    from io import StringIO

    settings.RELAIS_DEMO = True

    from relais.demo.demo import DEMO_KEY, load

    application = keys.authenticate(DEMO_KEY, count=False)
    assert application is not None and application.team is None
    assert application.allows(Scope.REQUESTS_WRITE) and not application.allows(Scope.CASES_READ)
    assert not ApplicationKey.objects.filter(digest=DEMO_KEY).exists()  # only its digest
    load(StringIO())  # loading the demo again changes nothing
    assert Application.objects.filter(name=application.name).count() == 1
    assert keys.authenticate(DEMO_KEY, count=False) == application


def test_the_published_demo_key_opens_nothing_on_a_real_instance(db, settings):
    from relais.demo.demo import DEMO_KEY

    settings.DEBUG, settings.RELAIS_DEMO = False, False
    assert ApplicationKey.objects.filter(prefix=keys.DEMO_PREFIX).exists()  # loaded by the test town
    assert keys.authenticate(DEMO_KEY, count=False) is None
    settings.RELAIS_DEMO = True
    assert keys.authenticate(DEMO_KEY, count=False) is not None


def test_the_deploy_check_refuses_a_database_holding_the_demo_key(db, settings):
    from relais.api.checks import demo_key_absent

    settings.DEBUG, settings.RELAIS_DEMO = False, False
    assert [error.id for error in demo_key_absent()] == ["relais_api.E001"]
    ApplicationKey.objects.filter(prefix=keys.DEMO_PREFIX).delete()
    assert demo_key_absent() == []


def test_a_delivery_whose_task_was_lost_can_be_resent(admin_client, administrator):
    import datetime

    from django.utils import timezone

    application, _raw = services.application_create(name="Appli", scopes=[Scope.REQUESTS_READ], actor=administrator)
    endpoint, _secret = webhooks.webhook_create(
        application=application, url="https://partenaire.example.org/h", events=["case.filed"], actor=administrator
    )
    now = timezone.now()
    waiting = WebhookDelivery.objects.create(endpoint=endpoint, event="case.filed", payload={"id": 1},
                                             next_attempt_at=now + datetime.timedelta(minutes=5))  # fmt: skip
    lost = WebhookDelivery.objects.create(endpoint=endpoint, event="case.filed", payload={"id": 2}, attempts=2,
                                          next_attempt_at=now - webhooks.LEASE * 2)  # fmt: skip
    page = admin_client.get(reverse("api_admin:webhook_detail", args=[application.pk, endpoint.pk])).content.decode()
    assert reverse("api_admin:delivery_resend", args=[application.pk, lost.pk]) in page
    assert reverse("api_admin:delivery_resend", args=[application.pk, waiting.pk]) not in page
    admin_client.post(reverse("api_admin:delivery_resend", args=[application.pk, lost.pk]))
    admin_client.post(reverse("api_admin:delivery_resend", args=[application.pk, waiting.pk]))
    lost.refresh_from_db(), waiting.refresh_from_db()
    assert lost.attempts == 0 and lost.next_attempt_at > now
    assert waiting.next_attempt_at == now + datetime.timedelta(minutes=5)


def test_a_case_cannot_be_assigned_to_an_application_account(administrator):
    """A staff key (the application's account) cannot take a case for itself."""
    from django.core.exceptions import ValidationError

    from relais.cases.services import case_assign, case_submit
    from tests.api.test_webhooks import _form, _resident

    worker = User.objects.get(email="etat-civil@valbrenne.fr")
    application, _raw = services.application_create(
        name="Logiciel EC", scopes=[Scope.CASES_WRITE, Scope.CASES_READ], team=Team.objects.get(slug="etat-civil"),
        role=Role.CASE_WORKER, actor=administrator,
    )  # fmt: skip
    case = case_submit(form=_form("etat-civil"), person=_resident(), answers={"objet": "x"}, channel="counter",
                       recorded_by=worker)  # fmt: skip
    for actor in (worker, application.user):
        with pytest.raises(ValidationError) as refused:
            case_assign(case=case, assignee=application.user, actor=actor)
        assert "ne fait pas partie de l'équipe" in str(refused.value)
    case.refresh_from_db()
    assert case.assignee is None
    case_assign(case=case, assignee=worker, actor=worker)  # an agent of the team still can
