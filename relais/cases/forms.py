"""Forms of the requests: the questions a town defines, turned into Django form fields,
and the staff forms around a case."""

from __future__ import annotations

import datetime
import decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import formats
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from relais.accounts.models import Role
from relais.cases.models import EXPLAINED_STATUSES, STATUS_MESSAGE_MISSING, FieldKind, Form, FormField, Status
from relais.cases.selectors import assignees
from relais.core.content_language import localized
from relais.core.forms import ContentSelect, ListedModelChoiceField, check_contact_channel
from relais.core.idempotency import SubmissionKeyForm
from relais.core.models import Channel, ContactChannel
from relais.core.uploads import check_upload
from relais.directory.models import Place

phone_check = RegexValidator(
    r"^\+?[\d .\-()]{10,20}$", _("Écrivez un numéro de téléphone, par exemple 06 12 34 56 78.")
)
YES_NO = [("oui", _("Oui")), ("non", _("Non"))]


class UploadField(forms.FileField):
    """A file checked by size and content (PDF, JPEG or PNG)."""

    def clean(self, data, initial=None):
        data = super().clean(data, initial)
        if data and hasattr(data, "size"):
            try:
                data.checked = check_upload(data)
            except ValidationError as error:
                raise ValidationError(error.messages) from None
        return data


def _required_message(field: FormField) -> str:
    if field.kind in (FieldKind.CHOICE, FieldKind.YES_NO):
        return _("Choisissez une réponse.")
    if field.kind == FieldKind.MULTI_CHOICE:
        return _("Cochez au moins une réponse.")
    if field.kind == FieldKind.FILE:
        return _("Ajoutez le fichier demandé.")
    return _("Répondez à cette question.")


def build_field(field: FormField, *, has_file: bool = False, lang: str | None = None) -> forms.Field:
    """The Django form field asking `field`'s question; with `lang` (a resident's page), in
    that language when translated, each text marked with the language it is in."""
    label, help_text = field.label, field.help_text
    choices = [(c, c) for c in field.choice_list()]
    if lang is not None:
        label = localized(field, "label", lang).html
        help_text = localized(field, "help_text", lang).html if field.help_text else ""
        choices = [(value, text.html) for value, text in field.choice_labels(lang)]
    common = {
        "label": label,
        "help_text": help_text,
        "required": field.required and not (field.kind == FieldKind.FILE and has_file),
        "error_messages": {"required": _required_message(field)},
    }
    kind = field.kind
    if kind == FieldKind.LONG_TEXT:
        return forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 5}), **common)
    if kind == FieldKind.NUMBER:
        return forms.DecimalField(
            max_digits=14,
            decimal_places=4,
            localize=True,
            widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "short"}),
            **{
                **common,
                "error_messages": {
                    **common["error_messages"],
                    "invalid": _("Écrivez un nombre, par exemple 12 ou 3,5."),
                },
            },
        )
    if kind == FieldKind.DATE:
        return forms.DateField(
            input_formats=["%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y"],
            widget=forms.DateInput(attrs={"type": "date", "class": "short"}, format="%Y-%m-%d"),
            **{
                **common,
                "error_messages": {
                    **common["error_messages"],
                    "invalid": _("Écrivez une date, par exemple 15/03/2026."),
                },
            },
        )
    if kind == FieldKind.CHOICE:
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if kind == FieldKind.MULTI_CHOICE:
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
    if kind == FieldKind.YES_NO:
        return forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect, **common)
    if kind == FieldKind.ADDRESS:
        return forms.CharField(
            max_length=500, widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}), **common
        )
    if kind == FieldKind.EMAIL:
        return forms.EmailField(
            widget=forms.EmailInput(attrs={"autocomplete": "email"}),
            **{
                **common,
                "error_messages": {
                    **common["error_messages"],
                    "invalid": _("Écrivez une adresse comme nom@exemple.fr."),
                },
            },
        )
    if kind == FieldKind.PHONE:
        return forms.CharField(
            max_length=20,
            validators=[phone_check],
            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            **common,
        )
    if kind == FieldKind.FILE:
        if has_file:
            also = _("Un fichier est déjà joint ; ajoutez-en un autre pour le remplacer.")
            common["help_text"] = format_html("{} {}", help_text, also) if help_text else also
        return UploadField(widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}), **common)
    return forms.CharField(max_length=500, **common)


def to_json(field: FormField, value):
    """A cleaned value as stored in a draft or a case."""
    if value is None or value == "":
        return None
    if isinstance(value, decimal.Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def from_json(field: FormField, value):
    """A stored value as a form's initial value."""
    if value is None:
        return None
    if field.kind == FieldKind.DATE:
        return datetime.date.fromisoformat(value)
    if field.kind == FieldKind.NUMBER:
        return decimal.Decimal(value)
    return value


def display(field: FormField | dict, value) -> str:
    """How an answer reads on the check page, the receipt and the case page."""
    kind = field.kind if isinstance(field, FormField) else field["kind"]
    if value in (None, "", []):
        return "–"
    if kind == FieldKind.MULTI_CHOICE:
        return ", ".join(value)
    if kind == FieldKind.YES_NO:
        return str(_("Oui")) if value == "oui" else str(_("Non"))
    if kind == FieldKind.DATE:
        return formats.date_format(datetime.date.fromisoformat(value), "j F Y")
    if kind == FieldKind.NUMBER:
        return value.replace(".", ",")
    return str(value)


class AnswerForm(forms.Form):
    """The questions of a request (all of them, or one page of them)."""

    def __init__(
        self,
        *args,
        questions: list[FormField],
        has_files: set[str] = frozenset(),
        staff=False,
        lang: str | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            field = build_field(question, has_file=question.key in has_files, lang=None if staff else lang)
            if staff:
                field.label = question.label_for_staff()
            if staff and question.kind == FieldKind.FILE:
                field.required = False
                field.help_text = _("Facultatif au guichet : notez dans une note si les papiers ont été vus.")
            self.fields[question.key] = field

    def json_answers(self) -> dict:
        return {q.key: to_json(q, self.cleaned_data.get(q.key)) for q in self.questions if q.kind != FieldKind.FILE}

    def uploads(self) -> dict:
        return {
            q.key: self.cleaned_data[q.key]
            for q in self.questions
            if q.kind == FieldKind.FILE and self.cleaned_data.get(q.key)
        }


class CorrectionAnswerForm(SubmissionKeyForm, AnswerForm):
    """The one question a case worker asked to correct, with a key against double clicks."""


class LocationForm(forms.Form):
    location_text = forms.CharField(
        label=_("Où est-ce ?"),
        max_length=300,
        help_text=_("Une adresse ou un repère : « devant le 12 rue des Lilas », « au coin du parc »."),
        error_messages={"required": _("Dites-nous où se trouve le problème.")},
    )
    latitude = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)


class ContactForm(forms.Form):
    """Who is asking, and how the town answers them (no e-mail or phone needed)."""

    first_name = forms.CharField(
        label=_("Prénom"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
        error_messages={"required": _("Indiquez votre prénom.")},
    )
    last_name = forms.CharField(
        label=_("Nom"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
        error_messages={"required": _("Indiquez votre nom.")},
    )
    preferred_channel = forms.ChoiceField(
        label=_("Comment voulez-vous recevoir nos réponses ?"),
        choices=ContactChannel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez comment vous voulez recevoir nos réponses.")},
    )
    email = forms.EmailField(
        label=_("Adresse électronique"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": _("Écrivez une adresse comme nom@exemple.fr.")},
    )
    phone = forms.CharField(
        label=_("Téléphone"),
        required=False,
        max_length=20,
        validators=[phone_check],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    address = forms.CharField(
        label=_("Adresse postale"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "street-address"}),
    )
    postal_code = forms.CharField(
        label=_("Code postal"),
        required=False,
        max_length=5,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "short", "autocomplete": "postal-code"}),
    )
    commune = forms.CharField(
        label=_("Commune"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )

    def __init__(self, *args, channel: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.one_name = channel == Channel.API
        if self.one_name:
            # A partner application relays what its user typed: FixMyStreet and the like ask
            # for one "name" and send it as the first or the last name, the other empty.
            self.fields["first_name"].required = False
            self.fields["last_name"].required = False

    def clean(self):
        data = super().clean()
        if self.one_name and not (data.get("first_name") or data.get("last_name")) and "last_name" not in self.errors:
            self.add_error("last_name", _("Indiquez le nom de la personne (prénom ou nom)."))
        check_contact_channel(self, data)
        return data


class ReplyForm(SubmissionKeyForm):
    """A resident answers a question or adds a document (for one of the documents the
    request asks for, when it asks for some)."""

    text = forms.CharField(
        label=_("Votre message"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    document = UploadField(label=_("Ajouter un document"), required=False, help_text=_("PDF ou photo."))
    field_key = forms.ChoiceField(label=_("Ce document est"), required=False, choices=[], widget=ContentSelect)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        asked = [(a["key"], a["label"]) for a in (case.answers if case else []) if a.get("kind") == FieldKind.FILE]
        if asked:
            self.fields["field_key"].choices = [("", _("Un autre document"))] + asked
        else:
            del self.fields["field_key"]

    def clean(self):
        data = super().clean()
        if not data.get("text") and not data.get("document") and not self.errors:
            raise ValidationError(_("Écrivez un message ou ajoutez un document."))
        return data


class LookupForm(forms.Form):
    """/suivi/: the reference of a request and one detail the resident gave."""

    reference = forms.CharField(
        label=_("Numéro de votre demande"),
        max_length=40,
        help_text=_("Il est écrit sur votre récépissé, par exemple 2026-00123."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "class": "short"}),
        error_messages={"required": _("Tapez le numéro de votre demande.")},
    )
    detail = forms.CharField(
        label=_("Les 4 derniers chiffres de votre téléphone"),
        max_length=20,
        help_text=_(
            "Du numéro de téléphone donné avec votre demande. Si vous n'avez pas donné de téléphone : "
            "votre année de naissance, par exemple 1984."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "class": "short"}),
        error_messages={
            "required": _("Tapez les 4 derniers chiffres de votre téléphone, ou votre année de naissance.")
        },
    )

    def clean_reference(self):
        from relais.cases.models import normalize_reference

        reference = normalize_reference(self.cleaned_data["reference"])
        if not reference:
            raise ValidationError(_("Un numéro de demande s'écrit comme 2026-00123 : l'année, puis un numéro."))
        return reference

    def clean_detail(self):
        digits = "".join(c for c in self.cleaned_data["detail"] if c.isascii() and c.isdigit())
        if len(digits) != 4:
            raise ValidationError(_("Tapez 4 chiffres : la fin de votre téléphone, ou votre année de naissance."))
        return digits


class CorrectionForm(SubmissionKeyForm):
    """A worker asks the resident to correct one answer, and says why."""

    field_key = forms.ChoiceField(label=_("Réponse à corriger"), choices=[])
    reason = forms.CharField(
        label=_("Ce qui ne va pas"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("En français simple, par exemple : « le justificatif de domicile a plus de 3 mois »."),
        error_messages={"required": _("Dites à l'habitant ce qui ne va pas dans cette réponse.")},
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field_key"].choices = [(a["key"], a["label"]) for a in case.answers if a.get("key")]
        self.fields["field_key"].error_messages["required"] = _("Choisissez la réponse à corriger.")
        self.fields["field_key"].error_messages["invalid_choice"] = _("Choisissez une question de cette demande.")


# ---------------------------------------------------------------- staff


class RecordStartForm(forms.Form):
    """An agent starts a request for a person: which form, which channel."""

    form = forms.ModelChoiceField(label=_("Démarche"), queryset=Form.objects.published(), empty_label=None)
    channel = forms.ChoiceField(
        label=_("Comment la demande arrive-t-elle ?"),
        widget=forms.RadioSelect,
        choices=[],
    )

    ON_BEHALF = "mandate"

    def __init__(self, *args, user, **kwargs):
        from relais.accounts.permissions import has_role

        super().__init__(*args, **kwargs)
        choices = []
        if has_role(user, Role.RECEPTION, Role.CASE_WORKER, Role.MANAGER):
            choices += [(c, label) for c, label in Channel.choices if c != Channel.ONLINE]
        if has_role(user, Role.ADVISOR, Role.MANAGER):
            choices.append((self.ON_BEHALF, _("Pour la personne, absente, sous mandat")))
        self.fields["channel"].choices = choices


class RecordForm(forms.Form):
    """Extra facts an agent records with a request."""

    place = forms.ModelChoiceField(
        label=_("Lieu où la demande est reçue"), queryset=Place.objects.published(), required=False
    )
    scan = UploadField(
        label=_("Courrier ou courriel reçu, numérisé"),
        required=False,
        help_text=_("Pour une demande arrivée par courrier ou par courriel : joignez-le (PDF ou photo)."),
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Nouvel état"), choices=Status.choices)
    message = forms.CharField(
        label=_("Message à l'habitant"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("En français simple. Obligatoire pour une question ou un refus : dites pourquoi et quoi faire."),
    )
    # When the last correction had arrived as the page was shown (services.correction_version):
    # one arrived since, and the decision waits for the worker to reread.
    correction_seen = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s, label) for s, label in Status.choices if case.can_move_to(s)]

    def clean(self):
        data = super().clean()
        if data.get("status") in EXPLAINED_STATUSES and not data.get("message"):
            self.add_error("message", STATUS_MESSAGE_MISSING)
        return data


class AssignForm(forms.Form):
    assignee = ListedModelChoiceField(label=_("Agent chargé"), queryset=None, required=False, empty_label=_("Personne"))

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignees([team.pk])


class NoteForm(SubmissionKeyForm):
    text = forms.CharField(
        label=_("Note interne"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Visible seulement par les agents."),
    )


class MessageForm(SubmissionKeyForm):
    text = forms.CharField(label=_("Message à l'habitant"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))


class DocumentForm(SubmissionKeyForm):
    document = UploadField(label=_("Document"), help_text=_("PDF ou photo."))


class QueueFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Référence ou nom"), required=False, max_length=100, widget=forms.TextInput(attrs={"type": "search"})
    )
    form = ListedModelChoiceField(
        label=_("Démarche"), queryset=Form.objects.none(), required=False, empty_label=_("Toutes")
    )
    status = forms.ChoiceField(label=_("État"), required=False, choices=[("", _("Tous"))] + list(Status.choices))
    channel = forms.ChoiceField(label=_("Canal"), required=False, choices=[("", _("Tous"))] + list(Channel.choices))
    assignee = forms.ChoiceField(label=_("Agent"), required=False)
    # A place is offered by its name: its hours, services and translations are not read.
    place = ListedModelChoiceField(
        label=_("Lieu"), queryset=Place.objects.only("pk", "nom"), required=False, empty_label=_("Tous")
    )
    start = forms.DateField(label=_("Reçues depuis le"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("jusqu'au"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(
        label=_("Trier par"),
        required=False,
        choices=[
            ("-submitted_at", _("Plus récentes")),
            ("submitted_at", _("Plus anciennes")),
            ("due_date", _("Échéance la plus proche")),
            ("reference", _("Référence")),
        ],
    )
    correction = forms.BooleanField(label=_("Seulement les corrections reçues"), required=False)

    def __init__(self, *args, forms_qs, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["form"].queryset = forms_qs.only("pk", "title")  # offered by their titles
        self.fields["assignee"].choices = [("", _("Tous")), ("none", _("Personne"))] + [
            (str(u.pk), u.get_full_name()) for u in assignees
        ]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("La date de fin doit être après la date de début."))
        return data


class BulkForm(forms.Form):
    cases = forms.ModelMultipleChoiceField(queryset=None, error_messages={"required": _("Cochez au moins un dossier.")})
    action = forms.ChoiceField(label=_("Pour les dossiers cochés"), choices=[])

    def __init__(self, *args, cases_qs, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = cases_qs
        self.fields["action"].choices = (
            [(f"assign:{u.pk}", _("Attribuer à %(name)s") % {"name": u.get_full_name()}) for u in assignees]
            + [("assign:none", _("Retirer l'attribution"))]
            # No refusal in bulk: a refusal must tell each resident why (see StatusForm).
            + [
                (f"status:{s}", _("Passer à « %(status)s »") % {"status": label})
                for s, label in Status.choices
                if s in (Status.IN_PROGRESS, Status.ACCEPTED, Status.CLOSED)
            ]
        )


# ---------------------------------------------------------------- form builder


class FormMetaForm(forms.ModelForm):
    class Meta:
        model = Form
        fields = [
            "title",
            "slug",
            "intro",
            "team",
            "procedure",
            "required_documents",
            "expected_days",
            "requires_account",
            "asks_location",
            "public_reports",
            "mandate_scope",
            "one_question_per_page",
            "published",
        ]
        widgets = {"intro": forms.Textarea(attrs={"rows": 4}), "required_documents": forms.Textarea(attrs={"rows": 4})}

    def clean(self):
        data = super().clean()
        if data.get("public_reports") and not data.get("asks_location"):
            self.add_error(
                "public_reports", _("Seule une démarche qui demande un emplacement a des signalements publics.")
            )
        return data

    def __init__(self, *args, **kwargs):
        from relais.accounts.models import Team

        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(is_active=True, kind="service") | Team.objects.filter(
            pk=getattr(self.instance, "team_id", None)
        )


class FormFieldForm(forms.ModelForm):
    class Meta:
        model = FormField
        fields = ["label", "staff_label", "key", "kind", "help_text", "required", "choices"]
        widgets = {"choices": forms.Textarea(attrs={"rows": 4}), "kind": forms.RadioSelect}

    def __init__(self, *args, form, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.form = form

    def clean_key(self):
        key = self.cleaned_data["key"]
        clash = FormField.objects.filter(form=self.instance.form, key=key).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(_("Une autre question de cette démarche a déjà cet identifiant."))
        return key


def person_from_contact(data: dict) -> dict:
    """Person fields from a ContactForm's cleaned data."""
    return {
        k: data.get(k, "") for k in ("first_name", "last_name", "email", "phone", "address", "postal_code", "commune")
    } | {"preferred_channel": data["preferred_channel"]}
