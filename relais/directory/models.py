from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from relais.core import vocabularies as voc
from relais.core.content_language import translations_field
from relais.directory import hours

phone_validator = RegexValidator(
    r"^(\+33|\+590|\+594|\+262|\+596|\+269|\+687|\+689|\+508|\+681)(\d){6,9}$",
    _("Écrivez le numéro au format international, sans espace : +33247000000."),
)
postal_code_validator = RegexValidator(r"^\d{5}$", _("Le code postal a 5 chiffres, par exemple 37500."))
insee_validator = RegexValidator(r"^([013-9]\d|2[AB1-9])\d{3}$", _("Le code INSEE a 5 caractères, par exemple 37261."))
pivot_validator = RegexValidator(r"^[a-zA-Z0-9]{9,14}$", _("Le SIRET (ou SIREN) a 9 à 14 chiffres, sans espace."))


@deconstructible
class ListOf:
    """Validator for a JSON list whose items must come from a national vocabulary."""

    def __init__(self, vocabulary: str):
        self.vocabulary = vocabulary

    def __call__(self, value):
        if not isinstance(value, list):
            raise ValidationError(_("Valeur attendue : une liste."))
        allowed = getattr(voc, self.vocabulary)
        allowed = dict(allowed) if allowed and isinstance(allowed[0], tuple) else allowed
        unknown = [v for v in value if v not in allowed]
        if unknown:
            raise ValidationError(_("Valeur inconnue : %(values)s."), params={"values": ", ".join(map(str, unknown))})

    def __eq__(self, other):
        return isinstance(other, ListOf) and other.vocabulary == self.vocabulary


class Theme(models.Model):
    """A catalogue theme: one of the 11 administrative sub-themes (codes are national)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    label = models.CharField(_("libellé"), max_length=120)
    description = models.CharField(_("exemples"), max_length=255, blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    TRANSLATED_FIELDS = ("label", "description")
    translations = translations_field(*TRANSLATED_FIELDS)

    class Meta:
        verbose_name = _("thème")
        ordering = ["position", "label"]

    def __str__(self):
        return self.label

    def get_absolute_url(self):
        return reverse("directory:theme", args=[self.code])


class Organisation(models.Model):
    """The body that owns a procedure: the town, CAF, CPAM, France Travail, ANTS…"""

    slug = models.SlugField(_("identifiant"), max_length=60, unique=True)
    name = models.CharField(_("nom"), max_length=150)
    short_name = models.CharField(_("sigle"), max_length=40, blank=True)
    website = models.URLField(_("site internet"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    description = models.CharField(_("présentation"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("organisme")
        ordering = ["name"]

    def __str__(self):
        return self.short_name or self.name


class WheelchairAccess(models.TextChoices):
    YES = "oui", _("Accessible en fauteuil roulant")
    PARTIAL = "partiel", _("Partiellement accessible en fauteuil roulant")
    NO = "non", _("Pas accessible en fauteuil roulant")
    UNKNOWN = "", _("Accessibilité non renseignée")


class Equipment(models.TextChoices):
    """What a place lends residents on site: the search sends someone who needs to print or
    scan a document there (the national schema's services do not say)."""

    COMPUTERS = "ordinateurs", _("Ordinateurs en libre accès")
    PRINTER = "imprimante", _("Imprimante")
    SCANNER = "scanner", _("Scanner")
    PHOTOCOPIER = "photocopieuse", _("Photocopieuse")
    WIFI = "wifi", _("Wifi gratuit")


def validate_equipment(value):
    if not isinstance(value, list):
        raise ValidationError(_("Valeur attendue : une liste."))
    unknown = [v for v in value if v not in Equipment.values]
    if unknown:
        raise ValidationError(_("Valeur inconnue : %(values)s."), params={"values": ", ".join(map(str, unknown))})


class PlaceQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)


class Place(models.Model):
    """A place (lieu), with the fields of the national Schéma des lieux de médiation numérique."""

    slug = models.SlugField(_("identifiant dans l'adresse de la page"), max_length=80, unique=True)
    schema_id = models.CharField(
        _("identifiant dans le standard"),
        max_length=100,
        blank=True,
        help_text=_("Laisser vide pour utiliser l'identifiant de la page."),
    )
    nom = models.CharField(_("nom"), max_length=200)
    pivot = models.CharField(_("SIRET"), max_length=14, validators=[pivot_validator])
    adresse = models.CharField(_("adresse"), max_length=255)
    complement_adresse = models.CharField(_("complément d'adresse"), max_length=255, blank=True)
    code_postal = models.CharField(_("code postal"), max_length=5, validators=[postal_code_validator])
    commune = models.CharField(_("commune"), max_length=100)
    code_insee = models.CharField(_("code INSEE"), max_length=5, blank=True, validators=[insee_validator])
    quartier = models.CharField(_("quartier"), max_length=100, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    typologie = models.JSONField(_("types de lieu"), default=list, blank=True, validators=[ListOf("TYPOLOGIES")])
    telephone = models.CharField(_("téléphone"), max_length=20, blank=True, validators=[phone_validator])
    courriels = models.JSONField(_("adresses électroniques"), default=list, blank=True)
    site_web = models.JSONField(_("sites internet"), default=list, blank=True)
    horaires = models.CharField(
        _("horaires (format OpenStreetMap)"),
        max_length=500,
        blank=True,
        help_text=_("Par exemple : Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00; PH off"),
    )
    presentation_resume = models.TextField(_("présentation courte"), blank=True, validators=[MaxLengthValidator(280)])
    presentation_detail = models.TextField(_("présentation détaillée"), blank=True)
    source = models.CharField(_("source des données"), max_length=100, blank=True)
    itinerance = models.JSONField(_("itinérance"), default=list, blank=True, validators=[ListOf("LIEUX_ITINERANCE")])
    structure_parente = models.CharField(_("structure parente"), max_length=200, blank=True)
    services = models.JSONField(_("services"), default=list, blank=True, validators=[ListOf("LIEUX_SERVICES")])
    equipment = models.JSONField(
        _("équipements en libre accès"), default=list, blank=True, validators=[validate_equipment]
    )
    publics_specifiquement_adresses = models.JSONField(
        _("publics accueillis en particulier"), default=list, blank=True, validators=[ListOf("LIEUX_PUBLICS")]
    )
    prise_en_charge_specifique = models.JSONField(
        _("accompagnements adaptés"), default=list, blank=True, validators=[ListOf("LIEUX_PRISE_EN_CHARGE")]
    )
    frais_a_charge = models.JSONField(_("frais"), default=list, blank=True, validators=[ListOf("LIEUX_FRAIS")])
    dispositif_programmes_nationaux = models.JSONField(
        _("dispositifs nationaux"), default=list, blank=True, validators=[ListOf("LIEUX_DISPOSITIFS")]
    )
    formations_labels = models.JSONField(
        _("formations et labels"), default=list, blank=True, validators=[ListOf("LIEUX_FORMATIONS_LABELS")]
    )
    autres_formations_labels = models.CharField(_("autres formations et labels"), max_length=300, blank=True)
    modalites_acces = models.JSONField(
        _("comment venir"), default=list, blank=True, validators=[ListOf("LIEUX_MODALITES_ACCES")]
    )
    modalites_accompagnement = models.JSONField(
        _("types d'accompagnement"), default=list, blank=True, validators=[ListOf("LIEUX_MODALITES_ACCOMPAGNEMENT")]
    )
    fiche_acces_libre = models.URLField(_("fiche Acceslibre"), blank=True)
    prise_rdv = models.URLField(_("prise de rendez-vous en ligne"), blank=True)
    date_maj = models.DateField(_("date de mise à jour"), default=timezone.localdate)
    wheelchair_access = models.CharField(
        _("accès en fauteuil roulant"), max_length=10, choices=WheelchairAccess.choices, blank=True
    )
    accessibility_notes = models.TextField(
        _("accessibilité du lieu"), blank=True, help_text=_("Rampe, ascenseur, boucle magnétique, toilettes adaptées…")
    )
    getting_there = models.TextField(_("pour venir"), blank=True, help_text=_("Bus, stationnement, repères."))
    published = models.BooleanField(_("publié"), default=True)
    TRANSLATED_FIELDS = ("presentation_resume", "presentation_detail", "accessibility_notes", "getting_there")
    translations = translations_field(*TRANSLATED_FIELDS)
    updated_at = models.DateTimeField(auto_now=True)
    # Edited from the team's page (accounts: `team.places`); the table is the one accounts created.
    teams = models.ManyToManyField(
        "accounts.Team", blank=True, related_name="places", db_table="accounts_team_places", verbose_name=_("équipes")
    )

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("lieu")
        ordering = ["nom"]

    def __str__(self):
        return self.nom

    def save(self, *args, **kwargs):
        self.date_maj = timezone.localdate()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "date_maj", "updated_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("directory:place", args=[self.slug])

    def clean(self):
        if self.horaires and not hours.is_valid(self.horaires):
            raise ValidationError(
                {"horaires": _("Ces horaires ne sont pas au format OpenStreetMap. Exemple : Mo-Fr 09:00-12:00")}
            )
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError({"longitude": _("Indiquez la latitude et la longitude, ou aucune des deux.")})

    @property
    def standard_id(self) -> str:
        return self.schema_id or self.slug

    @property
    def full_address(self) -> str:
        parts = [self.adresse, self.complement_adresse, f"{self.code_postal} {self.commune}"]
        return ", ".join(p for p in parts if p)

    @property
    def display_phone(self) -> str:
        """ "+33247000000" shown as "02 47 00 00 00"."""
        if self.telephone.startswith("+33") and len(self.telephone) == 12:
            national = "0" + self.telephone[3:]
            return " ".join(national[i : i + 2] for i in range(0, 10, 2))
        return self.telephone

    def typologie_labels(self) -> list[str]:
        labels = dict(voc.TYPOLOGIES)
        return [str(labels.get(code, code)) for code in self.typologie]

    def equipment_labels(self) -> list[str]:
        """What residents may use there on their own (computers, printer…), in words."""
        labels = dict(Equipment.choices)
        return [str(labels[code]) for code in self.equipment if code in labels]

    def week_hours(self, today=None):
        return hours.week(self.horaires, today=today)

    def status_now(self, now=None):
        return hours.status(self.horaires, now=now)


class ProcedureQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)


class Procedure(models.Model):
    """A catalogue entry (fiche pratique): what to do, what to bring, where to get help."""

    slug = models.SlugField(_("identifiant dans l'adresse de la page"), max_length=100, unique=True)
    title = models.CharField(
        _("titre"), max_length=200, help_text=_("Ce que la personne veut faire : « Refaire sa carte d'identité ».")
    )
    summary = models.TextField(_("résumé en français simple"))
    easy_read = models.TextField(
        _("version facile à lire et à comprendre (FALC)"),
        blank=True,
        help_text=_("Une idée par ligne, des phrases courtes."),
    )
    audience = models.TextField(_("pour qui"), blank=True)
    documents = models.TextField(_("documents à apporter"), blank=True, help_text=_("Un document par ligne."))
    cost = models.CharField(_("coût"), max_length=200, blank=True)
    delay = models.CharField(_("délai"), max_length=200, blank=True)
    how_to = models.TextField(_("comment faire"), blank=True, help_text=_("Une étape par ligne."))
    external_url = models.URLField(_("lien vers le site où faire la démarche"), blank=True)
    external_label = models.CharField(_("texte du lien"), max_length=200, blank=True)
    counter = models.BooleanField(_("possible au guichet de la mairie"), default=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="procedures", verbose_name=_("organisme")
    )
    themes = models.ManyToManyField(Theme, related_name="procedures", verbose_name=_("thèmes"))
    places = models.ManyToManyField(
        Place, blank=True, related_name="procedures", verbose_name=_("lieux où l'on peut vous aider")
    )
    keywords = models.TextField(
        _("mots que les habitants utilisent"),
        blank=True,
        help_text=_("Séparés par des virgules : carte grise, voiture, immatriculation."),
    )
    published = models.BooleanField(_("publiée"), default=True)
    TRANSLATED_FIELDS = (
        "title",
        "summary",
        "easy_read",
        "audience",
        "documents",
        "cost",
        "delay",
        "how_to",
        "external_label",
    )
    translations = translations_field(*TRANSLATED_FIELDS)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProcedureQuerySet.as_manager()

    class Meta:
        verbose_name = _("fiche pratique")
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("directory:procedure", args=[self.slug])

    def clean(self):
        if self.external_url and not self.external_label:
            raise ValidationError(
                {
                    "external_label": _(
                        "Indiquez le texte du lien, par exemple « Faire la demande sur le site de l'ANTS »."
                    )
                }
            )

    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.replace("\n", ",").split(",") if k.strip()]


class Acronym(models.Model):
    """An acronym of the town's list (CAF, CCAS, RIB…) and its full form, spelled out on
    first use in the catalogue's texts (see directory.acronyms)."""

    abbreviation = models.CharField(
        _("sigle"),
        max_length=20,
        unique=True,
        error_messages={"unique": _("Ce sigle est déjà dans la liste : modifiez-le plutôt.")},
        help_text=_("Tel qu'il est écrit dans les textes, en majuscules : CAF."),
    )
    expansion = models.CharField(
        _("forme complète"),
        max_length=200,
        help_text=_(
            "En minuscules sauf les noms propres, comme au milieu d'une phrase : caisse d'allocations familiales."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sigle")
        verbose_name_plural = _("sigles")
        ordering = ["abbreviation"]

    def __str__(self):
        return self.abbreviation
