from django import forms
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from relais.accounts.models import Team
from relais.core.idempotency import SubmissionKeyForm
from relais.core.models import Channel
from relais.mutualaid.models import (
    CONTACT_DETAILS_REFUSED,
    BoardSettings,
    Category,
    ConversationMessage,
    Kind,
    Listing,
    Neighbourhood,
    Outcome,
    ReportReason,
    ThankYou,
)
from relais.mutualaid.privacy import contact_details_in, public_name
from relais.mutualaid.selectors import neighbourhoods

# ---------------------------------------------------------------- resident forms


class BoardFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Rechercher"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=_("Par exemple : courses, perceuse, ordinateur."),
    )
    kind = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("Offres et demandes")), *Kind.choices])
    category = forms.ChoiceField(
        label=_("Catégorie"), required=False, choices=[("", _("Toutes les catégories")), *Category.choices]
    )
    quartier = forms.ModelChoiceField(
        label=_("Quartier"),
        required=False,
        queryset=Neighbourhood.objects.none(),
        to_field_name="slug",
        empty_label=_("Tous les quartiers"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quartier"].queryset = neighbourhoods()


LISTING_FIELDS = ["kind", "category", "neighbourhood", "title", "text", "availability", "ongoing"]
LISTING_LABELS = {
    "kind": _("Vous proposez de l'aide, ou vous en cherchez ?"),
    "title": _("Titre de l'annonce"),
    "text": _("Votre annonce"),
    "availability": _("Quand êtes-vous disponible ?"),
    "ongoing": _("C'est une offre permanente (elle n'expire pas au bout de 30 jours)"),
}
LISTING_HELP = {
    "neighbourhood": _("Seul le quartier est indiqué, jamais votre adresse."),
    "title": _("En quelques mots, par exemple « Courses le samedi matin ». 80 caractères au plus."),
    "text": _(
        "Ce que vous proposez ou cherchez, en quelques phrases. Pas de téléphone, d'adresse électronique ni "
        "d'adresse : les voisins vous répondent par le tableau. 600 caractères au plus."
    ),
    "availability": _("Par exemple : le samedi matin, en semaine après 17 h."),
    "ongoing": _("Seulement pour une offre, par exemple un prêt d'outils toute l'année."),
}


class ListingForm(SubmissionKeyForm, forms.ModelForm):
    """A resident's listing, online."""

    rules = forms.BooleanField(
        label=_(
            "J'ai lu « Comment ça marche » : l'entraide est gratuite, je ne demande ni argent ni papiers, "
            "et je reste courtois."
        ),
        error_messages={"required": _("Cochez cette case pour publier votre annonce.")},
    )

    class Meta:
        model = Listing
        fields = LISTING_FIELDS
        labels = LISTING_LABELS
        help_texts = LISTING_HELP
        widgets = {
            "kind": forms.RadioSelect,
            "text": forms.Textarea(attrs={"rows": 5, "maxlength": 600}),
            "title": forms.TextInput(attrs={"maxlength": 80}),
        }
        error_messages = {
            "kind": {"required": _("Choisissez si vous proposez ou cherchez de l'aide.")},
            "category": {"required": _("Choisissez une catégorie.")},
            "neighbourhood": {"required": _("Choisissez votre quartier.")},
            "title": {"required": _("Donnez un titre à votre annonce.")},
            "text": {"required": _("Décrivez ce que vous proposez ou cherchez.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (Kind.OFFER, _("Je propose de l'aide")),
            (Kind.REQUEST, _("Je cherche de l'aide")),
        ]
        self.fields["neighbourhood"].queryset = neighbourhoods()
        self.fields["neighbourhood"].empty_label = _("Choisissez votre quartier")
        self.fields["category"].choices = [("", _("Choisissez une catégorie")), *Category.choices]

    def listing_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in LISTING_FIELDS}


class ListingEditForm(ListingForm):
    """The author changes their listing (the rules were accepted when it was posted)."""

    rules = None


class StaffListingForm(ListingForm):
    """A staff member posts for a resident who came to the counter, phoned or wrote."""

    rules = None
    channel = forms.ChoiceField(
        label=_("Comment la personne a-t-elle demandé ?"),
        choices=[
            (Channel.COUNTER, Channel.COUNTER.label),
            (Channel.PHONE, Channel.PHONE.label),
            (Channel.POST, Channel.POST.label),
        ],  # fmt: skip
        initial=Channel.COUNTER,
        widget=forms.RadioSelect,
    )
    consent = forms.BooleanField(
        label=_(
            "La personne accepte que son annonce soit publiée (sans ses coordonnées) et que l'équipe "
            "d'entraide lui transmette les réponses."
        ),
        error_messages={"required": _("Sans l'accord de la personne, l'annonce ne peut pas être publiée.")},
    )

    class Meta(ListingForm.Meta):
        labels = {
            **LISTING_LABELS,
            "kind": _("La personne propose de l'aide, ou en cherche ?"),
            "text": _("Texte de l'annonce"),
            "availability": _("Disponibilités"),
        }


class ModeratorEditForm(ListingForm):
    rules = None
    submission_key = None
    notice = forms.CharField(
        label=_("Avis de modification"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Affiché sur l'annonce et envoyé à son auteur. Par exemple : « Nous avons retiré un numéro de téléphone. »"
        ),
        error_messages={"required": _("Écrivez l'avis qui sera affiché sur l'annonce et envoyé à son auteur.")},
    )

    def __init__(self, *args, team_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        if team_ids is not None:
            # A moderator moves a listing only within the teams they moderate.
            field = self.fields["neighbourhood"]
            field.queryset = field.queryset.filter(team__in=team_ids)
            field.error_messages["invalid_choice"] = _("Choisissez un quartier de votre équipe d'entraide.")

    def clean_notice(self):
        notice = self.cleaned_data["notice"]
        if contact_details_in(notice):
            raise forms.ValidationError(CONTACT_DETAILS_REFUSED)
        return notice


SAFETY_LABEL = _("J'ai lu les conseils de sécurité ci-dessus.")


class MessageForm(SubmissionKeyForm, forms.ModelForm):
    safety = forms.BooleanField(
        label=SAFETY_LABEL,
        error_messages={"required": _("Lisez les conseils de sécurité et cochez la case.")},
    )

    class Meta:
        model = ConversationMessage
        fields = ["body"]
        labels = {"body": _("Votre message")}
        help_texts = {
            "body": _(
                "Ni téléphone, ni adresse électronique, ni adresse : pour vous contacter directement, utilisez "
                "« Échanger nos coordonnées ». 1 000 caractères au plus."
            )
        }
        widgets = {"body": forms.Textarea(attrs={"rows": 4, "maxlength": 1000})}
        error_messages = {"body": {"required": _("Écrivez votre message.")}}

    def __init__(self, *args, needs_safety: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_safety:
            del self.fields["safety"]


class StaffMessageForm(MessageForm):
    class Meta(MessageForm.Meta):
        labels = {"body": _("Ce que la personne veut répondre")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "safety" in self.fields:
            self.fields["safety"].label = _("J'ai lu les conseils de sécurité à la personne.")


class ReportForm(SubmissionKeyForm, forms.Form):
    reason = forms.ChoiceField(
        label=_("Pourquoi signalez-vous ?"),
        choices=ReportReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez une raison.")},
    )
    details = forms.CharField(
        label=_("Précisions"),
        required=False,
        max_length=600,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Seule l'équipe d'entraide les lira. La personne signalée ne saura pas qui l'a signalée."),
    )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Est-ce que ça a marché ?"),
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        help_text=_("Votre réponse reste privée : elle sert seulement à compter, pour améliorer l'entraide."),
        error_messages={"required": _("Dites-nous si ça a marché.")},
    )
    thanks_to = forms.ChoiceField(label=_("Remercier un voisin"), required=False, widget=forms.RadioSelect)
    thanks_text = forms.CharField(
        label=_("Votre mot de remerciement"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("La personne le recevra et choisira si elle veut l'afficher sur ses annonces."),
    )

    def __init__(self, *args, conversations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.conversations = {str(c.pk): c for c in conversations}
        if conversations:
            self.fields["thanks_to"].choices = [("", _("Personne"))] + [
                (str(c.pk), public_name(c.responder)) for c in conversations
            ]
        else:
            del self.fields["thanks_to"]
            del self.fields["thanks_text"]

    def clean(self):
        data = super().clean()
        if data.get("thanks_text", "").strip() and not data.get("thanks_to"):
            self.add_error("thanks_to", _("Choisissez la personne à remercier."))
        if contact_details_in(data.get("thanks_text", "")):
            self.add_error("thanks_text", CONTACT_DETAILS_REFUSED)
        return data


class ThanksForm(forms.ModelForm):
    class Meta:
        model = ThankYou
        fields = ["text"]
        labels = {"text": _("Votre mot de remerciement")}
        help_texts = {"text": _("La personne le recevra et choisira si elle veut l'afficher sur ses annonces.")}
        widgets = {"text": forms.Textarea(attrs={"rows": 2, "maxlength": 300})}
        error_messages = {"text": {"required": _("Écrivez votre mot.")}}


# ---------------------------------------------------------------- staff forms


class StaffFilterForm(forms.Form):
    q = forms.CharField(label=_("Mots"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("État"), required=False)
    kind = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("Offres et demandes")), *Kind.choices])
    category = forms.ChoiceField(
        label=_("Catégorie"), required=False, choices=[("", _("Toutes les catégories")), *Category.choices]
    )
    quartier = forms.ModelChoiceField(
        label=_("Quartier"),
        required=False,
        queryset=Neighbourhood.objects.none(),
        to_field_name="slug",
        empty_label=_("Tous les quartiers"),
    )
    pour = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        from relais.mutualaid.models import ListingStatus

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Tous les états")), *ListingStatus.choices]
        self.fields["quartier"].queryset = neighbourhoods()


class DecisionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("approve", ""), ("review", ""), ("reject", ""), ("hide", ""), ("restore", "")],
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label=_("Explication pour l'auteur"),
        required=False,
        max_length=600,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Obligatoire pour refuser ou masquer : l'auteur la reçoit."),
    )


class ReportDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Décision"),
        choices=[("hide", _("Masquer ce qui est signalé")), ("dismiss", _("Classer sans suite"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez une décision.")},
    )
    reason = forms.CharField(
        label=_("Explication"),
        required=False,
        max_length=600,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Pour masquer : l'explication est envoyée à l'auteur (sans dire qui a signalé)."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "hide" and not data.get("reason", "").strip():
            self.add_error("reason", _("Expliquez votre décision : l'auteur la recevra."))
        return data


class ActingTeamForm(forms.Form):
    """The moderation team a decision about a resident is recorded against. Asked only of a
    moderator of several teams (preselected: the team in charge of the resident's listings)."""

    team = forms.ModelChoiceField(
        label=_("Au nom de l'équipe"),
        queryset=Team.objects.none(),
        empty_label=_("Choisissez l'équipe"),
        error_messages={
            "required": _("Choisissez l'équipe au nom de laquelle vous agissez."),
            "invalid_choice": _("Choisissez une de vos équipes d'entraide."),
        },
    )

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.teams = list(teams)
        if len(self.teams) > 1:
            self.fields["team"].queryset = Team.objects.filter(pk__in=[t.pk for t in self.teams]).order_by("name")
        else:
            del self.fields["team"]

    def acting_team(self) -> Team:
        return self.cleaned_data["team"] if "team" in self.fields else self.teams[0]


class SuspendForm(ActingTeamForm):
    field_order = ["reason", "ends_on", "team"]

    reason = forms.CharField(
        label=_("Raison de la suspension"),
        max_length=600,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Envoyée à la personne."),
        error_messages={"required": _("Expliquez la suspension : la personne la recevra.")},
    )
    ends_on = forms.DateField(
        label=_("Jusqu'au"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Laissez vide pour une suspension sans date de fin."),
        error_messages={"invalid": _("Écrivez une date, par exemple 15/03/2026.")},
    )

    def clean_ends_on(self):
        ends_on = self.cleaned_data["ends_on"]
        if ends_on and ends_on <= timezone.localdate():
            raise forms.ValidationError(_("Choisissez une date de fin dans le futur, ou laissez vide."))
        return ends_on


class RelayForm(forms.Form):
    how = forms.ChoiceField(
        choices=[("phone", _("Lu au téléphone")), ("message", _("Envoyé par courrier, courriel ou SMS"))],
        widget=forms.HiddenInput,
    )


class BoardSettingsForm(forms.ModelForm):
    class Meta:
        model = BoardSettings
        fields = ["publish_first_for_met"]


class NeighbourhoodForm(forms.ModelForm):
    class Meta:
        model = Neighbourhood
        fields = ["name", "position", "is_active"]
        labels = {"name": _("Nom du quartier")}
        error_messages = {"name": {"unique": _("Ce quartier existe déjà.")}}

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        slug = slugify(name)
        if not slug:
            raise forms.ValidationError(_("Écrivez un nom de quartier."))
        clash = Neighbourhood.objects.filter(slug=slug).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("Ce quartier existe déjà."))
        return name

    def save(self, commit=True):
        self.instance.slug = slugify(self.cleaned_data["name"])
        if self.instance.team_id is None:
            self.instance.team = self.team
        return super().save(commit)
