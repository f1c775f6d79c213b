"""Messages to a person who reads a language the town writes content in only (RELAIS_CONTENT_LANGUAGES)."""

import pytest
from django.urls import reverse

from relais.core.models import ContactChannel, Person
from relais.notifications import services
from relais.notifications.models import MessageTemplate


@pytest.fixture
def turkish_reader(db, settings):
    settings.RELAIS_CONTENT_LANGUAGES = ["tr"]
    return Person.objects.create(
        first_name="Elif",
        last_name="Yilmaz",
        email="elif@example.org",
        preferred_channel=ContactChannel.EMAIL,
        preferred_language="tr",
    )


def test_an_administrator_writes_a_message_in_a_content_only_language(admin_client, turkish_reader):
    listing = admin_client.get(reverse("notifications:template_list")).content.decode()
    assert reverse("notifications:template_edit", args=["generic", "tr"]) in listing and "Türkçe" in listing
    url = reverse("notifications:template_edit", args=["generic", "tr"])
    data = {"subject": "Belediye: {{ subject }}", "body": "Merhaba {{ person.first_name }},\n{{ text }}", "sms": ""}
    assert admin_client.post(url, data).status_code == 302
    message = services.notify(person=turkish_reader, template="generic", context={"subject": "Bilgi", "text": "Tamam"})
    assert message.language == "tr"
    assert message.subject == "Belediye: Bilgi" and message.body == "Merhaba Elif,\nTamam"


def test_without_a_version_in_their_language_the_person_gets_the_french_text(turkish_reader):
    MessageTemplate.objects.create(code="generic", language="en", subject="EN {{ subject }}", body="EN {{ text }}")
    message = services.notify(person=turkish_reader, template="generic", context={"subject": "Info", "text": "Ok"})
    assert message.language == "fr" and not message.subject.startswith("EN")


def test_a_language_the_town_does_not_offer_is_not_found(admin_client, db):
    assert admin_client.get(reverse("notifications:template_edit", args=["generic", "tr"])).status_code == 404


def test_the_html_email_keeps_relais_words_in_french_and_marks_only_the_turkish_text(turkish_reader):
    MessageTemplate.objects.create(
        code="generic", language="tr", subject="Bilgi", body="Merhaba {{ person.first_name }}"
    )
    message = services.notify(person=turkish_reader, template="generic", context={"subject": "x", "text": "y"})
    assert message.language == "tr"
    assert '<html lang="fr" dir="ltr">' in message.html_body
    assert '<div lang="tr" dir="ltr"><p>Merhaba Elif</p></div>' in message.html_body
    assert "Mairie de" in message.html_body  # the town's name line, in French


def test_a_language_the_town_removed_is_no_longer_sent_in(turkish_reader, settings):
    MessageTemplate.objects.create(code="generic", language="tr", subject="Bilgi", body="Merhaba")
    settings.RELAIS_CONTENT_LANGUAGES = []
    message = services.notify(person=turkish_reader, template="generic", context={"subject": "Info", "text": "Ok"})
    assert message.language == "fr" and message.body != "Merhaba"


def test_letters_take_the_direction_of_their_language():
    from relais.core.templatetags.content_lang import text_direction

    assert [text_direction(code) for code in ("fa", "ar", "tr", "")] == ["rtl", "rtl", "ltr", "ltr"]
