"""The retention framework: one rule per kind of personal data, one command, floors that
refuse a typo, a journal entry per purge, figures unchanged by a purge, no orphan file,
and the register of processing activities generated from the rules."""

import datetime
import io
import os

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from relais.accounts.models import Team
from relais.cases.models import DONE_STATUSES, Case, Document
from relais.cases.selectors import case_counts
from relais.core import retention
from relais.core.models import AuditEvent, Channel, Person
from relais.core.uploads import remove_files_never_committed
from relais.mandates.models import Mandate
from relais.mediation.models import Accompaniment, Appointment, Registration, Workshop
from relais.mutualaid.models import Badge, DecisionAction, Listing, ModerationDecision, Suspension
from relais.mutualaid.selectors import outcome_counts, statistics
from relais.notifications.models import Message, MessageStatus

YEARS_LATER = datetime.timedelta(days=20 * 365)


def _figures() -> dict:
    teams = list(Team.objects.values_list("pk", flat=True))
    return {
        "cases": case_counts(),
        "board": statistics(teams),
        "outcomes": outcome_counts(),
        "accompaniments": Accompaniment.objects.count(),
        "minutes": sum(Accompaniment.objects.values_list("duration", flat=True)),
        "appointments": Appointment.objects.count(),
        "registrations": Registration.objects.count(),
        "seats": list(Workshop.objects.order_by("pk").values_list("confirmed_count", flat=True)),
    }


# --- configuration ------------------------------------------------------------------------------


def test_every_kind_of_personal_data_has_one_rule():
    kinds = [r.kind for r in retention.rules()]
    assert kinds == [
        "cases.drafts", "cases.closed", "cases.page_feedback_digests", "cases.page_feedback_comments", "mediation", "mutualaid", "mutualaid.moderation", "mandates", "messages",
        "api.idempotent_replies", "api.webhook_deliveries", "people",
        "files.orphans", "audit",
    ]  # fmt: skip


def test_a_period_under_its_floor_refuses_to_start(settings):
    settings.RELAIS_RETENTION = {"RELAIS_CASES_RETENTION_DAYS": 30}
    with pytest.raises(ImproperlyConfigured, match="RELAIS_CASES_RETENTION_DAYS is 30.*at least 365 days"):
        retention.check_configuration()
    with pytest.raises(CommandError, match="at least 365 days"):
        call_command("retention_purge", stdout=io.StringIO())


def test_a_variable_naming_no_kind_is_refused(settings):
    settings.RELAIS_RETENTION = {"RELAIS_CASE_RETENTION_DAYS": 400}  # a typo: CASES
    assert retention.configuration_problems() == [
        "RELAIS_CASE_RETENTION_DAYS names no kind of data (known: "
        + ", ".join(sorted(r.setting for r in retention.rules()))
        + ")"
    ]


def test_a_configured_period_replaces_the_default(settings):
    settings.RELAIS_RETENTION = {"RELAIS_MESSAGES_RETENTION_DAYS": 200}
    assert retention.rule("messages").days == 200
    assert retention.rule("cases.closed").days == 3 * 365


# --- the command --------------------------------------------------------------------------------


def test_every_purge_refuses_a_period_under_its_floor_and_touches_nothing(db):
    before = AuditEvent.objects.count()
    for r in retention.rules():
        with pytest.raises(retention.RetentionRefused, match=f"at least {r.floor_days} days"):
            retention.purge(r.kind, days=r.floor_days - 1)
    with pytest.raises(CommandError, match="kept at least 180 days"):
        call_command("audit_purge", "--days", "0")
    with pytest.raises(CommandError, match="kept at least 7 days"):
        call_command("drafts_purge", "--days", "0")
    assert AuditEvent.objects.count() == before


def test_each_purge_writes_its_own_journal_entry(db):
    out = io.StringIO()
    call_command("retention_purge", stdout=out)
    entries = AuditEvent.objects.filter(action="core.retention.purged").order_by("pk")
    assert [e.details["kind"] for e in entries] == [r.kind for r in retention.rules()]
    first = entries[0].details
    assert set(first) == {"kind", "action", "count", "days", "cutoff"} and first["days"] == 30
    assert len(out.getvalue().splitlines()) == len(retention.rules())


def test_a_dry_run_counts_and_writes_nothing(db):
    old_sent = _old_message(days=400)
    before = AuditEvent.objects.count()
    out = io.StringIO()
    call_command("retention_purge", "--dry-run", "--kind", "messages", stdout=out)
    assert "messages: " in out.getvalue() and "would be removed" in out.getvalue()
    assert Message.objects.filter(pk=old_sent.pk).exists() and AuditEvent.objects.count() == before


# --- statistics survive -------------------------------------------------------------------------


def test_figures_shown_to_staff_are_the_same_after_every_purge(db):
    """Twenty years later, every rule has removed or anonymised the demo's records: the
    figures by form, channel, month, status, outcome, the mediation counts and the seat
    counters are unchanged."""
    for listing in Listing.objects.filter(status="published")[:2]:
        Listing.objects.filter(pk=listing.pk).update(status="closed", outcome="worked", closed_at=timezone.now())
    Case.objects.filter(status__in=DONE_STATUSES, closed_at__isnull=True).update(closed_at=timezone.now())
    closed = Case.objects.filter(status__in=DONE_STATUSES).count()
    listings_over = Listing.objects.exclude(status__in=["published", "pending"]).count()
    assert closed and listings_over
    suspended = _suspension(ended_days_ago=10)
    before = _figures()
    outcomes = retention.purge_all(now=timezone.now() + YEARS_LATER)
    done = {o.kind: o.count for o in outcomes}
    assert done["cases.closed"] == closed and done["mutualaid"] == listings_over and done["mediation"] > 0
    assert done["mutualaid.moderation"] >= 2 and done["messages"] > 0
    assert not Case.objects.filter(status__in=DONE_STATUSES).exists()
    assert not Suspension.objects.filter(pk=suspended.pk).exists()
    # Nothing left names a person past the period: no booking, no message in a final state.
    assert not Appointment.objects.filter(person__isnull=False).exists()
    assert not Registration.objects.filter(person__isnull=False).exists()
    assert not Message.objects.exclude(status__in=[MessageStatus.QUEUED, MessageStatus.HELD]).exists()
    assert _figures() == before
    # A second run finds nothing left to do. (Files go when the purge commits, which this
    # test's transaction never does: the swept files are still on disk, counted again.)
    again = {o.kind: o.count for o in retention.purge_all(now=timezone.now() + YEARS_LATER)}
    assert {kind: n for kind, n in again.items() if n and kind not in ("audit", "files.orphans")} == {}


# --- rules, one by one --------------------------------------------------------------------------


def _old_message(*, days, status=MessageStatus.SENT):
    person = Person.objects.filter(email__gt="").first()
    message = Message.objects.create(
        person=person, channel="email", to_email=person.email, template="x", subject="Objet", body="Texte",
        status=status,
    )  # fmt: skip
    Message.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days),
        sent_at=timezone.now() - datetime.timedelta(days=days) if status == MessageStatus.SENT else None,
    )
    return message


def test_old_sent_messages_go_and_queued_ones_stay(db):
    old_sent, recent = _old_message(days=400), _old_message(days=10)
    old_queued = _old_message(days=400, status=MessageStatus.QUEUED)
    retention.purge("messages")
    assert not Message.objects.filter(pk=old_sent.pk).exists()
    assert Message.objects.filter(pk__in=[recent.pk, old_queued.pk]).count() == 2


def _counter_person(name, *, days=400):
    person = Person.objects.create(last_name=name, created_via=Channel.COUNTER)
    then = timezone.now() - datetime.timedelta(days=days)
    Person.objects.filter(pk=person.pk).update(created_at=then, updated_at=then)
    return person


def _message_to(person, *, days, status, **fields):
    message = Message.objects.create(
        person=person, channel="letter", to_address="1 rue de la Mairie", template="x", subject="Objet",
        body="Texte", status=status, **fields,
    )  # fmt: skip
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - datetime.timedelta(days=days))
    return message


def test_old_messages_in_every_final_state_go_queued_and_held_ones_stay(db):
    from relais.notifications.models import LetterBatch

    person = _counter_person("Courrier")
    batch = LetterBatch.objects.create()  # printed, never posted
    LetterBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - datetime.timedelta(days=400))
    gone = [
        _message_to(person, days=400, status=status)
        for status in (MessageStatus.CANCELLED, MessageStatus.EXPIRED, MessageStatus.FAILED)
    ] + [_message_to(person, days=400, status=MessageStatus.PRINTED, batch=batch)]
    kept = [_message_to(person, days=400, status=status) for status in (MessageStatus.QUEUED, MessageStatus.HELD)]
    kept.append(_message_to(person, days=10, status=MessageStatus.CANCELLED))
    retention.purge("messages")
    assert not Message.objects.filter(pk__in=[m.pk for m in gone]).exists()
    assert not LetterBatch.objects.filter(pk=batch.pk).exists()
    assert Message.objects.filter(pk__in=[m.pk for m in kept]).count() == 3


def test_a_person_whose_only_messages_were_cancelled_goes(db):
    person = _counter_person("Annulee")
    _message_to(person, days=400, status=MessageStatus.CANCELLED)
    _message_to(person, days=400, status=MessageStatus.EXPIRED)
    retention.purge("messages")
    retention.purge("people")
    assert not Person.objects.filter(pk=person.pk).exists()


def test_a_fallback_chain_goes_whole_or_stays_whole(db):
    person = _counter_person("Relance")
    original = _message_to(person, days=400, status=MessageStatus.FAILED)
    copy = _message_to(person, days=400, status=MessageStatus.CANCELLED, fallback_of=original)
    waiting = _message_to(person, days=400, status=MessageStatus.FAILED)
    queued_copy = _message_to(person, days=400, status=MessageStatus.QUEUED, fallback_of=waiting)
    first = _message_to(person, days=400, status=MessageStatus.FAILED)
    second = _message_to(person, days=400, status=MessageStatus.FAILED, fallback_of=first)
    recent_third = _message_to(person, days=10, status=MessageStatus.SENT, fallback_of=second)
    assert retention.purge("messages", dry_run=True).count == 2
    retention.purge("messages")
    assert not Message.objects.filter(pk__in=[original.pk, copy.pk]).exists()
    kept = [waiting, queued_copy, first, second, recent_third]
    assert Message.objects.filter(pk__in=[m.pk for m in kept]).count() == 5


def _suspension(*, ended_days_ago=None, person=None):
    from relais.accounts.models import User

    person = person or _counter_person("Suspendu")
    moderator = User.objects.filter(is_staff=True).first() or User.objects.first()
    team = Team.objects.first()
    start = timezone.now() - datetime.timedelta(days=(ended_days_ago or 0) + 30)
    ends = None if ended_days_ago is None else timezone.now() - datetime.timedelta(days=ended_days_ago)
    suspension = Suspension.objects.create(
        person=person, team=team, reason="Arnaque signalée par trois voisins.", starts_at=start, ends_at=ends,
        created_by=moderator,
    )  # fmt: skip
    ModerationDecision.objects.create(
        team=team, person=person, action=DecisionAction.SUSPEND, reason="Arnaque.", decided_by=moderator,
        decided_at=start,
    )  # fmt: skip
    return suspension


def test_moderation_history_goes_once_over_and_then_the_person(db):
    from relais.accounts.models import User

    over = _suspension(ended_days_ago=400)
    Badge.objects.create(person=over.person, given_by=User.objects.first(), given_at=over.starts_at)
    recent = _suspension(ended_days_ago=10)
    for_ever = _suspension()
    Suspension.objects.filter(pk=for_ever.pk).update(starts_at=timezone.now() - datetime.timedelta(days=900))
    ModerationDecision.objects.filter(person=for_ever.person).update(
        decided_at=timezone.now() - datetime.timedelta(days=900)
    )
    on_the_board = Listing.objects.first().posted_by
    badge = Badge.objects.filter(person=on_the_board).first() or Badge.objects.create(
        person=on_the_board, given_by=User.objects.first()
    )
    Badge.objects.filter(pk=badge.pk).update(given_at=timezone.now() - datetime.timedelta(days=900))
    assert retention.purge("mutualaid.moderation").count == 3  # suspension, badge, decision
    assert not Suspension.objects.filter(pk=over.pk).exists()
    assert not ModerationDecision.objects.filter(person=over.person).exists()
    assert not Badge.objects.filter(person=over.person).exists()
    assert Suspension.objects.filter(pk__in=[recent.pk, for_ever.pk]).count() == 2
    assert ModerationDecision.objects.filter(person__in=[recent.person, for_ever.person]).count() == 2
    assert Badge.objects.filter(pk=badge.pk).exists()  # still on the board
    retention.purge("people")
    assert not Person.objects.filter(pk=over.person.pk).exists()
    assert Person.objects.filter(pk__in=[recent.person.pk, for_ever.person.pk]).count() == 2


def _mandate(person, team, user, *, ended_days_ago, scan=False):
    ended = timezone.now() - datetime.timedelta(days=ended_days_ago)
    mandate = Mandate.objects.create(
        person=person, team=team, duration="1y", consent_method="paper", consent_text="J'accepte.",
        consent_text_version="1", created_by=user, activated_at=ended - datetime.timedelta(days=365),
        expires_at=ended,
    )  # fmt: skip
    if scan:
        mandate.paper_scan.save("mandat.pdf", ContentFile(b"%PDF-1.4 %%EOF"), save=True)
    return mandate


def test_consent_proof_is_kept_five_years_after_the_mandate_ends(db, administrator):
    person = Person.objects.create(last_name="Aidée", created_via=Channel.COUNTER)
    team = Team.objects.first()
    gone = _mandate(person, team, administrator, ended_days_ago=6 * 365, scan=True)
    scan = gone.paper_scan.name
    kept = _mandate(person, team, administrator, ended_days_ago=4 * 365)
    with transaction.atomic():
        retention.purge("mandates")
    assert not Mandate.objects.filter(pk=gone.pk).exists() and Mandate.objects.filter(pk=kept.pk).exists()
    assert AuditEvent.objects.filter(action="mandates.mandate.purged", person_id=person.pk).exists()
    assert retention.rule("mandates").floor_days == 5 * 365
    # the scan goes when the transaction commits (the test's own transaction never does)
    assert default_storage.exists(scan)
    default_storage.delete(scan)


def test_a_mandate_a_kept_request_was_filed_under_stays(db, administrator):
    case = Case.objects.filter(acting_under__isnull=False).first() or Case.objects.first()
    mandate = _mandate(case.person, case.team, administrator, ended_days_ago=6 * 365)
    Case.objects.filter(pk=case.pk).update(acting_under=mandate, status="in_progress")
    retention.purge("mandates")
    assert Mandate.objects.filter(pk=mandate.pk).exists()


def test_people_with_nothing_left_go_and_the_others_stay(db):
    long_ago = timezone.now() - datetime.timedelta(days=400)
    alone = Person.objects.create(last_name="Seule", created_via=Channel.COUNTER)
    with_case = Case.objects.first().person
    Person.objects.filter(pk__in=[alone.pk, with_case.pk]).update(created_at=long_ago, updated_at=long_ago)
    count = retention.purge("people").count
    assert count >= 1 and not Person.objects.filter(pk=alone.pk).exists()
    assert Person.objects.filter(pk=with_case.pk).exists()
    assert AuditEvent.objects.filter(action="core.person.deleted", person_id=alone.pk).exists()


# --- files --------------------------------------------------------------------------------------


def _age(name, days):
    path = default_storage.path(name)
    past = (timezone.now() - datetime.timedelta(days=days)).timestamp()
    os.utime(path, (past, past))


def test_the_purge_sweeps_files_no_row_points_at(db, django_capture_on_commit_callbacks):
    orphan = default_storage.save("cases/2026-09999/orphelin", ContentFile(b"%PDF-1.4"))
    fresh = default_storage.save("cases/2026-09999/en-cours", ContentFile(b"%PDF-1.4"))
    document = Document.objects.exclude(file="").first()
    if document is None:
        case = Case.objects.first()
        document = Document(case=case, name="p.pdf", content_type="application/pdf", size=8, sha256="0" * 64)
        document.file.save("p.pdf", ContentFile(b"%PDF-1.4"), save=True)
    _age(orphan, 3)
    _age(document.file.name, 3)
    assert retention.orphan_files(timezone.now() - datetime.timedelta(days=1)) == [orphan]
    with django_capture_on_commit_callbacks(execute=True):
        retention.purge("files.orphans")
    assert not default_storage.exists(orphan)
    assert default_storage.exists(fresh) and default_storage.exists(document.file.name)
    default_storage.delete(fresh)


def test_a_file_written_by_a_failed_request_is_removed(db, django_capture_on_commit_callbacks):
    remove_files_never_committed()  # what earlier tests left (their transactions never commit)
    with pytest.raises(RuntimeError), transaction.atomic():
        failed = default_storage.save("cases/echec/piece", ContentFile(b"%PDF-1.4"))
        raise RuntimeError("the request fails after writing its file")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        kept = default_storage.save("cases/reussi/piece", ContentFile(b"%PDF-1.4"))
    assert remove_files_never_committed() == 1
    assert not default_storage.exists(failed) and default_storage.exists(kept)
    default_storage.delete(kept)


# --- the register of processing activities ------------------------------------------------------


def test_the_register_lists_every_kind_with_its_purpose_basis_and_period(admin_client, settings):
    settings.RELAIS_RETENTION = {"RELAIS_MESSAGES_RETENTION_DAYS": 200}
    response = admin_client.get("/gestion/registre-des-traitements/")
    page = response.content.decode()
    assert response.status_code == 200
    for r in retention.rules():
        assert str(r.label) in page.replace("&#x27;", "'") and r.setting in page
    assert "200 jours" in page and "Base légale" in page and "article 2224 du Code civil" not in page
    assert "Mandats terminés ou révoqués" in page


def test_the_register_prints_as_a_pdf(admin_client):
    response = admin_client.get("/gestion/registre-des-traitements/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_only_administrators_see_the_register(reception_client):
    assert reception_client.get("/gestion/registre-des-traitements/").status_code == 404


def test_residents_read_how_long_their_information_is_kept(client, settings, db):
    settings.RELAIS_RETENTION = {"RELAIS_MESSAGES_RETENTION_DAYS": 180}
    page = client.get("/donnees-personnelles/").content.decode().replace("&#x27;", "'")
    assert "Demandes terminées, leurs échanges et leurs documents : 3 ans, depuis la clôture" in page
    assert "courriers) et lots de courriers imprimés : 6 mois" in page
    assert "Mandats terminés ou révoqués et la preuve du consentement : 5 ans" in page


def test_a_backlog_goes_in_short_batches_each_journaled(db, monkeypatch):
    from relais.cases.models import Draft, Form

    monkeypatch.setattr(retention, "BATCH_SIZE", 2)
    form = Form.objects.first()
    drafts = [Draft.objects.create(form=form) for _ in range(5)]
    Draft.objects.filter(pk__in=[d.pk for d in drafts]).update(updated_at=timezone.now() - datetime.timedelta(days=60))
    before = Draft.objects.filter(case__isnull=True, updated_at__lt=timezone.now() - datetime.timedelta(days=30))
    expected = before.count()
    assert retention.purge("cases.drafts").count == expected
    counts = [e.details["count"] for e in AuditEvent.objects.filter(action="core.retention.purged").order_by("pk")]
    assert sum(counts) == expected and max(counts) == 2 and not before.exists()


def test_old_sent_messages_go_in_batches_copies_before_originals(db, monkeypatch):
    monkeypatch.setattr(retention, "BATCH_SIZE", 1)
    original = _old_message(days=400, status=MessageStatus.FAILED)
    copy = _old_message(days=400)
    Message.objects.filter(pk=copy.pk).update(fallback_of=original)
    retention.purge("messages")
    assert not Message.objects.filter(pk__in=[original.pk, copy.pk]).exists()


def test_two_machines_purging_at_once_count_each_request_once(throwaway_database_url, tmp_path):
    """1 200 requests, 1 080 closed 4 years ago; two processes purge at the same instant:
    every closed request is removed once and counted once in the anonymous counts."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": throwaway_database_url,
        "RELAIS_VAR_DIR": str(tmp_path),
    }
    completed = subprocess.run(
        [sys.executable, "-m", "tests.core.retention_worker", "--processes", "2", "--cases", "1200"],
        cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["errors"] == [] and result["due"] == 1080
    assert sum(result["removed"]) == 1080 and result["retained"] == 1080
    assert result["left"] == 120 and result["same_figures"] is True
