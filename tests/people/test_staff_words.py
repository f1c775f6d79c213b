"""Staff forms say what they mean: questions read as the agent reads them, what was typed in
the search carries into a new record, the channel the agent works on is preselected, and the
words about a person agree with the civility they gave."""

import pytest
from django.urls import reverse

from relais.cases.models import FormField, staff_wording
from relais.core.models import Person
from relais.core.selectors import person_details_from_query


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Votre date de naissance", "Date de naissance de la personne"),
        ("Vos revenus du mois", "Revenus du mois de la personne"),
        ("Votre demande concerne :", "Votre demande concerne :"),
        ("Votre e-mail (facultatif)", "Votre e-mail (facultatif)"),
        ("Votre adresse, si elle a changé", "Votre adresse, si elle a changé"),
        ("votre adresse.", "Adresse de la personne"),
        ("Avez-vous votre livret de famille ?", "Avez-vous votre livret de famille ?"),
        ("Date de naissance de l'enfant", "Date de naissance de l'enfant"),
    ],
)
def test_a_question_written_for_the_resident_reads_as_the_agent_says_it(label, expected):
    assert staff_wording(label) == expected


def test_recording_for_someone_shows_the_staff_wording(reception_client, resident_by_letter):
    url = reverse("cases:record", args=[resident_by_letter.pk, "listes-electorales"]) + "?canal=counter"
    page = reception_client.get(url).content.decode()
    assert "Date de naissance de la personne" in page and "Votre date de naissance" not in page
    question = FormField.objects.get(form__slug="listes-electorales", key="naissance")
    question.staff_label = "Née ou né le"
    question.save()
    assert "Née ou né le" in reception_client.get(url).content.decode()
    # the resident still reads their own question online
    assert question.snapshot()["label"] == "Votre date de naissance"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Dupont", {"last_name": "Dupont"}),
        ("Marie Dupont", {"first_name": "Marie", "last_name": "Dupont"}),
        ("DUPONT Marie 1954", {"first_name": "Marie", "last_name": "DUPONT", "birth_year": 1954}),
        ("06 12 34 56 78", {"phone": "06 12 34 56 78"}),
        ("marie@example.org", {"email": "marie@example.org"}),
    ],
)
def test_what_was_searched_becomes_the_first_fields_of_a_new_record(query, expected):
    assert person_details_from_query(query) == expected


def test_the_create_link_carries_the_search_and_the_channel_is_remembered(reception_client):
    search = reception_client.get(reverse("people:person_search"), {"q": "Lucienne Ferrand"}).content.decode()
    create = reverse("people:person_create") + "?q=Lucienne%20Ferrand"
    assert create in search
    page = reception_client.get(create).content.decode()
    assert 'value="Lucienne"' in page and 'value="Ferrand"' in page
    assert _checked(page, "channel") == "counter"  # the default
    response = reception_client.post(
        reverse("people:person_create"),
        {"channel": "phone", "last_name": "Ferrand", "first_name": "Lucienne", "preferred_channel": "phone",
         "phone": "02 47 11 22 33", "preferred_language": "fr", "submission_key": "6f0c1c1e-6f5e-4d0b-9f0e-1c2d3e4f5a6b"},
    )  # fmt: skip
    assert response.status_code == 302
    person = Person.objects.get(last_name="Ferrand")
    # the agent is on the phone: the next forms start there
    start = reception_client.get(reverse("cases:record_start", args=[person.pk])).content.decode()
    assert _checked(start, "channel") == "phone"
    again = reception_client.get(reverse("people:person_create")).content.decode()
    assert _checked(again, "channel") == "phone"
    # a link that says where the agent comes from wins
    by_post = reception_client.get(reverse("cases:record_start", args=[person.pk]) + "?canal=post").content.decode()
    assert _checked(by_post, "channel") == "post"


def _checked(html: str, name: str) -> str | None:
    import re

    for tag in re.findall(r"<input[^>]*>", html):
        if f'name="{name}"' in tag and " checked" in tag:
            return re.search(r'value="([^"]*)"', tag).group(1)
    return None


def test_words_about_a_person_follow_their_civility(reception_client):
    person = Person.objects.create(last_name="Civ", first_name="Alex", preferred_channel="letter")
    url = reverse("people:person_detail", args=[person.pk])
    assert "Préfère être contacté(e)" in reception_client.get(url).content.decode()
    Person.objects.filter(pk=person.pk).update(civility="mme")
    assert "Préfère être contactée" in reception_client.get(url).content.decode()
    Person.objects.filter(pk=person.pk).update(civility="m")
    page = reception_client.get(url).content.decode()
    assert "Préfère être contacté<" in page
    assert person.agree("inscrit", "inscrite", "inscrit(e)") == "inscrit(e)"


def test_an_envelope_names_the_person_with_the_civility_they_gave(db):
    from relais.notifications.channels import postal_address

    person = Person(first_name="Jeanne", last_name="Dupont", address="3 rue des Lilas", postal_code="37000",
                    commune="Valbrenne", preferred_channel="letter")  # fmt: skip
    assert postal_address(person).splitlines()[0] == "Jeanne DUPONT"
    person.civility = "mme"
    assert postal_address(person).splitlines()[0] == "Madame Jeanne DUPONT"
    person.first_name, person.last_name = "Marie-Christine", "Dupont-Lefebvre de la Tour"
    assert postal_address(person).splitlines()[0] == "Marie-Christine DUPONT-LEFEBVRE DE LA TOUR"


def test_the_civility_choice_reads_as_words(reception_client):
    page = reception_client.get(reverse("people:person_create")).content.decode()
    assert "Non précisée" in page and "---------" not in page
