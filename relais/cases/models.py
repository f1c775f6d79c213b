import datetime
import re
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from relais.core import vocabularies as voc
from relais.core.content_language import Localized, choice_translations, localized, translations_field
from relais.core.idempotency import KeyedModel, submission_key_field
from relais.core.models import Channel


def _token() -> str:
    return secrets.token_urlsafe(24)


class FormQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)


class Form(models.Model):
    """A request form the town defines (démarche), handled by one team."""

    slug = models.SlugField(_("identifiant dans l'adresse"), max_length=80, unique=True)
    title = models.CharField(_("titre"), max_length=200, help_text=_("Ce que la personne demande."))
    intro = models.TextField(
        _("explication avant de commencer"),
        help_text=_("En français simple : à quoi sert la demande, qui peut la faire."),
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, related_name="case_forms", verbose_name=_("équipe qui traite")
    )
    procedure = models.OneToOneField(
        "directory.Procedure",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="case_form",
        verbose_name=_("fiche pratique liée"),
    )
    required_documents = models.TextField(_("documents demandés"), blank=True, help_text=_("Un par ligne."))
    expected_days = models.PositiveSmallIntegerField(_("délai de traitement prévu (jours)"), default=15)
    requires_account = models.BooleanField(_("compte en ligne obligatoire"), default=False)
    asks_location = models.BooleanField(
        _("demander un emplacement"), default=False, help_text=_("Pour un signalement : où se trouve le problème.")
    )
    mandate_scope = models.CharField(
        _("domaine de mandat"),
        max_length=20,
        choices=voc.MANDATE_SCOPES,
        default="papiers",
        help_text=_("Un aidant ne peut faire cette demande pour quelqu'un que sous un mandat de ce domaine."),
    )
    public_reports = models.BooleanField(
        _("signalements publics"),
        default=False,
        help_text=_(
            "Pour une démarche qui demande un emplacement : après relecture par l'équipe, le signalement "
            "paraît sur la liste et le plan publics (sans nom, coordonnées ni photos)."
        ),
    )
    one_question_per_page = models.BooleanField(_("une question par page"), default=True)
    published = models.BooleanField(_("publiée"), default=False)
    TRANSLATED_FIELDS = ("title", "intro", "required_documents")
    translations = translations_field(*TRANSLATED_FIELDS)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FormQuerySet.as_manager()

    class Meta:
        verbose_name = _("démarche")
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("cases:start", args=[self.slug])


class FieldKind(models.TextChoices):
    TEXT = "text", _("Texte court")
    LONG_TEXT = "long_text", _("Texte long")
    NUMBER = "number", _("Nombre")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choix unique")
    MULTI_CHOICE = "multi_choice", _("Choix multiples")
    YES_NO = "yes_no", _("Oui / non")
    ADDRESS = "address", _("Adresse")
    EMAIL = "email", _("Adresse électronique")
    PHONE = "phone", _("Téléphone")
    FILE = "file", _("Fichier (PDF ou photo)")


_YOUR = re.compile(r"^\s*(votre|vos)\s+(?P<rest>[^?,():;]+?)\s*\.?\s*$", re.IGNORECASE)


def staff_wording(label: str) -> str:
    """« Votre date de naissance » → « Date de naissance de la personne »: a short question
    written for the resident, as the agent who fills it in for them reads it. Anything longer
    or with punctuation (« Votre demande concerne : », « Votre adresse, si elle a changé »)
    stays as written: the form's editor gives the agent's wording (`staff_label`)."""
    match = _YOUR.match(label)
    if not match or len(match["rest"].split()) > 4:
        return label
    rest = match["rest"]
    return f"{rest[:1].upper()}{rest[1:]} {_('de la personne')}"


class FormField(models.Model):
    """One question of a form. Cases keep a copy of the question they answered."""

    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="fields")
    key = models.SlugField(_("identifiant"), max_length=50)
    label = models.CharField(_("question"), max_length=250)
    staff_label = models.CharField(
        _("question lue par l'agent"),
        max_length=250,
        blank=True,
        help_text=_(
            "Quand un agent remplit pour quelqu'un, par exemple « Date de naissance de la personne ». "
            "Laissé vide : « Votre… » devient « … de la personne »."
        ),
    )
    help_text = models.CharField(_("aide"), max_length=400, blank=True)
    kind = models.CharField(_("type de réponse"), max_length=20, choices=FieldKind.choices, default=FieldKind.TEXT)
    required = models.BooleanField(_("obligatoire"), default=True)
    choices = models.TextField(_("choix proposés"), blank=True, help_text=_("Un choix par ligne."))
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    TRANSLATED_FIELDS = ("label", "help_text", "choices")
    translations = translations_field(*TRANSLATED_FIELDS)

    class Meta:
        verbose_name = _("question")
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["form", "key"], name="form_field_key_unique")]

    def __str__(self):
        return self.label

    def clean(self):
        if self.kind in (FieldKind.CHOICE, FieldKind.MULTI_CHOICE) and len(self.choice_list()) < 2:
            raise ValidationError({"choices": _("Indiquez au moins deux choix, un par ligne.")})

    def choice_list(self) -> list[str]:
        return [c.strip() for c in self.choices.splitlines() if c.strip()]

    def choice_labels(self, lang: str) -> list[tuple[str, Localized]]:
        """Each choice's value (its French text, kept with the answer) and its label in `lang`:
        the translation made for that very French choice (translations are keyed by the French
        text), else the French."""
        translated = choice_translations(self, lang)
        page = localized(self, "label", lang).page
        return [
            (
                fr,
                Localized(text=translated[fr], lang=lang, page=page) if fr in translated else localized(fr, None, lang),
            )
            for fr in self.choice_list()
        ]

    def prune_choice_translations(self) -> bool:
        """Drop the translations of choices no longer offered in French; True when one went."""
        french = set(self.choice_list())
        pruned = {}
        for lang, texts in (self.translations or {}).items():
            texts = dict(texts)
            if isinstance(texts.get("choices"), dict):
                kept = {fr: tr for fr, tr in texts["choices"].items() if fr in french}
                if kept:
                    texts["choices"] = kept
                else:
                    texts.pop("choices")
            elif "choices" in texts:  # a translation not keyed by the French choices: unusable
                texts.pop("choices")
            if texts:
                pruned[lang] = texts
        changed = pruned != (self.translations or {})
        self.translations = pruned
        return changed

    def label_for_staff(self) -> str:
        """The question as an agent filling it in for someone reads it."""
        return self.staff_label or staff_wording(self.label)

    def snapshot(self) -> dict:
        """The question as the resident saw it, kept with their answer."""
        return {"key": self.key, "label": self.label, "kind": self.kind, "help_text": self.help_text}


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Reçue")
    IN_PROGRESS = "in_progress", _("En cours de traitement")
    WAITING = "waiting_for_resident", _("En attente de votre réponse")
    ACCEPTED = "accepted", _("Acceptée")
    REFUSED = "refused", _("Refusée")
    CLOSED = "closed_without_action", _("Classée sans suite")


# A worker's decision that asks the resident something or refuses tells them what to do or
# why (the case page and the API; bulk actions offer neither).
EXPLAINED_STATUSES = (Status.WAITING, Status.REFUSED)
STATUS_MESSAGE_MISSING = _("Expliquez à l'habitant ce qu'il doit faire ou pourquoi c'est refusé.")
OPEN_STATUSES = (Status.SUBMITTED, Status.IN_PROGRESS, Status.WAITING)
DONE_STATUSES = (Status.ACCEPTED, Status.REFUSED, Status.CLOSED)
TRANSITIONS = {
    Status.SUBMITTED: {Status.IN_PROGRESS, Status.WAITING, *DONE_STATUSES},
    Status.IN_PROGRESS: {Status.WAITING, *DONE_STATUSES},
    Status.WAITING: {Status.IN_PROGRESS, *DONE_STATUSES},
    Status.ACCEPTED: {Status.IN_PROGRESS},
    Status.REFUSED: {Status.IN_PROGRESS},
    Status.CLOSED: {Status.IN_PROGRESS},
}
# The colour of a status's tag (components/tag.html); the others are neutral.
STATUS_TONES = {Status.ACCEPTED: "ok", Status.WAITING: "warn", Status.REFUSED: "closed"}


class ReferenceCounter(models.Model):
    """Last reference number given in a year (row-locked when a case is filed)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def late(self, today=None):
        return self.open().filter(due_date__lt=today or timezone.localdate())


class Case(KeyedModel, models.Model):
    """A request (dossier) of a resident, whatever the channel it came through."""

    reference = models.CharField(_("référence"), max_length=20, unique=True)
    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="cases", verbose_name=_("démarche"))
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="cases")
    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="cases")
    answers = models.JSONField(default=list)
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases_recorded",
        verbose_name=_("saisie par"),
    )
    recorded_at_place = models.ForeignKey(
        "directory.Place", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("lieu")
    )
    acting_under = models.ForeignKey(
        "mandates.Mandate", null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    status = models.CharField(_("état"), max_length=25, choices=Status.choices, default=Status.SUBMITTED)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases_assigned",
        verbose_name=_("agent chargé"),
    )
    due_date = models.DateField(_("à traiter avant le"))
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    location_text = models.CharField(_("emplacement"), max_length=300, blank=True)
    token = models.CharField(max_length=64, unique=True, default=_token, editable=False)
    submission_key = submission_key_field()
    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    resident_replied_at = models.DateTimeField(
        _("dernière réponse de l'habitant"), null=True, blank=True, help_text=_("Effacé quand un agent la lit.")
    )
    correction_received_at = models.DateTimeField(
        _("correction reçue"),
        null=True,
        blank=True,
        help_text=_("Une réponse corrigée par l'habitant ; effacé quand un agent change l'état ou redemande."),
    )
    search_text = models.TextField(editable=False, default="")
    # For a request sent online without an account: the keyed hash of the sender's address
    # block (core.BlockedSender.digest), so that marking it as spam can block the sender.
    sender_digest = models.CharField(max_length=64, blank=True, editable=False)
    # A street report already made by someone else: the team handles the first one (cases.street).
    # Filed through a person (staff, helper, mandate) after the same person had started this
    # form online: when their first unsent draft was started. Matched inside the database
    # at filing time, only ever read as a median (stats); never shown on a case.
    online_attempt_at = models.DateTimeField(null=True, blank=True, editable=False)
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
        verbose_name=_("doublon de"),
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("dossier")
        ordering = ["-submitted_at", "-pk"]
        # The queues of a team with 100 000 cases: each tab and sort reads one index range,
        # in the queue's whole order (then by id, newest first): a deep page then skips its
        # offset in the index alone, without reading the table (PostgreSQL, page 500: 39 -> 4 ms).
        indexes = [
            models.Index(fields=["team", "status", "-submitted_at", "-id"], name="case_queue"),
            models.Index(fields=["team", "-submitted_at", "-id"], name="case_queue_all"),
            # Filtered by channel ("by phone", with a status and a period): the count of the
            # list reads only the matching entries, not every case of the status to test its
            # channel (PostgreSQL, 100,000 cases: 4.9 -> 0.2 ms).
            models.Index(fields=["team", "channel", "status", "-submitted_at", "-id"], name="case_channel"),
            models.Index(fields=["team", "assignee", "status"], name="case_assignee"),
            models.Index(fields=["team", "status", "due_date", "-id"], name="case_due"),
            # Sorted by due date over every status ("Toutes", "Échéance la plus proche").
            models.Index(fields=["team", "due_date", "-id"], name="case_due_all"),
            # A search by name tests every case of the team: it reads this narrow index
            # rather than the table and its answers (SQLite), then only the rows found.
            models.Index(fields=["team", "search_text"], name="case_search"),
            # "Démarches à simplifier" (stats.selectors.feedback): the median time from a first
            # online attempt reads the few requests that have one (0.17 s -> 0.02 s, bench/feedback.py).
            models.Index(
                fields=["form", "submitted_at"],
                condition=Q(online_attempt_at__isnull=False),
                name="case_online_attempt",
            ),
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        return reverse("cases:detail", args=[self.reference])

    def get_tracking_url(self):
        return reverse("cases:track", args=[self.reference, self.token])

    def answer(self, key: str) -> dict | None:
        """The answer to the question `key` (with its copy of the question), or None."""
        return next((a for a in self.answers if a.get("key") == key), None)

    def can_move_to(self, status: str) -> bool:
        return status in TRANSITIONS.get(Status(self.status), set())

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def status_tone(self) -> str:
        """The colour of the status tag: "ok", "warn", "closed" or "" (neutral)."""
        return STATUS_TONES.get(self.status, "")

    @property
    def is_late(self) -> bool:
        return self.is_open and self.due_date < timezone.localdate()

    @property
    def filed_online_without_account(self) -> bool:
        """Sent from the public pages by someone with no account, and no agent or helper
        involved: the only requests that may be marked as spam (a counter request never is)."""
        return (
            self.channel == Channel.ONLINE
            and self.recorded_by_id is None
            and self.acting_under_id is None
            and self.person.user_id is None
        )


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Demande reçue")
    STATUS = "status", _("Changement d'état")
    MESSAGE = "message", _("Message à l'habitant")
    RESIDENT_REPLY = "resident_reply", _("Réponse de l'habitant")
    NOTE = "note", _("Note interne")
    DOCUMENT = "document", _("Document ajouté")
    ASSIGNED = "assigned", _("Attribution")
    CORRECTION_ASKED = "correction_asked", _("Correction demandée")
    CORRECTION_RECEIVED = "correction_received", _("Correction reçue")


class CaseEvent(KeyedModel, models.Model):
    """One line of a case's timeline. Internal notes are never shown to the resident."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    by_resident = models.BooleanField(default=False)
    text = models.TextField(blank=True)
    # Named by the status's label on both timelines (`get_new_status_display`).
    old_status = models.CharField(max_length=25, blank=True, choices=Status.choices)
    new_status = models.CharField(max_length=25, blank=True, choices=Status.choices)
    message = models.ForeignKey(
        "notifications.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # A message, reply or document sent twice from its form is one event (and one message).
    submission_key = submission_key_field()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.case} {self.kind}"

    @property
    def visible_to_resident(self) -> bool:
        return self.kind != EventKind.NOTE and self.kind != EventKind.ASSIGNED

    @property
    def resident_label(self) -> str:
        """The line's title as the resident reads it on their tracking page (and a partner
        application following the request): their own words, not the staff's."""
        if self.kind == EventKind.STATUS:
            return gettext("Nouvel état : %(s)s") % {"s": self.get_new_status_display()}
        words = {
            EventKind.SUBMITTED: gettext("Demande reçue"),
            EventKind.MESSAGE: gettext("Message du service"),
            EventKind.RESIDENT_REPLY: gettext("Votre réponse"),
            EventKind.DOCUMENT: gettext("Document ajouté"),
            EventKind.CORRECTION_ASKED: gettext("Correction demandée"),
            EventKind.CORRECTION_RECEIVED: gettext("Votre correction"),
        }
        return words.get(self.kind, "")


def _document_path(instance, filename):
    return f"cases/{instance.case.reference}/{uuid.uuid4().hex}"


class Document(models.Model):
    """A file of a case, stored outside the web root, served only through permission checks."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    event = models.ForeignKey(CaseEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents")
    file = models.FileField(upload_to=_document_path)
    name = models.CharField(_("nom"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    field_key = models.CharField(max_length=50, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    by_resident = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Replaced by a correction: kept for the staff ("Ancien fichier"), hidden from the
    # resident's pages and not counted in the request's document limits.
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("document")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.name


def draft_idle_days() -> int:
    """Drafts untouched this long are deleted, with their files: the retention rule
    `cases.drafts` in force (RELAIS_DRAFTS_RETENTION_DAYS); the "Reprendre plus tard" box
    gives the date."""
    from relais.core import retention

    return retention.rule("cases.drafts").days


class Device(models.TextChoices):
    """The width class the browser told us about, without a cookie or a script."""

    UNKNOWN = "", _("non indiqué")
    PHONE = "phone", _("téléphone")
    LARGE = "large", _("écran plus large")


class Draft(models.Model):
    """A request being filled in online: saved at each step, resumable from its link."""

    key = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="drafts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    case = models.OneToOneField(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="draft")
    # The funnel (FunnelDay): the name of the furthest step counted (cases.funnel.steps_of; a
    # name, not a position, so that a form edited under an open draft is not miscounted), when
    # it was reached, the device class the browser told, whether it was resumed. Cleared when
    # the draft is sent: nothing about the visit stays beside the case.
    funnel_step = models.CharField(max_length=60, blank=True, default="", editable=False)
    funnel_at = models.DateTimeField(null=True, blank=True, editable=False)
    device = models.CharField(max_length=5, choices=Device.choices, blank=True, default="", editable=False)
    resumed = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self):
        return str(self.key)

    def deleted_from(self) -> datetime.date:
        """The day from which the daily purge deletes this draft if nothing more is saved."""
        return timezone.localdate(self.updated_at + datetime.timedelta(days=draft_idle_days()))

    @property
    def idle_days(self) -> int:
        return draft_idle_days()


class DraftFile(models.Model):
    """A file uploaded while the request is still a draft (moved to the case on sending)."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="files")
    field_key = models.CharField(max_length=50)
    file = models.FileField(upload_to="drafts/")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["draft", "field_key"], name="draft_file_per_field"),
            models.CheckConstraint(condition=~Q(field_key=""), name="draft_file_has_field"),
        ]

    def __str__(self):
        return self.name


REFERENCE_SHAPE = re.compile(r"^(20\d{2})(\d{1,7})$")
# What people type for a digit: O for 0, I or l for 1 (a reference holds only digits).
_LOOKALIKES = str.maketrans({"o": "0", "O": "0", "i": "1", "I": "1", "l": "1", "L": "1"})


def normalize_reference(text: str) -> str:
    """A reference as typed or read over the phone, written as stored ("2026-00123"), or ""
    when it cannot be one: spaces, dashes, dots, slashes and the letter O for zero are
    forgiven, and the leading zeros may be left out ("2026 123", "2026-OO123")."""
    match = _reference_match(text)
    if match is None:
        return ""
    return f"{match[1]}-{int(match[2]):05d}"


def _reference_match(text: str):
    compact = re.sub(r"[\s\-./_]", "", (text or "").translate(_LOOKALIKES))
    return REFERENCE_SHAPE.match(compact) if compact.isascii() else None


def is_complete_reference(text: str) -> bool:
    """Whether `text` is a whole reference (the year and at least 5 digits, as printed),
    not the start of one: "2026-0001" is the start of 2026-00010 to 2026-00019."""
    match = _reference_match(text)
    return match is not None and len(match[2]) >= 5


class CorrectionQuerySet(models.QuerySet):
    def pending(self):
        """Asked and still waiting for the resident: neither answered nor withdrawn."""
        return self.filter(answered_at__isnull=True, cancelled_at__isnull=True)


class Correction(KeyedModel, models.Model):
    """A case worker asks the resident to correct one answer (a question, or a file they sent).

    The resident's link opens that question alone; their new answer replaces the old one in
    the case's answers, the old one staying in the timeline (and in `old_answer`)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="corrections")
    field_key = models.CharField(max_length=50)
    label = models.CharField(_("question"), max_length=250)
    reason = models.TextField(_("ce qui ne va pas"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_event = models.OneToOneField(
        CaseEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="correction_asked"
    )
    answer_event = models.OneToOneField(
        CaseEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="correction_answer"
    )
    old_answer = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    # Withdrawn by a worker, or left unanswered when the case was decided.
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Asked twice from the same page (a double click) is one correction and one message.
    submission_key = submission_key_field()

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("correction demandée")
        ordering = ["created_at", "pk"]
        constraints = [
            # One open correction per answer: the resident has one link to follow.
            models.UniqueConstraint(
                fields=["case", "field_key"],
                condition=Q(answered_at__isnull=True, cancelled_at__isnull=True),
                name="correction_open_per_field",
            ),
        ]

    def __str__(self):
        return f"{self.case} {self.field_key}"

    def get_absolute_url(self):
        return reverse("cases:correct", args=[self.case.reference, self.case.token, self.pk])

    @property
    def is_open(self) -> bool:
        return self.answered_at is None and self.cancelled_at is None


class PublicStatus(models.TextChoices):
    """What the public list of street reports says of a case's status, in plain words."""

    REPORTED = "signale", _("signalé")
    TAKEN = "pris-en-charge", _("pris en charge")
    SOLVED = "resolu", _("résolu")
    CLOSED = "clos", _("clos")


PUBLIC_STATUSES = {
    PublicStatus.REPORTED: (Status.SUBMITTED,),
    PublicStatus.TAKEN: (Status.IN_PROGRESS, Status.WAITING),
    PublicStatus.SOLVED: (Status.ACCEPTED,),
    PublicStatus.CLOSED: (Status.REFUSED, Status.CLOSED),
}
PUBLIC_STATUS_TONES = {PublicStatus.SOLVED: "ok", PublicStatus.TAKEN: "warn", PublicStatus.CLOSED: "closed"}


class StreetReport(models.Model):
    """The public side of a street report (a case of a location form): only what an agent
    of the form's team reviewed and wrote — never the resident's name, contact or photos."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="street_report")
    title = models.CharField(_("titre public"), max_length=120)
    description = models.TextField(
        _("description publique"),
        max_length=1000,
        blank=True,
        help_text=_("Relisez : ni nom, ni numéro de téléphone, ni détail qui permette de reconnaître quelqu'un."),
    )
    location_text = models.CharField(
        _("emplacement public"),
        max_length=300,
        help_text=_("Une rue, un repère : « rue Jules-Ferry, devant l'école ». Pas de numéro de maison."),
    )
    published = models.BooleanField(_("publié"), default=False)
    on_map = models.BooleanField(
        _("placé sur le plan"),
        default=True,
        help_text=_("Le point est arrondi à une centaine de mètres. Sans point, le signalement reste dans la liste."),
    )
    published_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("signalement public")
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["published", "-published_at"], name="street_report_public")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("cases:street_report", args=[self.pk])

    @property
    def public_status(self) -> PublicStatus:
        """The case's status in the public list's plain words."""
        return next(key for key, statuses in PUBLIC_STATUSES.items() if self.case.status in statuses)

    @property
    def public_status_tone(self) -> str:
        return PUBLIC_STATUS_TONES.get(self.public_status, "")


class MeToo(models.Model):
    """A neighbour saying "moi aussi" on a public report. Nothing about them is kept: the
    digest is a keyed hash of their browser session's random key, so that one session counts
    once per report (a unique constraint, so that a double click counts once too)."""

    report = models.ForeignKey(StreetReport, on_delete=models.CASCADE, related_name="me_toos")
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "digest"], name="me_too_once_per_session")]

    def __str__(self):
        return f"{self.report_id} +1"


def _plan_path(instance, filename):
    return f"town-plan/{uuid.uuid4().hex}"


class TownPlan(models.Model):
    """The town's own plan (an SVG or an image) under the public map of street reports,
    with the longitudes and latitudes of its edges. The latest one is used."""

    file = models.FileField(upload_to=_plan_path)
    content_type = models.CharField(max_length=100)
    west = models.FloatField(_("longitude du bord gauche"))
    south = models.FloatField(_("latitude du bord bas"))
    east = models.FloatField(_("longitude du bord droit"))
    north = models.FloatField(_("latitude du bord haut"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("plan de la commune")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(west__lt=F("east")) & Q(south__lt=F("north")), name="town_plan_bounds")
        ]

    def __str__(self):
        return f"{self.west},{self.south},{self.east},{self.north}"


# ---------------------------------------------------------------- feedback loop (issue 16)
# Numbers about how online requests go, and residents' answers to "was this page useful?".
# Nothing here identifies a visitor: the funnel holds counts per form, day, device class and
# step; an answer holds no address, only a keyed digest that is blanked once its day is over.


# Upper bounds (seconds) of the time-on-step buckets; the last bucket is "longer".
STEP_TIME_BOUNDS = (30, 60, 120, 300, 900, 3600, 86400)
STEP_TIME_FIELDS = ("under_30s", "under_1m", "under_2m", "under_5m", "under_15m", "under_1h", "under_1d", "longer")


class FunnelDay(models.Model):
    """How many drafts of a form, started on `day` on a `device`, reached `step`, and how long
    they stayed on it before reaching the next one (counts per time bucket).

    Steps: "start" (draft created), "q:<field key>" (one question per page) or "questions"
    (all on one page), "location", "contact", "check", "sent"; plus "resumed" (drafts
    reopened from their link after a pause). Rows are only ever incremented (one upsert)."""

    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    device = models.CharField(max_length=5, choices=Device.choices, blank=True, default="")
    step = models.CharField(max_length=60)
    reached = models.IntegerField(default=0)
    under_30s = models.IntegerField(default=0)
    under_1m = models.IntegerField(default=0)
    under_2m = models.IntegerField(default=0)
    under_5m = models.IntegerField(default=0)
    under_15m = models.IntegerField(default=0)
    under_1h = models.IntegerField(default=0)
    under_1d = models.IntegerField(default=0)
    longer = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["form", "day", "device", "step"], name="funnel_day_unique"),
        ]
        indexes = [
            models.Index(fields=["day", "form"], name="funnel_day_day_form"),
            # The ranking of "Démarches à simplifier" sums only the "start" and "sent" rows of a
            # period, read from this index alone (0.60 s -> 0.17 s with 4.8 M rows, bench/feedback.py).
            models.Index(
                fields=["day", "form", "step", "reached"],
                condition=Q(step__in=["start", "sent"]),
                name="funnel_day_ends",
            ),
        ]

    def __str__(self):
        return f"{self.form_id} {self.day} {self.device or '-'} {self.step}: {self.reached}"


class FeedbackReason(models.TextChoices):
    NOT_UNDERSTOOD = "not_understood", _("Je n'ai pas compris")
    MISSING_DOCUMENT = "missing_document", _("Il me manque un document")
    SITE_BROKEN = "site_broken", _("Le site n'a pas marché")
    NEED_SOMEONE = "need_someone", _("J'ai besoin qu'une personne m'aide")
    OTHER = "other", _("Autre chose")


class PageFeedback(models.Model):
    """One answer to "Cette page vous a-t-elle été utile ?" on a fiche or a form page.

    `page_key` names the page ("fiche:<procedure pk>" or "form:<form pk>"); `procedure`
    and `form` are set for the figures. One answer per draft (form pages) or per page, day
    and visitor digest (a keyed hash of the address, blanked when the day is over): answering
    again changes the answer. The comment is stored with personal data masked and is
    erased by the retention rule "cases.page_feedback_comments"."""

    page_key = models.CharField(max_length=40)
    procedure = models.ForeignKey(
        "directory.Procedure", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    form = models.ForeignKey(Form, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    step = models.CharField(max_length=60, blank=True)  # the form page the answer came from
    day = models.DateField(default=timezone.localdate)
    useful = models.BooleanField()
    reason = models.CharField(max_length=20, choices=FeedbackReason.choices, blank=True)
    comment = models.TextField(blank=True)
    draft_key = models.UUIDField(null=True, blank=True)
    visitor_digest = models.CharField(max_length=64, blank=True, editable=False)
    token = models.CharField(max_length=64, unique=True, default=_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["page_key", "draft_key"], condition=Q(draft_key__isnull=False), name="feedback_once_per_draft"
            ),
            models.UniqueConstraint(
                fields=["page_key", "day", "visitor_digest"],
                condition=Q(draft_key__isnull=True) & ~Q(visitor_digest=""),
                name="feedback_once_per_visitor_day",
            ),
        ]
        indexes = [
            models.Index(fields=["day", "form"], name="feedback_day_form"),
            models.Index(fields=["day", "procedure"], name="feedback_day_procedure"),
        ]

    def __str__(self):
        return f"{self.page_key} {self.day} {'+' if self.useful else '-'}{self.reason}"
