import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relais.core import vocabularies as voc
from relais.core.idempotency import KeyedModel, submission_key_field


class Duration(models.TextChoices):
    DAY = "1d", _("une journée")
    MONTH = "1m", _("un mois")
    SIX_MONTHS = "6m", _("six mois")
    YEAR = "1y", _("un an")


DURATION_DAYS = {Duration.DAY: 1, Duration.MONTH: 31, Duration.SIX_MONTHS: 182, Duration.YEAR: 365}


class ConsentMethod(models.TextChoices):
    PAPER = "paper", _("Formulaire papier imprimé et signé par la personne")
    CODE = "code", _("Code envoyé à la personne, qu'elle nous donne")


class RevokedVia(models.TextChoices):
    ONLINE = "online", _("En ligne, par la personne")
    COUNTER = "counter", _("À l'accueil, à la demande de la personne")
    PHONE = "phone", _("Par téléphone, à la demande de la personne")
    HELPER = "helper", _("Par l'aidant")


class State(models.TextChoices):
    """Where a mandate stands, computed from its dates (never stored)."""

    PENDING = "pending", _("En attente de l'accord")
    ACTIVE = "active", _("Actif")
    EXPIRED = "expired", _("Terminé")
    REVOKED = "revoked", _("Arrêté")


# The colour of a state's tag (components/tag.html); an expired mandate is neutral.
STATE_TONES = {State.ACTIVE: "ok", State.PENDING: "warn", State.REVOKED: "closed"}

# Wrong codes accepted in total, across every code sent for one mandate; then consent by
# code is locked and only the signed paper form can activate it.
CODE_MAX_ATTEMPTS = 5
# New codes an agent may ask for after the first one.
CODE_MAX_RESENDS = 3


def _new_token() -> str:
    return secrets.token_urlsafe(24)


class MandateQuerySet(models.QuerySet):
    def active(self, now=None):
        now = now or timezone.now()
        return self.filter(activated_at__isnull=False, revoked_at__isnull=True, expires_at__gt=now)

    def pending(self):
        return self.filter(activated_at__isnull=True, revoked_at__isnull=True)


class Mandate(KeyedModel, models.Model):
    """A resident's consent that a helping structure (a team) acts for them, on some
    scopes, for a limited time. It binds the resident and the structure, not one agent.

    The text the resident was shown or signed is kept as it was (`consent_text`).
    """

    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="mandates")
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, related_name="mandates", verbose_name=_("structure aidante")
    )
    duration = models.CharField(_("durée"), max_length=2, choices=Duration.choices)
    consent_method = models.CharField(_("recueil du consentement"), max_length=10, choices=ConsentMethod.choices)
    consent_text = models.TextField(_("texte présenté à la personne"))
    consent_text_version = models.CharField(max_length=20)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_via = models.CharField(max_length=10, choices=RevokedVia.choices, blank=True)
    revoke_reason = models.CharField(_("motif"), max_length=300, blank=True)
    code_hash = models.CharField(max_length=128, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    code_sends = models.PositiveSmallIntegerField(default=0)
    paper_scan = models.FileField(upload_to="mandates/", blank=True)
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # The mandate form sent twice prepares one mandate and sends one consent code.
    submission_key = submission_key_field()

    objects = MandateQuerySet.as_manager()

    class Meta:
        verbose_name = _("mandat")
        ordering = ["-created_at"]
        # The staff list: a team's mandates waiting (oldest first) and ended (newest first);
        # its active ones, ending first (then by id, as the list orders them), read in that order
        # instead of sorted.
        indexes = [
            models.Index(fields=["team", "created_at"], name="mandate_team_created"),
            models.Index(
                fields=["team", "expires_at", "id"],
                condition=Q(activated_at__isnull=False, revoked_at__isnull=True),
                name="mandate_team_active",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(activated_at__isnull=True) | Q(expires_at__isnull=False), name="mandate_active_expires"
            )
        ]

    def __str__(self):
        return f"{self.person} – {self.team} ({self.get_duration_display()})"

    def get_absolute_url(self):
        return reverse("mandates:detail", args=[self.pk])

    def get_resident_url(self):
        return reverse("mandates:resident", args=[self.token])

    @property
    def state(self) -> State:
        """pending | active | expired | revoked"""
        if self.revoked_at:
            return State.REVOKED
        if self.activated_at is None:
            return State.PENDING
        if self.expires_at <= timezone.now():
            return State.EXPIRED
        return State.ACTIVE

    @property
    def state_tone(self) -> str:
        """The colour of the state's tag: "ok", "warn", "closed" or "" (neutral)."""
        return STATE_TONES.get(self.state, "")

    @property
    def is_active(self) -> bool:
        return self.state == "active"

    @property
    def code_locked(self) -> bool:
        """Too many wrong codes: consent by code is over for this mandate (paper only)."""
        return self.code_attempts >= CODE_MAX_ATTEMPTS

    @property
    def code_resends_left(self) -> int:
        """New codes that may still be sent (the first one is not a resend)."""
        return max(CODE_MAX_RESENDS - max(self.code_sends - 1, 0), 0)

    @property
    def offers_paper(self) -> bool:
        """The signed paper form is the way to consent: chosen, or the codes are used up."""
        return self.consent_method == ConsentMethod.PAPER or self.code_locked or self.code_resends_left == 0

    def expiry_for(self, start: datetime.datetime) -> datetime.datetime:
        """End of validity when consent is given at `start` (end of that local day for one day)."""
        days = DURATION_DAYS[Duration(self.duration)]
        local = timezone.localtime(start)
        end_of_day = local.replace(hour=23, minute=59, second=59, microsecond=0)
        return end_of_day + datetime.timedelta(days=days - 1)

    def active_scopes(self) -> list[str]:
        return [s.scope for s in self.scopes.all() if s.revoked_at is None]

    def scope_labels(self) -> list[str]:
        labels = dict(voc.MANDATE_SCOPES)
        return [str(labels.get(code, code)) for code in self.active_scopes()]


class MandateScope(models.Model):
    """One scope (démarche) of a mandate; each may be revoked on its own."""

    mandate = models.ForeignKey(Mandate, on_delete=models.CASCADE, related_name="scopes")
    scope = models.CharField(max_length=20, choices=voc.MANDATE_SCOPES)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["mandate", "scope"], name="mandate_scope_once")]

    def __str__(self):
        return self.get_scope_display()
