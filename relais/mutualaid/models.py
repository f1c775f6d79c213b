"""The neighbourhood mutual-aid board: listings, relayed conversations, moderation.

Nobody's e-mail, phone or address is shown to another resident: residents write to each
other through conversations kept here, and see each other's contact details only when
both agreed to share them. There are no ratings: a listing closes with a private outcome,
and a thank-you note is shown only if its recipient chooses to.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relais.core.idempotency import KeyedModel, submission_key_field
from relais.core.models import Channel
from relais.core.text import fold
from relais.mutualaid.privacy import contact_details_in

LISTING_DAYS = 30  # a listing stays up this long, then expires unless renewed
REMINDER_DAYS = 7  # the author is reminded this long before expiry


class TransitionError(ValueError):
    """A status change that the listing's current state does not allow."""


class BoardError(Exception):
    """An action the board refuses, with a message for the person who tried it."""


CONTACT_DETAILS_REFUSED = _(
    "N'écrivez ni numéro de téléphone, ni adresse électronique, ni adresse postale : les voisins vous "
    "répondent par le tableau, et vous pourrez échanger vos coordonnées si vous êtes d'accord tous les deux."
)


def refuse_contact_details(instance, *field_names: str) -> None:
    """ValidationError on each field whose text holds a phone number, an e-mail or an address."""
    errors = {name: CONTACT_DETAILS_REFUSED for name in field_names if contact_details_in(getattr(instance, name))}
    if errors:
        raise ValidationError(errors)


class Kind(models.TextChoices):
    OFFER = "offer", _("Offre")
    REQUEST = "request", _("Demande")


# The colour of a kind's tag (components/tag.html): an offer and a request tell apart at a glance.
KIND_TONES = {Kind.OFFER: "ok", Kind.REQUEST: "warn"}


class Category(models.TextChoices):
    HOME_HELP = "home_help", _("Aide à domicile")
    SHOPPING = "shopping", _("Courses")
    ACCOMPANIMENT = "accompaniment", _("Accompagnement")
    LENDING = "lending", _("Prêt d'objets")
    COMPUTER = "computer", _("Aide informatique")
    CHILDCARE = "childcare", _("Garde d'enfants")
    GARDEN = "garden", _("Jardinage")
    TRANSPORT = "transport", _("Transport")
    REPAIRS = "repairs", _("Petites réparations")
    COMPANY = "company", _("Compagnie")
    OTHER = "other", _("Autre")


class ListingStatus(models.TextChoices):
    PENDING = "pending", _("En attente de relecture")
    PUBLISHED = "published", _("Publiée")
    CLOSED = "closed", _("Terminée")
    EXPIRED = "expired", _("Expirée")
    HIDDEN = "hidden", _("Masquée par la modération")
    REJECTED = "rejected", _("Refusée par la modération")


# The colour of a status's tag for the moderators; every other status is off the board ("closed").
LISTING_STATUS_TONES = {ListingStatus.PUBLISHED: "ok", ListingStatus.PENDING: "warn"}


class Outcome(models.TextChoices):
    WORKED = "worked", _("Ça a marché")
    DID_NOT_WORK = "did_not_work", _("Ça n'a pas marché")


# Channels through which a listing can reach the board (never e-mail: no account, no board).
POSTED_VIA = [(c.value, c.label) for c in (Channel.ONLINE, Channel.COUNTER, Channel.PHONE, Channel.POST)]


class BoardSettings(models.Model):
    """How one moderation team runs its board (changed by its moderators)."""

    team = models.OneToOneField("accounts.Team", on_delete=models.CASCADE, related_name="board_settings")
    publish_first_for_met = models.BooleanField(
        _("publier d'abord, relire ensuite, pour les habitants déjà rencontrés"),
        default=False,
        help_text=_(
            "Les annonces des habitants qui ont reçu le badge « A rencontré l'équipe de la mairie » "
            "sont publiées tout de suite, puis relues. Les autres annonces sont toujours relues avant publication."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("réglages du tableau d'entraide")

    def __str__(self):
        return str(self.team)


class Neighbourhood(models.Model):
    """A neighbourhood of the town: the only location a listing gives (never an address)."""

    name = models.CharField(_("nom"), max_length=100, unique=True)
    slug = models.SlugField(_("identifiant"), max_length=100, unique=True)
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.PROTECT,
        related_name="neighbourhoods",
        verbose_name=_("équipe de modération"),
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    is_active = models.BooleanField(_("proposé dans les formulaires"), default=True)

    class Meta:
        verbose_name = _("quartier")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class ListingQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=ListingStatus.PUBLISHED)

    def visible_on_board(self, now=None):
        """Published, not past expiry, and not by a suspended resident."""
        now = now or timezone.now()
        return (
            self.published()
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
            .exclude(posted_by__in=Suspension.objects.active(now).values("person"))
        )


class Listing(KeyedModel, models.Model):
    """An offer or a request of help (annonce), posted online or by staff for a resident."""

    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, related_name="listings", verbose_name=_("équipe de modération")
    )
    kind = models.CharField(_("type d'annonce"), max_length=10, choices=Kind.choices)
    category = models.CharField(_("catégorie"), max_length=20, choices=Category.choices)
    neighbourhood = models.ForeignKey(
        Neighbourhood, on_delete=models.PROTECT, related_name="listings", verbose_name=_("quartier")
    )
    title = models.CharField(_("titre"), max_length=80)
    text = models.TextField(_("texte"), max_length=600)
    availability = models.CharField(_("disponibilités"), max_length=150, blank=True)
    ongoing = models.BooleanField(_("offre permanente"), default=False)
    status = models.CharField(
        _("état"), max_length=10, choices=ListingStatus.choices, default=ListingStatus.PENDING, db_index=True
    )
    posted_by = models.ForeignKey(
        "core.Person", on_delete=models.PROTECT, related_name="mutualaid_listings", verbose_name=_("habitant")
    )
    posted_via = models.CharField(_("déposée"), max_length=10, choices=POSTED_VIA, default=Channel.ONLINE)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    consent_at = models.DateTimeField(_("accord de publication donné le"))
    submission_key = submission_key_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("expire le"), null=True, blank=True, db_index=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderation_notice = models.CharField(
        _("avis de modification"),
        max_length=300,
        blank=True,
        help_text=_("Affiché sur l'annonce après une modification par la modération."),
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("résultat"), max_length=15, choices=Outcome.choices, blank=True)
    search_text = models.TextField(editable=False, default="")

    objects = ListingQuerySet.as_manager()

    class Meta:
        verbose_name = _("annonce")
        ordering = ["-published_at", "-created_at", "-pk"]
        indexes = [
            models.Index(fields=["team", "status", "created_at"], name="mutualaid_listing_queue"),
            # The moderators' list of every listing of their team, newest first.
            models.Index(fields=["team", "created_at"], name="mutualaid_listing_team_new"),
            # The moderation queue's published listings not reviewed yet, oldest published first.
            models.Index(
                fields=["team", "published_at", "id"],
                condition=Q(status=ListingStatus.PUBLISHED, reviewed_at__isnull=True),
                name="mutualaid_listing_unreviewed",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="mutualaid_listing_kind_known"),
            models.CheckConstraint(condition=Q(category__in=Category.values), name="mutualaid_listing_category_known"),
            models.CheckConstraint(condition=Q(status__in=ListingStatus.values), name="mutualaid_listing_status_known"),
            models.CheckConstraint(
                condition=Q(ongoing=False) | Q(kind=Kind.OFFER, expires_at__isnull=True),
                name="mutualaid_ongoing_is_an_offer_without_expiry",
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(status=ListingStatus.CLOSED), name="mutualaid_outcome_only_when_closed"
            ),
            models.CheckConstraint(
                condition=~Q(status=ListingStatus.PUBLISHED) | Q(published_at__isnull=False),
                name="mutualaid_published_has_date",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.search_text = self.build_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text", "updated_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("mutualaid:listing_detail", args=[self.pk])

    def clean(self):
        if self.ongoing and self.kind != Kind.OFFER:
            raise ValidationError({"ongoing": _("Seules les offres peuvent être permanentes.")})
        refuse_contact_details(self, "title", "text", "availability")

    def build_search_text(self) -> str:
        """Folded words that the board's search matches (no personal data)."""
        neighbourhood = self.neighbourhood.name if self.neighbourhood_id else ""
        parts = [self.title, self.text, self.availability, self.get_category_display(), neighbourhood]
        return fold(" ".join(str(p) for p in parts))

    # ---------------------------------------------------------------- state

    @property
    def is_live(self) -> bool:
        """Shown on the board now (published and not past its expiry)."""
        return self.status == ListingStatus.PUBLISHED and (self.expires_at is None or self.expires_at > timezone.now())

    @property
    def awaiting_review(self) -> bool:
        """Published before moderation ("publish then moderate") and not yet read by a moderator."""
        return self.status == ListingStatus.PUBLISHED and self.reviewed_at is None

    @property
    def kind_tone(self) -> str:
        """The colour of the kind's tag (offer or request)."""
        return KIND_TONES.get(self.kind, "warn")

    @property
    def status_tone(self) -> str:
        """The colour of the status tag: on the board, waiting for a moderator, or off it."""
        return LISTING_STATUS_TONES.get(self.status, "closed")

    def expires_soon(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.status == ListingStatus.PUBLISHED
            and self.expires_at is not None
            and self.expires_at <= now + datetime.timedelta(days=REMINDER_DAYS)
        )

    @property
    def can_renew(self) -> bool:
        """Renewable in one click: a dated listing that is up or expired (not closed or moderated away)."""
        return not self.ongoing and self.status in (ListingStatus.PUBLISHED, ListingStatus.EXPIRED)

    @property
    def can_close(self) -> bool:
        return self.status in (ListingStatus.PUBLISHED, ListingStatus.EXPIRED)

    def _require(self, *statuses: str) -> None:
        if self.status not in statuses:
            raise TransitionError(f"listing {self.pk}: {self.status} cannot change this way")

    def publish(self, *, now, reviewed_by=None) -> None:
        """Pending -> published, with its expiry date (none for an ongoing offer)."""
        self._require(ListingStatus.PENDING)
        self.status = ListingStatus.PUBLISHED
        self.published_at = now
        self.expires_at = None if self.ongoing else now + datetime.timedelta(days=LISTING_DAYS)
        self.reminder_sent_at = None
        if reviewed_by is not None:
            self.reviewed_at, self.reviewed_by = now, reviewed_by

    def mark_reviewed(self, *, now, by) -> None:
        """A moderator read a listing published before moderation and keeps it."""
        self._require(ListingStatus.PUBLISHED)
        self.reviewed_at, self.reviewed_by = now, by

    def reject(self, *, now, by) -> None:
        self._require(ListingStatus.PENDING)
        self.status = ListingStatus.REJECTED
        self.reviewed_at, self.reviewed_by = now, by

    def hide(self, *, now, by) -> None:
        self._require(ListingStatus.PENDING, ListingStatus.PUBLISHED, ListingStatus.EXPIRED)
        self.status = ListingStatus.HIDDEN
        self.reviewed_at, self.reviewed_by = now, by

    def restore(self, *, now, by) -> None:
        """Hidden -> published again, with a fresh expiry if the old one has passed."""
        self._require(ListingStatus.HIDDEN)
        self.status = ListingStatus.PUBLISHED
        self.published_at = self.published_at or now
        if not self.ongoing and (self.expires_at is None or self.expires_at <= now):
            self.expires_at = now + datetime.timedelta(days=LISTING_DAYS)
            self.reminder_sent_at = None
        self.reviewed_at, self.reviewed_by = now, by

    def renew(self, *, now) -> None:
        """Up for another LISTING_DAYS from now (an expired listing comes back: it was moderated)."""
        if not self.can_renew:
            raise TransitionError(f"listing {self.pk} cannot be renewed")
        self.status = ListingStatus.PUBLISHED
        self.expires_at = now + datetime.timedelta(days=LISTING_DAYS)
        self.reminder_sent_at = None

    def expire(self, *, now) -> None:
        self._require(ListingStatus.PUBLISHED)
        if self.expires_at is None or self.expires_at > now:
            raise TransitionError(f"listing {self.pk} is not past its expiry")
        self.status = ListingStatus.EXPIRED

    def close(self, *, now, outcome: str) -> None:
        if not self.can_close:
            raise TransitionError(f"listing {self.pk} cannot be closed")
        if outcome not in Outcome.values:
            raise TransitionError("unknown outcome")
        self.status = ListingStatus.CLOSED
        self.closed_at = now
        self.outcome = outcome


class Conversation(models.Model):
    """The relayed exchange between a listing's author and one resident who answered it."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="conversations")
    responder = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="mutualaid_conversations")
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Each side agrees, separately, to let the other see their phone and e-mail.
    author_shares_at = models.DateTimeField(null=True, blank=True)
    responder_shares_at = models.DateTimeField(null=True, blank=True)
    # Each side read the safety advice before a first meeting.
    author_safety_at = models.DateTimeField(null=True, blank=True)
    responder_safety_at = models.DateTimeField(null=True, blank=True)
    author_read_at = models.DateTimeField(null=True, blank=True)
    responder_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("conversation")
        ordering = ["-last_message_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["listing", "responder"], name="mutualaid_one_conversation_per_responder")
        ]

    def __str__(self):
        return f"{self.listing} ↔ {self.responder_id}"

    def get_absolute_url(self):
        return reverse("mutualaid:conversation", args=[self.pk])

    def is_party(self, person) -> bool:
        return person is not None and person.pk in (self.responder_id, self.listing.posted_by_id)

    def side(self, person) -> str:
        """ "author" or "responder": which end of the conversation `person` is."""
        if person.pk == self.listing.posted_by_id:
            return "author"
        if person.pk == self.responder_id:
            return "responder"
        raise ValueError("not a party to this conversation")

    def other(self, person):
        return self.responder if self.side(person) == "author" else self.listing.posted_by

    @property
    def contacts_shared(self) -> bool:
        """Both sides agreed: each may now see the other's phone and e-mail."""
        return self.author_shares_at is not None and self.responder_shares_at is not None

    def shares(self, person) -> bool:
        return getattr(self, f"{self.side(person)}_shares_at") is not None

    def read_safety(self, person) -> bool:
        return getattr(self, f"{self.side(person)}_safety_at") is not None

    def unread_for(self, person) -> bool:
        read_at = getattr(self, f"{self.side(person)}_read_at")
        return read_at is None or read_at < self.last_message_at


class ConversationMessage(KeyedModel, models.Model):
    """One message of a conversation, typed by a resident or by staff for a resident without internet."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="mutualaid_messages_sent")
    recipient = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="mutualaid_messages_received")
    body = models.TextField(_("message"), max_length=1000)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("L'agent qui a saisi le message pour un habitant sans internet."),
    )
    submission_key = submission_key_field()
    created_at = models.DateTimeField(default=timezone.now)
    # Messages to a resident without an account wait for a moderator to read them out or post them.
    needs_relay = models.BooleanField(default=False)
    relayed_at = models.DateTimeField(null=True, blank=True)
    relayed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    relayed_how = models.CharField(max_length=10, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("message d'entraide")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["needs_relay", "relayed_at"], name="mutualaid_message_relay"),
            # Whether a resident has messages waiting to be read to them (the relay list).
            models.Index(
                fields=["recipient"],
                condition=Q(needs_relay=True, relayed_at__isnull=True, hidden_at__isnull=True),
                name="mutualaid_message_to_relay",
            ),
            # The messages waiting longest (the moderation queue's residents to relay to).
            models.Index(
                fields=["created_at", "id"],
                condition=Q(needs_relay=True, relayed_at__isnull=True, hidden_at__isnull=True),
                name="mutualaid_message_relay_age",
            ),
        ]

    def __str__(self):
        return f"{self.conversation_id}: {self.body[:40]}"

    def clean(self):
        refuse_contact_details(self, "body")


class ReportReason(models.TextChoices):
    SCAM = "scam", _("Arnaque ou demande d'argent")
    UNSAFE = "unsafe", _("Situation dangereuse")
    OFFENSIVE = "offensive", _("Propos blessants ou discriminatoires")
    COMMERCIAL = "commercial", _("Annonce commerciale ou service payant")
    OTHER = "other", _("Autre raison")


class ReportStatus(models.TextChoices):
    OPEN = "open", _("À traiter")
    ACTED = "acted", _("Traité : mesure prise")
    DISMISSED = "dismissed", _("Traité : sans suite")


class Report(KeyedModel, models.Model):
    """A private report of a listing or a message, seen only by the moderation team."""

    # The team of the listing: it moves with the listing (moderators reach reports through
    # their listing's team, never through this copy alone).
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="mutualaid_reports")
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="reports")
    message = models.ForeignKey(
        ConversationMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    reporter = models.ForeignKey(
        "core.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="mutualaid_reports_made"
    )
    reason = models.CharField(_("raison"), max_length=12, choices=ReportReason.choices)
    details = models.TextField(_("précisions"), max_length=600, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submission_key = submission_key_field()
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        _("état"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN, db_index=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("signalement")
        ordering = ["-created_at", "-pk"]
        # The moderation queue's open reports, oldest first.
        indexes = [models.Index(fields=["status", "created_at", "id"], name="mutualaid_report_status_new")]

    def __str__(self):
        return f"{self.get_reason_display()} – {self.listing}"

    @property
    def reported_person(self):
        return self.message.sender if self.message_id else self.listing.posted_by


class DecisionAction(models.TextChoices):
    APPROVE = "approve", _("Annonce publiée")
    REVIEW = "review", _("Annonce relue et gardée")
    REJECT = "reject", _("Annonce refusée")
    HIDE = "hide", _("Annonce masquée")
    RESTORE = "restore", _("Annonce rétablie")
    EDIT = "edit", _("Annonce modifiée par la modération")
    HIDE_MESSAGE = "hide_message", _("Message masqué")
    DISMISS = "dismiss", _("Signalement classé sans suite")
    SUSPEND = "suspend", _("Habitant suspendu")
    UNSUSPEND = "unsuspend", _("Suspension levée")
    BADGE = "badge", _("Badge donné")
    BADGE_REVOKE = "badge_revoke", _("Badge retiré")


class ModerationDecision(models.Model):
    """What a moderator decided, why, and about whom: the history moderators read.

    The audit journal records the same decision; this table is the team's working memory
    (a resident's history), kept with the listing.
    """

    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="mutualaid_decisions")
    action = models.CharField(max_length=15, choices=DecisionAction.choices)
    reason = models.TextField(_("explication"), max_length=600, blank=True)
    listing = models.ForeignKey(Listing, null=True, blank=True, on_delete=models.CASCADE, related_name="decisions")
    report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("décision de modération")
        ordering = ["-decided_at", "-pk"]

    def __str__(self):
        return f"{self.get_action_display()} ({self.decided_at:%Y-%m-%d})"


class SuspensionQuerySet(models.QuerySet):
    def active(self, now=None):
        now = now or timezone.now()
        return self.filter(lifted_at__isnull=True).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))


class Suspension(models.Model):
    """A resident may not post or write on the board for a while (decided by a moderator).

    The effect is board-wide: a person suspended by one team is suspended in every
    neighbourhood (one person, one place on the board; a scam in one neighbourhood is a
    risk in the next). What the suspension says about them stays with the team that
    decided it: only its moderators read the reason and may lift it.
    """

    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="mutualaid_suspensions")
    team = models.ForeignKey(
        "accounts.Team",
        null=True,  # suspensions recorded before teams were kept
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("équipe qui a suspendu"),
    )
    reason = models.TextField(_("raison"), max_length=600)
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(_("jusqu'au"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SuspensionQuerySet.as_manager()

    class Meta:
        verbose_name = _("suspension")
        ordering = ["-starts_at"]

    def __str__(self):
        return f"{self.person_id} ({self.starts_at:%Y-%m-%d})"


class BadgeKind(models.TextChoices):
    MET = "met", _("A rencontré l'équipe de la mairie")


class Badge(models.Model):
    """A mark of trust that only staff give (never a score)."""

    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="mutualaid_badges")
    kind = models.CharField(max_length=10, choices=BadgeKind.choices, default=BadgeKind.MET)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    given_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("badge")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind"], condition=Q(revoked_at__isnull=True), name="mutualaid_one_active_badge"
            )
        ]

    def __str__(self):
        return self.get_kind_display()


class Block(models.Model):
    """`blocker` no longer hears from `blocked`, and `blocked` cannot write to them."""

    blocker = models.ForeignKey("core.Person", on_delete=models.CASCADE, related_name="mutualaid_blocks")
    blocked = models.ForeignKey("core.Person", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("blocage")
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="mutualaid_block_once"),
            models.CheckConstraint(condition=~Q(blocker=models.F("blocked")), name="mutualaid_no_self_block"),
        ]

    def __str__(self):
        return f"{self.blocker_id} ⊘ {self.blocked_id}"


class ThankYou(models.Model):
    """A private thank-you note; its recipient decides whether it is shown on their listings."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="thanks")
    sender = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="mutualaid_thanks")
    text = models.CharField(_("mot de remerciement"), max_length=300)
    shown = models.BooleanField(_("visible sur mes annonces"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("remerciement")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "sender"], name="mutualaid_one_thanks_per_side"),
            models.CheckConstraint(condition=~Q(sender=models.F("recipient")), name="mutualaid_no_self_thanks"),
        ]

    def __str__(self):
        return self.text[:40]

    def clean(self):
        refuse_contact_details(self, "text")
