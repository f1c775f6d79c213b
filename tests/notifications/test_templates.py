from django.urls import reverse

from relais.notifications import services
from relais.notifications.models import MessageTemplate


def test_an_administrator_edits_a_text_and_new_messages_use_it(admin_client, resident_with_email):
    url = reverse("notifications:template_edit", args=["generic", "fr"])
    assert admin_client.get(url).status_code == 200
    data = {"subject": "Mairie : {{ subject }}", "body": "Madame, Monsieur,\n{{ text }}", "sms": "{{ text }}"}
    assert admin_client.post(url, data).status_code == 302
    message = services.notify(person=resident_with_email, template="generic", context={"subject": "Info", "text": "Ok"})
    assert message.subject == "Mairie : Info" and message.body == "Madame, Monsieur,\nOk"


def test_a_broken_variable_is_explained_beside_the_field_and_kept(admin_client):
    url = reverse("notifications:template_edit", args=["generic", "fr"])
    response = admin_client.post(url, {"subject": "Objet", "body": "Bonjour {{ text|majuscule }}", "sms": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "erreur de variable" in html and "Bonjour {{ text|majuscule }}" in html
    assert not MessageTemplate.objects.exists()


def test_an_unknown_variable_is_refused_with_the_list_of_possible_ones(admin_client):
    url = reverse("notifications:template_edit", args=["generic", "fr"])
    response = admin_client.post(url, {"subject": "Objet", "body": "Dossier {{ numero }}", "sms": ""})
    html = response.content.decode()
    assert "Variable inconnue : numero" in html and "subject" in html
    assert not MessageTemplate.objects.exists()


def test_preview_renders_with_sample_values_without_saving(admin_client):
    url = reverse("notifications:template_edit", args=["generic", "fr"])
    response = admin_client.post(
        url, {"subject": "{{ subject }}", "body": "Bonjour {{ person.first_name }}", "sms": "", "preview": "1"}
    )
    assert "Bonjour Jeanne" in response.content.decode()
    assert not MessageTemplate.objects.exists()


def test_only_administrators_edit_texts(reception_client):
    assert reception_client.get(reverse("notifications:template_list")).status_code == 404


def test_filters_and_tags_that_could_break_or_leak_are_refused(admin_client):
    url = reverse("notifications:template_edit", args=["generic", "fr"])
    for body in [
        "{{ text|center:'x' }}",
        "{% load static %}{{ text }}",
        "{% include 'base.html' %}",
        "{{ text|ljust:'99999999' }}",
    ]:
        html = admin_client.post(url, {"subject": "Objet", "body": body, "sms": ""}).content.decode()
        assert "ne peut pas être utilisé" in html.replace("&#x27;", "'") or "erreur" in html, body
    assert not MessageTemplate.objects.exists()


def test_a_stored_text_that_fails_to_render_falls_back_to_the_default(resident_with_email):
    MessageTemplate.objects.create(code="generic", language="fr", subject="{{ subject }}", body="{{ text|center:'x' }}")
    message = services.notify(person=resident_with_email, template="generic", context={"subject": "S", "text": "Ok"})
    assert "Ok" in message.body and message.body.startswith("Bonjour")


def test_variables_inside_if_conditions_are_checked(admin_client):
    url = reverse("notifications:template_edit", args=["generic", "fr"])
    html = admin_client.post(
        url, {"subject": "Objet", "body": "{% if numero %}x{% endif %}", "sms": ""}
    ).content.decode()
    assert "Variable inconnue : numero" in html


def test_forbidden_filters_inside_if_and_elif_conditions_are_refused_beside_the_field(admin_client):
    url = reverse("notifications:template_edit", args=["generic", "fr"])
    for body in [
        "{% if text|ljust:'99999999' %}x{% endif %}",
        "{% if subject %}a{% elif text|center:'99999999' %}b{% endif %}",
        "{% if not text|ljust:'9999' and subject %}x{% endif %}",
        "{% if subject == text|rjust:'9999' %}x{% endif %}",
        "{% if subject %}{% if text|center:'9' %}x{% endif %}{% endif %}",
    ]:
        html = admin_client.post(url, {"subject": "Objet", "body": body, "sms": ""}).content.decode()
        assert "ne peut pas être utilisé" in html and "n&#x27;est pas permis" in html, body
        assert body.replace("'", "&#x27;") in html  # the text is kept in the field
    assert not MessageTemplate.objects.exists()


def test_allowed_filters_inside_if_conditions_are_accepted(admin_client):
    url = reverse("notifications:template_edit", args=["generic", "fr"])
    body = "{% if text|length > 3 %}{{ text|upper }}{% elif subject|lower == 'x' %}x{% endif %}"
    assert admin_client.post(url, {"subject": "Objet", "body": body, "sms": ""}).status_code == 302


def test_every_tag_argument_is_walked_for_filters_for_and_with_included():
    from relais.notifications import texts

    source = "{% for x in items|dictsort:'a' %}{% with y=x|center:'9' %}{{ y }}{% endwith %}{% endfor %}"
    names = {
        func.__name__
        for e in texts._filter_expressions(texts.ENGINE.from_string(source).nodelist)
        for func, _ in e.filters
    }
    assert names == {"dictsort", "center"}
