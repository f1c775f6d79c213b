from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from relais.accounts.models import Team
from relais.core.idempotency import SubmissionKeyForm
from relais.core.uploads import check_upload
from relais.core.vocabularies import MANDATE_SCOPES
from relais.mandates.models import ConsentMethod, Duration, RevokedVia


class MandateForm(SubmissionKeyForm):
    team = forms.ModelChoiceField(label=_("Structure aidante"), queryset=Team.objects.none(), empty_label=None)
    scopes = forms.MultipleChoiceField(
        label=_("Pour quelles démarches ?"),
        choices=MANDATE_SCOPES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Ne cochez que ce dont la personne a besoin."),
        error_messages={"required": _("Choisissez au moins un domaine de démarches.")},
    )
    duration = forms.ChoiceField(
        label=_("Pour combien de temps ?"), choices=Duration.choices, widget=forms.RadioSelect, initial=Duration.DAY
    )
    consent_method = forms.ChoiceField(
        label=_("Comment la personne donne-t-elle son accord ?"),
        choices=ConsentMethod.choices,
        widget=forms.RadioSelect,
        initial=ConsentMethod.PAPER,
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        if len(teams) == 1:
            self.fields["team"].widget = forms.HiddenInput()
            self.fields["team"].initial = teams.first().pk


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code donné par la personne"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "class": "short"}),
    )


class PaperForm(forms.Form):
    signed = forms.BooleanField(label=_("J'ai le formulaire signé par la personne."))
    scan = forms.FileField(
        label=_("Formulaire signé numérisé"),
        required=False,
        help_text=_("PDF ou photo. Sinon, rangez le papier dans le classeur des mandats."),
    )

    def clean_scan(self):
        scan = self.cleaned_data.get("scan")
        if scan:
            try:
                check_upload(scan)
            except ValidationError as error:
                raise forms.ValidationError(error.messages) from None
        return scan


def stop_choices(scopes) -> list[tuple[str, str]]:
    """What can be stopped, for the helper's form and the resident's: all, or one scope."""
    labels = dict(MANDATE_SCOPES)
    return [("", _("Tout le mandat"))] + [
        (code, _("Seulement le domaine « %(scope)s »") % {"scope": labels[code]}) for code in scopes
    ]


class RevokeForm(forms.Form):
    via = forms.ChoiceField(
        label=_("Qui demande l'arrêt ?"),
        choices=[c for c in RevokedVia.choices if c[0] != RevokedVia.ONLINE],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Motif"), required=False, max_length=300)
    scope = forms.ChoiceField(
        label=_("Que faut-il arrêter ?"),
        required=False,
        choices=[("", _("Tout le mandat"))],
        widget=forms.RadioSelect,
        initial="",
    )

    def __init__(self, *args, scopes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = stop_choices(scopes)


class ResidentStopForm(forms.Form):
    """What the resident sends from their own link: the whole mandate, or one of its scopes.
    The choice is shown when two scopes or more are active; a scope stopped meanwhile (by the
    helper, from another page) is said, and nothing else is stopped in its place."""

    scope = forms.CharField(label=_("Que voulez-vous arrêter ?"), required=False, widget=forms.RadioSelect)
    confirm = forms.BooleanField(
        label=_("Je veux arrêter maintenant."),
        error_messages={"required": _("Cochez la case pour confirmer.")},
    )

    def __init__(self, *args, scopes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.scopes = list(scopes)
        self.show_scope = len(self.scopes) > 1
        self.fields["scope"].widget.choices = stop_choices(self.scopes)
        self.fields["scope"].initial = ""

    def clean(self):
        cleaned = super().clean()
        scope = cleaned.get("scope") or ""
        if scope and scope not in self.scopes:
            raise forms.ValidationError(
                _("Ce domaine est déjà arrêté : rien d'autre n'a changé. Voici votre mandat tel qu'il est maintenant.")
            )
        return cleaned
