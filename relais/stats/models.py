"""Share links: a read-only, revocable, expiring address a manager gives a partner
(the department, a funder) for one set of figures, small counts suppressed.

Only a hash of the link's secret is kept: a copy of the database does not open the links,
and the secret is shown once, to the manager who made it."""

from __future__ import annotations

import base64
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from relais.core.idempotency import KeyedModel, submission_key_field


def new_secret(submission_key=None, creator_id=None) -> str:
    """The link's secret: drawn at random, or — for a form's submission — derived from its
    key and its author with the server's secret, so that a second click shows the same link
    (and neither the database alone nor someone else's key opens anything)."""
    if submission_key is None:
        return secrets.token_urlsafe(24)
    value = f"{creator_id}:{submission_key}"
    digest = salted_hmac("relais.stats.ShareLink.secret", value, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(f"relais.stats.ShareLink:{secret}".encode()).hexdigest()


class ShareLinkQuerySet(models.QuerySet):
    def open(self, now=None):
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class ShareLink(KeyedModel, models.Model):
    label = models.CharField(_("pour qui"), max_length=150, help_text=_("Par exemple : Conseil départemental."))
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    audience = models.CharField(_("statistiques"), max_length=20)
    # The figures' filters, frozen (stats.filters.Query.describe()): teams, place, dates.
    query = models.JSONField(editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("valable jusqu'au"))
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submission_key = submission_key_field()
    opened_count = models.PositiveIntegerField(default=0, editable=False)
    last_opened_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("lien de partage des statistiques")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.label

    @property
    def is_open(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


# ---------------------------------------------------------------- monthly roll-up (stats.rollup)


class AccompanimentMonth(models.Model):
    """How many records of one month, team, advisor, place and commune have one value of
    one dimension ("total" holds the totals: activities, minutes…)."""

    month = models.DateField()
    # False: one row per (team, advisor), every place together (most pages read these);
    # True: per place and commune too (pages filtered by place or commune).
    detail = models.BooleanField()
    team_id = models.IntegerField()
    advisor_id = models.IntegerField()
    place_id = models.IntegerField(null=True)
    commune = models.CharField(max_length=100, blank=True)
    dimension = models.CharField(max_length=30)
    value = models.CharField(max_length=60, blank=True)
    n = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["detail", "month", "team_id", "advisor_id"], name="rollup_month_scope")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.dimension}={self.value}: {self.n}"


class AccompanimentMonthSource(models.Model):
    """The fingerprint of the records a month of the roll-up was built from."""

    month = models.DateField(unique=True)
    rows = models.BigIntegerField()
    last_update = models.DateTimeField(null=True)
    named = models.BigIntegerField()
    anonymous = models.BigIntegerField()
    built_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.month:%Y-%m}"
