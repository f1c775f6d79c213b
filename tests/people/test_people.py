import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from relais.core import services
from relais.core.models import AuditEvent, Channel, Person
from relais.core.selectors import people_matching
from tests.conftest import staff_client


def test_a_person_needs_one_identifying_field_in_the_database(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(birth_year=1950)


@pytest.mark.parametrize(
    "query",
    ["martin jeanne", "MARTÍN", "jeanne 1941", "Jeanne"],
)
def test_search_forgives_case_accents_and_word_order(db, resident_by_letter, query):
    assert resident_by_letter in people_matching(query)


def test_search_finds_a_phone_whatever_its_spacing(db):
    found = list(people_matching("06 98 76 54 32"))
    assert [p.first_name for p in found] == ["Karim"]
    assert list(people_matching("+33698765432")) == found


def test_search_by_email_and_birth_year(db, resident_with_email):
    assert list(people_matching("marie.dupont@example.org")) == [resident_with_email]
    assert resident_with_email in people_matching("1984")


def test_reception_agent_creates_a_person_with_no_email_in_one_form(reception_client, reception_agent):
    response = reception_client.post(
        reverse("people:person_create"),
        {
            "channel": Channel.PHONE,
            "last_name": "Lefèvre",
            "first_name": "Odette",
            "birth_year": "1938",
            "phone": "",
            "email": "",
            "preferred_channel": "letter",
            "address": "8 rue Haute",
            "postal_code": "37500",
            "commune": "Valbrenne",
            "preferred_language": "fr",
            "accessibility_needs": "",
        },
    )
    person = Person.objects.get(last_name="Lefèvre", first_name="Odette", birth_year=1938)
    assert response.status_code == 302
    assert response["Location"] == person.get_absolute_url()
    assert person.created_via == Channel.PHONE
    assert person.created_by == reception_agent
    assert AuditEvent.objects.filter(action="core.person.created", person_id=person.pk, actor=reception_agent).exists()


def test_letters_without_an_address_are_refused_beside_the_field_and_input_is_kept(reception_client):
    response = reception_client.post(
        reverse("people:person_create"),
        {"channel": "counter", "last_name": "Sansadresse", "preferred_channel": "letter", "preferred_language": "fr"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Indiquez l&#x27;adresse (numéro et rue) pour recevoir des courriers." in html
    assert 'value="Sansadresse"' in html
    assert "error-summary" in html
    assert not Person.objects.filter(last_name="Sansadresse").exists()


def test_an_empty_form_explains_what_is_missing(reception_client):
    response = reception_client.post(
        reverse("people:person_create"),
        {"channel": "counter", "preferred_channel": "phone", "preferred_language": "fr"},
    )
    assert response.status_code == 200
    assert "Indiquez au moins un nom" in response.content.decode()


def test_viewing_a_person_is_journaled(reception_client, reception_agent, resident_by_letter):
    response = reception_client.get(resident_by_letter.get_absolute_url())
    assert response.status_code == 200
    assert "MARTIN Jeanne" in response.content.decode()
    assert AuditEvent.objects.filter(
        action="core.person.viewed", person_id=resident_by_letter.pk, actor=reception_agent
    ).exists()


def test_searching_is_journaled_with_the_query(reception_client, reception_agent):
    response = reception_client.get(reverse("people:person_search"), {"q": "moreau"})
    assert response.status_code == 200
    assert response.content.decode().count("MOREAU Jean") == 2
    event = AuditEvent.objects.get(action="core.person.searched", actor=reception_agent)
    shown = people_matching("moreau")
    assert event.details == {"query": "moreau", "results": 2, "people": sorted(p.pk for p in shown)}


def test_editing_saves_and_journals_only_changed_fields(reception_client, resident_by_letter):
    url = reverse("people:person_edit", args=[resident_by_letter.pk])
    data = {
        "last_name": "Martin",
        "first_name": "Jeanne",
        "birth_year": "1941",
        "phone": "0247000011",
        "email": "",
        "preferred_channel": "letter",
        "address": resident_by_letter.address,
        "postal_code": "37500",
        "commune": "Valbrenne",
        "preferred_language": "fr",
        "accessibility_needs": resident_by_letter.accessibility_needs,
        "large_print": "on",
    }
    assert reception_client.post(url, data).status_code == 302
    resident_by_letter.refresh_from_db()
    assert resident_by_letter.phone == "0247000011"
    event = AuditEvent.objects.get(action="core.person.updated", person_id=resident_by_letter.pk)
    assert event.details == {"fields": ["phone"]}


def test_merging_fills_gaps_and_leaves_a_tombstone(db, reception_agent):
    counter, phone = Person.objects.filter(last_name__iexact="moreau").order_by("pk")
    phone.email = "jean.moreau@example.org"
    phone.save(update_fields=["email"])
    kept = services.person_merge(duplicate=phone, kept=counter, actor=reception_agent)
    phone.refresh_from_db()
    assert kept.email == "jean.moreau@example.org"
    assert phone.merged_into == kept
    assert list(people_matching("moreau")) == [kept]
    assert AuditEvent.objects.filter(action="core.person.merged", person_id=kept.pk).exists()


def test_merge_screen_merges_after_confirmation(reception_client):
    counter, phone = Person.objects.filter(last_name__iexact="moreau").order_by("pk")
    url = reverse("people:person_merge", args=[counter.pk, phone.pk])
    assert reception_client.get(url).status_code == 200
    refused = reception_client.post(url, {"kept": counter.pk})
    assert refused.status_code == 200
    assert Person.objects.get(pk=phone.pk).merged_into is None
    response = reception_client.post(url, {"kept": counter.pk, "confirm": "on"})
    assert response.status_code == 302
    assert Person.objects.get(pk=phone.pk).merged_into_id == counter.pk
    # The old record's page now leads to the kept one.
    assert reception_client.get(phone.get_absolute_url())["Location"] == counter.get_absolute_url()


@pytest.mark.parametrize("actor", ["case_worker", "manager", "administrator"])
def test_staff_without_a_people_role_get_404(request, actor, db):
    """They reach only the people their team has a record with (tests/core/test_person_access.py)."""
    stranger = Person.objects.create(first_name="Inès", last_name="Martin", phone="0611223344")
    client = staff_client(request.getfixturevalue(actor))
    assert client.get(stranger.get_absolute_url()).status_code == 404
    assert client.get(reverse("people:person_search"), {"q": "martin"}).status_code == 404
    assert not AuditEvent.objects.filter(action="core.person.viewed", person_id=stranger.pk).exists()


def test_anonymous_visitors_are_sent_to_login(client, resident_by_letter):
    response = client.get(resident_by_letter.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("query", [".", "...", "-- !", "%", "a", "é."])
def test_a_search_without_two_letters_or_digits_lists_nobody_and_says_why(reception_client, query):
    assert Person.objects.count() > 5
    response = reception_client.get(reverse("people:person_search"), {"q": query})
    html = response.content.decode().replace("&#x27;", "'")
    assert "Tapez au moins deux lettres ou chiffres" in html
    assert "personnes trouvées" not in html and "personne trouvée" not in html
    assert f'name="q" value="{query}"' in html  # what was typed stays in the field
    assert not people_matching(query).exists()
    assert not AuditEvent.objects.filter(action="core.person.searched").exists()


def test_a_short_but_meaningful_search_still_works(reception_client, resident_by_letter):
    html = reception_client.get(reverse("people:person_search"), {"q": "Ma"}).content.decode()
    assert resident_by_letter.display_name in html and "Tapez au moins" not in html


def test_the_booking_screens_person_lookup_refuses_punctuation_too(db):
    from relais.mediation.forms import PersonLookupForm

    form = PersonLookupForm({"q": "?!"})
    assert not form.is_valid() and "deux lettres ou chiffres" in form.errors["q"][0]


def test_a_person_whose_language_the_town_removed_can_still_be_edited(reception_client, resident_by_letter):
    type(resident_by_letter).objects.filter(pk=resident_by_letter.pk).update(preferred_language="tr")
    url = reverse("people:person_edit", args=[resident_by_letter.pk])
    page = reception_client.get(url).content.decode()
    assert "n&#x27;est plus proposée" in page and "en français" in page
    data = {
        "last_name": resident_by_letter.last_name,
        "first_name": resident_by_letter.first_name,
        "preferred_channel": "letter",
        "address": resident_by_letter.address,
        "postal_code": "37500",
        "commune": "Valbrenne",
        "preferred_language": "fr",
        "phone": "0247000012",
    }
    assert reception_client.post(url, data).status_code == 302
    resident_by_letter.refresh_from_db()
    assert resident_by_letter.preferred_language == "fr" and resident_by_letter.phone == "0247000012"
