"""The outbox page (envois) against hand-made messages of March 2019 (the demo town's
messages are all recent): thirteen messages and two print batches counted on paper."""

import datetime

import pytest
from django.utils import timezone

from relais.accounts.models import Role, Team
from relais.cases.models import Case, Form
from relais.core.models import Person
from relais.mandates.models import Mandate
from relais.notifications.models import LetterBatch, Message
from relais.stats.filters import Period, Query
from relais.stats.selectors import outbox
from tests.conftest import make_member

MARCH = Period(datetime.date(2019, 3, 1), datetime.date(2019, 3, 31))


def _at(month, day, hour=10):
    return timezone.make_aware(datetime.datetime(2019, month, day, hour))


@pytest.fixture
def outbox_month(db):
    """Messages of March 2019:

    about a request of "Service des jardins": two e-mails sent; an e-mail failed, sent again
    by letter (printed in the batch of 15 March); an SMS failed, sent again by letter (not
    printed yet); a letter printed on 15 March; a letter printed on 28 March; a call to make;
    about a mandate of the same team: one SMS sent;
    about another team's request: an e-mail sent, a letter printed on 28 March;
    about nothing: an e-mail sent.
    In February: an e-mail failed and a letter printed on 20 February, about the request.
    """
    team = Team.objects.create(name="Service des jardins", slug="jardins")
    agent = make_member("jardins@valbrenne.fr", "jardins", Role.CASE_WORKER)
    person = Person.objects.create(first_name="Rose", last_name="Jardin")
    form = Form.objects.create(slug="vegetaliser", title="Permis de végétaliser", intro="…", team=team)
    case = Case.objects.create(
        reference="2019-90001",
        form=form,
        team=team,
        person=person,
        channel="online",
        due_date=datetime.date(2019, 4, 1),
    )
    mandate = Mandate.objects.create(
        person=person, team=team, duration="1y", consent_method="paper", consent_text="J'accepte.",
        consent_text_version="1", created_by=agent,
    )  # fmt: skip
    other_case = Case.objects.filter(team__slug="etat-civil").first()
    batches = {}
    for day in ((2, 20), (3, 15), (3, 28)):
        batches[day] = LetterBatch.objects.create()
        LetterBatch.objects.filter(pk=batches[day].pk).update(created_at=_at(*day))

    def message(channel, status, about=None, day=(3, 10), batch=None, fallback_of=None):
        m = Message.objects.create(
            person=person, channel=channel, status=status, template="t", subject="Objet", body="Texte",
            related_type=about._meta.label_lower if about else "", related_id=str(about.pk) if about else "",
            batch=batches[batch] if batch else None, fallback_of=fallback_of,
        )  # fmt: skip
        Message.objects.filter(pk=m.pk).update(created_at=_at(*day))
        return m

    message("email", "sent", case)
    message("email", "sent", case)
    failed_email = message("email", "failed", case)
    message("letter", "printed", case, batch=(3, 15), fallback_of=failed_email)
    failed_sms = message("sms", "failed", case)
    message("letter", "queued", case, fallback_of=failed_sms)
    message("letter", "printed", case, batch=(3, 15))
    message("letter", "printed", case, batch=(3, 28))
    message("phone", "queued", case)
    long_sms = message("sms", "sent", mandate)
    Message.objects.filter(pk=long_sms.pk).update(sms_segments=2)  # a long text, billed twice
    message("email", "sent", other_case)
    message("letter", "printed", other_case, batch=(3, 28))
    message("email", "sent")
    message("email", "failed", case, day=(2, 12))
    message("letter", "printed", case, day=(2, 18), batch=(2, 20))
    return {"team": team}


def _rows(table) -> dict:
    return {row.label: row.values for row in table.rows}


def test_a_team_counts_the_messages_about_its_records(outbox_month):
    section = outbox.section(Query(period=MARCH, team_ids=(outbox_month["team"].pk,)))
    assert (section.figure("messages").value, section.figure("messages").previous) == (10, 2)
    assert _rows(section.table("channel")) == {
        "Courriel": [3, 1],
        "SMS": [2, 0],
        "Courrier postal": [4, 1],
        "Appel téléphonique": [1, 0],
    }
    status = _rows(section.table("status"))
    assert (status["Envoyé"], status["Échec"], status["Imprimé, à poster"], status["En attente"]) == (
        [3, 0], [2, 1], [3, 1], [2, 0]
    )  # fmt: skip
    assert _rows(section.table("failed_channel")) == {
        "Courriel": [1, 1],
        "SMS": [1, 0],
        "Courrier postal": [0, 0],
        "Appel téléphonique": [0, 0],
    }


def test_failures_and_letters_sent_in_their_place(outbox_month):
    section = outbox.section(Query(period=MARCH, team_ids=(outbox_month["team"].pk,)))
    assert (section.figure("failed").value, section.figure("failed").previous) == (2, 1)
    rate = section.figure("failure_rate")
    assert (rate.value, rate.base) == (25.0, 8)  # 2 failed of 3 sent, 3 printed and 2 failed
    assert section.figure("fallbacks").value == 2
    assert section.figure("fallback_letters").value == 2


def test_sms_are_counted_as_the_operator_bills_them(outbox_month):
    section = outbox.section(Query(period=MARCH, team_ids=(outbox_month["team"].pk,)))
    # one long SMS sent (2 segments); the failed one cost nothing
    assert (section.figure("sms_segments").value, section.figure("sms_segments").previous) == (2, 0)


def test_letters_printed_per_batch(outbox_month):
    team_page = outbox.section(Query(period=MARCH, team_ids=(outbox_month["team"].pk,)))
    batches = team_page.table("batches")
    assert [row.values for row in batches.rows] == [[2], [1]]
    assert batches.rows[0].label.startswith("15 mars 2019") and batches.rows[1].label.startswith("28 mars 2019")
    assert (team_page.figure("batches").value, team_page.figure("batches").previous) == (2, 1)
    assert (team_page.figure("letters_printed").value, team_page.figure("letters_printed").previous) == (3, 1)
    # The whole town counts the other team's letter in the batch of 28 March too.
    town = outbox.section(Query(period=MARCH))
    assert [row.values for row in town.table("batches").rows] == [[2], [2]]


def test_the_whole_town_counts_every_message_to_residents(outbox_month):
    town = outbox.section(Query(period=MARCH))
    assert town.figure("messages").value == 13
    assert _rows(town.table("channel"))["Courriel"] == [5, 1]


def test_another_team_sees_none_of_these_messages(outbox_month):
    other = Team.objects.get(slug="urbanisme")
    section = outbox.section(Query(period=MARCH, team_ids=(other.pk,)))
    assert section.figure("messages").value == 0 and section.table("batches").rows == []


def test_every_kind_of_record_the_demo_messages_are_about_has_a_team(db):
    """A message about a kind of record missing from the list would count on no team's page."""
    kinds = set(Message.objects.exclude(related_type="").values_list("related_type", flat=True))
    assert kinds, "the demo town's messages are about records"
    assert kinds <= {model._meta.label_lower for model in outbox.ABOUT_TEAM_RECORDS}
