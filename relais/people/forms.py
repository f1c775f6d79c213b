"""Forms of the staff screens about people (the shared pieces stay in core.forms)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from relais.accounts.models import User
from relais.core import content_language, journal
from relais.core.forms import PeopleQueryField
from relais.core.idempotency import SubmissionKeyForm
from relais.core.models import Channel, Civility, Person


class PersonForm(forms.ModelForm):
    """Everything optional but one identifying field: the counter must be quick."""

    civility = forms.ChoiceField(
        label=_("Civilité"),
        required=False,
        choices=[("", _("Non précisée")), *Civility.choices],
        widget=forms.RadioSelect,
        help_text=Person._meta.get_field("civility").help_text,
    )

    class Meta:
        model = Person
        fields = [
            "civility",
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language = self.instance.preferred_language if self.instance.pk else ""
        if language and not content_language.is_offered(language) and "preferred_language" in self.fields:
            # A language the town no longer offers: the person reads French now; say so, and
            # let the record be saved (with French or another offered language).
            self.initial["preferred_language"] = content_language.FRENCH
            self.fields["preferred_language"].help_text = _(
                "La langue « %(code)s » n'est plus proposée : la personne reçoit ses courriers en "
                "français. Choisissez une autre langue ou gardez le français."
            ) % {"code": language}


class CounterPersonForm(SubmissionKeyForm, PersonForm):
    channel = forms.ChoiceField(
        label=_("Comment la personne s'est-elle présentée ?"),
        choices=[c for c in Channel.choices if c[0] != Channel.ONLINE],
        initial=Channel.COUNTER,
        widget=forms.RadioSelect,
    )

    class Meta(PersonForm.Meta):
        fields = ["channel", *PersonForm.Meta.fields]


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
    action = forms.ChoiceField(label=_("Action"), required=False, choices=journal.filter_choices)
    start = forms.DateField(label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("La date de fin doit être après la date de début."))
        return data


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
