"""Forms of street reports: the public list's filters, an agent's review before publishing,
and linking a case to the first report of the same problem."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from relais.cases.models import Case, PublicStatus, StreetReport


class PublicFilterForm(forms.Form):
    categorie = forms.ModelChoiceField(
        label=_("Catégorie"), queryset=None, required=False, to_field_name="slug", empty_label=_("Toutes")
    )
    etat = forms.ChoiceField(label=_("État"), required=False, choices=[("", _("Tous")), *PublicStatus.choices])

    def __init__(self, *args, forms_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categorie"].queryset = forms_qs


class ModerationForm(forms.ModelForm):
    """What the public sees of a report, written or reviewed by an agent."""

    class Meta:
        model = StreetReport
        fields = ["title", "location_text", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        error_messages = {
            "title": {"required": _("Donnez un titre public, par exemple « Lampadaire éteint ».")},
            "location_text": {"required": _("Indiquez une rue ou un repère.")},
        }


class DuplicateForm(forms.Form):
    original = forms.ModelChoiceField(
        label=_("Premier signalement du même problème"),
        queryset=Case.objects.none(),
        error_messages={
            "required": _("Choisissez le premier signalement."),
            "invalid_choice": _("Choisissez un signalement de la liste."),
        },
    )

    def __init__(self, *args, choices_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["original"].queryset = choices_qs
        self.fields["original"].label_from_instance = lambda c: f"{c.reference} – {c.location_text[:60]}"
