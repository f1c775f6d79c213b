"""Administrators translate a request form and its questions; a resident files it in English."""

import pytest
from django.urls import reverse

from relais.cases.models import Case, Form
from relais.core.models import AuditEvent
from tests.conftest import staff_client


@pytest.fixture
def plain_form(db):
    """The demo's school form: no translation in the demo."""
    return Form.objects.get(slug="inscription-scolaire")


def url(form, lang="en"):
    return reverse("cases:form_translate", args=[form.slug, lang])


def test_an_administrator_translates_a_form_and_its_questions(admin_client, administrator, plain_form):
    page = admin_client.get(reverse("cases:form_edit", args=[plain_form.slug])).content.decode()
    assert url(plain_form) in page
    question = plain_form.fields.get(key="enfant")
    response = admin_client.post(
        url(plain_form),
        {"demarche-title": "Enrol a child at school", f"q{question.pk}-label": "The child's full name"},
    )
    assert response.status_code == 302
    plain_form.refresh_from_db()
    question.refresh_from_db()
    assert plain_form.translations == {"en": {"title": "Enrol a child at school"}}
    assert question.translations == {"en": {"label": "The child's full name"}}
    event = AuditEvent.objects.get(action="cases.form.translated", object_id=str(plain_form.pk))
    assert event.actor == administrator
    assert event.details == {"lang": "en", "fields": {"form": ["title"], "enfant": ["label"]}}


def test_choices_must_be_as_many_as_in_french_and_what_was_typed_stays(admin_client, ccas_form):
    motif = ccas_form.fields.get(key="motif")
    before = dict(motif.translations)
    response = admin_client.post(
        url(ccas_form, "en"),
        {"demarche-title": "Typed title", f"q{motif.pk}-label": "Why?", f"q{motif.pk}-choices": "Food\nOther"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Erreur" in html and "Typed title" in html and "Food\nOther" in html
    motif.refresh_from_db()
    assert motif.translations == before


def test_sending_the_translation_twice_is_harmless(admin_client, plain_form):
    data = {"demarche-title": "Enrol a child at school"}
    assert admin_client.post(url(plain_form), data).status_code == 302
    assert admin_client.post(url(plain_form), data).status_code == 302
    plain_form.refresh_from_db()
    assert plain_form.translations == {"en": {"title": "Enrol a child at school"}}


def test_staff_who_cannot_build_forms_get_404(case_worker, plain_form):
    client = staff_client(case_worker)
    assert client.get(url(plain_form)).status_code == 404
    assert client.post(url(plain_form), {"demarche-title": "x"}).status_code == 404


def test_a_language_not_offered_is_not_found(admin_client, plain_form):
    assert admin_client.get(url(plain_form, "xx")).status_code == 404


def test_a_resident_files_in_english_with_the_translated_questions(client, ccas_form):
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    start = client.get(ccas_form.get_absolute_url(), **english).content.decode()
    assert "<h1>Ask for an appointment at the CCAS</h1>" in start
    step = client.post(reverse("cases:start", args=[ccas_form.slug]), **english)["Location"]
    page = client.get(step, **english).content.decode()
    assert "Why do you want an appointment?" in page and "Food aid" in page
    assert 'value="Aide alimentaire"' in page  # the answer is kept in French, as the staff read it
    step = client.post(step, {"motif": "Aide alimentaire"}, **english)["Location"]
    page = client.get(step, **english).content.decode()
    assert "Tell us in a few words" in page
    step = client.post(step, {"precisions": "Merci"}, **english)["Location"]
    step = client.post(step, {"moments": ["Le matin"]}, **english)["Location"]
    check = client.post(
        step, {"first_name": "Ana", "last_name": "Lee", "preferred_channel": "phone", "phone": "0247000009"}, **english
    )["Location"]
    page = client.get(check, **english).content.decode()
    assert "<dt>Why do you want an appointment?</dt>" in page
    assert "<dd>Food aid</dd>" in page  # the choice as the resident read it
    client.post(check, **english)
    case = Case.objects.get(person__last_name="Lee")
    assert case.answers[0]["value"] == "Aide alimentaire"
    assert case.answers[0]["label"] == "Pourquoi voulez-vous un rendez-vous ?"


def test_untranslated_questions_on_an_english_page_are_marked_french(client, plain_form):
    step = client.post(reverse("cases:start", args=[plain_form.slug]), HTTP_ACCEPT_LANGUAGE="en")["Location"]
    page = client.get(step, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<span lang="fr">Nom et prénom de l&#x27;enfant</span>' in page


def _edit_motif(admin_client, form, choices):
    motif = form.fields.get(key="motif")
    response = admin_client.post(
        reverse("cases:field_edit", args=[form.slug, motif.pk]),
        {"label": motif.label, "key": "motif", "kind": motif.kind, "required": "on", "choices": choices},
    )
    assert response.status_code == 302
    motif.refresh_from_db()
    return motif


def test_reordering_the_french_choices_keeps_each_translation_with_its_choice(admin_client, ccas_form):
    motif = ccas_form.fields.get(key="motif")
    french = motif.choice_list()
    motif = _edit_motif(admin_client, ccas_form, "\n".join(reversed(french)))
    labels = {value: label.text for value, label in motif.choice_labels("en")}
    assert labels["Aide alimentaire"] == "Food aid"
    assert labels["Autre"] == "Other"
    # The resident's page posts the French choice under the English one it translates.
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    step = admin_client.post(reverse("cases:start", args=[ccas_form.slug]), **english)["Location"]
    page = admin_client.get(step, **english).content.decode()
    food = page.index('value="Aide alimentaire"')
    assert "Food aid" in page[food : page.index("</label>", food)]


def test_a_reworded_french_choice_loses_its_translation_and_the_others_keep_theirs(admin_client, ccas_form):
    motif = ccas_form.fields.get(key="motif")
    french = motif.choice_list()
    reworded = ["Aide pour se nourrir" if c == "Aide alimentaire" else c for c in french]
    motif = _edit_motif(admin_client, ccas_form, "\n".join(reworded))
    labels = dict(motif.choice_labels("en"))
    assert labels["Aide pour se nourrir"].text == "Aide pour se nourrir"
    assert labels["Aide pour se nourrir"].lang == "fr"
    assert labels["Autre"].text == "Other"
    assert "Aide alimentaire" not in motif.translations["en"]["choices"]


def test_the_translation_page_shows_choices_one_per_line_and_keeps_them_keyed(admin_client, ccas_form):
    motif = ccas_form.fields.get(key="motif")
    page = admin_client.get(url(ccas_form, "en")).content.decode()
    assert "Food aid\nBills hard to pay" in page
    french = motif.choice_list()
    typed = "\n".join(f"EN {c}" for c in french)
    response = admin_client.post(url(ccas_form, "en"), {"demarche-title": "Appointment", f"q{motif.pk}-choices": typed})
    assert response.status_code == 302
    motif.refresh_from_db()
    assert motif.translations["en"]["choices"] == {c: f"EN {c}" for c in french}


@pytest.fixture
def turkish_form(ccas_form, settings):
    settings.RELAIS_CONTENT_LANGUAGES = ["tr"]
    ccas_form.translations = {**ccas_form.translations, "tr": {"title": "CCAS randevusu"}}
    ccas_form.save(update_fields=["translations"])
    motif = ccas_form.fields.get(key="motif")
    motif.translations = {**motif.translations, "tr": {"label": "Neden randevu istiyorsunuz?"}}
    motif.save(update_fields=["translations"])
    return ccas_form


def test_a_content_only_language_holds_from_the_fiche_to_the_check_page(client, turkish_form):
    fiche = client.get(turkish_form.procedure.get_absolute_url() + "?langue=tr").content.decode()
    start_url = turkish_form.get_absolute_url() + "?langue=tr"
    assert f'href="{start_url}"' in fiche  # "Faire la demande en ligne" keeps the language
    step = client.post(start_url)["Location"]
    assert "langue" not in step  # the draft keeps it, not the link
    page = client.get(step).content.decode()
    assert 'lang="tr">Neden randevu istiyorsunuz?' in page
    assert f'href="{start_url}"' in page  # back to the start page, still in Turkish
    step = client.post(step, {"motif": "Aide alimentaire"})["Location"]
    step = client.post(step, {"precisions": "Merci"})["Location"]
    step = client.post(step, {"moments": ["Le matin"]})["Location"]
    check = client.post(
        step, {"first_name": "Ana", "last_name": "Kaya", "preferred_channel": "phone", "phone": "0247000009"}
    )["Location"]
    page = client.get(check).content.decode()
    assert 'lang="tr">Neden randevu istiyorsunuz?' in page


def test_a_language_not_offered_is_not_kept_in_the_draft(client, ccas_form):
    client.post(ccas_form.get_absolute_url() + "?langue=xx")
    assert "langue" not in ccas_form.drafts.latest("pk").data


def test_the_acknowledgement_names_the_form_in_the_persons_language(ccas_form):
    import uuid

    from relais.cases.services import case_submit
    from relais.core.models import Channel, Person
    from relais.notifications.models import Message

    person = Person.objects.create(
        first_name="Ana",
        last_name="Lee",
        email="ana.lee@example.org",
        preferred_channel="email",
        preferred_language="en",
    )
    case_submit(
        form=ccas_form,
        person=person,
        channel=Channel.PHONE,
        answers={"motif": "Aide alimentaire", "moments": ["Le matin"]},
        submission_key=uuid.uuid4(),
    )
    message = Message.objects.get(person=person)
    assert message.language == "en"
    assert "Ask for an appointment at the CCAS" in message.body
    assert "Demander un rendez-vous au CCAS" not in message.body


def test_the_arabic_translation_boxes_read_right_to_left(admin_client, ccas_form):
    page = admin_client.get(url(ccas_form, "ar")).content.decode()
    assert 'name="demarche-title"' in page
    assert page.count('lang="ar" dir="rtl"') >= 3
    assert 'lang="en" dir="ltr"' in admin_client.get(url(ccas_form, "en")).content.decode()
