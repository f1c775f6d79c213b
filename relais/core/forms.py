from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from relais.accounts.models import User
from relais.core.idempotency import SubmissionKeyForm
from relais.core.models import Channel, Person
from relais.core.text import is_meaningful_query


def add_refusal(form, error) -> None:
    """Show a refusal from a service beside the fields it names, or at the top of the form
    (a ValidationError, or any other refusal by its text); what was typed stays in the form."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages if isinstance(error, ValidationError) else str(error))


CONTACT_FIELDS = ("email", "phone", "address", "postal_code", "commune")


def check_contact_channel(form: forms.Form, data: dict, *, channel_field: str = "preferred_channel") -> None:
    """Put beside each field what the chosen channel still needs (`Person.missing_for`):
    the one rule for every form that asks how to reach a resident."""
    channel = data.get(channel_field)
    if not channel:
        return
    person = Person(**{name: (data.get(name) or "") for name in CONTACT_FIELDS})
    for field, message in person.missing_for(channel).items():
        if field in form.fields and field not in form.errors:
            form.add_error(field, message)


class PersonForm(forms.ModelForm):
    """Everything optional but one identifying field: the counter must be quick."""

    class Meta:
        model = Person
        fields = [
            "last_name",
            "first_name",
            "birth_year",
            "phone",
            "email",
            "preferred_channel",
            "address",
            "postal_code",
            "commune",
            "preferred_language",
            "accessibility_needs",
            "large_print",
        ]
        widgets = {
            "preferred_channel": forms.RadioSelect,
            "address": forms.Textarea(attrs={"rows": 2}),
            "accessibility_needs": forms.Textarea(attrs={"rows": 2}),
            "birth_year": forms.NumberInput(attrs={"inputmode": "numeric", "class": "short"}),
            "postal_code": forms.TextInput(
                attrs={"inputmode": "numeric", "class": "short", "autocomplete": "postal-code"}
            ),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        }


class CounterPersonForm(SubmissionKeyForm, PersonForm):
    channel = forms.ChoiceField(
        label=_("Comment la personne s'est-elle présentée ?"),
        choices=[c for c in Channel.choices if c[0] != Channel.ONLINE],
        initial=Channel.COUNTER,
        widget=forms.RadioSelect,
    )

    class Meta(PersonForm.Meta):
        fields = ["channel", *PersonForm.Meta.fields]


class PeopleQueryField(forms.CharField):
    """The words of a people search: empty (no search yet) or at least two letters or digits."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 100)
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "search", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value).strip()
        if value and not is_meaningful_query(value):
            raise ValidationError(
                _(
                    "Tapez au moins deux lettres ou chiffres : un nom, un numéro de téléphone ou une adresse électronique."
                ),
                code="too_short",
            )
        return value


class PersonSearchForm(forms.Form):
    q = PeopleQueryField(label=_("Nom, téléphone, adresse électronique ou année de naissance"))


class MergeForm(forms.Form):
    kept = forms.ModelChoiceField(
        label=_("Fiche à garder"),
        queryset=Person.objects.active(),
        widget=forms.RadioSelect,
        help_text=_(
            "L'autre fiche sera fusionnée dans celle-ci : ses informations manquantes et tous ses dossiers y seront rattachés."
        ),
    )
    confirm = forms.BooleanField(label=_("J'ai vérifié qu'il s'agit bien de la même personne."))

    def __init__(self, *args, pair, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kept"].queryset = Person.objects.active().filter(pk__in=[p.pk for p in pair])
        self.fields["kept"].label_from_instance = lambda p: (
            f"{p.display_name} – #{p.pk} ({p.get_created_via_display()})"
        )


class JournalFilterForm(forms.Form):
    person = forms.IntegerField(label=_("Numéro de la personne"), required=False, min_value=1)
    actor = forms.ModelChoiceField(
        label=_("Agent"), queryset=User.objects.filter(memberships__isnull=False).distinct(), required=False
    )
    action = forms.CharField(label=_("Action (début)"), required=False, max_length=60)
    start = forms.DateField(label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("La date de fin doit être après la date de début."))
        return data


class AccessCodeForm(forms.Form):
    """The code printed on a letter or a receipt, as the resident types it."""

    code = forms.CharField(
        label=_("Votre code"),
        max_length=40,
        help_text=_("Les 12 chiffres écrits sur votre courrier, par exemple 4821 7730 9512."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("Tapez le code écrit sur votre courrier.")},
    )

    def clean_code(self):
        from relais.core import access

        code = access.normalize(self.cleaned_data["code"])
        if not (code.isascii() and code.isdigit()) or len(code) != access.CODE_LENGTH:
            raise ValidationError(_("Le code a 12 chiffres. Vérifiez-le sur votre courrier."))
        if not access.is_well_formed(code):
            raise ValidationError(_("Un chiffre du code est faux ou deux chiffres sont inversés. Vérifiez-le."))
        return code


class AccessDetailForm(forms.Form):
    """The one detail the resident knows (see core.access.question_for)."""

    answer = forms.CharField(
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "class": "short"}),
    )

    def __init__(self, *args, question, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["answer"]
        field.label = question.label
        field.help_text = question.help_text
        field.error_messages["required"] = _("Répondez à cette question.")


# ---------------------------------------------------------------- the person's rights (core.rights)

RIGHTS_REASON_HELP = _("Par exemple : « demande écrite reçue le 3 mars, pièce d'identité vue à l'accueil ».")


class RightsLookupForm(forms.Form):
    number = forms.IntegerField(
        label=_("Numéro de la fiche"),
        min_value=1,
        max_value=2**62,
        help_text=_("Il est écrit en haut de la fiche de la personne : « Fiche n° … »."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "short"}),
    )


class DataExportForm(forms.Form):
    FORMATS = [
        ("pdf", _("PDF, à lire ou imprimer")),
        ("json", _("JSON, lisible par un logiciel")),
        ("zip", _("ZIP : le PDF, le JSON et les documents déposés")),
    ]

    format = forms.ChoiceField(label=_("Format"), choices=FORMATS, initial="pdf", widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Motif de l'export"), max_length=300, help_text=RIGHTS_REASON_HELP)


class RectifyForm(PersonForm):
    reason = forms.CharField(label=_("Motif de la rectification"), max_length=300, help_text=RIGHTS_REASON_HELP)


class EraseForm(forms.Form):
    reason = forms.CharField(label=_("Motif de l'effacement"), max_length=300, help_text=RIGHTS_REASON_HELP)
    close_open = forms.BooleanField(
        label=_("Clore ou annuler d'abord ce qui est en cours (liste ci-dessus)"),
        required=False,
    )
    confirm = forms.BooleanField(
        label=_("Je confirme l'effacement : il est définitif."),
        error_messages={"required": _("Cochez cette case pour confirmer l'effacement.")},
    )

    def __init__(self, *args, open_records=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.open_records = list(open_records)
        if not self.open_records:
            del self.fields["close_open"]

    def clean_close_open(self):
        if self.open_records and not self.cleaned_data.get("close_open"):
            raise forms.ValidationError(
                _(
                    "Des éléments sont encore en cours. Cochez cette case pour les clore d'abord, "
                    "ou n'effacez pas la fiche pour l'instant."
                )
            )
        return self.cleaned_data.get("close_open")
