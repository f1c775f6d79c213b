from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from relais.core.models import AccessibilityStatement, Person
from relais.core.text import is_meaningful_query


class ListedChoices(forms.models.ModelChoiceIterator):
    """A model field's choices read with one plain query, once per form. Django's own reads
    them through `QuerySet.iterator()` each time they are listed: on PostgreSQL a server-side
    cursor (DECLARE, FETCH, CLOSE) for a handful of rows, and a filter panel lists them twice
    (to know whether its kept HTML still holds, then to render it)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:  # the form's own copy of the queryset: read once, then kept
            yield self.choice(obj)

    def __len__(self):
        return len(self.queryset) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.queryset)


class ListedModelChoiceField(forms.ModelChoiceField):
    """A choice of a few records (a team's forms, the places), listed with `ListedChoices`."""

    iterator = ListedChoices


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


class RateField(forms.DecimalField):
    """A percentage typed the French way ("87,5") or with a point; shown with a comma."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(",", ".").replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
            value = value.removesuffix("%")
        return super().to_python(value)

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            text = format(value.normalize(), "f")
            return text.replace(".", ",")
        return value


class AccessibilityStatementForm(forms.ModelForm):
    """The RGAA statement, in the order of the official model."""

    class Meta:
        model = AccessibilityStatement
        field_classes = {"rate": RateField}
        fields = [
            "entity",
            "site_name",
            "site_url",
            "rate",
            "audit_date",
            "auditor",
            "statement_date",
            "non_conformities",
            "disproportionate_burden",
            "exempt_content",
            "improvement_plan",
            "multiyear_plan_url",
            "action_plan_url",
            "technologies",
            "test_tools",
            "test_environment",
            "pages_audited",
            "contact_email",
            "contact_phone",
            "contact_address",
            "contact_form_url",
        ]
        widgets = {
            "audit_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "statement_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "rate": forms.TextInput(attrs={"inputmode": "decimal", "size": "6"}),
            **{
                name: forms.Textarea(attrs={"rows": rows})
                for name, rows in [
                    ("non_conformities", 6),
                    ("disproportionate_burden", 3),
                    ("exempt_content", 3),
                    ("improvement_plan", 3),
                    ("technologies", 3),
                    ("test_tools", 3),
                    ("test_environment", 4),
                    ("pages_audited", 6),
                    ("contact_address", 3),
                ]
            },
        }
        error_messages = {
            "rate": {
                key: _("Écrivez un nombre entre 0 et 100, par exemple 87,5.")
                for key in ("invalid", "max_digits", "max_whole_digits")
            }
            | {"max_decimal_places": _("Écrivez au plus deux chiffres après la virgule, par exemple 87,25.")},
            "audit_date": {"invalid": _("Écrivez une date, par exemple 15/11/2026.")},
            "statement_date": {"invalid": _("Écrivez une date, par exemple 15/11/2026.")},
            "site_url": {"invalid": _("Écrivez l'adresse complète, par exemple https://relais.valbrenne.fr.")},
            "contact_email": {
                "invalid": _("Écrivez une adresse électronique, par exemple accessibilite@valbrenne.fr.")
            },
        }


class TranslationForm(forms.Form):
    """The translation of some text fields of a town-written object in one language: one box
    per field, the French text shown beside it; a box left empty shows the French text."""

    def __init__(self, *args, obj, lang: str, fields: tuple[str, ...], **kwargs):
        from django.db import models

        from relais.core.content_language import choices_as_lines, direction, lines_of, translation_of

        super().__init__(*args, **kwargs)
        self.obj, self.lang = obj, lang
        for name in fields:
            model_field = obj._meta.get_field(name)
            french = str(getattr(obj, name) or "")
            long = isinstance(model_field, models.TextField)
            initial = translation_of(obj, name, lang)
            if name == "choices":  # kept keyed by the French choice; shown one per line, in order
                stored = ((obj.translations or {}).get(lang) or {}).get(name)
                initial = choices_as_lines(lines_of(french), stored) if isinstance(stored, dict) else ""
            self.fields[name] = forms.CharField(
                label=model_field.verbose_name[:1].upper() + model_field.verbose_name[1:],
                required=False,
                max_length=model_field.max_length,
                strip=True,
                initial=initial,
                widget=forms.Textarea(attrs={"rows": 3, "lang": lang, "dir": direction(lang)})
                if long
                else forms.TextInput(attrs={"lang": lang, "dir": direction(lang)}),
                help_text=_("En français : %(text)s") % {"text": french} if french else _("Vide en français."),
            )

    def clean(self):
        data = super().clean()
        # Choices are answered by their French text: a translation gives each one, in order.
        if "choices" in self.fields and data.get("choices"):
            french = [c for c in str(self.obj.choices or "").splitlines() if c.strip()]
            lines = data["choices"].splitlines()
            while lines and not lines[-1].strip():
                lines.pop()
            if len(lines) != len(french) and len([c for c in lines if c.strip()]) != len(french):
                self.add_error(
                    "choices",
                    _("Écrivez autant de choix qu'en français (%(n)s), un par ligne, dans le même ordre.")
                    % {"n": len(french)},
                )
        return data

    def texts(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name, "") for name in self.fields}


class ContentSelect(forms.Select):
    """A select of town-written options: objects of a ModelChoiceField read `field` in the
    page's language when translated; plain choices are the town's French (questions of a
    request). Each option says its language (lang="fr") when it is not the page's; an option
    without a value ("Toutes") is the interface's."""

    def __init__(self, *args, field: str = "title", **kwargs):
        self.field = field
        super().__init__(*args, **kwargs)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        from relais.core.content_language import localized

        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        instance = getattr(value, "instance", None)
        if instance is None and value in (None, ""):
            return option
        text = localized(instance, self.field) if instance is not None else localized(label)
        option["label"] = text.text
        if text.foreign:
            option["attrs"]["lang"] = text.lang
        return option
