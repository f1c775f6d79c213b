from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from relais.accounts.models import Role, Team, User


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "slug", "kind", "description", "email", "phone", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The places where the team works: directory declares the relation (Place.teams,
        # `team.places` here), so it is not a field of Team and accounts does not import Place.
        places = Team._meta.get_field("places")
        self.fields["places"] = forms.ModelMultipleChoiceField(
            label=capfirst(_("lieux")),
            queryset=places.related_model._default_manager.all(),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        if self.instance.pk:
            self.initial.setdefault("places", [place.pk for place in self.instance.places.all()])
        self.order_fields([*self.Meta.fields[:-1], "places", "is_active"])

    def _save_m2m(self):
        super()._save_m2m()
        self.instance.places.set(self.cleaned_data["places"])


class StaffUserForm(forms.Form):
    full_name = forms.CharField(label=_("Nom complet"), max_length=150)
    email = forms.EmailField(label=_("Adresse électronique professionnelle"))
    team = forms.ModelChoiceField(label=_("Équipe"), queryset=Team.objects.filter(is_active=True))
    role = forms.ChoiceField(label=_("Rôle dans l'équipe"), choices=Role.choices, widget=forms.RadioSelect)

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("Un compte existe déjà avec cette adresse. Ajoutez-le plutôt à l'équipe."))
        return email


class MembershipForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Agent"), queryset=User.objects.filter(is_active=True, is_application=False))
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices, widget=forms.RadioSelect)


class InvitationCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code d'invitation"),
        max_length=40,
        help_text=_(
            "Le code de 12 lettres et chiffres que l'administrateur de Relais vous a remis, "
            "par exemple ABCD-EFGH-JKMN. Les tirets, les espaces et les minuscules ne comptent pas."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
