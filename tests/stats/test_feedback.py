"""Procedures to simplify (issue 16): the ranking on a hand-made data set, the funnel, the
"needed a person" and page-answer figures, suppression outside the staff area, who sees
which form, and the monthly digest."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from relais.accounts.models import Role, Team, User
from relais.cases.models import Case, Correction, Form, FormField, FunnelDay, PageFeedback
from relais.core.audit import audit_log
from relais.core.models import AuditEvent, Person
from relais.directory.models import Procedure
from relais.mediation.choices import ADMIN_THEME
from relais.mediation.models import Accompaniment
from relais.notifications.models import Message
from relais.stats.digest import build, feedback_digest, month_period
from relais.stats.figures import SUPPRESSED, published
from relais.stats.filters import Period, Query
from relais.stats.journal import Action
from relais.stats.selectors import feedback
from tests.conftest import make_member, staff_client

MARCH = Period(datetime.date(2019, 3, 1), datetime.date(2019, 3, 31))
FEBRUARY = Period(datetime.date(2019, 2, 1), datetime.date(2019, 2, 28))


def _at(month, day, hour=10):
    return timezone.make_aware(datetime.datetime(2019, month, day, hour))


def _funnel(form, step, n, *, day=datetime.date(2019, 3, 5), device="", **buckets):
    FunnelDay.objects.create(form=form, day=day, device=device, step=step, reached=n, **buckets)


def _answers(form, yes, no, *, reason="not_understood", procedure=None, day=datetime.date(2019, 3, 6), comment=""):
    for i in range(yes + no):
        PageFeedback.objects.create(
            page_key=f"form:{form.pk}" if form else f"fiche:{procedure.pk}", form=form, procedure=procedure,
            day=day, useful=i < yes, reason="" if i < yes else reason, comment=comment if i == 0 else "",
            visitor_digest=f"v{i}",
        )  # fmt: skip


@pytest.fixture
def town(db):
    """Team "Jardins", March 2019 (February is the previous period):

    - "Végétaliser": 100 drafts started, 20 sent (drop-off 80 %); 20 requests, 10 through a
      person (50 %): score 65.
    - "Composteur": 100 started, 90 sent (10 %); 20 requests, 2 through a person (10 %): score 10.
    - "Ruches": 10 page answers, 8 "no" (80 %): score 80.
    - "Mare": a single "no": too little to score, listed last.
    """
    team = Team.objects.create(name="Service des jardins", slug="jardins")
    manager = make_member("chef-jardins@valbrenne.fr", "jardins", Role.MANAGER)
    agent = make_member("agent-jardins@valbrenne.fr", "jardins", Role.CASE_WORKER)
    organisation = Procedure.objects.first().organisation
    fiche = Procedure.objects.create(slug="vegetaliser-fiche", title="Végétaliser sa rue", summary="…",
                                     organisation=organisation)  # fmt: skip
    forms = {
        slug: Form.objects.create(slug=slug, title=title, intro="…", team=team)
        for slug, title in (("vegetaliser", "Végétaliser"), ("composteur", "Composteur"), ("ruches", "Ruches"),
                            ("mare", "Mare"))
    }  # fmt: skip
    forms["vegetaliser"].procedure = fiche
    forms["vegetaliser"].save()
    FormField.objects.create(form=forms["vegetaliser"], key="adresse", label="Votre adresse", kind="text", position=0)
    person = Person.objects.create(first_name="Rose", last_name="Jardin")
    numbers = iter(range(1, 1000))

    def cases(form, n, helped, **extra):
        made = []
        for i in range(n):
            made.append(
                Case.objects.create(
                    reference=f"2019-8{next(numbers):04d}",
                    form=form,
                    team=team,
                    person=person,
                    channel="counter" if i < helped else "online",
                    submitted_at=_at(3, 10),
                    status="submitted",
                    due_date=datetime.date(2019, 4, 1),
                    **extra,
                )  # fmt: skip
            )
        return made

    _funnel(forms["vegetaliser"], "start", 60, device="phone", under_30s=10, under_2m=40, under_1h=10)
    _funnel(forms["vegetaliser"], "start", 40, device="large")
    _funnel(forms["vegetaliser"], "q:adresse", 50, device="phone", under_5m=50)
    _funnel(forms["vegetaliser"], "contact", 30)
    _funnel(forms["vegetaliser"], "check", 25)
    _funnel(forms["vegetaliser"], "sent", 20, device="phone")
    _funnel(forms["vegetaliser"], "resumed", 7)
    _funnel(forms["composteur"], "start", 100)
    _funnel(forms["composteur"], "sent", 90)
    made = cases(forms["vegetaliser"], 20, 9)
    # One online request linked to an accompaniment about administrative procedures: 10 helped.
    _accompaniment(team, made[-1])
    # Filed through a person 2 and 4 days after a first online attempt: median 3 days.
    Case.objects.filter(pk=made[0].pk).update(online_attempt_at=_at(3, 8))
    Case.objects.filter(pk=made[1].pk).update(online_attempt_at=_at(3, 6))
    for c in made[:3]:
        Correction.objects.create(
            case=c, field_key="adresse", label="Votre adresse", reason="…", requested_by=agent, created_at=_at(3, 12)
        )
    cases(forms["composteur"], 20, 2)
    _answers(forms["ruches"], 2, 8, comment="Je n'ai pas compris le ***")
    _answers(forms["mare"], 0, 1)
    _answers(None, 1, 2, procedure=fiche, reason="missing_document")
    audit_log(actor=manager, action="directory.procedure.updated", obj=fiche)
    return {"team": team, "forms": forms, "fiche": fiche, "manager": manager}


def _accompaniment(team, case):
    from relais.accounts.models import Membership

    advisor = Membership.objects.filter(role=Role.ADVISOR).first().user
    fields = {f.name for f in Accompaniment._meta.get_fields()}
    values = {
        "team": team,
        "case": case,
        "date": datetime.date(2019, 3, 10),
        "themes": [ADMIN_THEME],
        "place_type": "remote",
    }
    if "advisor" in fields:
        values["advisor"] = advisor
    if "duration" in fields:
        values["duration"] = 30
    return Accompaniment.objects.create(**values)


def _query(town, period=MARCH):
    return Query(period=period, team_ids=(town["team"].pk,))


def test_ranking_order_on_a_hand_made_data_set(town):
    items = feedback.ranking(_query(town))
    assert [i.title for i in items] == ["Ruches", "Végétaliser", "Composteur", "Mare"]
    scores = {i.title: i.now.score for i in items}
    assert scores == {"Ruches": 80.0, "Végétaliser": 65.0, "Composteur": 10.0, "Mare": None}
    vegetaliser = items[1]
    assert (vegetaliser.now.started, vegetaliser.now.sent, vegetaliser.now.cases, vegetaliser.now.helped) == (
        100, 20, 20, 10
    )  # fmt: skip
    # The fiche's answers count with its form's (too few to score).
    assert (vegetaliser.now.yes, vegetaliser.now.no) == (1, 2)
    assert vegetaliser.now.top_reasons() == [("Il me manque un document", 2)]
    # The fiche was changed today, after March 2019: no mark yet; this year, one.
    assert vegetaliser.last_edit is None
    this_year = Query(period=Period(timezone.localdate().replace(month=1, day=1), timezone.localdate()),
                      team_ids=(town["team"].pk,))  # fmt: skip
    assert next(i for i in feedback.ranking(this_year) if i.title == "Végétaliser").last_edit is not None
    # Nothing in February: the previous period is empty.
    assert vegetaliser.before.started == 0 and vegetaliser.before.score is None


def test_one_answer_never_tops_the_list(town):
    _answers(town["forms"]["mare"], 0, 1, day=datetime.date(2019, 3, 7))
    assert feedback.ranking(_query(town))[-1].title == "Mare"
    assert "Mare" not in [i.title for i in feedback.ranking(_query(town), include_unscored=False)]


def test_funnel_steps_drop_offs_median_times_devices_and_resumed(town):
    item = feedback.item_for(feedback.FORM, town["forms"]["vegetaliser"].pk, _query(town))
    detail = feedback.detail(_query(town), item)
    steps = {r["step"]: r for r in detail.steps}
    assert [r["step"] for r in detail.steps] == ["start", "q:adresse", "contact", "check", "sent", "resumed"]
    assert steps["start"]["reached"] == 100 and steps["start"]["stopped"] == 50
    assert steps["start"]["median"] == "moins de 2 min"
    assert steps["q:adresse"]["label"] == "Question « Votre adresse »"
    # Signed-in visitors pass "contact" without a page: those who stop there have no account.
    assert steps["q:adresse"]["stopped"] == 20 and steps["contact"]["stopped"] == 5
    assert steps["check"]["stopped"] == 5 and steps["sent"]["stopped"] is None
    assert steps["resumed"]["reached"] == 7
    devices = {r.code: r.values for r in detail.section.table("devices").rows}
    assert devices == {"unknown": [0, 0], "phone": [60, 20], "large": [40, 0]}
    assert detail.section.figure("resumed").value == 7


def test_needed_a_person_questions_asked_back_and_attempt_delay(town):
    item = feedback.item_for(feedback.FORM, town["forms"]["vegetaliser"].pk, _query(town))
    section = feedback.detail(_query(town), item).section
    assert section.figure("need_share").value == 50.0
    assert [(r.label, r.values) for r in section.table("questions").rows] == [("Votre adresse", [3])]
    # Two requests only: the median delay is computed, and never published.
    assert section.figure("attempt_days").value == 3.0
    assert published(section).figure("attempt_days").value is SUPPRESSED
    # A request at the counter that also had an accompaniment counts once.
    _accompaniment(town["team"], Case.objects.filter(form=item.form_id, channel="counter").first())
    assert next(i for i in feedback.ranking(_query(town)) if i.pk == item.pk).now.helped == 10


def test_page_answers_reasons_and_comments(town):
    item = feedback.item_for(feedback.FORM, town["forms"]["ruches"].pk, _query(town))
    detail = feedback.detail(_query(town), item)
    assert detail.section.figure("answers").value == 10
    assert detail.section.figure("not_useful").value == 80.0
    assert detail.reasons == [("Je n'ai pas compris", 8)]
    assert [c[3] for c in detail.comments] == ["Je n'ai pas compris le ***"]


def test_published_suppresses_counts_under_5(town):
    item = feedback.item_for(feedback.FORM, town["forms"]["vegetaliser"].pk, _query(town))
    section = feedback.published_detail(_query(town), item)
    questions = section.table("questions")
    assert questions.rows[0].values == [SUPPRESSED]
    answers = section.figure("answers")
    assert answers.value is SUPPRESSED
    ranking = published(feedback.section(_query(town)))
    cells = {r.code: r.values for r in ranking.table("answers").rows}
    assert cells[f"demarche:{town['forms']['vegetaliser'].pk}"][0] is SUPPRESSED
    # …and a second cell with it (secondary suppression), so that no total gives it back.
    assert cells[f"demarche:{town['forms']['ruches'].pk}"][0] is SUPPRESSED
    started = {r.code: r.values for r in ranking.table("started").rows}
    assert started[f"demarche:{town['forms']['composteur'].pk}"][0] == 100


def test_a_previous_period_weeks_before_counts_only_its_own_days(town):
    """1-10 March against 1-10 February: a request of 20 February is in neither period."""
    team = town["team"]
    Case.objects.create(
        reference="2019-79999", form=town["forms"]["composteur"], team=team, person=Person.objects.first(),
        channel="counter", submitted_at=_at(2, 20), status="submitted", due_date=datetime.date(2019, 3, 1),
    )  # fmt: skip
    Case.objects.create(
        reference="2019-79998", form=town["forms"]["composteur"], team=team, person=Person.objects.first(),
        channel="counter", submitted_at=_at(2, 5), status="submitted", due_date=datetime.date(2019, 3, 1),
    )  # fmt: skip
    early = Query(period=Period(datetime.date(2019, 3, 1), datetime.date(2019, 3, 10)), team_ids=(team.pk,))
    composteur = next(i for i in feedback.ranking(early) if i.title == "Composteur")
    assert (composteur.now.cases, composteur.before.cases, composteur.before.helped) == (20, 1, 1)


def test_edit_markers_on_the_timeline(town):
    item = feedback.item_for(feedback.FORM, town["forms"]["vegetaliser"].pk, _query(town))
    this_month = Period(timezone.localdate().replace(day=1), timezone.localdate())
    marks = feedback.edit_marks(item, this_month)
    assert [label for _at, label in marks] == ["Fiche modifiée"]
    months = feedback.detail(Query(period=this_month, team_ids=(town["team"].pk,)), item).section.table("months")
    assert months.rows[-1].values[-1].startswith("Modifiée le \u2066")
    page = staff_client(town["manager"]).get(_url("stats:simplify_detail", "demarche", item.pk)).content.decode()
    assert "Fiche modifiée le" in page
    assert feedback.edit_marks(item, MARCH) == []


def test_query_count_does_not_grow_with_the_number_of_forms(town, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        feedback.ranking(Query(period=MARCH))
    for i in range(30):
        form = Form.objects.create(slug=f"plus-{i}", title=f"Plus {i}", intro="…", team=town["team"])
        _funnel(form, "start", 12)
        _answers(form, 5, 6)
    with django_assert_max_num_queries(8):
        assert len(feedback.ranking(Query(period=MARCH))) >= 34


# ---------------------------------------------------------------- pages and permissions


def _url(name, *args, **params):
    from django.utils.http import urlencode

    return reverse(name, args=args) + ("?" + urlencode(params) if params else "")


MARCH_FILTERS = {"period": "custom", "start": "2019-03-01", "end": "2019-03-31"}


def test_the_manager_sees_their_forms_and_the_administrator_everything(town):
    manager = staff_client(town["manager"])
    page = manager.get(_url("stats:simplify", **MARCH_FILTERS)).content.decode()
    assert page.index("Ruches") < page.index("Végétaliser") < page.index("Composteur")
    assert "Mare" in page
    admin = staff_client(User.objects.get(email="admin@valbrenne.fr"))
    page = admin.get(_url("stats:simplify", **MARCH_FILTERS)).content.decode()
    assert "Ruches" in page and reverse("cases:form_edit", args=["ruches"]) in page
    assert AuditEvent.objects.filter(action=Action.SIMPLIFY_VIEWED).count() == 2


def test_another_teams_form_is_a_404_and_other_roles_are_refused(town):
    other = make_member("chef-autre@valbrenne.fr", "etat-civil", Role.MANAGER)
    url = _url("stats:simplify_detail", "demarche", town["forms"]["ruches"].pk)
    assert staff_client(other).get(url).status_code == 404
    assert staff_client(town["manager"]).get(url).status_code == 200
    for email in ("etat-civil@valbrenne.fr", "accueil@valbrenne.fr", "conseiller@valbrenne.fr", "elu@valbrenne.fr"):
        client = staff_client(User.objects.get(email=email))
        assert client.get(url).status_code == 404, email
        assert client.get(reverse("stats:simplify")).status_code == 404, email


def test_a_fiche_with_a_form_opens_the_forms_page_and_comments_are_journaled(town):
    manager = staff_client(town["manager"])
    response = manager.get(_url("stats:simplify_detail", "fiche", town["fiche"].pk, **MARCH_FILTERS))
    assert response.status_code == 302
    assert response["Location"].startswith(
        reverse("stats:simplify_detail", args=["demarche", town["forms"]["vegetaliser"].pk])
    )
    page = manager.get(_url("stats:simplify_detail", "demarche", town["forms"]["ruches"].pk, **MARCH_FILTERS))
    assert "Je n&#x27;ai pas compris le ***" in page.content.decode()
    entry = AuditEvent.objects.get(action=Action.FEEDBACK_VIEWED)
    assert len(entry.details["comments"]) == 1


def test_bad_filters_keep_the_page_without_figures(town):
    manager = staff_client(town["manager"])
    response = manager.get(_url("stats:simplify", period="custom", start="2019-03-31", end="2019-03-01"))
    assert response.status_code == 200
    assert "Le dernier jour est avant le premier" in response.content.decode()


# ---------------------------------------------------------------- the monthly digest


def test_digest_content_recipients_and_idempotence(town):
    digests = {d.email: d for d in build(MARCH)}
    mine = digests["chef-jardins@valbrenne.fr"]
    assert [i.title for i in mine.items] == ["Ruches", "Végétaliser", "Composteur"]
    assert "Ruches : indice 80 sur 100" in mine.body
    assert reverse("stats:simplify_detail", args=["demarche", town["forms"]["ruches"].pk]) in mine.body
    assert "admin@valbrenne.fr" in digests
    # Managers of teams with nothing to report, and other roles, get nothing.
    assert "responsable@valbrenne.fr" not in digests
    assert "etat-civil@valbrenne.fr" not in digests and "agent-jardins@valbrenne.fr" not in digests
    before = Message.objects.count()
    feedback_digest(month="2019-03")
    sent = Message.objects.count() - before
    assert sent == len(digests)
    call_command("feedback_digest", month="2019-03", stdout=open("/dev/null", "w"))
    assert Message.objects.count() - before == sent
    message = Message.objects.get(to_email="chef-jardins@valbrenne.fr")
    assert message.subject == "Démarches à simplifier : mars 2019"


def test_digest_dry_run_sends_nothing_and_default_month_is_the_last_one(town):
    before = Message.objects.count()
    call_command("feedback_digest", month="2019-03", dry_run=True, stdout=open("/dev/null", "w"))
    assert Message.objects.count() == before
    assert month_period(today=datetime.date(2019, 4, 10)) == MARCH


# ---------------------------------------------------------------- review defects


@pytest.fixture
def two_teams(db):
    """Team X's form "FormX" (no fiche) and team Y's form "FormY" linked to the fiche "Fiche Y",
    whose form page got 12 "no" answers in March, one with a comment."""
    tx = Team.objects.create(name="Team X", slug="tx")
    ty = Team.objects.create(name="Team Y", slug="ty")
    mx = make_member("mx@valbrenne.fr", "tx", Role.MANAGER)
    organisation = Procedure.objects.first().organisation
    py = Procedure.objects.create(slug="fiche-y", title="Fiche Y", summary="…", organisation=organisation)
    fx = Form.objects.create(slug="form-x", title="FormX", intro="…", team=tx)
    fy = Form.objects.create(slug="form-y", title="FormY", intro="…", team=ty, procedure=py)
    for i in range(12):
        PageFeedback.objects.create(
            page_key=f"form:{fy.pk}", form=fy, procedure=py, day=datetime.date(2019, 3, 6), useful=False,
            reason="other", comment="SECRET-Y comment" if i == 0 else "", visitor_digest=f"v{i}",
        )  # fmt: skip
    return {"tx": tx, "ty": ty, "mx": mx, "py": py, "fx": fx, "fy": fy}


def _requests(form, team, n, *, helped, channel_helped="counter"):
    person = Person.objects.first()
    start = Case.objects.count()
    for i in range(n):
        Case.objects.create(
            reference=f"2019-9{start + i:04d}", form=form, team=team, person=person,
            channel=channel_helped if i < helped else "online", submitted_at=_at(3, 10), status="submitted",
            due_date=datetime.date(2019, 4, 1),
        )  # fmt: skip


@pytest.mark.parametrize(
    ("requests", "helped", "published_score"),
    [
        (12, 1, None),  # 8.3 next to "12" would give the 1 back
        (12, 11, None),  # …and so would 91.7 (1 filed online)
        (20, 10, 50.0),  # 10 and 10: both sides may be published
    ],
)
def test_published_score_never_gives_a_small_count_back(two_teams, requests, helped, published_score):
    _requests(two_teams["fx"], two_teams["tx"], requests, helped=helped)
    query = Query(period=MARCH, team_ids=(two_teams["tx"].pk,))
    # The staff ranking still scores it…
    assert feedback.ranking(query)[0].now.score == round(100 * helped / requests, 1)
    section = published(feedback.section(query))
    key = f"demarche:{two_teams['fx'].pk}"
    score = {r.code: r.values[0] for r in section.table("score").rows}[key]
    need = {r.code: r.values[0] for r in section.table("need_share").rows}[key]
    assert score == published_score
    assert need == published_score


def test_section_totals_count_unscored_forms_too(two_teams):
    """3 requests at the counter: too few to score the form, still 3 requests received."""
    _requests(two_teams["fx"], two_teams["tx"], 3, helped=3)
    section = feedback.section(Query(period=MARCH, team_ids=(two_teams["tx"].pk,)))
    assert section.figure("cases").value == 3
    assert section.figure("helped").value == 3
    assert section.table("score").rows == []


def test_a_fiche_moved_to_another_teams_form_does_not_bring_its_answers(two_teams):
    fx, fy, py = two_teams["fx"], two_teams["fy"], two_teams["py"]
    fy.procedure = None
    fy.save()
    fx.procedure = py
    fx.save()
    # A "no" on the fiche's own page, after the move: it is about X's form now.
    PageFeedback.objects.create(
        page_key=f"fiche:{py.pk}", procedure=py, day=datetime.date(2019, 3, 7), useful=False, reason="other",
        comment="Fiche page comment", visitor_digest="w1",
    )  # fmt: skip
    query = Query(period=MARCH, team_ids=(two_teams["tx"].pk,))
    (item,) = feedback.ranking(query)
    assert (item.title, item.now.no, item.now.answers) == ("FormX", 1, 1)
    detail = feedback.detail(query, feedback.item_for(feedback.FORM, fx.pk, query))
    assert [c[3] for c in detail.comments] == ["Fiche page comment"]
    assert detail.section.figure("answers").value == 1
    page = staff_client(two_teams["mx"]).get(_url("stats:simplify_detail", "demarche", fx.pk, **MARCH_FILTERS))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Fiche page comment" in body and "SECRET-Y" not in body
    # Town-wide, Y's answers stay with Y's form.
    town_wide = {i.title: i.now.answers for i in feedback.ranking(Query(period=MARCH, team_ids=None))}
    assert town_wide["FormY"] == 12 and town_wide["FormX"] == 1


def test_comments_on_the_staff_page_keep_their_lines_and_direction(two_teams):
    fy = two_teams["fy"]
    PageFeedback.objects.filter(comment__startswith="SECRET").update(comment="السطر الأول 2019-0042\nDeuxième ligne")
    manager = make_member("my@valbrenne.fr", "ty", Role.MANAGER)
    body = staff_client(manager).get(_url("stats:simplify_detail", "demarche", fy.pk, **MARCH_FILTERS)).content
    body = body.decode()
    assert '<div dir="auto">' in body
    assert "<br>" in body.split('<div dir="auto">', 1)[1].split("</div>", 1)[0]


def test_digest_tells_managers_whom_to_ask_for_changes_and_administrators_where_to_make_them(town):
    digests = {d.email: d.body for d in build(MARCH)}
    assert "adressez-vous à un administrateur" in digests["chef-jardins@valbrenne.fr"]
    assert "liens pour modifier" not in digests["chef-jardins@valbrenne.fr"]
    assert "liens pour modifier les fiches" in digests["admin@valbrenne.fr"]


def test_a_month_not_over_is_refused(town):
    from django.core.management.base import CommandError

    today = timezone.localdate()
    before = Message.objects.count()
    with pytest.raises(CommandError, match="not over yet"):
        call_command("feedback_digest", month=f"{today:%Y-%m}", stdout=open("/dev/null", "w"))
    with pytest.raises(CommandError, match="not over yet"):
        call_command("feedback_digest", month=f"{today.year + 1}-01", stdout=open("/dev/null", "w"))
    assert Message.objects.count() == before


def test_two_digest_runs_at_once_queue_one_message_per_recipient(db):
    """The second run's check saw no message yet; its insert meets the first one's."""
    from unittest import mock

    from django.db.models import QuerySet

    from relais.notifications.services import send_email

    first = send_email(to="chef@valbrenne.fr", subject="Digest", body="…", dedupe_key="feedback-digest-test")
    with mock.patch.object(QuerySet, "first", return_value=None):
        second = send_email(to="chef@valbrenne.fr", subject="Digest", body="…", dedupe_key="feedback-digest-test")
    assert second.pk == first.pk
    assert Message.objects.filter(dedupe_key="feedback-digest-test").count() == 1
