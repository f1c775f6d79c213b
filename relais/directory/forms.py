import re

from django import forms
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext_lazy as _

from relais.core import vocabularies as voc
from relais.directory import selectors
from relais.directory.acronyms import FALC_FIELDS, MAIN_FIELDS, missing_expansions
from relais.directory.models import Acronym, Equipment, Organisation, Place, Procedure, Theme


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Que voulez-vous faire ?"),
        help_text=_("Par exemple : carte grise, papiers, CAF, retraite, inscrire mon enfant à l'école."),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


class PlacesFilterForm(forms.Form):
    quartier = forms.ChoiceField(label=_("Votre quartier"), required=False)
    service = forms.ChoiceField(
        label=_("Vous cherchez"),
        required=False,
        choices=[("", _("Toute aide"))] + voc.as_choices(voc.LIEUX_SERVICES),
    )
    open_now = forms.BooleanField(label=_("Seulement les lieux ouverts maintenant"), required=False)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)

    def __init__(self, *args, neighbourhoods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quartier"].choices = [("", _("Tous les quartiers"))] + [(q, q) for q in neighbourhoods]


class LinesField(forms.CharField):
    """A list typed one item per line (e-mails, web sites)."""

    widget = forms.Textarea(attrs={"rows": 2})

    def __init__(self, *args, item_validator=None, **kwargs):
        self.item_validator = item_validator
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [line.strip() for line in (value or "").splitlines() if line.strip()]

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        for item in value:
            try:
                self.item_validator(item)
            except forms.ValidationError:
                raise forms.ValidationError(_("« %(item)s » n'est pas valide."), params={"item": item}) from None

    def run_validators(self, value):
        pass


def _checkboxes(label, values, **kwargs):
    return forms.MultipleChoiceField(
        label=label, choices=voc.as_choices(values), widget=forms.CheckboxSelectMultiple, required=False, **kwargs
    )


class PlaceForm(forms.ModelForm):
    typologie = forms.MultipleChoiceField(
        label=_("Types de lieu"), choices=voc.TYPOLOGIES, widget=forms.CheckboxSelectMultiple, required=False
    )
    courriels = LinesField(
        label=_("Adresses électroniques"), required=False, item_validator=validate_email, help_text=_("Une par ligne.")
    )
    site_web = LinesField(
        label=_("Sites internet"), required=False, item_validator=URLValidator(), help_text=_("Un par ligne.")
    )
    services = _checkboxes(_("Services"), voc.LIEUX_SERVICES)
    equipment = forms.MultipleChoiceField(
        label=_("Équipements en libre accès"),
        choices=Equipment.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Les habitants qui cherchent à imprimer ou à scanner un document trouvent ce lieu."),
    )
    publics_specifiquement_adresses = _checkboxes(_("Publics accueillis en particulier"), voc.LIEUX_PUBLICS)
    prise_en_charge_specifique = _checkboxes(_("Accompagnements adaptés"), voc.LIEUX_PRISE_EN_CHARGE)
    frais_a_charge = _checkboxes(_("Frais"), voc.LIEUX_FRAIS)
    dispositif_programmes_nationaux = _checkboxes(_("Dispositifs nationaux"), voc.LIEUX_DISPOSITIFS)
    modalites_acces = _checkboxes(_("Comment venir"), voc.LIEUX_MODALITES_ACCES)
    modalites_accompagnement = _checkboxes(_("Types d'accompagnement"), voc.LIEUX_MODALITES_ACCOMPAGNEMENT)
    itinerance = _checkboxes(_("Itinérance"), voc.LIEUX_ITINERANCE)

    class Meta:
        model = Place
        fields = [
            "nom",
            "slug",
            "typologie",
            "adresse",
            "complement_adresse",
            "code_postal",
            "commune",
            "code_insee",
            "quartier",
            "latitude",
            "longitude",
            "telephone",
            "courriels",
            "site_web",
            "horaires",
            "presentation_resume",
            "presentation_detail",
            "services",
            "equipment",
            "publics_specifiquement_adresses",
            "prise_en_charge_specifique",
            "frais_a_charge",
            "dispositif_programmes_nationaux",
            "modalites_acces",
            "modalites_accompagnement",
            "itinerance",
            "wheelchair_access",
            "accessibility_notes",
            "getting_there",
            "fiche_acces_libre",
            "prise_rdv",
            "pivot",
            "structure_parente",
            "published",
        ]
        widgets = {
            "presentation_resume": forms.Textarea(attrs={"rows": 3, "maxlength": 280}),
            "presentation_detail": forms.Textarea(attrs={"rows": 4}),
            "accessibility_notes": forms.Textarea(attrs={"rows": 3}),
            "getting_there": forms.Textarea(attrs={"rows": 2}),
            "wheelchair_access": forms.RadioSelect,
        }


class ProcedureForm(forms.ModelForm):
    class Meta:
        model = Procedure
        fields = [
            "title",
            "slug",
            "organisation",
            "themes",
            "summary",
            "easy_read",
            "audience",
            "documents",
            "cost",
            "delay",
            "how_to",
            "external_url",
            "external_label",
            "counter",
            "places",
            "keywords",
            "published",
        ]
        widgets = {
            "themes": forms.CheckboxSelectMultiple,
            "places": forms.CheckboxSelectMultiple,
            "summary": forms.Textarea(attrs={"rows": 3}),
            "easy_read": forms.Textarea(attrs={"rows": 5}),
            "audience": forms.Textarea(attrs={"rows": 2}),
            "documents": forms.Textarea(attrs={"rows": 4}),
            "how_to": forms.Textarea(attrs={"rows": 5}),
            "keywords": forms.Textarea(attrs={"rows": 2}),
        }


class ThemeForm(forms.ModelForm):
    class Meta:
        model = Theme
        fields = ["label", "code", "description", "position"]


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "short_name", "slug", "website", "phone", "description"]


def acronym_warnings(form: ProcedureForm) -> dict[str, str]:
    """Field name -> a warning (not an error) for acronyms written without their full form.

    Read from what was typed when the form is bound, else from the saved procedure."""
    names = [*MAIN_FIELDS, *FALC_FIELDS]
    if form.is_bound:
        texts = {name: str(form.data.get(form.add_prefix(name), "")) for name in names}
    else:
        texts = {name: getattr(form.instance, name, "") or "" for name in names}
    warnings = {}
    for name, entries in missing_expansions(texts, selectors.acronym_entries()).items():
        listed = ", ".join(f"{e.abbreviation} ({e.expansion})" for e in entries)
        if name == "easy_read":
            message = _(
                "Écrivez en toutes lettres, à la première utilisation : %(list)s. "
                "La version facile à lire explique chaque sigle avec des mots."
            )
        else:
            message = _(
                "Sigle sans sa forme complète à la première utilisation : %(list)s. "
                "La page l'ajoute d'elle-même, mais écrivez-la là où elle se lit le mieux."
            )
        warnings[name] = message % {"list": listed}
    return warnings


class AcronymForm(forms.ModelForm):
    class Meta:
        model = Acronym
        fields = ["abbreviation", "expansion"]
        error_messages = {
            "abbreviation": {"required": _("Écrivez le sigle, par exemple CAF.")},
            "expansion": {
                "required": _("Écrivez les mots que le sigle remplace, par exemple caisse d'allocations familiales.")
            },
        }

    def clean_abbreviation(self):
        value = self.cleaned_data["abbreviation"].strip()
        if not re.fullmatch(r"[A-ZÀ-Ý0-9][A-Za-zÀ-ÿ0-9]{1,19}", value) or len(re.findall(r"[A-ZÀ-Ý]", value)) < 2:
            # Two capitals at least, anywhere: "C2S" (complémentaire santé solidaire) is one.
            raise forms.ValidationError(
                _("Écrivez le sigle seul, sans espace ni point, avec ses majuscules : CAF, CCAS, C2S.")
            )
        return value

    def clean_expansion(self):
        value = " ".join(self.cleaned_data["expansion"].split())
        abbreviation = (self.data.get(self.add_prefix("abbreviation")) or "").strip()
        if abbreviation and value.casefold() == abbreviation.casefold():
            raise forms.ValidationError(_("Écrivez les mots que le sigle remplace, pas le sigle lui-même."))
        return value
