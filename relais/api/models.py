"""Partner applications, their keys, idempotent replies and webhooks.

An `Application` is a partner system (the town's website, a street-report app, the social
services' software, a library's booking screen). It acts through a technical account
(`accounts.User` with `is_application`), named after it: the domain services see an actor
like any other, so every rule (a team's scope, the mandate rule, the journal entry) is the
one the web uses, and the journal names the application. A staff application's account
holds a role in its team, the role the administrator chose: it sees and may do exactly what
an agent of that role in that team may.

Keys are shown once and stored as a SHA-256 digest (they are long random secrets: no slow
hash needed); the prefix, kept in clear, finds the row and is what lists show.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relais.core.idempotency import KeyedModel, submission_key_field


class Scope(models.TextChoices):
    """What an application may do, resource by resource, read or write."""

    REQUESTS_WRITE = "requests:write", _("Déposer des demandes et y ajouter des pièces")
    REQUESTS_READ = "requests:read", _("Suivre les demandes déposées par l'application")
    BOOKINGS_WRITE = "bookings:write", _("Prendre des rendez-vous et inscrire à des ateliers")
    CASES_READ = "cases:read", _("Lire les dossiers de l'équipe")
    CASES_WRITE = "cases:write", _("Traiter les dossiers de l'équipe")
    ACCOMPANIMENTS_WRITE = "accompaniments:write", _("Enregistrer des accompagnements")


# Scopes that act as the team's agents: they need a team and a role in it.
STAFF_SCOPES = (Scope.CASES_READ, Scope.CASES_WRITE, Scope.ACCOMPANIMENTS_WRITE)


class Application(KeyedModel, models.Model):
    name = models.CharField(_("nom de l'application"), max_length=120)
    slug = models.SlugField(max_length=80, unique=True)
    contact_email = models.EmailField(_("contact technique"), blank=True)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("équipe"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        help_text=_("Pour une application qui travaille les dossiers d'une équipe, comme ses agents."),
    )
    role = models.CharField(_("rôle dans l'équipe"), max_length=20, blank=True)
    scopes = models.JSONField(_("droits"), default=list)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_application", editable=False
    )
    rate_limit = models.PositiveIntegerField(
        _("requêtes par minute"), default=120, help_text=_("Au-delà, l'application est priée d'attendre.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)
    submission_key = submission_key_field()  # the administrator's form (one click, one application)

    class Meta:
        verbose_name = _("application partenaire")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def role_label(self) -> str:
        """The role in its team, in words ("" when it has none)."""
        from relais.accounts.models import Role

        return str(dict(Role.choices).get(self.role, self.role))

    @property
    def scope_labels(self) -> list[str]:
        return [str(dict(Scope.choices).get(scope, scope)) for scope in self.scopes]


class ApplicationKey(KeyedModel, models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="keys")
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Set when the key is replaced: the old key keeps working until then (a partner deploys
    # its new key without a gap), then never again.
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    submission_key = submission_key_field()  # "Remplacer la clé" clicked twice makes one key

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.application} ({self.prefix}…)"

    def is_valid(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class IdempotentReply(models.Model):
    """The reply to a create made with an `Idempotency-Key`: a retry with the same key and
    the same body gets it again (nothing created twice); the same key with another body is
    refused. Kept a day (see api.retention)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    operation = models.CharField(max_length=200)  # "POST /api/v1/requests"
    body_digest = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "key"], name="api_idempotent_reply_key")]

    def __str__(self):
        return f"{self.operation} {self.key}"


class WebhookEndpoint(KeyedModel, models.Model):
    """A partner's URL told of chosen events, signed with the endpoint's own secret."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(_("adresse"), max_length=500)
    events = models.JSONField(_("événements"), default=list)
    secret = models.CharField(max_length=80, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    submission_key = submission_key_field()

    class Meta:
        verbose_name = _("adresse de rappel (webhook)")
        ordering = ["application__name", "url"]

    def __str__(self):
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("À envoyer")
    SENT = "sent", _("Reçu")
    FAILED = "failed", _("Abandonné")


class WebhookDelivery(models.Model):
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=60)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    # One entry per try: {"at", "status" (HTTP code or null), "error"}; the log screen shows them.
    attempt_log = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="api_delivery_endpoint"),
            # The sweeper's query: the pending ones due first.
            models.Index(fields=["status", "next_attempt_at"], name="api_delivery_due"),
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint}"
