"""The common French administrative acronyms and their full forms, so that every town starts
with a useful list (it can then change, add or remove entries from the catalogue screens)."""

from django.db import migrations

COMMON_ACRONYMS = [
    ("AAH", "allocation aux adultes handicapés"),
    ("ANEF", "administration numérique pour les étrangers en France"),
    ("ANTAI", "Agence nationale de traitement automatisé des infractions"),
    ("ANTS", "Agence nationale des titres sécurisés"),
    ("APA", "allocation personnalisée d'autonomie"),
    ("APL", "aide personnalisée au logement"),
    ("ARE", "allocation d'aide au retour à l'emploi"),
    ("ASPA", "allocation de solidarité aux personnes âgées"),
    ("C2S", "complémentaire santé solidaire"),
    ("CAF", "caisse d'allocations familiales"),
    ("CARSAT", "caisse d'assurance retraite et de la santé au travail"),
    ("CCAS", "centre communal d'action sociale"),
    ("CESU", "chèque emploi service universel"),
    ("CMI", "carte mobilité inclusion"),
    ("CNAV", "Caisse nationale d'assurance vieillesse"),
    ("CNI", "carte nationale d'identité"),
    ("CPAM", "caisse primaire d'assurance maladie"),
    ("EHPAD", "établissement d'hébergement pour personnes âgées dépendantes"),
    ("FSL", "fonds de solidarité pour le logement"),
    ("HLM", "habitation à loyer modéré"),
    ("JDC", "Journée défense et citoyenneté"),
    ("MDPH", "maison départementale des personnes handicapées"),
    ("MSA", "Mutualité sociale agricole"),
    ("PACS", "pacte civil de solidarité"),
    ("PAI", "projet d'accueil individualisé"),
    ("PAJE", "prestation d'accueil du jeune enfant"),
    ("PLU", "plan local d'urbanisme"),
    ("PMI", "protection maternelle et infantile"),
    ("RIB", "relevé d'identité bancaire"),
    ("RQTH", "reconnaissance de la qualité de travailleur handicapé"),
    ("RSA", "revenu de solidarité active"),
    ("SIRET", "système d'identification du répertoire des établissements"),
    ("URSSAF", "Union de recouvrement des cotisations de sécurité sociale et d'allocations familiales"),
]


def seed(apps, schema_editor):
    Acronym = apps.get_model("directory", "Acronym")
    for abbreviation, expansion in COMMON_ACRONYMS:
        Acronym.objects.get_or_create(abbreviation=abbreviation, defaults={"expansion": expansion})


class Migration(migrations.Migration):
    dependencies = [("directory", "0004_acronym")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
