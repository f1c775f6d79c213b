"""Contact details never travel through the board's texts; residents see each other as "Marie D."."""

import pytest

from relais.core.models import Person
from relais.mutualaid.privacy import contact_details_in, public_name


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Appelez-moi au 06 12 34 56 78", "phone"),
        ("mon numéro : 06.12.34.56.78", "phone"),
        ("+33 6 12 34 56 78", "phone"),
        ("0612345678", "phone"),
        ("écrivez à marie@example.org", "email"),
        ("marie arobase gmail.com", "email"),
        ("J'habite 12 rue des Lilas", "address"),
        ("4 bis, avenue Foch", "address"),
        ("3 place de la Gare", "address"),
        ("bâtiment B, appartement 12", "address"),
    ],
)
def test_contact_details_are_recognised(text, kind):
    assert kind in contact_details_in(text)


@pytest.mark.parametrize(
    "text",
    [
        "Le samedi de 9 h à 12 h",
        "J'ai 2 enfants de 3 et 5 ans",
        "Il reste 3 places dans ma voiture, 1 place à l'avant",
        "2 cours de piano par mois",
        "Un appartement lumineux, au bâtiment de la mairie",
        "Année 2024, 30 jours, code 37500",
    ],
)
def test_ordinary_sentences_are_not_taken_for_contact_details(text):
    assert contact_details_in(text) == []


def test_public_name_is_first_name_and_initial_only():
    assert public_name(Person(first_name="Marie", last_name="Dupont")) == "Marie D."
    assert public_name(Person(first_name="Karim")) == "Karim"
    assert public_name(Person(last_name="Moreau", phone="0247123456")) == "Un habitant"
