import hashlib
import hmac
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.db.models import Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relais.core import journal
from relais.core.constraints import Check
from relais.core.content_language import language_choices
from relais.core.idempotency import KeyedModel, submission_key_field
from relais.core.plainsql import PlainInsert
from relais.core.text import fold, phone_digits


class Channel(models.TextChoices):
    """How something reached the town: used by people, cases and listings."""

    ONLINE = "online", _("En ligne")
    COUNTER = "counter", _("Au guichet")
    PHONE = "phone", _("Par téléphone")
    POST = "post", _("Par courrier")
    EMAIL = "email", _("Par courriel")
    # Filed, booked or registered by a partner system through the API (its name is the
    # recorder: an application's technical account, see api.Application).
    API = "api", _("Par une application partenaire")


class ContactChannel(models.TextChoices):
    """How a resident wants to hear from the town."""

    EMAIL = "email", _("Courriel")
    SMS = "sms", _("SMS")
    LETTER = "letter", _("Courrier postal")
    PHONE = "phone", _("Appel téléphonique")


MOBILE_NUMBER = re.compile(r"^0[67]\d{8}$")


def is_mobile(phone: str) -> bool:
    """A French mobile number, which can receive SMS: 06 or 07 (also written +33 6, +33 7)."""
    return bool(MOBILE_NUMBER.match(phone_digits(phone)))


class PersonQuerySet(models.QuerySet):
    def active(self):
        """People who were not merged into another record."""
        return self.filter(merged_into__isnull=True)


# A person's identifying and contact details: what a merge copies from the duplicate when the
# kept record has none, what an erasure blanks, and what the journal of a rectification never
# shows in clear.
PERSON_DETAILS = (
    "civility",
    "first_name",
    "last_name",
    "birth_year",
    "email",
    "phone",
    "address",
    "postal_code",
    "commune",
    "accessibility_needs",
)


class Civility(models.TextChoices):
    MADAME = "mme", _("Madame")
    MONSIEUR = "m", _("Monsieur")


class Person(KeyedModel, PlainInsert, models.Model):
    """A resident, known with or without an account (a person is not an account)."""

    # Only when the person said it: the words about them agree with it (`agree`).
    civility = models.CharField(
        _("civilité"),
        max_length=3,
        blank=True,
        choices=Civility.choices,
        help_text=_("Seulement si la personne l'a dite. Sert à accorder les mots : contacté, contactée."),
    )
    first_name = models.CharField(_("prénom"), max_length=100, blank=True)
    last_name = models.CharField(_("nom"), max_length=100, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("année de naissance"), null=True, blank=True)
    email = models.EmailField(_("adresse électronique"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    address = models.TextField(_("adresse postale"), blank=True, help_text=_("Numéro, rue, complément."))
    postal_code = models.CharField(_("code postal"), max_length=10, blank=True)
    commune = models.CharField(_("commune"), max_length=100, blank=True)
    preferred_channel = models.CharField(
        _("moyen de contact préféré"), max_length=10, choices=ContactChannel.choices, default=ContactChannel.LETTER
    )
    preferred_language = models.CharField(_("langue préférée"), max_length=10, choices=language_choices, default="fr")
    accessibility_needs = models.TextField(
        _("besoins d'accessibilité"),
        blank=True,
        help_text=_("Par exemple : malvoyant, lit difficilement le français, se déplace en fauteuil."),
    )
    large_print = models.BooleanField(
        _("courriers en gros caractères"), default=False, help_text=_("Les courriers lui sont imprimés en grand.")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="person"
    )
    created_via = models.CharField(_("créé"), max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_duplicates"
    )
    search_text = models.TextField(editable=False, default="")
    # The person form at the counter sent twice makes one person.
    submission_key = submission_key_field()
    # Set when the person's data was erased on their request (core.rights): the row stays as
    # a tombstone so that records feeding statistics and the journal keep pointing at it.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("personne")
        ordering = ["last_name", "first_name", "pk"]
        # Lists of people by name (the person search, the relay list) read in order, no sort.
        indexes = [
            models.Index(fields=["last_name", "first_name", "id"], name="person_by_name"),
            # People of the same name whatever the case (a registration's duplicate check,
            # asked under the workshop's lock: mediation.selectors.duplicate_registration).
            models.Index(Upper("last_name"), Upper("first_name"), name="person_name_folded"),
        ]
        constraints = [  # decided in Python by full_clean() (relais/core/constraints.py)
            Check(
                condition=~Q(first_name="", last_name="", email="", phone="") | Q(erased_at__isnull=False),
                name="person_identified",
                violation_error_message=_(
                    "Indiquez au moins un nom, un prénom, une adresse électronique ou un téléphone."
                ),
            ),
            Check(
                condition=Q(birth_year__isnull=True) | Q(birth_year__gte=1900, birth_year__lte=2100),
                name="person_birth_year_range",
            ),
        ]

    def __str__(self):
        return self.display_name

    def save(self, *args, **kwargs):
        self.search_text = self.build_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text", "updated_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("people:person_detail", args=[self.pk])

    def clean(self):
        if not any([self.first_name.strip(), self.last_name.strip(), self.email.strip(), self.phone.strip()]):
            raise ValidationError(_("Indiquez au moins un nom, un prénom, une adresse électronique ou un téléphone."))
        missing = self.missing_for(self.preferred_channel)
        if missing:
            raise ValidationError(missing)

    @property
    def interface_language(self) -> str:
        """The language of Relais's own words for this person (dates, letters' headings): their
        language, or French when they chose one the town writes content in only."""
        from relais.core.content_language import interface_language

        return interface_language(self.preferred_language)

    @property
    def display_name(self) -> str:
        """Name as staff read it: "DUPONT Marie", or the contact when there is no name."""
        if self.erased_at:
            return _("Personne effacée n° %(number)s") % {"number": self.pk}
        name = " ".join(p for p in [self.last_name.upper(), self.first_name] if p)
        return name or self.email or self.phone or f"#{self.pk}"

    def agree(self, masculine: str, feminine: str, either: str) -> str:
        """The word about this person that agrees with their recorded civility, or the form
        that fits both (« contacté(e) ») when none was given."""
        return {Civility.MONSIEUR: masculine, Civility.MADAME: feminine}.get(self.civility, either)

    def build_search_text(self) -> str:
        """Folded text that staff searches match against (name, e-mail, phone, year)."""
        parts = [self.first_name, self.last_name, self.email, phone_digits(self.phone), str(self.birth_year or "")]
        return fold(" ".join(parts))

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    def missing_for(self, channel: str) -> dict[str, str]:
        """What this person's record lacks for `channel` to reach them, as {field: message to
        show beside it}; empty when it can. The one rule for every form and the outbox:
        e-mail needs an address, SMS a French mobile number (06, 07, +33 6, +33 7), a letter
        a full postal address, a call any phone number."""
        if channel == ContactChannel.EMAIL and not self.email.strip():
            return {"email": _("Indiquez une adresse électronique pour recevoir les messages par courriel.")}
        if channel == ContactChannel.SMS:
            if not self.phone.strip():
                return {"phone": _("Indiquez un numéro de portable pour recevoir des SMS.")}
            if not is_mobile(self.phone):
                return {
                    "phone": _(
                        "Ce numéro ne reçoit pas de SMS. Indiquez un numéro de portable (06 ou 07), "
                        "ou choisissez un autre moyen de contact."
                    )
                }
        if channel == ContactChannel.PHONE and not self.phone.strip():
            return {"phone": _("Indiquez un numéro de téléphone pour être joint par un appel.")}
        if channel == ContactChannel.LETTER:
            needed = {
                "address": _("Indiquez l'adresse (numéro et rue) pour recevoir des courriers."),
                "postal_code": _("Indiquez le code postal pour recevoir des courriers."),
                "commune": _("Indiquez la commune pour recevoir des courriers."),
            }
            return {name: message for name, message in needed.items() if not getattr(self, name).strip()}
        return {}

    def can_receive(self, channel: str) -> bool:
        """Whether a message on `channel` can reach this person (see `missing_for`)."""
        return not self.missing_for(channel)


class PersonErased(ValidationError):
    """Nothing new is recorded for an erased person: their record is a tombstone."""


ERASED_MESSAGE = _(
    "Les données de cette personne ont été effacées à sa demande. Rien de nouveau ne peut être enregistré pour elle. "
    "Si elle revient, créez une nouvelle fiche."
)


def refuse_erased(person) -> None:
    """The one guard of every service that records something for a person (a request, a
    booking, a registration, a mandate, a listing, a message…): an erased record refuses,
    read again from the database (erased meanwhile in another tab)."""
    if not isinstance(person, Person) or person.pk is None:
        return  # a callable making the resident, or a new record: not erased
    if person.is_erased or Person.objects.filter(pk=person.pk, erased_at__isnull=False).exists():
        raise PersonErased(ERASED_MESSAGE)


class AuditEventQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        with transaction.atomic(using=self.db):
            created = super().bulk_create(objs, *args, **kwargs)
            _entries_written(self.db)
        return created

    def update(self, **kwargs):
        raise PermissionError("The audit journal is append-only.")

    def delete(self):
        raise PermissionError("The audit journal is append-only.")


def _entries_written(using: str) -> None:
    # Imported here: the chain module reads this model.
    from relais.core.auditchain import entries_written

    entries_written(using=using)


class AuditEvent(PlainInsert, models.Model):
    """One entry of the append-only journal of every look at or change of personal data.

    Rows are refused updates and deletes here and by database triggers (see the
    migrations); only `core.audit.audit_purge` may remove entries past retention.
    `person_id` is a plain integer so that purging a person keeps the trail.

    Each entry is sealed shortly after it is written (`core.auditchain`): it gets the
    next position of a chain and a MAC over its fields and the previous entry's MAC.
    The triggers let the two seal columns be set once, from empty, and never again.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    person_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    reason = models.CharField(max_length=500, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    chain_position = models.BigIntegerField(null=True, blank=True, editable=False)
    # NULL until sealed, like chain_position: a nullable column without default is added to
    # SQLite without rebuilding the table (which would drop the append-only triggers).
    chain_mac = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["actor", "-at"], name="audit_actor_at"),
            # Only the few entries waiting for their seal: the sealer finds them at once.
            models.Index(fields=["id"], condition=Q(chain_position__isnull=True), name="audit_unsealed"),
        ]
        constraints = [
            # Partial, so that adding it does not rebuild the table on SQLite (which would
            # drop the append-only triggers); unsealed entries have no position yet.
            models.UniqueConstraint(
                fields=["chain_position"], condition=Q(chain_position__isnull=False), name="audit_chain_position_unique"
            ),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The audit journal is append-only.")
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        # One transaction for the entry and its seal (SQLite seals inline), but no savepoint
        # of its own inside a caller's: an entry that cannot be written fails the whole change.
        with transaction.atomic(using=using, savepoint=False):
            super().save(*args, **kwargs)
            _entries_written(using)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit journal is append-only.")

    @property
    def action_label(self) -> str:
        """The action in French, an entry written under an old name included (core.journal)."""
        return journal.label(self.action)


class AuditPerson(models.Model):
    """A person named by a journal entry that names several (a list page, an export, a
    print batch), so that the journal filtered by person finds it. The entry's `details`
    keep the same ids (`people`): this table is only their index."""

    event = models.ForeignKey(AuditEvent, on_delete=models.CASCADE, related_name="people_index")
    person_id = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["person_id", "event"], name="audit_person_event")]

    def __str__(self):
        return f"{self.event_id} → {self.person_id}"


class AccessCode(models.Model):
    """A short code printed on paper instead of a private link: with a detail only the
    resident knows, it opens the page the link would (see core.access)."""

    code = models.CharField(max_length=12, unique=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="access_codes")
    target = models.CharField(max_length=500, help_text="The path of the private page the code opens.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    failures = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("code d'accès sur papier")
        constraints = [models.UniqueConstraint(fields=["person", "target"], name="access_code_one_per_page")]

    def __str__(self):
        return self.code


class BlockedSenderQuerySet(models.QuerySet):
    def current(self, now=None):
        return self.filter(until__gt=now or timezone.now())


class BlockedSender(models.Model):
    """A sender refused on the online request pages until a date: the address block of a
    connection, an e-mail address or a phone number, after staff marked one of their
    requests as spam. Only a keyed hash of the value is kept (`digest`), so the list holds
    no contact detail; changing SECRET_KEY forgets every block."""

    class Kind(models.TextChoices):
        ADDRESS = "address", _("connexion internet")
        EMAIL = "email", _("adresse électronique")
        PHONE = "phone", _("téléphone")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    value_hash = models.CharField(max_length=64)
    until = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BlockedSenderQuerySet.as_manager()

    class Meta:
        verbose_name = _("expéditeur bloqué")
        indexes = [models.Index(fields=["kind", "value_hash", "until"], name="blocked_sender_lookup")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.value_hash[:8]}… ({self.until:%Y-%m-%d})"

    @staticmethod
    def digest(kind: str, value: str) -> str:
        """The hash stored for `value` (an address block, an e-mail, a phone), or "" for none."""
        if kind == BlockedSender.Kind.EMAIL:
            value = (value or "").strip().lower()
        elif kind == BlockedSender.Kind.PHONE:
            value = phone_digits(value)
        if not value or value == "unknown":
            return ""
        key = f"{settings.SECRET_KEY}:blocked-sender".encode()
        return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


class AuditChainHead(models.Model):
    """The end of the audit chain: last position sealed, its MAC, and a MAC over both.

    One row. Sealers lock it (skipping it when another sealer holds it) and move it
    forward; `audit_verify` compares it with the chain, so that deleting the newest
    entries shows even when the head is moved back to match (its MAC would not).
    """

    position = models.BigIntegerField(default=0)
    mac = models.CharField(max_length=64, blank=True)
    key_id = models.CharField(max_length=16, blank=True)
    head_mac = models.CharField(max_length=64, blank=True)
    # Highest entry id sealed: where sealers start looking (a hint, outside the head's MAC).
    last_id = models.BigIntegerField(default=0)
    sealed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"audit chain head at {self.position}"


class RetainedCount(models.Model):
    """Anonymous counts of records a retention purge removed (core.retention), so that a
    figure shown to staff is the same before and after the purge. No person, no text: a
    kind, a team, a month and a few codes (e.g. form, channel, status)."""

    kind = models.CharField(max_length=40)
    team_id = models.BigIntegerField(default=0, help_text="0: no team.")
    month = models.DateField(help_text="First day of the month the records belonged to.")
    dimensions = models.JSONField(default=dict)
    key = models.CharField(max_length=300, help_text="The dimensions, sorted, as one string (for uniqueness).")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("décompte anonyme conservé")
        constraints = [models.UniqueConstraint(fields=["kind", "team_id", "month", "key"], name="retained_count_once")]

    def __str__(self):
        return f"{self.kind} {self.month:%Y-%m} {self.key}: {self.count}"


# The default cache's copy of the statement's state, for the footer of every page.
STATE_CACHE_KEY = "relais:accessibility-state"


class ConformanceState(models.TextChoices):
    """RGAA conformance, from the rate of criteria met (no audit: not conformant)."""

    FULL = "full", _("totalement conforme")
    PARTIAL = "partial", _("partiellement conforme")
    NONE = "none", _("non conforme")


def _relative_or_web_address(value: str):
    # "//evil.example" is another site (protocol-relative), not a page of this one.
    if not re.fullmatch(r"(/(?![/\\])[^\s]*|https?://[^\s]+)", value or ""):
        raise ValidationError(
            _("Écrivez une adresse qui commence par https:// ou par / (une page de ce site), sans espace.")
        )


class AccessibilityStatement(models.Model):
    """The site's accessibility statement (RGAA 4.1 model), one row, filled in by administrators."""

    entity = models.CharField(
        _("entité responsable du site"),
        max_length=200,
        blank=True,
        help_text=_("Par exemple : Mairie de Valbrenne. Vide : le nom de la commune."),
    )
    site_name = models.CharField(
        _("nom du site"), max_length=200, blank=True, help_text=_("Vide : « Relais – » et le nom de la commune.")
    )
    site_url = models.URLField(_("adresse du site"), blank=True)
    rate = models.DecimalField(
        _("taux de conformité (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Part des critères RGAA applicables respectés, selon le dernier audit. Vide : pas encore d'audit."),
    )
    audit_date = models.DateField(_("date de l'audit"), null=True, blank=True)
    auditor = models.CharField(
        _("audit réalisé par"), max_length=200, blank=True, help_text=_("La personne, le service ou la société.")
    )
    statement_date = models.DateField(_("date de la déclaration"), null=True, blank=True)
    non_conformities = models.TextField(
        _("non-conformités"), blank=True, help_text=_("Une par ligne, avec le critère RGAA : « 11.1 – … ».")
    )
    disproportionate_burden = models.TextField(
        _("dérogations pour charge disproportionnée"), blank=True, help_text=_("Une par ligne.")
    )
    exempt_content = models.TextField(
        _("contenus non soumis à l'obligation d'accessibilité"), blank=True, help_text=_("Un par ligne.")
    )
    technologies = models.TextField(
        _("technologies utilisées"), blank=True, default="HTML\nCSS\nJavaScript (facultatif)"
    )
    test_tools = models.TextField(
        _("outils utilisés pour vérifier l'accessibilité"), blank=True, help_text=_("Un par ligne.")
    )
    test_environment = models.TextField(
        _("environnement de test (navigateurs et technologies d'assistance)"),
        blank=True,
        help_text=_("Un par ligne : « NVDA 2024.4 avec Firefox 128 »."),
    )
    pages_audited = models.TextField(
        _("pages vérifiées"), blank=True, help_text=_("Une par ligne : le nom de la page, puis son adresse.")
    )
    contact_email = models.EmailField(_("adresse électronique de contact"), blank=True)
    contact_address = models.TextField(_("adresse postale de contact"), blank=True)
    contact_form_url = models.CharField(
        _("formulaire de contact"),
        max_length=300,
        blank=True,
        validators=[_relative_or_web_address],
        help_text=_("Une page de ce site (/demarches/…) ou une adresse https://."),
    )
    contact_phone = models.CharField(_("téléphone de contact"), max_length=30, blank=True)
    improvement_plan = models.TextField(
        _("plan d'amélioration"),
        blank=True,
        help_text=_("Ce qui sera corrigé, et quand (schéma pluriannuel, plan d'action de l'année)."),
    )
    # "Stratégie et actions" of the RGAA model: the pluriannual scheme and this year's plan.
    multiyear_plan_url = models.CharField(
        _("schéma pluriannuel de mise en accessibilité (adresse)"),
        max_length=300,
        blank=True,
        validators=[_relative_or_web_address],
        help_text=_("L'adresse du document publié : une page de ce site (/…) ou une adresse https://."),
    )
    action_plan_url = models.CharField(
        _("plan d'action de l'année en cours (adresse)"),
        max_length=300,
        blank=True,
        validators=[_relative_or_web_address],
        help_text=_("L'adresse du document publié : une page de ce site (/…) ou une adresse https://."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("déclaration d'accessibilité")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="core_accessibility_statement_single_row")]

    def __str__(self):
        return str(_("Déclaration d'accessibilité"))

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> "AccessibilityStatement":
        """The statement (an empty one, not saved, until an administrator fills it in)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    @property
    def state(self) -> str:
        """Totally conformant at 100 %, partially from 50 %, else (or without an audit) not."""
        if self.rate is None:
            return ConformanceState.NONE
        if self.rate >= 100:
            return ConformanceState.FULL
        if self.rate >= 50:
            return ConformanceState.PARTIAL
        return ConformanceState.NONE

    def get_state_display(self) -> str:
        return str(ConformanceState(self.state).label)

    @property
    def entity_name(self) -> str:
        return self.entity or _("Mairie de %(town)s") % {"town": settings.RELAIS["TOWN_NAME"]}

    @property
    def site_title(self) -> str:
        return self.site_name or _("Relais – %(town)s") % {"town": settings.RELAIS["TOWN_NAME"]}

    @property
    def site_address(self) -> str:
        return self.site_url or settings.SITE_URL

    @property
    def phone(self) -> str:
        return self.contact_phone or settings.RELAIS["TOWN_PHONE"]

    @property
    def postal_address(self) -> str:
        return self.contact_address or settings.RELAIS["TOWN_ADDRESS"]

    def clean(self):
        if self.rate is not None and not 0 <= self.rate <= 100:
            raise ValidationError({"rate": _("Le taux est un pourcentage, entre 0 et 100.")})
        if self.rate is not None and not self.audit_date:
            raise ValidationError({"audit_date": _("Indiquez la date de l'audit qui a donné ce taux.")})
        if self.audit_date and self.audit_date > timezone.localdate():
            raise ValidationError({"audit_date": _("La date de l'audit ne peut pas être dans le futur.")})
        if self.statement_date and self.statement_date > timezone.localdate():
            raise ValidationError({"statement_date": _("La date de la déclaration ne peut pas être dans le futur.")})
        if self.rate is not None and self.rate >= 100 and (self.non_conformities or "").strip():
            raise ValidationError(
                {
                    "rate": _(
                        "Un site totalement conforme n'a pas de non-conformité : corrigez le taux "
                        "ou videz la liste des non-conformités."
                    )
                }
            )
