"""core.plainsql.joined_rows: what select_related gives, in plain SQL (the memberships every
page of a logged-in user reads)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from relais.accounts.models import Membership, Role, Team, User
from relais.accounts.permissions import memberships_of, team_ids
from relais.core.plainsql import joined_rows


def _as_orm(user) -> list[tuple]:
    rows = Membership.objects.filter(user=user, team__is_active=True).select_related("team").order_by("team__name")
    return [_described(m) for m in rows]


def _described(m: Membership) -> tuple:
    team = m.team
    return (m.pk, m.user_id, m.role, m.created_at, team.pk, team.name, team.kind, team.is_active, team.created_at)


def test_the_memberships_are_those_the_orm_reads_typed_alike_teams_attached(manager):
    extra = Team.objects.create(name="Aaa première équipe", slug="aaa")
    Membership.objects.create(user=manager, team=extra, role=Role.CASE_WORKER)
    closed = Team.objects.create(name="Équipe dissoute", slug="dissoute", is_active=False)
    Membership.objects.create(user=manager, team=closed, role=Role.MANAGER)
    user = User.objects.get(pk=manager.pk)
    with CaptureQueriesContext(connection) as queries:
        found = memberships_of(user)
        described = [_described(m) for m in found]  # the teams are read with them: no query
    assert len(queries) == 1
    assert described == _as_orm(manager) and len(described) >= 2
    assert described[0][5] == "Aaa première équipe"  # by team name
    assert closed.pk not in team_ids(user)  # a closed team gives no right
    membership = found[0]
    assert membership.team.is_active is True and membership.created_at.tzinfo is not None
    assert not membership._state.adding and membership._state.db == "default"
    membership.role = Role.MANAGER
    membership.save()  # a row read this way is saved as one the ORM read
    assert Membership.objects.get(pk=membership.pk).role == Role.MANAGER


def test_a_user_without_a_team_has_no_membership(db):
    resident = User.objects.get(email="marie.dupont@example.org")
    assert memberships_of(resident) == []


def test_a_chain_of_keys_is_joined_as_select_related_joins_it(db):
    from relais.mediation.models import Registration
    from relais.mediation.services import workshops
    from tests.mediation.conftest import contact, make_workshop

    made = workshops.registration_create_online(workshop=make_workshop(), user=None, contact=contact("chain"))
    orm = Registration.objects.select_related("workshop__place").get(pk=made.pk)
    with CaptureQueriesContext(connection) as queries:
        (found,) = joined_rows(Registration, "workshop__place", "a.token = %s", [made.token])
        place = found.workshop.place  # attached: no query
    assert len(queries) == 1
    assert (found.pk, found.status, found.queued_at, found.workshop.title, place.nom, place.pk) == (
        orm.pk, orm.status, orm.queued_at, orm.workshop.title, orm.workshop.place.nom, orm.workshop.place_id
    )  # fmt: skip
    assert place.services == orm.workshop.place.services and found.workshop.published is True  # JSON, booleans
    assert joined_rows(Registration, "workshop__place", "a.token = %s", ["no such token"]) == []


def test_an_empty_nullable_key_gives_none_and_the_rows_are_still_found(db):
    from relais.mediation.models import Workshop
    from tests.mediation.conftest import make_workshop

    without, with_advisor = make_workshop(), make_workshop()
    advisor = User.objects.filter(is_staff=False).exclude(memberships=None).first()
    Workshop.objects.filter(pk=with_advisor.pk).update(advisor=advisor)
    found = joined_rows(Workshop, "advisor", "a.id IN (%s, %s)", [without.pk, with_advisor.pk], order_by=("a.id",))
    assert [w.pk for w in found] == [without.pk, with_advisor.pk]
    assert found[0].advisor is None and found[1].advisor == advisor


def test_rows_attached_as_a_prefetch_are_read_without_a_query_and_filter_as_one(db):
    from relais.core.plainsql import attach_rows
    from relais.mediation.models import Workshop, WorkshopSession
    from tests.mediation.conftest import make_workshop

    workshop = Workshop.objects.get(pk=make_workshop(sessions=3).pk)
    rows = joined_rows(WorkshopSession, "", "a.workshop_id = %s", [workshop.pk], order_by=("a.starts_at",))
    attach_rows(workshop, "sessions", rows)
    with CaptureQueriesContext(connection) as queries:
        listed = list(workshop.sessions.all())
        assert listed[0].workshop is workshop  # each points back
        assert workshop.sessions.count() == 3
    assert len(queries) == 0 and listed == list(WorkshopSession.objects.filter(workshop=workshop).order_by("starts_at"))
    # Filtered further, a query of its own, on this workshop's sessions only.
    make_workshop(sessions=2)
    assert workshop.sessions.filter(starts_at__gte=listed[1].starts_at).count() == 2


def _orm_insert_calls(monkeypatch) -> list:
    from django.db.models.sql.compiler import SQLInsertCompiler

    calls, real = [], SQLInsertCompiler.execute_sql
    monkeypatch.setattr(SQLInsertCompiler, "execute_sql", lambda self, *a, **k: calls.append(1) or real(self, *a, **k))
    return calls


def _saved_by_the_orm(obj) -> None:
    from unittest import mock

    from django.db import models

    from relais.core.plainsql import PlainInsert

    with mock.patch.object(PlainInsert, "_do_insert", lambda self, *args: models.Model._do_insert(self, *args)):
        obj.save()


def _stored(obj) -> dict:
    row = type(obj).objects.filter(pk=obj.pk).values().get()
    import datetime

    # Each row its own moment of saving: a moment, aware, in place of each.
    return {
        k: (("aware moment" if v.tzinfo else "naive moment") if isinstance(v, datetime.datetime) else v)
        for k, v in row.items()
        if k not in ("id", "token", "submission_key")
    }


def test_the_rows_a_registration_writes_are_inserted_in_plain_sql_and_read_back_as_the_orms(db, monkeypatch):
    import uuid

    from relais.core.models import AuditEvent, Person
    from relais.mediation.models import Registration
    from relais.notifications.models import Message
    from tests.mediation.conftest import make_workshop

    def person():
        return Person(
            first_name="Zoé", last_name="N'Guyen", email="zoe@example.org", preferred_channel="email",
            birth_year=1950, large_print=True, submission_key=uuid.uuid4(),
        )  # fmt: skip

    workshop = make_workshop()
    calls = _orm_insert_calls(monkeypatch)
    plain, orm = person(), person()
    plain.save()
    assert calls == []  # no compiler
    _saved_by_the_orm(orm)
    assert calls == [1]
    assert plain.pk and plain.pk != orm.pk and not plain._state.adding
    assert _stored(plain) == _stored(orm) and _stored(plain)["search_text"]  # the model's own save() ran
    rows = []
    for writer in (lambda o: o.save(), _saved_by_the_orm):
        registration = Registration(workshop=workshop, person=plain if not rows else orm, status="waitlisted")
        writer(registration)
        message = Message(
            person=registration.person, channel="email", template="mediation_registration_waitlisted",
            attachments=[{"filename": "a.ics"}], related_type="mediation.registration",
            related_id=str(registration.pk), dedupe_key=f"test-{registration.pk}",
        )  # fmt: skip
        writer(message)
        entry = AuditEvent(action="core.person.viewed", person_id=registration.person_id, ip="2001:db8::1",
                           details={"é": [1, "deux"]})  # fmt: skip
        writer(entry)
        rows.append([_stored(registration), _stored(message), _stored(entry)])
    for (reg_a, msg_a, entry_a), (reg_b, msg_b, entry_b) in [rows]:
        assert {**reg_a, "person_id": 0} == {**reg_b, "person_id": 0}
        assert {**msg_a, "person_id": 0, "related_id": 0, "dedupe_key": 0} == {
            **msg_b,
            "person_id": 0,
            "related_id": 0,
            "dedupe_key": 0,
        }
        chain = {"person_id": 0, "chain_position": 0, "chain_mac": 0}  # each its place in the chain
        assert {**entry_a, **chain} == {**entry_b, **chain}
        assert (entry_a["chain_position"] is None) == (entry_b["chain_position"] is None)  # sealed alike
    assert msg_a["attachments"] == [{"filename": "a.ics"}] and entry_a["details"] == {"é": [1, "deux"]}
    assert calls == [1, 1, 1, 1]  # only the three saved through the ORM on purpose


def test_a_value_the_plain_statement_cannot_write_goes_through_the_orm(db, monkeypatch):
    from django.db.models.functions import Now

    from relais.mediation.models import Registration
    from tests.mediation.conftest import make_person, make_workshop

    workshop, person = make_workshop(), make_person("expression")
    calls = _orm_insert_calls(monkeypatch)
    registration = Registration(workshop=workshop, person=person, status="waitlisted", queued_at=Now())
    registration.save()
    assert calls == [1] and Registration.objects.get(pk=registration.pk).queued_at is not None


def test_a_raw_save_goes_through_the_orm(db, monkeypatch):
    """Fixtures load with `raw` saves (no pre_save): the ORM writes those."""
    from django.utils import timezone

    from relais.core.models import Person

    calls = _orm_insert_calls(monkeypatch)
    now = timezone.now()
    person = Person(last_name="BRUT", preferred_channel="letter", address="1 rue", postal_code="75001")
    person.created_at = person.updated_at = now  # a fixture brings its dates
    person.save_base(raw=True)
    assert calls == [1] and Person.objects.get(pk=person.pk).last_name == "BRUT"


def test_every_model_read_in_plain_sql_has_a_default_manager_that_filters_nothing():
    """The plain reads query the table itself: a default manager that hid rows (soft-deleted
    ones, say) would be bypassed there, and the plain read would differ from the ORM's."""
    from relais.accounts.models import Membership, Team
    from relais.core.models import AuditEvent, Person
    from relais.directory.models import Place
    from relais.mediation.models import Registration, Workshop, WorkshopSession

    for model in (Membership, Team, Registration, Workshop, WorkshopSession, Place, Person, AuditEvent):
        assert not model._default_manager.all().query.where, model
