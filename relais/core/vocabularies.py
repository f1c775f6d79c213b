"""National vocabularies (codes carried by exports and APIs; labels people read).

Sources: standards/mediation-taxonomies.md (in this repository) and the Schéma des lieux de
médiation numérique v1.0.2 (LaMednum). Labels of the standard's enumerations are the
standard's own values and are not translated in exports.
"""

from django.utils.translation import gettext_lazy as _

# The 11 administrative sub-themes: also the themes of the procedure catalogue.
ADMIN_SUBTHEMES = [
    (
        "papiers_elections_citoyennete",
        _("Papiers – Élections – Citoyenneté"),
        _("État civil, passeport, carte d'identité, élections"),
    ),
    ("famille_scolarite", _("Famille – Scolarité"), _("Allocations familiales, naissance, mariage, Pacs, école")),
    ("social_sante", _("Social – Santé"), _("Carte Vitale, handicap, RSA, personnes âgées")),
    ("travail_formation", _("Travail – Formation – Entreprise"), _("Emploi, retraite, concours, formation")),
    ("logement", _("Logement"), _("Aides au logement, logement social, travaux")),
    ("transports_mobilite", _("Transports – Mobilité"), _("Carte grise, permis de conduire, amendes")),
    ("argent_impots", _("Argent – Impôts"), _("Impôts, surendettement, assurance")),
    ("justice", _("Justice"), _("Casier judiciaire, plainte, aide juridictionnelle")),
    ("etrangers_europe", _("Étrangers – Europe"), _("Titre de séjour, attestation d'accueil")),
    ("loisirs_sports_culture", _("Loisirs – Sports – Culture"), _("Médiathèque, sport, sorties")),
    ("associations", _("Associations"), _("Créer ou faire vivre une association")),
]

# Place types (typologie), data·inclusion codes.
TYPOLOGIES = [
    ("MUNI", _("Mairie")),
    ("CCAS", _("Centre communal d'action sociale")),
    ("BIB", _("Bibliothèque, médiathèque")),
    ("EPN", _("Espace public numérique")),
    ("MQ", _("Maison de quartier")),
    ("CS", _("Centre social")),
    ("CSC", _("Centre socio-culturel")),
    ("RFS", _("France Services")),
    ("TIERS_LIEUX", _("Tiers-lieu")),
    ("ASSO", _("Association")),
]

LIEUX_SERVICES = [
    "Aide aux démarches administratives",
    "Maîtrise des outils numériques du quotidien",
    "Insertion professionnelle via le numérique",
    "Utilisation sécurisée du numérique",
    "Parentalité et éducation avec le numérique",
    "Loisirs et créations numériques",
    "Compréhension du monde numérique",
    "Accès internet et matériel informatique",
    "Acquisition de matériel informatique à prix solidaire",
]
LIEUX_PUBLICS = ["Jeunes", "Étudiants", "Familles et/ou enfants", "Seniors", "Femmes"]
LIEUX_PRISE_EN_CHARGE = [
    "Surdité",
    "Handicaps moteurs",
    "Handicaps mentaux",
    "Illettrisme",
    "Langues étrangères (anglais)",
    "Langues étrangères (autres)",
    "Déficience visuelle",
]
LIEUX_FRAIS = ["Gratuit", "Gratuit sous condition", "Payant"]
LIEUX_DISPOSITIFS = [
    "Aidants Connect",
    "Bibliothèques numérique de référence",
    "Certification PIX",
    "Conseillers numériques",
    "Emmaüs Connect",
    "France Services",
    "Grande école du numérique",
    "La Croix Rouge",
    "Point d'accès numérique CAF",
    "Promeneurs du net",
    "Relais numérique (Emmaüs Connect)",
]
LIEUX_FORMATIONS_LABELS = [
    "Formé à « Mon Espace Santé »",
    "Formé à « DUPLEX » (illettrisme)",
    "Arnia/MedNum BFC (Bourgogne-Franche-Comté)",
    "Collectif ressources et acteurs réemploi (Normandie)",
    "Étapes numériques(La Poste)",
    "Fabriques de Territoire",
    "Les Éclaireurs du numérique (Drôme)",
    "Mes Papiers (Métropole de Lyon)",
    "ORDI 3.0",
    "SUD LABS (PACA)",
]
LIEUX_MODALITES_ACCES = [
    "Se présenter",
    "Téléphoner",
    "Contacter par mail",
    "Prendre un RDV en ligne",
    "Ce lieu n'accueille pas de public",
    "Envoyer un mail avec une fiche de prescription",
]
LIEUX_MODALITES_ACCOMPAGNEMENT = [
    "En autonomie",
    "Accompagnement individuel",
    "Dans un atelier collectif",
    "À distance",
]
LIEUX_ITINERANCE = ["Itinérant", "Fixe"]


def as_choices(values):
    return [(v, v) for v in values]


# Mandate scopes (démarches), as in Aidants Connect.
MANDATE_SCOPES = [
    ("papiers", _("Papiers – Citoyenneté")),
    ("famille", _("Famille")),
    ("social", _("Social – Santé")),
    ("travail", _("Travail")),
    ("logement", _("Logement")),
    ("transports", _("Transports")),
    ("argent", _("Argent")),
    ("justice", _("Justice")),
    ("etranger", _("Étranger")),
    ("loisirs", _("Loisirs")),
]
