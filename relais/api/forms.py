"""The administrator's forms for partner applications and their webhooks."""

from django import forms
from django.utils.translation import gettext_lazy as _

from relais.accounts.models import Team
from relais.api.models import Scope
from relais.api.services import APPLICATION_ROLES
from relais.core.idempotency import SubmissionKeyForm

RATE_LIMIT_MAX = 100_000


def _scope_field():
    return forms.MultipleChoiceField(
        label=_("Droits"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Les trois derniers font de l'application un agent de l'équipe choisie ci-dessous : "
            "elle voit et fait ce que voit et fait un agent de ce rôle."
        ),
        error_messages={"required": _("Choisissez au moins un droit.")},
    )


def _rate_field():
    return forms.IntegerField(
        label=_("Requêtes par minute"),
        min_value=1,
        max_value=RATE_LIMIT_MAX,
        initial=120,
        help_text=_("Au-delà, l'application est priée d'attendre (réponse 429)."),
    )


class ApplicationForm(SubmissionKeyForm):
    name = forms.CharField(label=_("Nom de l'application"), max_length=120)
    contact_email = forms.EmailField(
        label=_("Contact technique"),
        required=False,
        help_text=_("L'adresse de la personne à prévenir chez le partenaire (panne, clé à remplacer)."),
    )
    scopes = _scope_field()
    team = forms.ModelChoiceField(
        label=_("Équipe"),
        queryset=Team.objects.filter(is_active=True).order_by("name"),
        required=False,
        help_text=_("Seulement pour les droits sur les dossiers et les accompagnements."),
    )
    role = forms.ChoiceField(
        label=_("Rôle dans l'équipe"),
        choices=[(role.value, role.label) for role in APPLICATION_ROLES],
        widget=forms.RadioSelect,
        required=False,
    )
    rate_limit = _rate_field()


class ApplicationEditForm(forms.Form):
    contact_email = forms.EmailField(label=_("Contact technique"), required=False)
    scopes = _scope_field()
    rate_limit = _rate_field()


class WebhookForm(SubmissionKeyForm):
    url = forms.URLField(
        label=_("Adresse du partenaire"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Une adresse https publique, par exemple https://partenaire.example.org/relais/evenements."),
    )
    events = forms.MultipleChoiceField(
        label=_("Événements envoyés"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins un événement.")},
    )
    is_active = forms.BooleanField(label=_("Envoyer les événements à cette adresse"), required=False, initial=True)

    def __init__(self, *args, application, editing: bool = False, **kwargs):
        from relais.api.webhooks import events_for

        super().__init__(*args, **kwargs)
        self.fields["events"].choices = events_for(application)
        if not editing:
            del self.fields["is_active"]


class KeyRotateForm(SubmissionKeyForm):
    """ "Remplacer la clé": only its submission key (two clicks make one new key)."""
