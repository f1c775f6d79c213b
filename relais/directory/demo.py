"""Demo places, bodies and catalogue entries of Valbrenne (content in relais/directory/demo_catalogue.py)."""

from relais.accounts.models import Team
from relais.directory import demo_catalogue as catalogue
from relais.directory.models import Organisation, Place, Procedure, Theme

PLACE_FIELDS = [
    "nom", "typologie", "adresse", "complement_adresse", "code_postal", "commune", "code_insee", "quartier",
    "latitude", "longitude", "telephone", "courriels", "site_web", "horaires", "presentation_resume",
    "presentation_detail", "services", "equipment", "publics_specifiquement_adresses", "prise_en_charge_specifique",
    "frais_a_charge", "dispositif_programmes_nationaux", "modalites_acces", "modalites_accompagnement", "pivot",
    "wheelchair_access", "accessibility_notes", "getting_there",
]  # fmt: skip
TEAM_PLACES = {"accueil": ["MUNI"], "etat-civil": ["MUNI"], "mediation": ["EPN", "BIB", "MQ", "CS"], "ccas": ["CCAS"]}


def load(stdout):
    for data in catalogue.ORGANISATIONS:
        Organisation.objects.update_or_create(
            slug=data["slug"], defaults={k: v for k, v in data.items() if k != "slug"}
        )
    places = {}
    for data in catalogue.PLACES:
        defaults = {k: data[k] for k in PLACE_FIELDS if k in data}
        defaults["itinerance"] = [data.get("itinerance", "Fixe")]
        place, _ = Place.objects.update_or_create(slug=data["slug"], defaults=defaults)
        place.full_clean()
        places[place.slug] = place
    themes = {t.code: t for t in Theme.objects.all()}
    organisations = {o.slug: o for o in Organisation.objects.all()}
    for data in catalogue.PROCEDURES:
        proc, _ = Procedure.objects.update_or_create(
            slug=data["slug"],
            defaults={
                "title": data["title"],
                "summary": data["summary"],
                "easy_read": data.get("easy_read", ""),
                "audience": data.get("audience", ""),
                "documents": "\n".join(data.get("documents", [])),
                "cost": data.get("cost", ""),
                "delay": data.get("delay", ""),
                "how_to": "\n".join(data.get("how_to", [])),
                "external_url": data.get("external_url", ""),
                "external_label": data.get("external_label", ""),
                "counter": data.get("counter", False),
                "keywords": ", ".join(data.get("keywords", [])),
                "organisation": organisations[data["organisation"]],
            },
        )
        proc.themes.set([themes[code] for code in data["themes"]])
        proc.places.set([places[slug] for slug in data.get("places", [])])
        if data["slug"] in catalogue.TRANSLATIONS:
            proc.translations = catalogue.TRANSLATIONS[data["slug"]]
            proc.full_clean(validate_unique=False)
            proc.save(update_fields=["translations"])
    for team in Team.objects.filter(slug__in=TEAM_PLACES):
        wanted = TEAM_PLACES[team.slug]
        team.places.set([p for p in places.values() if set(p.typologie) & set(wanted)])
    stdout.write(f"  places: {Place.objects.count()}, procedures: {Procedure.objects.count()}")
