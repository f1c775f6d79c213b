"""Personal data masked in free text (relais.core.text.mask_personal_data): one rule for
phone numbers, e-mail and street addresses, shared with the mutual-aid board's refusals."""

import pytest

from relais.core.text import mask_personal_data

NUMBER, ADDRESS, NAME = "[numéro masqué]", "[adresse masquée]", "[nom masqué]"

MASKED = [
    # French phone numbers, however they are written
    ("Appelez le 06 12 34 56 78 svp", f"Appelez le {NUMBER} svp"),
    ("0612345678", NUMBER),
    ("06.12.34.56.78", NUMBER),
    ("06-12-34-56-78", NUMBER),
    ("06/12/34/56/78", NUMBER),
    ("02 47 00 00 00", NUMBER),
    ("+33 6 12 34 56 78", NUMBER),
    ("+33612345678", NUMBER),
    ("+33 (0)6 12 34 56 78", NUMBER),
    ("0033 6 12 34 56 78", NUMBER),
    # international ones
    ("+44 20 7946 0958", NUMBER),
    ("+1 (555) 123-4567", NUMBER),
    ("0049 30 1234567", NUMBER),
    ("+212 6 12 34 56 78", NUMBER),
    ("+32 470.12.34.56", NUMBER),
    # in Arabic-Indic or full-width digits
    ("رقمي ٠٦ ١٢ ٣٤ ٥٦ ٧٨", f"رقمي {NUMBER}"),
    ("０６１２３４５６７８", NUMBER),
    ("+٣٣ ٦ ١٢ ٣٤ ٥٦ ٧٨", NUMBER),
    # e-mail addresses, plain and spelled out
    ("o'brien@ex.fr", ADDRESS),
    ("écrivez à o’brien@ex.fr", f"écrivez à {ADDRESS}"),
    ("jo.martin@exemple.fr", ADDRESS),
    ("écrivez à jo+relais@mail.example.org merci", f"écrivez à {ADDRESS} merci"),
    ("jo (at) exemple.fr", ADDRESS),
    ("jo [at] exemple [dot] com", ADDRESS),
    ("jo arobase exemple point fr", ADDRESS),
    # several in one comment
    ("06 12 34 56 78 ou jo@exemple.fr", f"{NUMBER} ou {ADDRESS}"),
    # street addresses, with the street's name (the same rule as the mutual-aid board's)
    ("12 rue des Lilas", ADDRESS),
    ("3 bis avenue Jean-Jaurès", ADDRESS),
    ("j'habite au 5, place de la Mairie", f"j'habite au {ADDRESS}"),
    ("au 12 r. Victor Hugo, bâtiment B", f"au {ADDRESS}, {ADDRESS}"),
    ("14 ALLÉE DES ROSES", ADDRESS),
    ("7 impasse du Moulin depuis lundi", f"{ADDRESS} depuis lundi"),
]

KEPT = [
    "Le formulaire ne marche pas depuis le 12 mars 2026 à 14 h.",
    "J'ai 3 enfants et 2 documents à envoyer.",
    "Ma demande 2026-00123 est bloquée.",
    "Le montant de 1 250 € n'est pas clair.",
    "Code postal 37500, page 4 sur 12.",
    "Je n'ai pas trouvé le point de rendez-vous.",
    "J'ai fait 3 chemins différents pour trouver la rue.",
]


@pytest.mark.parametrize(("text", "masked"), MASKED)
def test_phones_emails_and_street_addresses_are_masked(text, masked):
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize("text", KEPT)
def test_dates_amounts_and_references_are_kept(text):
    assert mask_personal_data(text) == text


NAMES = ["Hélène", "Le Goff-Béranger"]


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Je suis Hélène", f"Je suis {NAME}"),
        ("HELENE le goff", f"{NAME} le {NAME}"),  # "le": a particle, a common word
        ("Mme Béranger, née Le Goff", f"Mme {NAME}, née Le {NAME}"),
        ("helene-beranger", f"{NAME}-{NAME}"),
        ("Hélènes ne compte pas", "Hélènes ne compte pas"),  # whole words only
    ],
)
def test_the_residents_own_names_are_masked_whatever_the_case_and_accents(text, masked):
    assert mask_personal_data(text, names=NAMES) == masked


def test_no_names_known_masks_no_word():
    assert mask_personal_data("Bonjour Hélène", names=["", "  "]) == "Bonjour Hélène"
    assert mask_personal_data("", names=NAMES) == ""


def test_a_short_name_on_its_own_is_masked():
    assert mask_personal_data("Je suis Li, Wu Li", names=["Li", "Wu"]) == f"Je suis {NAME}, {NAME} {NAME}"
