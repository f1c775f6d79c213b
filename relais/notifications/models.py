import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relais.core.content_language import language_choices
from relais.core.models import ContactChannel
from relais.core.plainsql import PlainInsert

# Links in messages carry the resident's private tokens (follow-up, mandate): never shown to staff.
PERSONAL_LINK = re.compile(r"https?://\S+")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("En attente")
    SENT = "sent", _("Envoyé")
    PRINTED = "printed", _("Imprimé, à poster")
    FAILED = "failed", _("Échec")
    CANCELLED = "cancelled", _("Annulé")
    # Kept out of the worker until staff release or discard it (e.g. after a restore).
    HELD = "held", _("Retenu")
    # Meaningless now (a reminder whose appointment has begun): never sent.
    EXPIRED = "expired", _("Sans objet")
    # Its place in the outbox is kept (written in the transaction that caused it), its text
    # and calendar file are written by the worker just after the commit (`notify_later`).
    WRITING = "writing", _("En préparation")


class MessageQuerySet(models.QuerySet):
    def due(self, now=None):
        """Automatic sends (e-mail, SMS) whose next try has come."""
        return self.filter(
            status=MessageStatus.QUEUED,
            channel__in=[ContactChannel.EMAIL, ContactChannel.SMS],
            next_try_at__lte=now or timezone.now(),
        )

    def letters_to_print(self):
        return self.filter(channel=ContactChannel.LETTER, status=MessageStatus.QUEUED, batch__isnull=True)

    def to_call(self):
        return self.filter(channel=ContactChannel.PHONE, status=MessageStatus.QUEUED)


class Message(PlainInsert, models.Model):
    """One message to a resident, kept in the outbox until it is delivered (or printed and posted).

    The text is rendered when the message is created, in the resident's language, so a
    later change of template never alters what a resident was sent. E-mail and SMS are
    sent by background tasks with retries; letters go into a print batch; "phone" means a
    staff member calls the resident and records it.
    """

    person = models.ForeignKey("core.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="messages")
    channel = models.CharField(_("canal"), max_length=10, choices=ContactChannel.choices)
    to_email = models.EmailField(blank=True)
    to_phone = models.CharField(max_length=30, blank=True)
    to_address = models.TextField(blank=True)
    template = models.CharField(_("modèle"), max_length=60)
    language = models.CharField(max_length=10, default="fr")
    subject = models.CharField(_("objet"), max_length=200)
    body = models.TextField(_("texte"))
    sms_body = models.CharField(_("texte du SMS"), max_length=480, blank=True)
    html_body = models.TextField(blank=True)
    attachments = models.JSONField(default=list, blank=True)
    # A letter's codes replacing private links (core.access): [{"code", "url"}], drawn as QR codes.
    paper_codes = models.JSONField(default=list, blank=True)
    status = models.CharField(
        _("état"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_try_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    provider_id = models.CharField(max_length=200, blank=True)
    # An SMS once sent: how many SMS it cost (GSM-7 160/153, UCS-2 70/67; see sms.segments).
    sms_segments = models.PositiveSmallIntegerField(_("SMS facturés"), null=True, blank=True)
    batch = models.ForeignKey("LetterBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="letters")
    related_type = models.CharField(max_length=64, blank=True)
    related_id = models.CharField(max_length=64, blank=True)
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    sensitive = models.BooleanField(
        default=False, help_text="A secret for the resident only (a consent code): hidden from staff, wiped once sent."
    )
    fallback_of = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="fallback")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # After this moment the message means nothing (a reminder of an appointment that began).
    expires_at = models.DateTimeField(null=True, blank=True)
    held_reason = models.CharField(max_length=200, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    call_notes = models.TextField(_("notes d'appel"), blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "channel", "next_try_at"], name="message_due"),
            models.Index(fields=["related_type", "related_id"], name="message_related"),
            # The outbox's lists in date order: calls to make, messages that failed.
            models.Index(fields=["status", "channel", "created_at"], name="message_status_created"),
            # The "could not reach" lists (e-mails and SMS together, newest first): read in
            # date order and stopped at a page, not every failed message sorted.
            models.Index(fields=["status", "created_at"], name="message_status_new"),
            # The reasons of the held messages (after a restore), one by one; empty otherwise.
            models.Index(fields=["held_reason"], condition=Q(status="held"), name="message_held_reason"),
            # The account e-mails (no person: sign-in codes, passwords) that failed, counted.
            models.Index(fields=["status"], condition=Q(person__isnull=True), name="message_account_status"),
            # The letters waiting for a print batch, counted on the outbox (up to the cap) and
            # gathered into a batch: these only, not every queued message of the channel.
            models.Index(
                fields=["id"],
                condition=Q(channel="letter", status="queued", batch__isnull=True),
                name="message_letters_to_print",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(person__isnull=False) | ~Q(to_email=""), name="message_has_recipient"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} – {self.subject}"

    @property
    def recipient_label(self) -> str:
        if self.person_id:
            return self.person.display_name
        return self.to_email

    def body_for_staff(self) -> str:
        """The text as staff may read it: no secret, no personal link of the resident."""
        if self.sensitive:
            return "••••••"
        return PERSONAL_LINK.sub("[lien personnel de l'habitant]", self.body)

    def failure_reason(self) -> str:
        """Why the last try failed, in plain words for staff ("" when it did not fail)."""
        error = self.last_error.lower()
        if not error:
            return ""
        if "no sms provider" in error:
            return _("La mairie n'a pas de service d'envoi de SMS.")
        refused = "refused" in error and "connection refused" not in error
        if refused or "invalid" in error or "5.1.1" in error:
            if self.channel == ContactChannel.SMS:
                return _("Le numéro a été refusé : il est peut-être faux ou n'existe plus.")
            return _("L'adresse a été refusée : elle est peut-être mal écrite ou n'existe plus.")
        if any(
            word in error for word in ("timed out", "timeout", "connection", "unreachable", "errno", "disconnected")
        ):
            return _("Le service d'envoi ne répondait pas (panne). Renvoyez le message quand il remarche.")
        return _("L'envoi a échoué à chaque essai, pour une raison technique.")

    @property
    def destination(self) -> str:
        return {
            ContactChannel.EMAIL: self.to_email,
            ContactChannel.SMS: self.to_phone,
            ContactChannel.PHONE: self.to_phone,
            ContactChannel.LETTER: self.to_address,
        }.get(self.channel, "")


class WorkerHeartbeat(models.Model):
    """The last sign of life of one background worker (`relais db_worker`), for /healthz/deep
    and for recovering the tasks of a worker that died."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=200, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.worker_id} {self.beat_at:%Y-%m-%d %H:%M:%S}"


class LetterBatch(models.Model):
    """The letters of one print run: downloaded as one PDF, printed, posted, then marked sent."""

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pdf = models.FileField(upload_to="letters/", blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # One envelope per resident and address: all their letters of the batch go together
    # (the messages are counted by `letters`, the envelopes here, for the statistics).
    envelopes = models.PositiveIntegerField(_("enveloppes"), default=0)
    # Known once the PDF is made: the pages of each envelope, in the PDF's order.
    envelope_pages = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("lot de courriers")
        ordering = ["-created_at"]

    def __str__(self):
        return f"#{self.pk} {self.created_at:%Y-%m-%d}"

    @property
    def is_posted(self) -> bool:
        return self.posted_at is not None

    @property
    def pages(self) -> int | None:
        """Pages of the printed batch (None before its PDF is made)."""
        return sum(self.envelope_pages) if self.envelope_pages else None


class MessageTemplate(models.Model):
    """An administrator's version of a default message text (see notifications.defaults)."""

    code = models.CharField(_("modèle"), max_length=60)
    language = models.CharField(_("langue"), max_length=10, choices=language_choices, default="fr")
    subject = models.CharField(_("objet"), max_length=200)
    body = models.TextField(_("texte"))
    sms = models.CharField(_("texte du SMS"), max_length=480, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("modèle de message")
        constraints = [models.UniqueConstraint(fields=["code", "language"], name="message_template_code_language")]

    def __str__(self):
        return f"{self.code} ({self.language})"
