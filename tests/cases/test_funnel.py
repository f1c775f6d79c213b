"""The per-form funnel (cases.funnel): counts per day, step and device class, against a
scripted set of drafts; no cookie, no identifier, nothing counted twice."""

import datetime
import re
import uuid
from collections import Counter

import pytest
from django.urls import reverse
from django.utils import timezone

from relais.accounts.models import User
from relais.cases import funnel, services, views_public
from relais.cases.models import STEP_TIME_FIELDS, Case, Draft, Form, FunnelDay
from relais.core.models import Channel
from relais.core.services import person_for_account

CONTACT = {"first_name": "Lina", "last_name": "Haddad", "preferred_channel": "email", "email": "lina@example.org"}
# rendez-vous-ccas, one question per page, visitor without an account:
CCAS_STEPS = ["start", "q:motif", "q:precisions", "q:moments", "contact", "check", "sent"]
ANSWERS = [{"motif": "Logement"}, {"precisions": "Mon propriétaire veut vendre."}, {"moments": ["Le matin"]}]


def reached(form, device=None) -> Counter:
    rows = FunnelDay.objects.filter(form=form)
    if device is not None:
        rows = rows.filter(device=device)
    totals = Counter()
    for row in rows:
        totals[row.step] += row.reached
    return +totals  # zero counts left out


def buckets(form, step) -> dict:
    rows = FunnelDay.objects.filter(form=form, step=step)
    return {f: sum(getattr(r, f) for r in rows) for f in STEP_TIME_FIELDS if sum(getattr(r, f) for r in rows)}


def start(client, form, **headers) -> str:
    response = client.post(reverse("cases:start", args=[form.slug]), **headers)
    assert response.status_code == 302
    return response["Location"]


def walk(client, form, *, answers=3, contact=False, send=False) -> tuple[Draft, str]:
    """A resident starts the CCAS form and goes as far as told; returns the draft and the
    last page's address (shown)."""
    url = start(client, form)
    client.get(url)
    for answer in ANSWERS[:answers]:
        url = client.post(url, answer)["Location"]
        client.get(url)
    if contact:
        url = client.post(url, CONTACT)["Location"]
        client.get(url)
    if send:
        client.post(url)
    return Draft.objects.get(key=url.split("/")[3]), url


@pytest.fixture(autouse=True)
def _no_demo_counts(request):
    """The demo town comes with funnel counts (stats demo); these tests count their own."""
    if not {"db", "client", "ccas_form"} & set(request.fixturenames):
        return  # a test without the database
    FunnelDay.objects.all().delete()


@pytest.fixture
def funnel_off(settings):
    settings.RELAIS = {**settings.RELAIS, "FUNNEL": False}


def test_the_view_steps_follow_the_funnel_steps_for_every_form(db):
    """One path for everybody; a visitor with an account has no "contact" page."""
    for form in Form.objects.all():
        names = funnel.steps_of(form)
        assert names[0] == "start" and names[-3:] == ["contact", "check", "sent"]
        for signed_in in (False, True):
            user = User(email="x@example.org") if signed_in else type("Anonymous", (), {"is_authenticated": False})()
            pages = views_public._steps(form, user)
            expected = [n for n in names[1:-1] if not (signed_in and n == "contact")]
            assert len(pages) == len(expected), form.slug
            for (page, _n), name in zip(pages, expected, strict=True):
                assert page == "question" if name.startswith("q:") or name == "questions" else page == name


def test_counts_of_scripted_drafts_abandoned_at_a_question_at_check_and_sent(client, ccas_form):
    walk(client, ccas_form, answers=1)  # stops on question 2
    walk(client, ccas_form, answers=3)  # stops on the contact page
    walk(client, ccas_form, answers=3, contact=True)  # stops on "check your answers"
    draft, _url = walk(client, ccas_form, answers=3, contact=True, send=True)
    assert funnel.steps_of(ccas_form) == CCAS_STEPS
    assert reached(ccas_form) == {
        "start": 4,
        "q:motif": 4,
        "q:precisions": 4,
        "q:moments": 3,
        "contact": 3,
        "check": 2,
        "sent": 1,
    }
    draft.refresh_from_db()
    # Sent: nothing about the visit stays on the draft beside the case.
    assert draft.case_id and (draft.funnel_step, draft.funnel_at, draft.device, draft.resumed) == ("", None, "", False)
    # Counted under the day the draft was started, device unknown (no hint told).
    assert set(FunnelDay.objects.values_list("day", "device")) == {(timezone.localdate(), "")}


def test_a_page_shown_again_going_back_or_failing_validation_counts_once(client, ccas_form):
    url = start(client, ccas_form)
    first_question = url
    client.get(url)
    client.post(url, {})  # an error: the page is shown again
    url = client.post(url, ANSWERS[0])["Location"]
    client.get(url)
    client.get(url)  # reloaded
    client.get(first_question)  # back to question 1
    url = client.post(first_question, ANSWERS[0])["Location"]
    client.get(url)
    assert reached(ccas_form) == {"start": 1, "q:motif": 1, "q:precisions": 1}


def test_double_clicked_steps_and_a_double_sent_draft_count_once(client, ccas_form):
    draft, check_url = walk(client, ccas_form, answers=3, contact=True)
    # Two requests that read the same draft before either counted (a double click, two
    # tabs): the compare-and-set lets one count.
    stale = [Draft.objects.get(pk=draft.pk) for _ in range(2)]
    Draft.objects.filter(pk=draft.pk).update(funnel_step="contact")
    FunnelDay.objects.filter(form=ccas_form, step="check").update(reached=0)
    for copy in stale:
        copy.funnel_step = "contact"
        funnel.step_shown(copy, "check")
    assert reached(ccas_form)["check"] == 1
    first, second = client.post(check_url), client.post(check_url)
    assert first["Location"] == second["Location"]
    assert Case.objects.filter(person__email="lina@example.org").count() == 1
    assert reached(ccas_form)["sent"] == 1


def test_skipped_steps_count_as_reached(client, ccas_form):
    url = start(client, ccas_form)
    draft = Draft.objects.get()
    client.get(reverse("cases:contact", args=[ccas_form.slug, draft.key]))  # a link kept from before
    assert reached(ccas_form) == {"start": 1, "q:motif": 1, "q:precisions": 1, "q:moments": 1, "contact": 1}
    client.get(url)
    assert reached(ccas_form)["q:motif"] == 1


def test_time_on_a_step_goes_to_its_bucket(client, ccas_form):
    url = start(client, ccas_form)
    client.get(url)
    draft = Draft.objects.get()
    Draft.objects.filter(pk=draft.pk).update(funnel_at=timezone.now() - datetime.timedelta(seconds=90))
    url = client.post(url, ANSWERS[0])["Location"]
    client.get(url)
    Draft.objects.filter(pk=draft.pk).update(funnel_at=timezone.now() - datetime.timedelta(minutes=40))
    client.post(url, ANSWERS[1])
    client.get(reverse("cases:question", args=[ccas_form.slug, draft.key, 3]))
    assert buckets(ccas_form, "q:motif") == {"under_2m": 1}
    assert buckets(ccas_form, "q:precisions") == {"under_1h": 1}
    assert buckets(ccas_form, "start") == {}  # the redirect to question 1 is not a page read


@pytest.mark.parametrize(
    ("seconds", "field"),
    [(0, "under_30s"), (29, "under_30s"), (30, "under_1m"), (299, "under_5m"), (3599, "under_1h"), (86400, "longer")],
)
def test_time_buckets(seconds, field):
    assert funnel.time_bucket(seconds) == field


def test_a_draft_reopened_after_a_pause_counts_as_resumed_once(client, ccas_form):
    draft, url = walk(client, ccas_form, answers=1)
    client.get(url)  # same visit: not resumed
    assert "resumed" not in reached(ccas_form)
    later = timezone.now() - funnel.RESUME_AFTER - datetime.timedelta(minutes=1)
    Draft.objects.filter(pk=draft.pk).update(updated_at=later, funnel_at=later)
    client.get(url)
    client.get(url)
    assert reached(ccas_form)["resumed"] == 1
    draft.refresh_from_db()
    assert draft.resumed
    Draft.objects.filter(pk=draft.pk).update(updated_at=later, funnel_at=later)
    client.get(url)  # a second pause: still one resumed draft
    assert reached(ccas_form)["resumed"] == 1 and reached(ccas_form)["q:precisions"] == 1


def test_the_client_hint_tells_the_device_and_no_image_is_needed(client, ccas_form):
    url = start(client, ccas_form, HTTP_SEC_CH_UA_MOBILE="?1")
    page = client.get(url).content.decode()
    assert Draft.objects.get().device == "phone"
    assert "<picture" not in page and "indice" not in page
    assert reached(ccas_form, "phone") == {"start": 1, "q:motif": 1}
    start(client, ccas_form, HTTP_SEC_CH_UA_MOBILE="?0")
    assert reached(ccas_form, "large") == {"start": 1, "q:motif": 1}  # where the start page leads


def test_the_pages_of_a_request_write_nothing_when_shown(client, ccas_form):
    """A step is counted by the POST that leads to it, in the transaction that saves the
    answer: showing the next page is a read (the funnel never slows a page down)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = start(client, ccas_form, HTTP_SEC_CH_UA_MOBILE="?1")
    for answer in ANSWERS:
        with CaptureQueriesContext(connection) as shown:
            assert client.get(url).status_code == 200
        writes = [
            q["sql"] for q in shown.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
        ]
        writes = [sql for sql in writes if "relais_cache" not in sql]  # the footer's shared cache, warmed once
        assert writes == [], writes
        url = client.post(url, answer)["Location"]
    assert reached(ccas_form, "phone") == {"start": 1, "q:motif": 1, "q:precisions": 1, "q:moments": 1, "contact": 1}


def test_the_device_image_sets_the_device_once_and_moves_the_counts(client, ccas_form):
    draft, url = walk(client, ccas_form, answers=0)  # the image comes with the first page
    page = client.get(url).content.decode()
    [picture] = re.findall(r"<picture.*?</picture>", page, re.S)
    phone = re.search(r'media="\(max-width: 40em\)" srcset="([^"]+)"', picture).group(1)
    large = re.search(r'<img src="([^"]+)" alt="" width="1" height="1"', picture).group(1)
    assert phone.endswith("/indice/phone.gif") and large.endswith("/indice/large.gif")
    assert 'aria-hidden="true"' in picture and "tabindex" not in picture
    before = reached(ccas_form)
    response = client.get(phone)
    assert response.status_code == 200 and response["Content-Type"] == "image/gif"
    assert response.content == funnel.TRANSPARENT_GIF and response["Cache-Control"] == "no-store"
    assert not response.cookies
    draft.refresh_from_db()
    assert draft.device == "phone"
    assert reached(ccas_form) == before  # totals unchanged
    assert reached(ccas_form, "phone") == before and reached(ccas_form, "") == {}
    client.get(large)  # a second fetch (another width) changes nothing
    draft.refresh_from_db()
    assert draft.device == "phone" and reached(ccas_form, "phone") == before
    assert "<picture" not in client.get(url).content.decode()
    url = client.post(url, ANSWERS[0])["Location"]
    client.get(url)
    assert reached(ccas_form, "phone")["q:precisions"] == 1 and reached(ccas_form, "") == {}


def test_the_device_image_moves_a_resumed_count_too(client, ccas_form):
    draft, url = walk(client, ccas_form, answers=0)
    later = timezone.now() - funnel.RESUME_AFTER * 2
    Draft.objects.filter(pk=draft.pk).update(updated_at=later, funnel_at=later)
    client.get(url)
    client.get(reverse("cases:device_hint", args=[ccas_form.slug, draft.key, "large"]))
    assert reached(ccas_form, "large")["resumed"] == 1 and reached(ccas_form, "") == {}


def test_a_bad_device_image_address_gets_the_same_image_and_stores_nothing(client, ccas_form):
    sent, _url = walk(client, ccas_form, answers=3, contact=True, send=True)
    draft, _url = walk(client, ccas_form, answers=1)
    before = list(FunnelDay.objects.order_by("pk").values())
    for slug, key, device in [
        (ccas_form.slug, uuid.uuid4(), "phone"),  # unknown draft
        (ccas_form.slug, sent.key, "phone"),  # sent draft
        (ccas_form.slug, draft.key, "tablet"),  # bad name
        (ccas_form.slug, "not-a-key", "phone"),
        ("listes-electorales", draft.key, "phone"),  # another form
    ]:
        response = client.get(f"/demandes/{slug}/{key}/indice/{device}.gif")
        assert response.status_code == 200 and response.content == funnel.TRANSPARENT_GIF
    assert list(FunnelDay.objects.order_by("pk").values()) == before
    assert set(Draft.objects.values_list("device", flat=True)) == {""}


def test_recording_off_counts_nothing_and_shows_no_image(client, ccas_form, funnel_off):
    draft, url = walk(client, ccas_form, answers=3, contact=True)
    assert "<picture" not in client.get(url).content.decode()
    client.post(url)
    client.get(reverse("cases:device_hint", args=[ccas_form.slug, draft.key, "phone"]))
    assert not FunnelDay.objects.exists()
    draft.refresh_from_db()
    assert draft.case_id and draft.funnel_at is None and draft.funnel_step == "" and draft.device == ""


def test_drafts_started_while_recording_was_off_are_never_counted(client, ccas_form, settings):
    settings.RELAIS = {**settings.RELAIS, "FUNNEL": False}
    url = start(client, ccas_form)
    settings.RELAIS = {**settings.RELAIS, "FUNNEL": True}
    client.get(url)
    assert not FunnelDay.objects.exists()


def _cookies_of_whole_path(client, form) -> set[str]:
    names = set()
    url = reverse("cases:start", args=[form.slug])
    for method, data in [("get", None), ("post", None)]:
        response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
        names |= set(response.cookies)
    url = response["Location"]
    for answer in [*ANSWERS, CONTACT]:
        response = client.get(url)
        names |= set(response.cookies)
        for image in re.findall(r'<img src="([^"]+\.gif)"', response.content.decode()):  # a large screen
            hint = client.get(image)
            assert not hint.cookies
            names |= set(hint.cookies)
        response = client.post(url, answer)
        names |= set(response.cookies)
        url = response["Location"]
    names |= set(client.get(url).cookies)
    response = client.post(url)
    names |= set(response.cookies)
    assert Case.objects.filter(person__email="lina@example.org").exists()
    names |= set(client.get(response["Location"]).cookies)
    return names


def test_the_funnel_adds_no_cookie_to_an_anonymous_residents_path(client, ccas_form, settings):
    with_funnel = _cookies_of_whole_path(client, ccas_form)
    assert FunnelDay.objects.filter(step="sent", device="large").exists()  # the image was fetched
    # The forms' own strictly necessary cookies (CSRF protection, the one-off "sent" message)
    # and nothing else: no session, nothing from the funnel (compared without it below).
    assert with_funnel <= {"csrftoken", "messages"}, with_funnel
    settings.RELAIS = {**settings.RELAIS, "FUNNEL": False}
    client.cookies.clear()
    Case.objects.all().delete()
    # Only the form's own cookies (CSRF, the "sent" flash message), the same without the funnel.
    assert with_funnel == _cookies_of_whole_path(client, ccas_form)


def test_online_attempt_is_set_only_for_the_same_person_who_started_the_form(db, ccas_form, reception_agent):
    started = User.objects.create_user(email="samir@example.org", password="x" * 12)
    other = User.objects.create_user(email="autre@example.org", password="x" * 12)
    first = services.draft_start(form=ccas_form, user=started, data={})
    Draft.objects.filter(pk=first.pk).update(created_at=timezone.now() - datetime.timedelta(days=3))
    services.draft_start(form=ccas_form, user=started, data={})
    services.draft_start(form=ccas_form, user=other, data={})
    services.draft_start(form=Form.objects.get(slug="listes-electorales"), user=other, data={})

    def record(user, channel=Channel.COUNTER, recorded_by=reception_agent):
        return services.case_submit(
            form=ccas_form,
            person=person_for_account(user=user),
            answers={"motif": "Logement", "moments": ["Le matin"]},
            channel=channel,
            recorded_by=recorded_by,
        )

    assert record(started).online_attempt_at == Draft.objects.get(pk=first.pk).created_at
    third = User.objects.create_user(email="jamais@example.org", password="x" * 12)
    assert record(third).online_attempt_at is None  # no draft of their own
    assert record(other).online_attempt_at is not None  # their own CCAS draft
    # Sent online by the person themself: not "filed through a person".
    online = record(started, channel=Channel.ONLINE, recorded_by=None)
    assert online.online_attempt_at is None


def test_a_form_edited_under_an_open_draft_counts_no_step_twice_and_none_below_zero(client, ccas_form):
    """The furthest step is kept by name: a question added before it does not shift it."""
    draft, url = walk(client, ccas_form, answers=1)  # on question 2 ("q:precisions")
    from django.db.models import F

    ccas_form.fields.update(position=F("position") + 1)
    ccas_form.fields.create(key="nouveau", label="Une question ajoutée", kind="text", required=False, position=0)
    client.get(url)  # reloaded after the edit
    client.get(reverse("cases:device_hint", args=[ccas_form.slug, draft.key, "phone"]))
    counts = FunnelDay.objects.filter(form=ccas_form)
    assert all(row.reached >= 0 for row in counts)
    assert reached(ccas_form)["q:precisions"] == 1 and "q:nouveau" not in reached(ccas_form)
    draft.refresh_from_db()
    assert draft.device == "phone"  # the class holds for what is counted from now on


def test_a_resident_who_logs_in_midway_is_counted_on_the_same_path(client, ccas_form):
    url = start(client, ccas_form)
    for answer in ANSWERS:
        url = client.post(url, answer)["Location"]
    user = User.objects.create_user(email="midway@example.org", password="x-Very-long-passphrase-1")
    client.force_login(user)
    client.get(url)  # the contact page sends a signed-in visitor on to the check page
    assert reached(ccas_form)["contact"] == 1
    assert reached(ccas_form).get("check", 0) <= 1
