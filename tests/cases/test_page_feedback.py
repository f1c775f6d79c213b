""" "Cette page vous a-t-elle été utile ?" on fiches and request pages (cases.feedback,
cases.views_feedback): what a resident sees and what is stored, bad input included."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from relais.accounts.models import User
from relais.cases import feedback
from relais.cases.models import Draft, FeedbackReason, Form, PageFeedback
from relais.core import retention
from relais.directory.models import Procedure
from tests.routes import RESIDENT_EMAIL

pytestmark = pytest.mark.django_db

ANSWER = "/avis/"


@pytest.fixture(autouse=True)
def _no_demo_answers():
    """The demo town comes with page answers (stats demo); these tests count their own."""
    PageFeedback.objects.all().delete()


def _fiche(slug="carte-identite") -> Procedure:
    return Procedure.objects.get(slug=slug)


def _answer(client, page, useful="non", **extra):
    return client.post(ANSWER, {"page": page, "useful": useful, **extra})


def _token(response) -> str:
    assert response.status_code == 303, response.status_code
    match = re.fullmatch(r"/avis/([^/]+)/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def _no_cookie(response):
    assert not response.cookies, dict(response.cookies)
    assert "Set-Cookie" not in response


# ---------------------------------------------------------------- the widget on the pages


def test_a_fiche_asks_whether_it_was_useful_without_a_csrf_token_or_a_cookie(client):
    fiche = _fiche()
    response = client.get(fiche.get_absolute_url())
    html = response.content.decode()
    assert "Cette page vous a-t-elle été utile ?" in html
    assert f'name="page" value="fiche:{fiche.slug}"' in html
    assert 'name="useful" value="oui"' in html and 'name="useful" value="non"' in html
    assert "csrfmiddlewaretoken" not in html  # the fiche stays in the anonymous page cache
    _no_cookie(response)


def test_each_page_of_a_request_carries_its_draft_and_step(client, ccas_form):
    assert 'value="start"' in client.get(ccas_form.get_absolute_url()).content.decode()
    draft = Draft.objects.create(form=ccas_form)
    pages = {
        reverse("cases:question", args=[ccas_form.slug, draft.key, 2]): "question-2",
        reverse("cases:contact", args=[ccas_form.slug, draft.key]): "contact",
        reverse("cases:check", args=[ccas_form.slug, draft.key]): "check",
    }
    for url, step in pages.items():
        html = client.get(url).content.decode()
        assert f'name="page" value="form:{ccas_form.slug}"' in html, url
        assert f'name="draft" value="{draft.key}"' in html, url
        assert f'name="step" value="{step}"' in html, url


def test_request_pages_with_fields_say_that_oui_non_does_not_save_what_was_typed(client, ccas_form):
    note = "Vos réponses de cette page ne sont enregistrées que par le bouton « Continuer »."
    draft = Draft.objects.create(form=ccas_form)
    for name, args, shown in [
        ("cases:question", [ccas_form.slug, draft.key, 2], True),
        ("cases:contact", [ccas_form.slug, draft.key], True),
        ("cases:check", [ccas_form.slug, draft.key], False),
    ]:
        html = client.get(reverse(name, args=args)).content.decode()
        assert (note in html) is shown, name
        if shown:
            assert ">Continuer</button>" in html, name  # the button the note names
    assert note not in client.get(ccas_form.get_absolute_url()).content.decode()
    assert note not in client.get(_fiche().get_absolute_url()).content.decode()


# ---------------------------------------------------------------- answering


def test_yes_on_a_fiche_is_counted_and_thanked_with_a_way_back_and_no_cookie(client):
    fiche = _fiche()
    response = _answer(client, f"fiche:{fiche.slug}", "oui")
    _no_cookie(response)
    token = _token(response)
    answer = PageFeedback.objects.get(token=token)
    assert (answer.useful, answer.procedure, answer.form, answer.page_key) == (True, fiche, None, f"fiche:{fiche.pk}")
    assert len(answer.visitor_digest) == 64 and answer.draft_key is None
    page = client.get(response["Location"])
    _no_cookie(page)
    html = page.content.decode()
    assert page.status_code == 200 and "Merci pour votre réponse" in html
    assert f'href="{fiche.get_absolute_url()}"' in html
    assert page["X-Robots-Tag"] == "noindex" and 'content="noindex"' in html
    assert "no-cache" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]


def test_answering_again_the_same_day_changes_the_answer_rather_than_counting_twice(client):
    page = f"fiche:{_fiche().slug}"
    first = _token(_answer(client, page, "oui"))
    second = _token(_answer(client, page, "non"))
    assert PageFeedback.objects.count() == 1
    answer = PageFeedback.objects.get()
    assert answer.useful is False and answer.token == first == second
    # Another connection is another answer.
    _answer(Client(REMOTE_ADDR="203.0.113.50"), page, "oui")
    assert PageFeedback.objects.count() == 2


def test_a_new_answer_from_a_shared_connection_never_shows_the_previous_comment(client):
    page = f"fiche:{_fiche().slug}"
    token = _token(_answer(client, page, "non"))
    client.post(f"/avis/{token}/", {"reason": FeedbackReason.OTHER, "comment": "Trop long à lire"})
    again = _token(_answer(client, page, "non"))  # the next visitor of the library's computer
    html = client.get(f"/avis/{again}/").content.decode()
    assert "Trop long à lire" not in html
    assert PageFeedback.objects.get().comment == ""


def test_one_answer_per_draft_whatever_the_step_it_comes_from(client, ccas_form):
    draft = Draft.objects.create(form=ccas_form)
    page = f"form:{ccas_form.slug}"
    _answer(client, page, "oui", draft=str(draft.key), step="question-1")
    token = _token(_answer(client, page, "non", draft=str(draft.key), step="check"))
    answer = PageFeedback.objects.get()
    assert (answer.draft_key, answer.step, answer.useful, answer.form) == (draft.key, "check", False, ccas_form)
    assert answer.procedure == ccas_form.procedure and answer.visitor_digest == ""
    html = client.get(f"/avis/{token}/").content.decode()
    assert reverse("cases:check", args=[ccas_form.slug, draft.key]) in html  # back to that page


@pytest.mark.parametrize("step", ["<script>", "question-0", "question-999", "x" * 500])
def test_a_step_that_is_not_one_is_dropped(client, ccas_form, step):
    _answer(client, f"form:{ccas_form.slug}", "oui", step=step)
    assert PageFeedback.objects.get().step == ""


# ---------------------------------------------------------------- the reasons


def test_no_then_need_someone_shows_where_and_when_to_find_a_person(client):
    fiche = _fiche()
    token = _token(_answer(client, f"fiche:{fiche.slug}", "non"))
    reasons = client.get(f"/avis/{token}/")
    html = reasons.content.decode()
    for label in FeedbackReason.labels:
        assert str(label).replace("'", "&#x27;") in html
    saved = client.post(f"/avis/{token}/", {"reason": FeedbackReason.NEED_SOMEONE, "comment": ""})
    assert saved.status_code == 303 and saved["Location"] == f"/avis/{token}/"
    html = client.get(f"/avis/{token}/").content.decode()
    assert "Où se faire aider près de chez vous" in html
    for place in fiche.places.published():
        assert place.nom in html
    assert reverse("directory:places") in html
    assert PageFeedback.objects.get().reason == FeedbackReason.NEED_SOMEONE


def test_need_someone_on_a_form_without_a_fiche_gives_the_towns_phone(client, street_form):
    token = _token(_answer(client, f"form:{street_form.slug}", "non"))
    client.post(f"/avis/{token}/", {"reason": FeedbackReason.NEED_SOMEONE})
    html = client.get(f"/avis/{token}/").content.decode()
    assert "Appelez la mairie" in html and settings.RELAIS["TOWN_PHONE"] in html


def test_need_someone_on_a_form_gives_the_places_of_its_fiche(client, ccas_form):
    draft = Draft.objects.create(form=ccas_form)
    token = _token(_answer(client, f"form:{ccas_form.slug}", "non", draft=str(draft.key), step="question-1"))
    client.post(f"/avis/{token}/", {"reason": FeedbackReason.NEED_SOMEONE})
    html = client.get(f"/avis/{token}/").content.decode()
    places = list(ccas_form.procedure.places.published())
    assert places and all(place.nom in html for place in places)
    assert reverse("cases:question", args=[ccas_form.slug, draft.key, 1]) in html  # back to the question


def test_the_help_block_of_the_fiche_is_the_same_include(client):
    html = client.get(_fiche().get_absolute_url()).content.decode()
    assert 'id="aide"' in html and "Voir tous les lieux d'aide" in html


def test_an_unknown_reason_is_refused_beside_the_field_and_nothing_is_saved(client):
    token = _token(_answer(client, f"fiche:{_fiche().slug}", "non"))
    response = client.post(f"/avis/{token}/", {"reason": "spam", "comment": "Bonjour"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choisissez une raison dans la liste." in html and "Bonjour</textarea>" in html
    assert PageFeedback.objects.get().reason == ""


def test_a_50_kb_comment_is_refused_beside_the_field_keeping_the_text(client):
    token = _token(_answer(client, f"fiche:{_fiche().slug}", "non"))
    text = "é" * 50_000
    response = client.post(f"/avis/{token}/", {"reason": FeedbackReason.OTHER, "comment": text})
    assert response.status_code == 400
    html = response.content.decode()
    assert "raccourcissez-le à 1000 caractères" in html.replace("\u202f", "").replace("\xa0", "")
    assert text in html  # what was typed stays
    answer = PageFeedback.objects.get()
    assert (answer.reason, answer.comment) == ("", "")


def test_comments_are_stored_with_personal_data_masked(client):
    token = _token(_answer(client, f"fiche:{_fiche().slug}", "non"))
    client.post(
        f"/avis/{token}/",
        {"reason": FeedbackReason.OTHER, "comment": "Rappelez-moi au 06 12 34 56 78 ou jo@exemple.fr"},
    )
    assert PageFeedback.objects.get().comment == "Rappelez-moi au [numéro masqué] ou [adresse masquée]"


def test_the_signed_in_residents_own_name_is_masked(client):
    user = User.objects.get(email=RESIDENT_EMAIL)
    client.force_login(user)
    token = _token(_answer(client, f"fiche:{_fiche().slug}", "non"))
    client.post(f"/avis/{token}/", {"reason": FeedbackReason.OTHER, "comment": "Je suis marie DUPONT, perdue."})
    assert PageFeedback.objects.get().comment == "Je suis [nom masqué] [nom masqué], perdue."


def test_the_name_typed_on_the_drafts_contact_page_is_masked(client, ccas_form):
    contact = {"first_name": "Hélène", "last_name": "Béranger"}
    draft = Draft.objects.create(form=ccas_form, data={"contact": contact})
    token = _token(_answer(client, f"form:{ccas_form.slug}", "non", draft=str(draft.key), step="check"))
    client.post(f"/avis/{token}/", {"reason": FeedbackReason.OTHER, "comment": "Helene beranger ne comprend pas"})
    assert PageFeedback.objects.get().comment == "[nom masqué] [nom masqué] ne comprend pas"


def test_a_saved_reason_can_be_changed(client):
    token = _token(_answer(client, f"fiche:{_fiche().slug}", "non"))
    client.post(f"/avis/{token}/", {"reason": FeedbackReason.OTHER, "comment": "a"})
    client.post(f"/avis/{token}/", {"reason": FeedbackReason.OTHER, "comment": "Trop de pages"})
    html = client.get(f"/avis/{token}/?modifier=1").content.decode()
    assert re.search(r'<input type="radio" name="reason" value="other"[^>]* checked', html)
    assert "Trop de pages" not in html  # a saved comment is never shown back (a shared link)
    client.post(f"/avis/{token}/", {"reason": FeedbackReason.NOT_UNDERSTOOD, "comment": ""})
    assert PageFeedback.objects.get().reason == FeedbackReason.NOT_UNDERSTOOD


def test_the_reasons_page_and_its_answer_set_no_cookie_at_all():
    """Not even Django's CSRF cookie: the token in the address is the protection, checked
    with Django's CSRF enforcement on as in production."""
    client = Client(enforce_csrf_checks=True)
    token = _token(_answer(client, f"fiche:{_fiche().slug}", "non"))
    response = client.get(f"/avis/{token}/")
    assert response.status_code == 200
    _no_cookie(response)
    saved = client.post(f"/avis/{token}/", {"reason": FeedbackReason.NOT_UNDERSTOOD, "comment": ""})
    assert saved.status_code == 303
    _no_cookie(saved)
    assert PageFeedback.objects.get().reason == FeedbackReason.NOT_UNDERSTOOD
    refused = client.post(
        f"/avis/{token}/", {"reason": FeedbackReason.OTHER, "comment": ""}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert refused.status_code == 403
    assert PageFeedback.objects.get().reason == FeedbackReason.NOT_UNDERSTOOD


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "data",
    [
        {"useful": "non"},  # no page
        {"page": "fiche:nexiste-pas", "useful": "non"},
        {"page": "form:nexiste-pas", "useful": "non"},
        {"page": "place:mairie", "useful": "non"},
        {"page": "fiche:" + "x" * 5000, "useful": "non"},
        {"page": "fiche:carte-identite"},  # no answer
        {"page": "fiche:carte-identite", "useful": "peut-être"},
        {"page": "fiche:carte-identite\x00", "useful": "oui"},
    ],
)
def test_an_answer_naming_no_page_or_no_answer_is_refused_and_nothing_stored(client, data):
    response = client.post(ANSWER, data)
    assert response.status_code == 400
    if not any("\x00" in value for value in data.values()):  # a NUL is refused before the view, by the town's 400 page
        assert "Réponse non enregistrée" in response.content.decode()
    assert PageFeedback.objects.count() == 0
    _no_cookie(response)


def test_an_unpublished_fiche_or_form_is_refused(client, ccas_form):
    Procedure.objects.filter(slug="carte-identite").update(published=False)
    Form.objects.filter(pk=ccas_form.pk).update(published=False)
    assert _answer(client, "fiche:carte-identite").status_code == 400
    assert _answer(client, f"form:{ccas_form.slug}").status_code == 400
    assert PageFeedback.objects.count() == 0


def test_a_draft_of_another_form_or_account_is_refused(client, ccas_form, electoral_form):
    other = Draft.objects.create(form=electoral_form)
    assert _answer(client, f"form:{ccas_form.slug}", draft=str(other.key)).status_code == 400
    assert _answer(client, f"form:{ccas_form.slug}", draft="pas-une-clé").status_code == 400
    someones = Draft.objects.create(form=ccas_form, user=User.objects.get(email=RESIDENT_EMAIL))
    assert _answer(client, f"form:{ccas_form.slug}", draft=str(someones.key)).status_code == 400
    assert PageFeedback.objects.count() == 0


def test_get_on_the_answer_address_is_a_french_page(client):
    response = client.get(ANSWER)
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "utilisez les boutons « Oui » et « Non »" in response.content.decode()
    _no_cookie(response)


def test_a_wrong_token_is_the_towns_404(client):
    for token in ("nexiste-pas", "x" * 500):
        response = client.get(f"/avis/{token}/")
        assert response.status_code == 404
        assert settings.RELAIS["TOWN_NAME"] in response.content.decode()


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_ORIGIN": "http://testserver", "HTTP_SEC_FETCH_SITE": "cross-site"},
    ],
)
def test_an_answer_posted_from_another_site_is_refused(client, headers):
    response = client.post(ANSWER, {"page": "fiche:carte-identite", "useful": "non"}, **headers)
    assert response.status_code == 403
    assert "pas été envoyée depuis le site de la mairie" in response.content.decode()
    assert PageFeedback.objects.count() == 0


def test_an_answer_from_the_site_itself_is_accepted(client):
    headers = {"HTTP_ORIGIN": "http://testserver", "HTTP_SEC_FETCH_SITE": "same-origin"}
    response = client.post(ANSWER, {"page": "fiche:carte-identite", "useful": "oui"}, **headers)
    assert response.status_code == 303


def test_a_bot_posting_1000_times_from_one_address_stores_at_most_the_limit(client):
    limit = settings.RELAIS["CASES_FEEDBACK_PER_IP_HOUR"]
    slugs = list(Procedure.objects.published().values_list("slug", flat=True))
    statuses = set()
    for i in range(1000):
        response = _answer(client, f"fiche:{slugs[i % len(slugs)]}", "non" if i % 2 else "oui")
        statuses.add(response.status_code)
    assert statuses == {303, 429}
    assert PageFeedback.objects.count() <= limit
    over = _answer(client, f"fiche:{slugs[0]}")
    assert over.status_code == 429 and "n'a pas été enregistrée" in over.content.decode()
    _no_cookie(over)
    # Another address is not held back.
    assert _answer(Client(REMOTE_ADDR="203.0.113.77"), f"fiche:{slugs[0]}").status_code == 303


def test_reasons_sent_over_the_limit_are_ignored_with_a_calm_page(client, settings):
    settings.RELAIS = {**settings.RELAIS, "CASES_FEEDBACK_PER_IP_HOUR": 2}
    token = _token(_answer(client, f"fiche:{_fiche().slug}", "non"))
    for comment in ("un", "deux"):
        assert client.post(f"/avis/{token}/", {"reason": "other", "comment": comment}).status_code == 303
    over = client.post(f"/avis/{token}/", {"reason": "other", "comment": "trois"})
    assert over.status_code == 429 and "n'a pas été enregistrée" in over.content.decode()
    assert PageFeedback.objects.get().comment == "deux"


# ---------------------------------------------------------------- retention


def test_digests_of_past_days_are_blanked_by_the_daily_run(client):
    token = _token(_answer(client, f"fiche:{_fiche().slug}", "oui"))
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    PageFeedback.objects.filter(token=token).update(day=yesterday)
    today = _token(_answer(client, f"fiche:{_fiche('passeport').slug}", "oui"))
    outcome = retention.purge("cases.page_feedback_digests")
    assert outcome.count == 1
    assert PageFeedback.objects.get(token=token).visitor_digest == ""
    assert PageFeedback.objects.get(token=today).visitor_digest != ""  # still changeable today
    assert retention.purge("cases.page_feedback_digests").count == 0


def test_comments_are_erased_after_their_period_the_answer_stays(client):
    rule = retention.rule("cases.page_feedback_comments")
    assert (rule.default_days, rule.floor_days, rule.setting) == (
        365,
        30,
        "RELAIS_PAGE_FEEDBACK_COMMENTS_RETENTION_DAYS",
    )
    token = _token(_answer(client, f"fiche:{_fiche().slug}", "non"))
    client.post(f"/avis/{token}/", {"reason": FeedbackReason.OTHER, "comment": "Trop compliqué"})
    old = timezone.now() - datetime.timedelta(days=366)
    PageFeedback.objects.filter(token=token).update(updated_at=old)
    assert retention.purge("cases.page_feedback_comments").count == 1
    answer = PageFeedback.objects.get(token=token)
    assert (answer.comment, answer.reason, answer.useful) == ("", FeedbackReason.OTHER, False)


def test_the_comment_period_is_configurable_like_the_other_rules(settings):
    settings.RELAIS_RETENTION = {"RELAIS_PAGE_FEEDBACK_COMMENTS_RETENTION_DAYS": 90}
    assert retention.rule("cases.page_feedback_comments").days == 90
    settings.RELAIS_RETENTION = {"RELAIS_PAGE_FEEDBACK_COMMENTS_RETENTION_DAYS": 7}
    assert any("PAGE_FEEDBACK_COMMENTS" in p for p in retention.configuration_problems())


# ---------------------------------------------------------------- services


def test_the_visitor_digest_depends_on_day_address_and_page():
    day = datetime.date(2026, 3, 1)
    digest = feedback.visitor_digest(day=day, address="203.0.113.1", page_key="fiche:1")
    assert digest != feedback.visitor_digest(
        day=day + datetime.timedelta(days=1), address="203.0.113.1", page_key="fiche:1"
    )
    assert digest != feedback.visitor_digest(day=day, address="203.0.113.2", page_key="fiche:1")
    assert digest != feedback.visitor_digest(day=day, address="203.0.113.1", page_key="fiche:2")
    assert "203.0.113.1" not in digest


def test_draft_keys_of_past_days_are_blanked_too_so_no_answer_leads_to_a_request(client, ccas_form):
    """An answer from a draft ties it (and its comment) to the request and its person: the
    daily run unties it; the draft's next answer, another day, is a new one."""
    draft = Draft.objects.create(form=ccas_form)
    page = f"form:{ccas_form.slug}"
    token = _token(_answer(client, page, "non", draft=str(draft.key), step="check"))
    PageFeedback.objects.filter(token=token).update(day=timezone.localdate() - datetime.timedelta(days=1))
    other = Draft.objects.create(form=ccas_form)
    today = _token(_answer(client, page, "non", draft=str(other.key), step="check"))
    assert retention.purge("cases.page_feedback_digests").count == 1
    past = PageFeedback.objects.get(token=token)
    assert (past.draft_key, past.visitor_digest, past.useful, past.form) == (None, "", False, ccas_form)
    assert PageFeedback.objects.get(token=today).draft_key == other.key  # still changeable today
    assert retention.purge("cases.page_feedback_digests").count == 0
    _token(_answer(client, page, "oui", draft=str(draft.key), step="check"))
    assert PageFeedback.objects.filter(form=ccas_form).count() == 3


@pytest.mark.parametrize(("days_ago", "status"), [(0, 200), (1, 200), (2, 404), (40, 404)])
def test_an_answers_link_works_on_its_day_and_the_next_only(client, days_ago, status):
    token = _token(_answer(client, f"fiche:{_fiche().slug}", "non"))
    PageFeedback.objects.filter(token=token).update(day=timezone.localdate() - datetime.timedelta(days=days_ago))
    response = client.get(f"/avis/{token}/")
    assert response.status_code == status
    if status == 404:
        assert settings.RELAIS["TOWN_NAME"] in response.content.decode()
        response = client.post(f"/avis/{token}/", {"reason": "other", "comment": "tard"})
        assert response.status_code == 404
        assert PageFeedback.objects.get(token=token).comment == ""


def test_the_thanks_page_says_the_answer_can_be_changed_today(client):
    token = _token(_answer(client, f"fiche:{_fiche().slug}", "oui"))
    assert "Vous pouvez modifier votre réponse aujourd'hui." in client.get(f"/avis/{token}/").content.decode()
