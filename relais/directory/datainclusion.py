"""Export of the town's offer in the data·inclusion schema: structures and services.

    GET /donnees/data-inclusion.json      {"structures": […], "services": […]}
    GET /donnees/data-inclusion-structures.csv, /donnees/data-inclusion-services.csv

Version followed: the data·inclusion schema v1 field names (2025: a service has `description`,
`type`, `frais` + `frais_precisions`, `publics`, `conditions_acces`, `modes_mobilisation`,
`mobilisable_par`, `zone_eligibilite`, `horaires_accueil`, `lien_source`…; a structure has
`description`, `horaires_accueil`, `accessibilite_lieu`, `reseaux_porteurs`), written from
memory and the schema repository's docs, without network access to validate against the
published JSON schema. Approximate, to check before a first national import:
- `thematiques` codes are those of the referential as read in the schema repository's docs
  (`numerique--…`, `acces-aux-droits-et-citoyennete--…`, `famille`, `logement-hebergement`…);
  v1 may have renamed some;
- v1 conformance kept by construction: an empty list is written None (`publics`,
  `zone_eligibilite`), never `[]`; `frais` is one of v1's codes: "gratuit" or "payant"
  ("gratuit sous condition" in the places file is "gratuit", the condition said in
  `frais_precisions`); every `description` has 50 to 2000 characters (a short text is
  completed by a sentence); `zone_eligibilite` is None unless the town sets it
  (RELAIS_DATAINCLUSION_ZONE: INSEE codes, comma-separated) — a place's commune is where the
  service is, not who may use it;
- `modes_mobilisation` says "se-presenter" only where one may come without an appointment:
  not for an appointment-only drop-in, nor for a workshop (on registration); a workshop's
  `horaires_accueil` is None (its dates are no weekly hours: they are in its description);
- a place-schema service's id is the place's and the service's name (slugified): stable when
  the list of a place's services changes order;
- structures carry no `reseaux_porteurs` (Relais does not know the networks of a place).

Structures are the published places (directory.Place). Services are what they offer:
- the mediation services of the places schema (`Place.services`, one service each);
- the catalogue's procedures (fiches) where help is given at the place (`Procedure.places`);
- what other apps declare through a module `<app>.datainclusion` with
  `services(*, source: str) -> list[dict]` (mediation: drop-in sessions and workshops), found
  at run time as core.extensions finds `<app>.person`: the directory imports no domain app.

No personal data: only what the public pages and the places file already show (a place's
public phone and e-mail); no advisor's name (`contact_nom_prenom` stays empty).
"""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.utils.html import strip_tags
from django.utils.text import slugify

from relais.core.exports import spreadsheet_safe
from relais.directory.models import Place, Procedure

SCHEMA_VERSION = "1.0"

STRUCTURE_FIELDS = [
    "id", "siret", "nom", "commune", "code_postal", "code_insee", "adresse", "complement_adresse",
    "longitude", "latitude", "telephone", "courriel", "site_web", "description", "source", "date_maj",
    "lien_source", "horaires_accueil", "accessibilite_lieu", "reseaux_porteurs",
]  # fmt: skip
SERVICE_FIELDS = [
    "id", "structure_id", "source", "nom", "description", "lien_source", "date_maj", "type", "thematiques",
    "frais", "frais_precisions", "publics", "publics_precisions", "conditions_acces", "telephone", "courriel",
    "modes_accueil", "zone_eligibilite", "contact_nom_prenom", "lien_mobilisation", "modes_mobilisation",
    "mobilisable_par", "horaires_accueil", "adresse", "code_postal", "commune", "code_insee",
    "latitude", "longitude",
]  # fmt: skip
LIST_SEPARATOR = "|"  # in the CSV files, as in the places file

# Places schema services (LaMednum) → data·inclusion thematiques.
PLACE_SERVICE_THEMATIQUES = {
    "Aide aux démarches administratives": ["numerique--realiser-des-demarches-administratives-avec-un-accompagnement"],
    "Maîtrise des outils numériques du quotidien": ["numerique--utiliser-le-numerique-au-quotidien"],
    "Insertion professionnelle via le numérique": ["numerique--favoriser-mon-insertion-professionnelle"],
    "Utilisation sécurisée du numérique": ["numerique--approfondir-ma-culture-numerique"],
    "Parentalité et éducation avec le numérique": [
        "numerique--soutenir-la-parentalite-et-l-education-avec-le-numerique"
    ],
    "Loisirs et créations numériques": ["numerique--creer-avec-le-numerique"],
    "Compréhension du monde numérique": ["numerique--approfondir-ma-culture-numerique"],
    "Accès internet et matériel informatique": [
        "numerique--acceder-a-une-connexion-internet",
        "numerique--acceder-a-du-materiel",
    ],
    "Acquisition de matériel informatique à prix solidaire": ["numerique--s-equiper-en-materiel-informatique"],
}
# The 19 accompaniment themes (La Coop) → thematiques; used by mediation.datainclusion.
THEME_THEMATIQUES = {
    "diagnostic_numerique": ["numerique--utiliser-le-numerique-au-quotidien"],
    "prendre_en_main_du_materiel": [
        "numerique--prendre-en-main-un-ordinateur",
        "numerique--prendre-en-main-un-smartphone-ou-une-tablette",
    ],
    "maintenance_de_materiel": ["numerique--prendre-en-main-un-ordinateur"],
    "gere_ses_contenus_numeriques": ["numerique--utiliser-le-numerique-au-quotidien"],
    "navigation_sur_internet": ["numerique--utiliser-le-numerique-au-quotidien"],
    "email": ["numerique--utiliser-le-numerique-au-quotidien"],
    "bureautique": ["numerique--prendre-en-main-un-ordinateur"],
    "reseaux_sociaux": ["numerique--utiliser-le-numerique-au-quotidien"],
    "sante": ["numerique--accompagner-les-demarches-de-sante"],
    "banque_et_achats_en_ligne": ["numerique--utiliser-le-numerique-au-quotidien"],
    "entrepreneuriat": ["numerique--creer-et-developper-mon-entreprise"],
    "insertion_professionnelle": ["numerique--favoriser-mon-insertion-professionnelle"],
    "securite_numerique": ["numerique--approfondir-ma-culture-numerique"],
    "parentalite": ["numerique--soutenir-la-parentalite-et-l-education-avec-le-numerique"],
    "scolarite_et_numerique": ["numerique--soutenir-la-parentalite-et-l-education-avec-le-numerique"],
    "creer_avec_le_numerique": ["numerique--creer-avec-le-numerique"],
    "culture_numerique": ["numerique--approfondir-ma-culture-numerique"],
    "intelligence_artificielle": ["numerique--approfondir-ma-culture-numerique"],
    "aide_aux_demarches_administratives": ["numerique--realiser-des-demarches-administratives-avec-un-accompagnement"],
}
# The 11 administrative sub-themes (the catalogue's themes) → thematiques.
SUBTHEME_THEMATIQUES = {
    "papiers_elections_citoyennete": [
        "acces-aux-droits-et-citoyennete--accompagnement-dans-les-demarches-administratives"
    ],
    "famille_scolarite": ["famille"],
    "social_sante": ["sante"],
    "travail_formation": ["trouver-un-emploi", "se-former"],
    "logement": ["logement-hebergement"],
    "transports_mobilite": ["mobilite"],
    "argent_impots": ["gestion-financiere"],
    "justice": ["acces-aux-droits-et-citoyennete--accompagnement-juridique"],
    "etrangers_europe": ["acces-aux-droits-et-citoyennete--demandeurs-dasile-et-naturalisation"],
    "loisirs_sports_culture": ["remobilisation--decouvrir-son-potentiel-via-le-sport-et-la-culture"],
    "associations": ["acces-aux-droits-et-citoyennete--faciliter-laction-citoyenne"],
}
HELP_WITH_PROCEDURES = "acces-aux-droits-et-citoyennete--accompagnement-dans-les-demarches-administratives"
# Places schema "publics spécifiquement adressés" → data·inclusion publics.
PUBLICS = {"Jeunes": "jeunes", "Étudiants": "etudiants", "Familles et/ou enfants": "familles",
           "Seniors": "seniors", "Femmes": "femmes"}  # fmt: skip
FRAIS = {"Gratuit": "gratuit", "Gratuit sous condition": "gratuit", "Payant": "payant"}
FREE_UNDER_CONDITIONS = "Gratuit sous condition"
DESCRIPTION_MIN, DESCRIPTION_MAX = 50, 2000  # v1's bounds


def thematiques(*codes_lists) -> list[str]:
    """The thematiques of several mappings' codes, each once, in order."""
    seen = []
    for codes in codes_lists:
        for code in codes:
            if code not in seen:
                seen.append(code)
    return seen


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def _description(*texts: str, fallback: str) -> str:
    """A plain-text description of 50 to 2000 characters (v1): the first text given, else
    `fallback`; a shorter one is completed by `fallback`, then by where to ask."""
    text = next((strip_tags(t).strip() for t in texts if t and t.strip()), "") or fallback
    for more in (
        fallback,
        f"Renseignements auprès de la mairie de {settings.RELAIS['TOWN_NAME']}.",
        "Service gratuit d'information et d'accompagnement.",
    ):
        if len(text) >= DESCRIPTION_MIN:
            break
        if more not in text:
            text = f"{text.rstrip()} {more}".strip()
    return text[:DESCRIPTION_MAX]


def zone_eligibilite() -> list[str] | None:
    """Who may use the town's services, when the town says so (INSEE codes); else None."""
    codes = [c.strip() for c in settings.RELAIS.get("DATAINCLUSION_ZONE", "").split(",") if c.strip()]
    return codes or None


def structure_record(place: Place, *, source: str) -> dict:
    return {
        "id": place.standard_id,
        "siret": place.pivot if len(place.pivot) == 14 else None,
        "nom": place.nom,
        "commune": place.commune,
        "code_postal": place.code_postal,
        "code_insee": place.code_insee or None,
        "adresse": place.adresse,
        "complement_adresse": place.complement_adresse or None,
        "longitude": place.longitude,
        "latitude": place.latitude,
        "telephone": place.telephone or None,
        "courriel": place.courriels[0] if place.courriels else None,
        "site_web": place.site_web[0] if place.site_web else None,
        "description": _description(
            place.presentation_detail,
            place.presentation_resume,
            fallback=f"{place.nom} : lieu d'accueil du public de {source}, {place.full_address}.",
        ),
        "source": source,
        "date_maj": place.date_maj.isoformat(),
        "lien_source": absolute(place.get_absolute_url()),
        "horaires_accueil": place.horaires or None,
        "accessibilite_lieu": place.fiche_acces_libre or None,
        "reseaux_porteurs": [],
    }


def place_contact(place: Place, *, walk_in: bool = True) -> dict:
    """The fields a service shares with its place: where, and how to reach it (`walk_in`:
    whether one may come without an appointment)."""
    modes = ["se-presenter"] if walk_in else []
    if place.telephone:
        modes.append("telephoner")
    if place.courriels:
        modes.append("envoyer-un-courriel")
    return {
        "telephone": place.telephone or None,
        "courriel": place.courriels[0] if place.courriels else None,
        "modes_accueil": ["en-presentiel"],
        "zone_eligibilite": zone_eligibilite(),
        "contact_nom_prenom": None,
        "modes_mobilisation": modes,
        "mobilisable_par": ["usagers", "professionnels"],
        "adresse": place.adresse,
        "code_postal": place.code_postal,
        "commune": place.commune,
        "code_insee": place.code_insee or None,
        "latitude": place.latitude,
        "longitude": place.longitude,
    }


def service_record(place: Place, *, source: str, walk_in: bool = True, **fields) -> dict:
    """A service at `place`: its contact fields, the defaults, then `fields` (a
    `frais_precisions` given is added to the place's condition, if any)."""
    frais = [FRAIS[f] for f in place.frais_a_charge if f in FRAIS]
    conditions = [FREE_UNDER_CONDITIONS] if FREE_UNDER_CONDITIONS in place.frais_a_charge else []
    if fields.get("frais_precisions"):
        conditions.append(fields.pop("frais_precisions"))
    publics = [PUBLICS[p] for p in place.publics_specifiquement_adresses if p in PUBLICS]
    record = {
        "structure_id": place.standard_id,
        "source": source,
        "date_maj": place.date_maj.isoformat(),
        "frais": frais[0] if frais else None,
        "frais_precisions": ". ".join(c.rstrip(".") for c in conditions) + "." if conditions else None,
        "publics": publics or None,
        "publics_precisions": None,
        "conditions_acces": None,
        "lien_mobilisation": place.prise_rdv or None,
        "horaires_accueil": place.horaires or None,
        **place_contact(place, walk_in=walk_in),
        **fields,
    }
    if record["lien_mobilisation"] and "utiliser-lien-mobilisation" not in record["modes_mobilisation"]:
        record["modes_mobilisation"] = [*record["modes_mobilisation"], "utiliser-lien-mobilisation"]
    return {name: record.get(name) for name in SERVICE_FIELDS}


def _place_services(place: Place, *, source: str) -> list[dict]:
    return [
        service_record(
            place,
            source=source,
            id=f"{place.standard_id}--lieu-{slugify(name)[:80] or index}",
            nom=name,
            description=_description(place.presentation_resume, fallback=f"{name}, à {place.nom} ({place.commune})."),
            lien_source=absolute(place.get_absolute_url()),
            type="accompagnement",
            thematiques=PLACE_SERVICE_THEMATIQUES.get(name, ["numerique"]),
        )
        for index, name in enumerate(place.services, start=1)
    ]


def _procedure_services(place: Place, procedures: list[Procedure], *, source: str) -> list[dict]:
    records = []
    for procedure in procedures:
        subthemes = [t.code for t in procedure.themes.all()]
        records.append(
            service_record(
                place,
                source=source,
                id=f"{place.standard_id}--fiche-{procedure.slug}",
                nom=f"Aide pour : {procedure.title}"[:150].rstrip("."),
                description=_description(procedure.summary, fallback=procedure.title),
                lien_source=absolute(procedure.get_absolute_url()),
                date_maj=max(place.date_maj, procedure.updated_at.date()).isoformat(),
                type="accompagnement",
                thematiques=thematiques(
                    [HELP_WITH_PROCEDURES], *(SUBTHEME_THEMATIQUES.get(code, []) for code in subthemes)
                ),
                frais_precisions=procedure.cost or None,
                publics_precisions=procedure.audience or None,
            )
        )
    return records


@cache
def _contributors():
    """The apps that add services (`<app>.datainclusion.services`), the directory excepted."""
    names = [c.name for c in apps.get_app_configs() if c.name.startswith("relais.") and c.name != "relais.directory"]
    return [import_module(f"{name}.datainclusion") for name in names if find_spec(f"{name}.datainclusion")]


def export(*, source: str | None = None) -> dict:
    """{"structures": […], "services": […]} of the published places and what they offer."""
    source = source or settings.RELAIS["TOWN_NAME"]
    places = list(
        Place.objects.published()
        .prefetch_related(
            # Published fiches only, with their themes: one query each, whatever the number of places.
            "procedures__themes"
        )
        .order_by("nom")
    )
    published = {p.pk for p in places}
    structures = [structure_record(p, source=source) for p in places]
    services = []
    for place in places:
        services += _place_services(place, source=source)
        procedures = sorted((p for p in place.procedures.all() if p.published), key=lambda p: p.title)
        services += _procedure_services(place, procedures, source=source)
    for module in _contributors():
        services += module.services(source=source, place_ids=published)
    return {"schema": f"data·inclusion {SCHEMA_VERSION}", "structures": structures, "services": services}


def to_csv(records: list[dict], fields: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow(
            {
                name: spreadsheet_safe(
                    LIST_SEPARATOR.join(value) if isinstance(value, list) else ("" if value is None else value)
                )
                for name, value in record.items()
            }
        )
    return out.getvalue()
