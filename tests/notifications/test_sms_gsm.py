"""SMS that cost one segment when they can: texts written in the GSM 03.38 alphabet, segments
counted as operators bill them, recorded on the outbox, shown in the template editor."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from relais.notifications import services, sms, texts
from relais.notifications.models import Message
from tests.notifications.conftest import read_sms

# ---------------------------------------------------------------- the alphabet


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("“Bonjour” ‘à’ vous", "\"Bonjour\" 'à' vous"),
        ("l’atelier « Premiers pas »", 'l\'atelier "Premiers pas"'),
        ("le 12\u00a0mars à 10\u202fh", "le 12 mars à 10 h"),
        ("Papiers – Citoyenneté — Logement", "Papiers - Citoyenneté - Logement"),
        ("Attendez…", "Attendez..."),
        ("dossier n° 2026-00123, 20 °C", "dossier no 2026-00123, 20 oC"),
        ("garçon, ÇA", "garcon, ÇA"),  # GSM has Ç but not ç
        ("fête, âge, île, hôtel, sûr, Noël, maïs", "fete, age, ile, hotel, sur, Noel, mais"),
        ("cœur, Œuvre", "coeur, OEuvre"),
        ("é è ù ì ò à É Ä Ö Ñ Ü ä ö ñ ü ß Æ æ Ø ø Å å", "é è ù ì ò à É Ä Ö Ñ Ü ä ö ñ ü ß Æ æ Ø ø Å å"),
        ("Être À l'École", "Etre A l'École"),
        ("10 € [tarif] {x} ~ ^ | \\", "10 € [tarif] {x} ~ ^ | \\"),  # the extension table stays
        ("مرحبا", "مرحبا"),  # Arabic cannot be written in GSM: kept, the SMS goes as UCS-2
        ("", ""),
    ],
)
def test_to_gsm_rewrites_what_gsm_lacks_and_keeps_what_it_has(text, expected):
    assert sms.to_gsm(text) == expected


def test_a_french_text_becomes_pure_gsm():
    text = sms.to_gsm(
        "Valbrenne : votre RDV numérique le mardi 3 décembre à 14 h 30, « Relais citoyen Nord – Saint-Martin »."
    )
    assert sms.is_gsm(text) and sms.encoding(text) == "GSM-7"


# ---------------------------------------------------------------- segments


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("", 0),
        ("a", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("a" * 459, 3),
        ("€" * 80, 1),  # an extension character counts two
        ("a" * 159 + "€", 2),
        ("a" * 151 + "€" + "a" * 153, 2),  # 306 septets: 151 + 2, then 153
        ("a" * 152 + "€" + "a" * 152, 3),  # 306 septets too, but an escape is never cut from its septet
        ("é" * 70, 1),  # é is in GSM: 160 per SMS
        ("ê" * 70, 1),  # as given (not rewritten): UCS-2, 70 per SMS
        ("ê" * 71, 2),
        ("ê" * 134, 2),
        ("ê" * 135, 3),
        ("😀" * 35, 1),  # a character beyond the BMP is two UTF-16 units
        ("😀" * 36, 2),
    ],
)
def test_segments_are_counted_as_operators_bill_them(text, count):
    assert sms.segments(text) == count


def test_one_character_outside_gsm_makes_the_whole_sms_ucs2():
    assert sms.segments("a" * 100) == 1 and sms.segments("a" * 100 + "☺") == 2
    assert sms.measure("a" * 100 + "☺").not_gsm == ("☺",)


def test_rewriting_saves_segments():
    text = "« Votre demande » est reçue – merci ! " * 3
    assert sms.segments(text) == 2 and sms.encoding(text) == "UCS-2"
    assert sms.segments(sms.to_gsm(text)) == 1


# ---------------------------------------------------------------- every SMS sent goes through it


def test_an_sms_is_sent_in_gsm_and_its_segments_recorded(resident_by_sms, sms_log):
    message = services.notify(
        person=resident_by_sms,
        template="generic",
        context={"subject": "S", "text": "Votre reçu « n° 12 » – à l’accueil…"},
    )
    assert services.process_due() == {"sent": 1}
    [sent] = read_sms(sms_log)
    assert sent["text"].endswith('Votre recu "no 12" - à l\'accueil...') and sms.is_gsm(sent["text"])
    message.refresh_from_db()
    assert message.sms_segments == 1


def test_a_long_sms_records_its_segments(resident_by_sms, sms_log):
    message = services.notify(person=resident_by_sms, template="generic", context={"subject": "S", "text": "x" * 250})
    services.process_due()
    message.refresh_from_db()
    assert message.sms_segments == sms.segments(read_sms(sms_log)[0]["text"]) == 2


def test_a_failed_sms_records_no_segment(resident_by_sms, settings):
    settings.SMS_BACKEND = ""
    message = services.notify(person=resident_by_sms, template="generic", context={"subject": "S", "text": "T"})
    Message.objects.filter(pk=message.pk).update(channel="sms", to_phone="+33698765432")
    services.process_due()
    message.refresh_from_db()
    assert message.sms_segments is None


# ---------------------------------------------------------------- the default texts


def _realistic(default) -> dict:
    """The sample values of a text, as long as real ones get: a long name, a long town name,
    a real private link (32-character token), a reference of this year."""
    values = {}
    for key, value in default.sample.items():
        if isinstance(value, str) and value.endswith("/abc/"):
            value = value.replace("https://relais.example.fr", "https://relais.valbrenne.fr")[:-4] + "x" * 32 + "/"
        values[key] = value
    return {
        **texts.base_context(None),
        "person": {
            "first_name": "Marie-Françoise",
            "last_name": "Delacroix-Bérenger",
            "display_name": "Marie-Françoise Delacroix-Bérenger",
        },
        "town": {**settings.RELAIS, "TOWN_NAME": "Saint-Cyr-sur-Loire"},
        **values,
    }


def _defaults_with_sms():
    return sorted((d for d in texts.all_defaults().values() if d.sms), key=lambda d: d.code)


@pytest.mark.parametrize("default", _defaults_with_sms(), ids=lambda d: d.code)
def test_every_default_sms_text_goes_in_one_or_two_sms(default):
    with translation.override("fr"):
        text = sms.to_gsm(texts.render_text(str(default.sms), _realistic(default)))
    assert sms.is_gsm(text), f"{default.code}: not GSM after rewriting: {sms.measure(text).not_gsm}"
    assert sms.segments(text) <= 2, f"{default.code} costs {sms.segments(text)} SMS: {text!r}"


# ---------------------------------------------------------------- the template editor


def test_the_template_editor_shows_the_segments_of_the_sms(admin_client):
    url = reverse("notifications:template_edit", args=["generic", "fr"])
    page = admin_client.get(url).content.decode()
    assert 'id="sms-segments"' in page and "1 SMS" in page and "morceaux, facturés" not in page


def test_the_template_editor_warns_above_two_segments_but_saves(admin_client):
    url = reverse("notifications:template_edit", args=["generic", "fr"])
    data = {"subject": "{{ subject }}", "body": "{{ text }}", "sms": "Très long message. " * 20}
    preview = admin_client.post(url, {**data, "preview": "1"})
    page = preview.content.decode()
    assert preview.status_code == 200 and "3 SMS" in page and "part en 3 morceaux" in page
    saved = admin_client.post(url, data, follow=True)
    assert "Le modèle est enregistré." in saved.content.decode()
    assert "part en 3 morceaux" in saved.content.decode()
    assert texts.texts_for("generic", "fr")[2] == data["sms"].strip()


def test_the_template_editor_names_the_characters_that_cost_more(admin_client):
    url = reverse("notifications:template_edit", args=["generic", "fr"])
    page = admin_client.post(url, {"subject": "S", "body": "B", "sms": "Bonjour ☺", "preview": "1"}).content.decode()
    assert "☺" in page and "70 caractères" in page


def test_the_message_page_shows_the_sms_it_cost(resident_by_sms, sms_log, reception_client):
    message = services.notify(person=resident_by_sms, template="generic", context={"subject": "S", "text": "x" * 250})
    services.process_due()
    page = reception_client.get(reverse("notifications:message_detail", args=[message.pk])).content.decode()
    assert "SMS facturés" in page and "<dd>2</dd>" in page
