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
        ("٠٦ ١٢ ٣٤ ٥٦ ٧٨", "phone"),  # Arabic-Indic digits (relais.core.text, one rule)
        ("０６１２３４５６７８", "phone"),  # full-width digits
        ("écrivez à marie@example.org", "email"),
        ("marie arobase gmail.com", "email"),
        ("J'habite 12 rue des Lilas", "address"),
        ("4 bis, avenue Foch", "address"),
        ("3 place de la Gare", "address"),
        ("bâtiment B, appartement 12", "address"),
        # the country code with the trunk zero kept in brackets
        ("+33 (0)6 12 34 56 78", "phone"),
        ("appelez le 0033 (0)6.12.34.56.78", "phone"),
        # street words shortened
        ("12 r. Victor Hugo", "address"),
        ("12, r. Victor Hugo", "address"),
        ("5 av. de la République", "address"),
        ("8 bd Gambetta", "address"),
        ("10 bld Jean Jaurès", "address"),
        ("3 pl. du Marché", "address"),
        ("7 imp. des Lilas", "address"),
        ("2 ch. des Vignes", "address"),
        ("14 all. des Tilleuls", "address"),
        # addresses spelled out to slip past the filter
        ("marie point dupont at gmail point com", "email"),
        ("marie [at] gmail [dot] com", "email"),
        ("marie (at) free (point) fr", "email"),
        ("marie arobase orange point fr", "email"),
        ("MARIE AT GMAIL DOT COM", "email"),
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
        "Je peux garder 2 chats pendant les vacances",
        "J'ai 3 allergies alimentaires, rien de grave",
        "Il me faut 2 rouleaux de papier peint",
        "Rendez-vous au point info de la mairie à 14 h",
        "Je suis au point sur Excel : 2 ateliers par mois",
        "Je donne 10 pots de confiture, point final",
        "3 planches et 2 chaises à donner",
        "On se retrouve at the café ? Point de rencontre : la place du marché",
        "Je prête 2 roues de vélo et 1 pompe",
    ],
)
def test_ordinary_sentences_are_not_taken_for_contact_details(text):
    assert contact_details_in(text) == []


def test_public_name_is_first_name_and_initial_only():
    assert public_name(Person(first_name="Marie", last_name="Dupont")) == "Marie D."
    assert public_name(Person(first_name="Karim")) == "Karim"
    assert public_name(Person(last_name="Moreau", phone="0247123456")) == "Un habitant"
