from django import forms
from django.template import TemplateSyntaxError
from django.utils.translation import gettext_lazy as _

from relais.notifications import texts


class CallForm(forms.Form):
    reached = forms.TypedChoiceField(
        label=_("Avez-vous pu parler à la personne ?"),
        choices=[("yes", _("Oui, je lui ai transmis le message")), ("no", _("Non, pas de réponse"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Par exemple : rappeler après 14 h, message laissé au fils."),
    )


def _checked_template(value: str, allowed: set[str], sample: dict) -> str:
    try:
        unknown = texts.variables_used(value) - allowed
    except texts.UnsafeText as error:
        raise forms.ValidationError(
            _("Ce texte ne peut pas être utilisé : %(error)s. Utilisez seulement des variables comme {{ reference }}."),
            params={"error": error},
        ) from None
    except TemplateSyntaxError as error:
        raise forms.ValidationError(
            _("Ce texte contient une erreur de variable : %(error)s. Les variables s'écrivent {{ reference }}."),
            params={"error": error},
        ) from None
    if unknown:
        raise forms.ValidationError(
            _("Variable inconnue : %(unknown)s. Variables possibles : %(allowed)s."),
            params={"unknown": ", ".join(sorted(unknown)), "allowed": ", ".join(sorted(allowed))},
        )
    try:
        texts.render_text(value, sample)
    except Exception as error:
        raise forms.ValidationError(
            _("Ce texte ne s'affiche pas avec des valeurs d'exemple : %(error)s."), params={"error": error}
        ) from None
    return value


class TemplateForm(forms.Form):
    subject = forms.CharField(label=_("Objet"), max_length=200)
    body = forms.CharField(
        label=_("Texte du courriel et du courrier"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("En français simple : des phrases courtes, un mot par idée, pas de sigle sans explication."),
    )
    sms = forms.CharField(
        label=_("Texte du SMS"),
        required=False,
        max_length=480,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("160 caractères tiennent dans un SMS ; au-delà, il part en plusieurs morceaux."),
    )

    def __init__(self, *args, allowed: set[str], sample: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed, self.sample = allowed, sample

    def clean_subject(self):
        return _checked_template(self.cleaned_data["subject"], self.allowed, self.sample)

    def clean_body(self):
        return _checked_template(self.cleaned_data["body"], self.allowed, self.sample)

    def clean_sms(self):
        return _checked_template(self.cleaned_data["sms"], self.allowed, self.sample)


class RecipientSearchForm(forms.Form):
    q = forms.CharField(label=_("Nom du destinataire"), required=False, max_length=100)


class ResendSinceForm(forms.Form):
    """Send again, at once, every message that failed since an outage began."""

    since = forms.DateTimeField(
        label=_("Messages en échec depuis le"),
        help_text=_("Le début de la panne, par exemple 04/12/2026 08:00."),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%d/%m/%Y"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={
            "required": _("Indiquez depuis quand renvoyer les messages."),
            "invalid": _("Écrivez la date et l'heure, par exemple 04/12/2026 08:00."),
        },
    )


class HeldForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Que faire des messages retenus ?"),
        choices=[
            ("release", _("Les envoyer : ils partent maintenant, chacun à son tour")),
            ("discard", _("Ne pas les envoyer : ils restent dans l'historique comme annulés")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez d'envoyer ou non les messages retenus.")},
    )
