"""Acting for a resident needs an active mandate covering the request's domain: the rule
lives in the services (`case_submit`, `case_resident_reply`), so the staff pages, the API
and a command all obey it, and a refusal writes nothing."""

import uuid

import pytest
from django.urls import reverse

from relais.accounts.models import Team
from relais.cases import services
from relais.cases.models import Case, CaseEvent, Form
from relais.core.models import AuditEvent, Channel
from relais.mandates import services as mandates
from relais.mandates.services import MandateRequired
from relais.notifications.models import Message
from tests.conftest import staff_client


@pytest.fixture
def ccas_form(db):
    return Form.objects.get(slug="rendez-vous-ccas")  # domain "social"


def give_mandate(person, advisor, scopes=("social",), *, signed=True):
    mandate = mandates.mandate_create(
        person=person,
        team=Team.objects.get(slug="mediation"),
        scopes=list(scopes),
        duration="1d",
        consent_method="paper",
        actor=advisor,
    )
    if signed:
        mandates.mandate_record_paper(mandate=mandate, actor=advisor)
    return mandate


def file_for(person, advisor, form, key):
    return services.case_submit(
        form=form,
        person=person,
        answers={"motif": "Autre", "moments": ["Le matin"]},
        channel=Channel.ONLINE,
        recorded_by=advisor,
        on_behalf=True,
        submission_key=key,
    )


def snapshot():
    return Case.objects.count(), CaseEvent.objects.count(), Message.objects.count(), AuditEvent.objects.count()


@pytest.mark.parametrize(
    "situation", ["no mandate", "waiting for consent", "another domain", "revoked"], ids=lambda s: s.replace(" ", "-")
)
def test_filing_for_a_resident_without_a_mandate_is_refused_and_writes_nothing(
    advisor, resident_by_letter, ccas_form, situation
):
    if situation == "waiting for consent":
        give_mandate(resident_by_letter, advisor, signed=False)
    elif situation == "another domain":
        give_mandate(resident_by_letter, advisor, scopes=["loisirs"])
    elif situation == "revoked":
        mandates.mandate_revoke(mandate=give_mandate(resident_by_letter, advisor), actor=None, via="online")
    before = snapshot()
    with pytest.raises(MandateRequired) as refused:
        file_for(resident_by_letter, advisor, ccas_form, uuid.uuid4())
    assert "Vous ne pouvez pas agir pour" in refused.value.message
    assert snapshot() == before


def test_filing_under_an_active_mandate_records_it_and_journals_its_use(advisor, resident_by_letter, ccas_form):
    mandate = give_mandate(resident_by_letter, advisor)
    case = file_for(resident_by_letter, advisor, ccas_form, uuid.uuid4())
    assert case.acting_under == mandate and case.recorded_by == advisor
    assert AuditEvent.objects.filter(
        action="mandates.mandate.used", object_id=str(mandate.pk), details__for="cases.case.submitted"
    ).exists()


def test_a_helper_answering_after_the_mandate_ended_is_refused_and_writes_nothing(
    advisor, resident_by_letter, ccas_form
):
    mandate = give_mandate(resident_by_letter, advisor)
    case = file_for(resident_by_letter, advisor, ccas_form, uuid.uuid4())
    services.case_resident_reply(case=case, text="Elle est disponible mardi.", actor=advisor)
    mandates.mandate_revoke(mandate=mandate, actor=None, via="online")
    before = snapshot()
    with pytest.raises(MandateRequired):
        services.case_resident_reply(case=case, text="Et jeudi aussi.", actor=advisor, submission_key=uuid.uuid4())
    assert snapshot() == before
    case.refresh_from_db()
    assert not case.events.filter(text="Et jeudi aussi.").exists()


def test_the_resident_answers_her_own_request_without_any_mandate(advisor, resident_by_letter, ccas_form):
    mandate = give_mandate(resident_by_letter, advisor)
    case = file_for(resident_by_letter, advisor, ccas_form, uuid.uuid4())
    mandates.mandate_revoke(mandate=mandate, actor=None, via="online")
    services.case_resident_reply(case=case, text="Je m'en occupe moi-même.", actor=None)
    assert case.events.filter(text="Je m'en occupe moi-même.", by_resident=True).exists()


def test_the_staff_page_refuses_a_request_once_the_mandate_has_ended(advisor, resident_by_letter):
    client = staff_client(advisor)
    give_mandate(resident_by_letter, advisor)
    url = reverse("cases:record", args=[resident_by_letter.pk, "rendez-vous-ccas"]) + "?canal=mandate"
    page = client.get(url)
    assert page.status_code == 200
    # The mandate ends while the helper fills in the form: the service refuses on sending.
    for mandate in resident_by_letter.mandates.all():
        mandates.mandate_revoke(mandate=mandate, actor=None, via="online")
    key = str(uuid.uuid4())
    refused = client.post(url, {"motif": "Autre", "moments": ["Le matin"], "submission_key": key})
    html = refused.content.decode()
    assert refused.status_code == 403 and "pas de mandat en cours" in html
    assert not Case.objects.filter(submission_key=key).exists()


def test_a_mandate_ended_while_typing_is_refused_beside_the_form_with_the_answers_kept(
    advisor, resident_by_letter, monkeypatch
):
    """The page was shown under the mandate; the service checks again when the form is sent."""
    client = staff_client(advisor)
    url = reverse("cases:record", args=[resident_by_letter.pk, "rendez-vous-ccas"]) + "?canal=mandate"
    monkeypatch.setattr("relais.cases.views_staff.mandate_refusal", lambda **kwargs: None)
    key = str(uuid.uuid4())
    response = client.post(url, {"motif": "Autre", "moments": ["Le matin"], "submission_key": key})
    html = response.content.decode()
    assert response.status_code == 200 and "Il y a un problème" in html and "pas de mandat en cours" in html
    assert (
        'value="Autre" id="id_motif_4" required checked' in html
        and 'value="Le matin" id="id_moments_0" checked' in html
    )
    assert not Case.objects.filter(submission_key=key).exists()
