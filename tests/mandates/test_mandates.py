import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from relais.accounts.models import Role, Team
from relais.core.models import AuditEvent
from relais.mandates import services
from relais.mandates.models import Mandate
from relais.notifications.models import Message
from tests.conftest import make_member, staff_client


@pytest.fixture
def mediation(db):
    return Team.objects.get(slug="mediation")


def test_the_signed_box_left_unticked_is_said_beside_it(resident_by_letter, advisor, mediation):
    mandate = services.mandate_create(
        person=resident_by_letter,
        team=mediation,
        scopes=["papiers"],
        duration="1m",
        consent_method="paper",
        actor=advisor,
    )
    response = staff_client(advisor).post(mandate.get_absolute_url(), {"action": "paper"})
    html = response.content.decode()
    assert response.status_code == 200 and "field-error" in html and "Activer le mandat" in html
    mandate.refresh_from_db()
    assert mandate.state == "pending"


def paper_mandate(person, advisor, mediation, scopes=("papiers",), duration="1m"):
    mandate = services.mandate_create(
        person=person, team=mediation, scopes=list(scopes), duration=duration, consent_method="paper", actor=advisor
    )
    return services.mandate_record_paper(mandate=mandate, actor=advisor)


def test_a_paper_mandate_is_active_once_the_signed_form_is_recorded(resident_by_letter, advisor, mediation):
    mandate = services.mandate_create(
        person=resident_by_letter,
        team=mediation,
        scopes=["papiers", "logement"],
        duration="6m",
        consent_method="paper",
        actor=advisor,
    )
    assert mandate.state == "pending"
    assert "Jeanne" in mandate.consent_text and "Logement" in mandate.consent_text
    services.mandate_record_paper(mandate=mandate, actor=advisor)
    mandate.refresh_from_db()
    assert mandate.state == "active"
    assert mandate.expires_at.date() == (timezone.localdate() + datetime.timedelta(days=181))
    notice = Message.objects.get(template="mandate_created", person=resident_by_letter)
    # On paper, the way back to the mandate is a code, never its private link.
    assert notice.channel == "letter" and "Logement" in notice.body and mandate.token not in notice.body
    assert notice.paper_codes


def test_a_code_mandate_needs_the_code_the_resident_received(resident_with_email, advisor, mediation):
    mandate = services.mandate_create(
        person=resident_with_email,
        team=mediation,
        scopes=["famille"],
        duration="1d",
        consent_method="code",
        actor=advisor,
    )
    message = Message.objects.get(template="mandate_code", person=resident_with_email)
    code = next(word for word in message.body.split() if word.isdigit() and len(word) == 6)
    with pytest.raises(ValidationError):
        services.mandate_confirm_code(mandate=mandate, code="000000" if code != "000000" else "111111", actor=advisor)
    services.mandate_confirm_code(mandate=mandate, code=code, actor=advisor)
    mandate.refresh_from_db()
    assert mandate.state == "active"
    assert timezone.localtime(mandate.expires_at).date() == timezone.localdate()  # one day: until tonight


def test_the_code_stops_working_after_five_wrong_tries(resident_with_email, advisor, mediation):
    mandate = services.mandate_create(
        person=resident_with_email,
        team=mediation,
        scopes=["famille"],
        duration="1d",
        consent_method="code",
        actor=advisor,
    )
    for _ in range(5):
        with pytest.raises(ValidationError):
            services.mandate_confirm_code(mandate=mandate, code="abcdef", actor=advisor)
    message = Message.objects.get(template="mandate_code")
    code = next(word for word in message.body.split() if word.isdigit() and len(word) == 6)
    with pytest.raises(ValidationError, match="bloqué"):
        services.mandate_confirm_code(mandate=mandate, code=code, actor=advisor)


def test_no_code_method_for_someone_without_mobile_or_email(resident_by_letter, advisor, mediation):
    with pytest.raises(ValidationError) as error:
        services.mandate_create(
            person=resident_by_letter,
            team=mediation,
            scopes=["papiers"],
            duration="1d",
            consent_method="code",
            actor=advisor,
        )
    assert "formulaire" in str(error.value)


def test_acting_without_a_mandate_is_refused_with_an_explanation(resident_by_letter, advisor):
    with pytest.raises(services.MandateRequired) as refused:
        services.mandate_require(
            person=resident_by_letter, user=advisor, scope="papiers", action="cases.case.submitted"
        )
    assert "pas de mandat en cours" in refused.value.message and "Papiers" in refused.value.message


def test_a_mandate_covers_only_its_scopes_and_every_use_is_journaled(resident_by_letter, advisor, mediation):
    mandate = paper_mandate(resident_by_letter, advisor, mediation, scopes=["papiers"])
    with pytest.raises(services.MandateRequired):
        services.mandate_require(
            person=resident_by_letter, user=advisor, scope="logement", action="cases.case.submitted"
        )
    found = services.mandate_require(
        person=resident_by_letter, user=advisor, scope="papiers", action="cases.case.submitted"
    )
    assert found == mandate
    assert AuditEvent.objects.filter(action="mandates.mandate.used", object_id=str(mandate.pk)).count() == 1


def test_an_advisor_of_another_structure_cannot_use_it(resident_by_letter, advisor, mediation):
    paper_mandate(resident_by_letter, advisor, mediation)
    other_team = Team.objects.create(name="Médiation Sud", slug="mediation-sud", kind="mediation")
    other = make_member("autre.conseiller@valbrenne.fr", "mediation-sud", Role.ADVISOR)
    assert other_team.pk
    with pytest.raises(services.MandateRequired):
        services.mandate_require(person=resident_by_letter, user=other, scope="papiers", action="cases.case.submitted")
    assert staff_client(other).get(reverse("mandates:detail", args=[Mandate.objects.get().pk])).status_code == 404


def test_an_expired_mandate_no_longer_allows_anything(resident_by_letter, advisor, mediation):
    mandate = paper_mandate(resident_by_letter, advisor, mediation)
    Mandate.objects.filter(pk=mandate.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(services.MandateRequired):
        services.mandate_require(person=resident_by_letter, user=advisor, scope="papiers", action="x")


def test_revoking_one_scope_keeps_the_others(resident_by_letter, advisor, mediation):
    mandate = paper_mandate(resident_by_letter, advisor, mediation, scopes=["papiers", "argent"])
    services.mandate_revoke(mandate=mandate, actor=advisor, via="helper", scope="argent")
    mandate.refresh_from_db()
    assert mandate.state == "active" and mandate.active_scopes() == ["papiers"]
    with pytest.raises(services.MandateRequired):
        services.mandate_require(person=resident_by_letter, user=advisor, scope="argent", action="x")


def test_the_resident_revokes_from_the_link_without_an_account(client, resident_by_letter, advisor, mediation):
    mandate = paper_mandate(resident_by_letter, advisor, mediation)
    url = reverse("mandates:resident", args=[mandate.token])
    page = client.get(url).content.decode()
    assert "Arrêter ce mandat" in page and mediation.name in page
    refused = client.post(url, {})
    assert refused.status_code == 400 and "Cochez la case" in refused.content.decode()
    assert client.post(url, {"confirm": "yes"}).status_code == 302
    mandate.refresh_from_db()
    assert mandate.state == "revoked" and mandate.revoked_via == "online"
    assert Message.objects.filter(template="mandate_revoked", person=resident_by_letter).exists()


def test_the_resident_stops_one_scope_from_the_link(client, resident_by_letter, advisor, mediation):
    mandate = paper_mandate(resident_by_letter, advisor, mediation, scopes=["papiers", "argent"])
    url = reverse("mandates:resident", args=[mandate.token])
    page = client.get(url).content.decode()
    assert "Seulement le domaine" in page and 'value="argent"' in page
    refused = client.post(url, {"scope": "argent"})
    assert refused.status_code == 400 and re.search(r'value="argent"[^>]* checked', refused.content.decode())
    refused = client.post(url, {"scope": "sante", "confirm": "yes"})  # not one of this mandate's scopes
    assert refused.status_code == 400 and "déjà arrêté" in refused.content.decode()
    assert client.post(url, {"scope": "argent", "confirm": "yes"}).status_code == 302
    mandate.refresh_from_db()
    assert mandate.state == "active" and mandate.active_scopes() == ["papiers"]
    assert "domaine est retiré" in client.get(url).content.decode()
    page = client.get(url).content.decode()
    assert 'name="scope"' not in page  # one scope left: stopping it is stopping the mandate
    # a page opened before "argent" was stopped asks for it again: said, and nothing else stops
    stale = client.post(url, {"scope": "argent", "confirm": "yes"})
    assert stale.status_code == 400 and "déjà arrêté" in stale.content.decode()
    mandate.refresh_from_db()
    assert mandate.state == "active" and mandate.active_scopes() == ["papiers"]
    assert client.post(url, {"confirm": "yes"}).status_code == 302
    mandate.refresh_from_db()
    assert mandate.state == "revoked"


def test_a_wrong_link_is_a_404(client, db):
    assert client.get(reverse("mandates:resident", args=["nope"])).status_code == 404


def test_reception_revokes_at_the_counter(reception_client, resident_by_letter, advisor, mediation):
    mandate = paper_mandate(resident_by_letter, advisor, mediation)
    url = reverse("mandates:detail", args=[mandate.pk])
    assert reception_client.get(url).status_code == 200
    response = reception_client.post(url, {"action": "revoke", "via": "counter", "reason": "Ne veut plus", "scope": ""})
    assert response.status_code == 302
    mandate.refresh_from_db()
    assert mandate.revoked_via == "counter" and mandate.revoke_reason == "Ne veut plus"


def test_staff_screens_create_print_and_activate(resident_by_letter, advisor):
    client = staff_client(advisor)
    response = client.post(
        reverse("mandates:create", args=[resident_by_letter.pk]),
        {
            "team": Team.objects.get(slug="mediation").pk,
            "scopes": ["papiers"],
            "duration": "1m",
            "consent_method": "paper",
        },
    )
    mandate = Mandate.objects.get(person=resident_by_letter)
    assert response["Location"] == mandate.get_absolute_url()
    pdf = client.get(reverse("mandates:form_pdf", args=[mandate.pk]))
    assert pdf.content.startswith(b"%PDF")
    assert client.post(mandate.get_absolute_url(), {"action": "paper", "signed": "on"}).status_code == 302
    mandate.refresh_from_db()
    assert mandate.state == "active"
    person_page = client.get(resident_by_letter.get_absolute_url()).content.decode()
    assert f"Mandat n° {mandate.pk}" in person_page


def test_the_create_form_explains_missing_choices_and_keeps_input(resident_by_letter, advisor):
    client = staff_client(advisor)
    response = client.post(
        reverse("mandates:create", args=[resident_by_letter.pk]),
        {"team": Team.objects.get(slug="mediation").pk, "duration": "6m", "consent_method": "code"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "Il y a un problème" in html
    assert "Choisissez au moins un domaine de démarches." in html
    assert 'value="6m" id="id_duration_2" required checked' in html  # what was chosen is kept


def test_expiry_reminders_are_sent_once(resident_by_letter, advisor, mediation):
    mandate = paper_mandate(resident_by_letter, advisor, mediation, duration="1m")
    Mandate.objects.filter(pk=mandate.pk).update(expires_at=timezone.now() + datetime.timedelta(days=3))
    assert services.mandates_remind(dry_run=True) == 1
    assert services.mandates_remind() == 1
    assert services.mandates_remind() == 0
    assert Message.objects.filter(template="mandate_expiring").count() == 1


def test_case_workers_do_not_see_mandates(case_worker, resident_by_letter, advisor, mediation):
    mandate = paper_mandate(resident_by_letter, advisor, mediation)
    assert staff_client(case_worker).get(reverse("mandates:detail", args=[mandate.pk])).status_code == 404


def test_the_helper_cannot_read_the_code_sent_to_the_resident(resident_with_email, advisor, mediation):
    services.mandate_create(
        person=resident_with_email,
        team=mediation,
        scopes=["famille"],
        duration="1d",
        consent_method="code",
        actor=advisor,
    )
    message = Message.objects.get(template="mandate_code")
    code = next(word for word in message.body.split() if word.isdigit() and len(word) == 6)
    client = staff_client(advisor)
    page = client.get(reverse("notifications:message_detail", args=[message.pk])).content.decode()
    assert code not in page
    person_page = client.get(resident_with_email.get_absolute_url()).content.decode()
    assert code not in person_page
    from relais.notifications.services import process_due

    process_due()
    message.refresh_from_db()
    assert message.status == "sent" and code not in message.body  # wiped once sent


def _code_mandate(person, advisor, mediation):
    return services.mandate_create(
        person=person, team=mediation, scopes=["famille"], duration="1d", consent_method="code", actor=advisor
    )


def _last_code(person) -> str:
    message = Message.objects.filter(template="mandate_code", person=person).latest("pk")
    return next(word for word in message.body.split() if word.isdigit() and len(word) == 6)


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_a_new_code_does_not_forget_the_wrong_tries_and_five_lock_consent_by_code(
    resident_with_email, advisor, mediation
):
    mandate = _code_mandate(resident_with_email, advisor, mediation)
    for _ in range(3):
        with pytest.raises(ValidationError, match="Il reste"):
            services.mandate_confirm_code(mandate=mandate, code=_wrong(_last_code(resident_with_email)), actor=advisor)
    services.mandate_send_code(mandate=mandate, actor=advisor)
    code = _last_code(resident_with_email)
    with pytest.raises(ValidationError, match="Il reste 1 essai"):
        services.mandate_confirm_code(mandate=mandate, code=_wrong(code), actor=advisor)
    with pytest.raises(ValidationError, match="l'accord par code est bloqué"):
        services.mandate_confirm_code(mandate=mandate, code=_wrong(code), actor=advisor)
    # locked: neither the right code nor a new one helps
    with pytest.raises(ValidationError, match="bloqué"):
        services.mandate_confirm_code(mandate=mandate, code=code, actor=advisor)
    with pytest.raises(ValidationError, match="bloqué"):
        services.mandate_send_code(mandate=mandate, actor=advisor)
    mandate.refresh_from_db()
    assert mandate.state == "pending" and mandate.code_locked
    assert AuditEvent.objects.filter(action="mandates.mandate.code_locked", object_id=str(mandate.pk)).count() == 1
    # the signed paper form still works, and is recorded as how the person agreed
    services.mandate_record_paper(mandate=mandate, actor=advisor)
    mandate.refresh_from_db()
    assert mandate.state == "active" and mandate.consent_method == "paper"


def test_new_codes_are_limited_per_mandate_and_per_hour(resident_with_email, advisor, mediation):
    from django.core.cache import cache

    mandate = _code_mandate(resident_with_email, advisor, mediation)
    services.mandate_send_code(mandate=mandate, actor=advisor)
    services.mandate_send_code(mandate=mandate, actor=advisor)
    with pytest.raises(ValidationError, match="dans l'heure"):
        services.mandate_send_code(mandate=mandate, actor=advisor)
    cache.clear()  # an hour later
    services.mandate_send_code(mandate=mandate, actor=advisor)
    cache.clear()
    with pytest.raises(ValidationError, match="4 codes ont déjà été envoyés"):
        services.mandate_send_code(mandate=mandate, actor=advisor)
    assert Message.objects.filter(template="mandate_code", person=resident_with_email).count() == 4
    assert AuditEvent.objects.filter(action="mandates.mandate.code_sent", object_id=str(mandate.pk)).count() == 4


def test_preparing_mandate_after_mandate_cannot_flood_a_phone_with_codes(resident_with_email, advisor, mediation):
    for _ in range(3):
        _code_mandate(resident_with_email, advisor, mediation)
    with pytest.raises(ValidationError, match="dans l'heure"):
        _code_mandate(resident_with_email, advisor, mediation)
    assert Mandate.objects.filter(person=resident_with_email).count() == 3
    assert Message.objects.filter(template="mandate_code", person=resident_with_email).count() == 3


def test_the_agent_reads_why_no_new_code_goes_and_gets_the_paper_form(resident_with_email, advisor, mediation):
    from django.core.cache import cache

    client = staff_client(advisor)
    mandate = _code_mandate(resident_with_email, advisor, mediation)
    url = mandate.get_absolute_url()
    page = client.get(url).content.decode()
    assert "Vous pouvez encore envoyer 3 nouveaux codes." in page and "Faire signer le formulaire" not in page
    assert client.post(url, {"action": "code", "resend": "1"}).status_code == 302
    assert client.post(url, {"action": "code", "resend": "1"}).status_code == 302
    refused = client.post(url, {"action": "code", "resend": "1"})  # the third code of the hour to this address
    page = refused.content.decode().replace("&#x27;", "'")
    assert refused.status_code == 200 and "Plusieurs codes sont déjà partis vers ce téléphone" in page
    cache.clear()  # an hour later
    assert client.post(url, {"action": "code", "resend": "1"}).status_code == 302
    page = client.get(url).content.decode().replace("&#x27;", "'")
    assert 'name="resend"' not in page and "Plus de nouveau code possible" in page
    assert "Faire signer le formulaire" in page
    sent = Message.objects.filter(template="mandate_code", person=resident_with_email).count()
    refused = client.post(url, {"action": "code", "resend": "1"})  # a resend sent all the same, by an old page
    assert refused.status_code == 200 and "on ne peut plus en envoyer" in refused.content.decode()
    assert Message.objects.filter(template="mandate_code", person=resident_with_email).count() == sent
    for _ in range(5):
        response = client.post(url, {"action": "code", "code": _wrong(_last_code(resident_with_email))})
    page = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 200 and "l'accord par code est bloqué pour ce mandat" in page
    assert 'name="code"' not in page and 'name="signed"' in page
    late = client.post(url, {"action": "code", "code": _last_code(resident_with_email)})  # even the right one, too late
    assert late.status_code == 200 and "l'accord par code est bloqué" in late.content.decode().replace("&#x27;", "'")
    mandate.refresh_from_db()
    assert mandate.state == "pending"
    assert client.post(url, {"action": "paper", "signed": "on"}).status_code == 302
    mandate.refresh_from_db()
    assert mandate.state == "active" and mandate.consent_method == "paper"


def test_a_wrong_code_typed_by_the_helper_is_said_beside_the_field(resident_with_email, advisor, mediation):
    mandate = _code_mandate(resident_with_email, advisor, mediation)
    client = staff_client(advisor)
    response = client.post(
        mandate.get_absolute_url(), {"action": "code", "code": _wrong(_last_code(resident_with_email))}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ce code ne correspond pas" in html and "Il reste 4 essai" in html
    response = client.post(mandate.get_absolute_url(), {"action": "code", "code": "12ab"})
    assert response.status_code == 200 and "Ce code ne correspond pas" in response.content.decode()
    # a code that came with another form's action is not tried
    response = client.post(mandate.get_absolute_url(), {"action": "paper", "code": "123456"})
    assert response.status_code == 200 and "Ce code ne correspond pas" not in response.content.decode()
    mandate.refresh_from_db()
    assert mandate.code_attempts == 2
