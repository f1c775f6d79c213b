"""Codes of the national tools (La Coop de la médiation numérique, RDV Service Public).

Source: standards/mediation-taxonomies.md (in this repository). The code is what exports and APIs
carry; the label is what people read.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from relais.core.vocabularies import ADMIN_SUBTHEMES

ADMIN_THEME = "aide_aux_demarches_administratives"

# The 19 themes of an accompaniment (La Coop).
THEMES = [
    ("diagnostic_numerique", _("Diagnostic numérique")),
    ("prendre_en_main_du_materiel", _("Prendre en main du matériel")),
    ("maintenance_de_materiel", _("Maintenance de matériel")),
    ("gere_ses_contenus_numeriques", _("Gérer ses contenus numériques")),
    ("navigation_sur_internet", _("Navigation sur internet")),
    ("email", _("E-mail")),
    ("bureautique", _("Bureautique")),
    ("reseaux_sociaux", _("Réseaux sociaux, communication")),
    ("sante", _("Santé")),
    ("banque_et_achats_en_ligne", _("Banque et achats en ligne")),
    ("entrepreneuriat", _("Accompagner un professionnel")),
    ("insertion_professionnelle", _("Insertion professionnelle")),
    ("securite_numerique", _("Prévention en sécurité numérique")),
    ("parentalite", _("Parentalité")),
    ("scolarite_et_numerique", _("Scolarité et numérique")),
    ("creer_avec_le_numerique", _("Créer avec le numérique")),
    ("culture_numerique", _("Culture numérique")),
    ("intelligence_artificielle", _("Intelligence artificielle (IA)")),
    (ADMIN_THEME, _("Aide aux démarches administratives")),
]
THEME_LABELS = dict(THEMES)

# The 11 administrative sub-themes (also the catalogue's themes).
ADMIN_SUBTHEME_CHOICES = [(code, label) for code, label, _examples in ADMIN_SUBTHEMES]
ADMIN_SUBTHEME_LABELS = dict(ADMIN_SUBTHEME_CHOICES)


class AccompanimentKind(models.TextChoices):
    INDIVIDUAL = "individuel", _("Accompagnement individuel")
    COLLECTIVE = "collectif", _("Atelier collectif")


DURATION_PRESETS = [15, 30, 45, 60, 90, 120]


class PlaceType(models.TextChoices):
    PLACE = "lieu_activite", _("Dans un lieu de la structure")
    HOME = "domicile", _("À domicile")
    REMOTE = "a_distance", _("À distance")
    OTHER = "autre", _("Autre lieu")


class Equipment(models.TextChoices):
    COMPUTER = "ordinateur", _("Ordinateur")
    PHONE = "telephone", _("Téléphone")
    TABLET = "tablette", _("Tablette")
    OTHER = "autre", _("Autre matériel")
    NONE = "aucun", _("Pas de matériel")


class Autonomy(models.TextChoices):
    GUIDED = "entierement_accompagne", _("Avec guidage")
    PARTLY = "partiellement_autonome", _("Partiellement autonome")
    AUTONOMOUS = "autonome", _("Autonome")


class OrientedTo(models.TextChoices):
    ADMINISTRATION = "administration", _("Une administration")
    MEDIATION = "mediation_numerique", _("Un autre lieu de médiation numérique")
    OPERATOR = "operateur_ou_organisme_en_charge", _("L'opérateur ou l'organisme en charge")
    SOCIAL = "aide_sociale", _("Une structure d'aide sociale")
    EMPLOYMENT = "insertion_professionnelle", _("Une structure d'insertion professionnelle")
    ADMIN_HELP = "aide_aux_demarches_administratives", _("Une structure d'aide aux démarches administratives")
    OTHER = "autre", _("Autre")


class Level(models.TextChoices):
    BEGINNER = "debutant", _("Débutant")
    INTERMEDIATE = "intermediaire", _("Intermédiaire")
    ADVANCED = "avance", _("Avancé")


class Gender(models.TextChoices):
    MALE = "masculin", _("Masculin")
    FEMALE = "feminin", _("Féminin")
    UNKNOWN = "non_communique", _("Non communiqué")


class AgeBand(models.TextChoices):
    UNDER_12 = "moins_de_douze", _("Moins de 12 ans")
    FROM_12 = "douze_dix_huit", _("12 – 18 ans")
    FROM_18 = "dix_huit_vingt_quatre", _("18 – 24 ans")
    FROM_25 = "vingt_cinq_trente_neuf", _("25 – 39 ans")
    FROM_40 = "quarante_cinquante_neuf", _("40 – 59 ans")
    FROM_60 = "soixante_soixante_neuf", _("60 – 69 ans")
    FROM_70 = "soixante_dix_plus", _("70 ans et plus")
    UNKNOWN = "non_communique", _("Non communiqué")


class SocialStatus(models.TextChoices):
    STUDENT = "scolarise", _("Scolarisé(e)")
    UNEMPLOYED = "sans_emploi", _("Sans emploi")
    EMPLOYED = "en_emploi", _("En emploi")
    RETIRED = "retraite", _("Retraité(e)")
    UNKNOWN = "non_communique", _("Non communiqué")


class Outcome(models.TextChoices):
    """Appointment outcomes, as in RDV Service Public."""

    UNKNOWN = "unknown", _("À renseigner")
    SEEN = "seen", _("Venu(e)")
    NOSHOW = "noshow", _("Absent(e) sans prévenir")
    EXCUSED = "excused", _("Absent(e) excusé(e)")
    REVOKED = "revoked", _("Annulé par le service")
    # Not an outcome of the meeting: the resident chose another time (see `rescheduled_to`).
    MOVED = "moved", _("Déplacé à un autre horaire")


class Booking(models.TextChoices):
    WALK_IN = "walk_in", _("sans rendez-vous")
    APPOINTMENT = "appointment", _("sur rendez-vous")
    BOTH = "both", _("avec ou sans rendez-vous")


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Inscrit(e)")
    WAITLISTED = "waitlisted", _("Sur liste d'attente")
    CANCELLED = "cancelled", _("Désinscrit(e)")
    ATTENDED = "attended", _("A participé")
    NO_SHOW = "no_show", _("Absent(e)")


# Outcomes of an appointment that no longer takes place (its slot is free again).
CANCELLED_OUTCOMES = (Outcome.EXCUSED, Outcome.REVOKED, Outcome.MOVED)

# Repetition rules a drop-in may use: its hours come from its own start and end fields, so
# finer frequencies (and BYHOUR…) would only multiply sessions and slow every page.
RRULE_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
RRULE_PARTS = (
    "FREQ",
    "INTERVAL",
    "COUNT",
    "BYDAY",
    "BYMONTHDAY",
    "BYMONTH",
    "BYSETPOS",
    "BYWEEKNO",
    "BYYEARDAY",
    "WKST",
)

# Statuses that hold a seat (counted in Workshop.confirmed_count).
SEATED = (RegistrationStatus.CONFIRMED, RegistrationStatus.ATTENDED, RegistrationStatus.NO_SHOW)
ACTIVE_REGISTRATION = (*SEATED, RegistrationStatus.WAITLISTED)
# Statuses still expected at the next sessions (reminders): someone who came to the first
# session of a multi-session workshop is "attended" and still expected.
EXPECTED = (RegistrationStatus.CONFIRMED, RegistrationStatus.ATTENDED)


# "Presets": one tap fills the usual values of a frequent accompaniment.
ACCOMPANIMENT_PRESETS = {
    "demarche": {
        "label": _("Démarche en ligne, 30 min"),
        "values": {
            "duration": "30",
            "themes": [ADMIN_THEME],
            "equipment": ["ordinateur"],
            "autonomy": Autonomy.GUIDED,
        },
    },
    "smartphone": {
        "label": _("Prise en main du téléphone, 45 min"),
        "values": {"duration": "45", "themes": ["prendre_en_main_du_materiel"], "equipment": ["telephone"]},
    },
    "email": {
        "label": _("Courriel, 30 min"),
        "values": {"duration": "30", "themes": ["email"], "equipment": ["ordinateur"]},
    },
}
