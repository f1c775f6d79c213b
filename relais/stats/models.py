"""Share links: a read-only, revocable, expiring address a manager gives a partner
(the department, a funder) for one set of figures, small counts suppressed.

Only a hash of the link's secret is kept: a copy of the database does not open the links,
and the secret is shown once, to the manager who made it."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_secret() -> str:
    return secrets.token_urlsafe(24)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(f"relais.stats.ShareLink:{secret}".encode()).hexdigest()


class ShareLinkQuerySet(models.QuerySet):
    def open(self, now=None):
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class ShareLink(models.Model):
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
