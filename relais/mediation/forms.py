from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relais.accounts.models import Role, Team, User
from relais.core.bidi import isolate_plain
from relais.core.forms import PeopleQueryField, check_contact_channel
from relais.core.idempotency import SubmissionKeyForm
from relais.core.models import Channel, ContactChannel
from relais.directory.models import Place
from relais.mediation import choices as c
from relais.mediation.models import (
    Accompaniment,
    AppointmentType,
    DropIn,
    SchoolHoliday,
    Workshop,
    WorkshopSession,
)
from relais.mediation.text import WEEKDAYS, weekday_names

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


# The hidden key of a form that creates a record (kept under its former name here).
SubmissionKeyMixin = SubmissionKeyForm


def mediation_teams(user):
    """The mediation teams where the user is advisor or manager: the only teams offered."""
    from relais.mediation.selectors import mediation_team_ids

    return Team.objects.filter(pk__in=mediation_team_ids(user))


def mediation_staff_of(teams):
    """Advisors and managers of these teams (a reception agent of one is no advisor)."""
    return User.objects.filter(
        memberships__team__in=teams, memberships__role__in=[Role.ADVISOR, Role.MANAGER], is_application=False
    ).distinct()  # a partner application recording accompaniments is no advisor to choose


# ---------------------------------------------------------------- residents


class ContactForm(SubmissionKeyMixin, forms.Form):
    """Who the resident is and how to reach them; no account, e-mail or smartphone needed."""

    CONTACT_CHOICES = [
        (ContactChannel.EMAIL, _("Par courriel")),
        (ContactChannel.SMS, _("Par SMS")),
        (ContactChannel.PHONE, _("Par un appel : un agent de la mairie vous téléphone")),
        (ContactChannel.LETTER, _("Par courrier")),
    ]

    first_name = forms.CharField(
        label=_("Prénom"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Nom"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    preferred_channel = forms.ChoiceField(
        label=_("Comment voulez-vous recevoir la confirmation et le rappel ?"),
        choices=CONTACT_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez comment nous pouvons vous prévenir.")},
    )
    email = forms.EmailField(
        label=_("Adresse électronique"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": _("Écrivez une adresse électronique complète, par exemple nom@exemple.fr.")},
    )
    phone = forms.CharField(
        label=_("Téléphone"),
        required=False,
        max_length=30,
        help_text=_("Un portable pour recevoir un SMS, ou un fixe pour être appelé(e)."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    address = forms.CharField(
        label=_("Adresse postale"),
        required=False,
        max_length=300,
        help_text=_("Seulement pour recevoir un courrier. Numéro et rue."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    postal_code = forms.CharField(
        label=_("Code postal"),
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric", "class": "short"}),
    )
    commune = forms.CharField(
        label=_("Commune"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user is not None and user.is_authenticated:
            for name in [
                "first_name",
                "last_name",
                "preferred_channel",
                "email",
                "phone",
                "address",
                "postal_code",
                "commune",
            ]:
                del self.fields[name]

    @property
    def asks_identity(self) -> bool:
        return "last_name" in self.fields

    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "").strip()
        digits = "".join(ch for ch in phone if ch.isdigit())
        if phone and len(digits) < 10:
            raise ValidationError(_("Écrivez le numéro en entier, par exemple 06 12 34 56 78."))
        return phone

    def clean(self):
        data = super().clean()
        check_contact_channel(self, data)
        return data

    def contact(self) -> dict:
        """Fields of the Person to create."""
        if not self.asks_identity:
            return {}
        names = ["first_name", "last_name", "preferred_channel", "email", "phone", "address", "postal_code", "commune"]
        return {name: self.cleaned_data.get(name, "").strip() for name in names}


class BookingForm(ContactForm):
    topic = forms.CharField(
        label=_("Pour quoi venez-vous ?"),
        required=False,
        max_length=300,
        help_text=_("Par exemple : créer mon compte Ameli, envoyer un courriel, utiliser mon téléphone."),
    )


class RegistrationForm(ContactForm):
    pass


class SlotChoiceForm(SubmissionKeyMixin, forms.Form):
    """Staff book for someone: a slot, how the person asked, and what for."""

    slot = forms.ChoiceField(
        label=_("Créneau"),
        widget=forms.RadioSelect,
        # A slot no longer offered when the form comes back was taken meanwhile (another counter).
        error_messages={"invalid_choice": _("Ce créneau vient d'être pris. Choisissez-en un autre.")},
    )
    channel = forms.ChoiceField(
        label=_("La personne a demandé"),
        choices=[(Channel.COUNTER, _("Au guichet")), (Channel.PHONE, _("Par téléphone"))],
        initial=Channel.COUNTER,
        widget=forms.RadioSelect,
    )
    topic = forms.CharField(label=_("Pour quoi"), required=False, max_length=300)

    def __init__(self, *args, slots, **kwargs):
        super().__init__(*args, **kwargs)
        self.slots = {f"{s.dropin.pk}-{s.key}": s for s in slots}
        from relais.mediation.text import span_text

        self.fields["slot"].choices = [
            (key, f"{span_text(s.starts_at, s.ends_at)} – {s.dropin.place.nom}") for key, s in self.slots.items()
        ]

    def chosen(self):
        return self.slots[self.cleaned_data["slot"]]


class StaffRegisterForm(SubmissionKeyMixin, forms.Form):
    channel = forms.ChoiceField(
        label=_("La personne a demandé"),
        choices=[(Channel.COUNTER, _("Au guichet")), (Channel.PHONE, _("Par téléphone"))],
        initial=Channel.COUNTER,
        widget=forms.RadioSelect,
    )


class PersonLookupForm(forms.Form):
    q = PeopleQueryField(label=_("Nom, téléphone ou adresse électronique"))


# ---------------------------------------------------------------- drop-in sessions


class DropInForm(forms.ModelForm):
    """Recurrence built from everyday choices; an RRULE typed by hand wins for special cases."""

    weekdays = forms.MultipleChoiceField(
        label=_("Jours"), required=False, widget=forms.CheckboxSelectMultiple, choices=[]
    )
    every = forms.ChoiceField(
        label=_("Fréquence"),
        choices=[("1", _("Toutes les semaines")), ("2", _("Une semaine sur deux"))],
        initial="1",
        widget=forms.RadioSelect,
    )
    custom_rrule = forms.CharField(
        label=_("Règle avancée (RRULE)"),
        required=False,
        max_length=300,
        help_text=_(
            "Facultatif, pour les cas particuliers. Exemple : FREQ=MONTHLY;BYDAY=1TU (le premier mardi du mois)."
        ),
    )

    class Meta:
        model = DropIn
        fields = [
            "team", "place", "advisor", "title", "description", "themes", "booking", "start_date", "end_date",
            "start_time", "end_time", "skip_school_holidays", "slot_minutes", "published",
        ]  # fmt: skip
        widgets = {
            "booking": forms.RadioSelect,
            "start_date": DATE,
            "end_date": DATE,
            "start_time": TIME,
            "end_time": TIME,
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    themes = forms.MultipleChoiceField(
        label=_("Thèmes"), required=False, choices=c.THEMES, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        teams = mediation_teams(user)
        self.fields["team"].queryset = teams
        self.fields["team"].empty_label = None
        self.fields["place"].queryset = (
            Place.objects.filter(teams__in=teams).distinct().order_by("nom") or Place.objects.all()
        )
        self.fields["advisor"].queryset = mediation_staff_of(teams)
        self._init_rule()

    def _init_rule(self):
        self.fields["weekdays"].choices = list(zip(WEEKDAYS, weekday_names(), strict=True))
        if self.instance.pk and not self.is_bound:
            parts = dict(p.split("=", 1) for p in self.instance.rrule.upper().split(";") if "=" in p)
            simple = parts.get("FREQ") == "WEEKLY" and set(parts) <= {"FREQ", "BYDAY", "INTERVAL"}
            simple = simple and parts.get("INTERVAL", "1") in ("1", "2")
            if simple:
                self.initial["weekdays"] = [d for d in parts.get("BYDAY", "").split(",") if d]
                self.initial["every"] = parts.get("INTERVAL", "1")
            else:
                self.initial["custom_rrule"] = self.instance.rrule

    def clean(self):
        data = super().clean()
        custom = data.get("custom_rrule", "").strip().upper()
        if custom:
            rule = custom.removeprefix("RRULE:")  # DropIn.clean() checks it (shown beside this field)
        elif data.get("weekdays"):
            rule = f"FREQ=WEEKLY;BYDAY={','.join(data['weekdays'])}"
            if data.get("every") == "2":
                rule += ";INTERVAL=2"
        else:
            self.add_error("weekdays", _("Choisissez au moins un jour, ou écrivez une règle avancée."))
            return data
        self.instance.rrule = rule
        return data

    def _update_errors(self, errors):
        # The model names the rule "rrule"; the form shows it as the advanced field.
        if hasattr(errors, "error_dict") and "rrule" in errors.error_dict:
            errors.error_dict.setdefault("custom_rrule", []).extend(errors.error_dict.pop("rrule"))
        super()._update_errors(errors)


# ---------------------------------------------------------------- appointment types (any team)


class AppointmentTypeForm(forms.ModelForm):
    class Meta:
        model = AppointmentType
        fields = [
            "team", "title", "slug", "description", "duration", "what_to_bring", "notice_hours", "horizon_days",
            "per_contact_cap", "confirm_by_code", "procedure", "published",
        ]  # fmt: skip
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "what_to_bring": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from relais.directory.models import Procedure
        from relais.mediation.selectors import type_manager_team_ids

        self.fields["team"].queryset = Team.objects.filter(pk__in=type_manager_team_ids(user)).order_by("name")
        self.fields["team"].empty_label = None
        self.fields["procedure"].queryset = Procedure.objects.order_by("title")


class OpeningForm(DropInForm):
    """Where and when a type is open, and how many counters receive in parallel."""

    class Meta:
        model = DropIn
        fields = [
            "place", "start_date", "end_date", "start_time", "end_time", "skip_school_holidays", "counters",
            "published",
        ]  # fmt: skip
        widgets = {"start_date": DATE, "end_date": DATE, "start_time": TIME, "end_time": TIME}

    def __init__(self, *args, **kwargs):
        forms.ModelForm.__init__(self, *args, **kwargs)
        del self.fields["themes"]
        self.fields["place"].queryset = Place.objects.order_by("nom")
        self._init_rule()


class DayListForm(forms.Form):
    day = forms.DateField(label=_("Jour"), required=False, widget=DATE)
    place = forms.ModelChoiceField(label=_("Lieu"), required=False, queryset=Place.objects.none())
    kind = forms.ModelChoiceField(
        label=_("Type de rendez-vous"), required=False, queryset=AppointmentType.objects.none()
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = (
            Place.objects.filter(dropins__in=DropIn.objects.bookable()).distinct().order_by("nom")
        )
        self.fields["place"].empty_label = _("Tous les lieux")
        from relais.mediation.selectors import appointment_team_ids

        self.fields["kind"].queryset = AppointmentType.objects.filter(team_id__in=appointment_team_ids(user))
        self.fields["kind"].empty_label = _("Tous les types")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code reçu"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "class": "short"}),
        error_messages={"required": _("Tapez le code à 6 chiffres reçu par SMS ou par courriel.")},
    )


class CancelDateForm(forms.Form):
    date = forms.DateField(label=_("Date de la permanence annulée"), widget=DATE)
    notice = forms.CharField(
        label=_("Message aux habitants"),
        max_length=300,
        help_text=_("Affiché sur le site et envoyé aux personnes qui avaient rendez-vous."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class HolidayForm(forms.ModelForm):
    class Meta:
        model = SchoolHoliday
        fields = ["name", "start", "end"]
        widgets = {"start": DATE, "end": DATE}


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Ce qui s'est passé"),
        choices=[(v, label) for v, label in c.Outcome.choices if v not in (c.Outcome.REVOKED, c.Outcome.MOVED)],
        widget=forms.RadioSelect,
    )


class StaffCancelForm(forms.Form):
    reason = forms.CharField(label=_("Motif (envoyé à la personne)"), required=False, max_length=300)


class WorkshopCancelForm(forms.Form):
    notice = forms.CharField(
        label=_("Message aux inscrits"),
        max_length=300,
        help_text=_("Envoyé à chaque inscrit et à la liste d'attente. Par exemple : « L'animatrice est malade. »"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Écrivez en une phrase pourquoi l'atelier est annulé.")},
    )


# ---------------------------------------------------------------- workshops


class WorkshopForm(forms.ModelForm):
    class Meta:
        model = Workshop
        fields = [
            "team", "title", "description", "theme", "level", "place", "advisor", "partner", "capacity",
            "registration_opens_at", "registration_closes_at", "what_to_bring", "accessibility_notes", "published",
        ]  # fmt: skip
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "accessibility_notes": forms.Textarea(attrs={"rows": 2}),
            "registration_opens_at": DATETIME,
            "registration_closes_at": DATETIME,
            "level": forms.RadioSelect,
            "capacity": forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        teams = mediation_teams(user)
        self.fields["team"].queryset = teams
        self.fields["team"].empty_label = None
        self.fields["place"].queryset = (
            Place.objects.filter(teams__in=teams).distinct().order_by("nom") or Place.objects.all()
        )
        self.fields["advisor"].queryset = mediation_staff_of(teams)
        if not self.instance.pk and not self.is_bound:
            self.initial.setdefault(
                "registration_opens_at", timezone.localtime().replace(minute=0, second=0, microsecond=0)
            )


class SessionForm(forms.ModelForm):
    date = forms.DateField(label=_("Date"), widget=DATE)
    start = forms.TimeField(label=_("Début"), widget=TIME)
    end = forms.TimeField(label=_("Fin"), widget=TIME)

    class Meta:
        model = WorkshopSession
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            start, end = timezone.localtime(self.instance.starts_at), timezone.localtime(self.instance.ends_at)
            self.initial.update({"date": start.date(), "start": start.time(), "end": end.time()})

    def clean(self):
        data = super().clean()
        if data.get("date") and data.get("start") and data.get("end"):
            if data["end"] <= data["start"]:
                self.add_error("end", _("L'heure de fin doit être après l'heure de début."))
            else:
                self.instance.starts_at = timezone.make_aware(datetime.datetime.combine(data["date"], data["start"]))
                self.instance.ends_at = timezone.make_aware(datetime.datetime.combine(data["date"], data["end"]))
        return data


SessionFormSet = forms.inlineformset_factory(
    Workshop, WorkshopSession, form=SessionForm, extra=2, min_num=1, validate_min=True, can_delete=True
)


class AttendanceForm(forms.Form):
    def __init__(self, *args, registrations, present_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.registrations = registrations
        for registration in registrations:
            self.fields[f"r{registration.pk}"] = forms.BooleanField(
                label=registration.person.display_name if registration.person else _("Personne effacée"),
                required=False,
                initial=registration.pk in present_ids,
            )

    def present_ids(self) -> set[int]:
        return {r.pk for r in self.registrations if self.cleaned_data.get(f"r{r.pk}")}


# ---------------------------------------------------------------- accompaniments

DURATION_CHOICES = [
    (str(m), f"{m} min" if m < 60 else (f"{m // 60} h" if m % 60 == 0 else f"{m // 60} h {m % 60}"))
    for m in c.DURATION_PRESETS
] + [("other", _("Autre durée"))]


class AccompanimentForm(SubmissionKeyMixin, forms.ModelForm):
    duration_choice = forms.ChoiceField(
        label=_("Durée"), choices=DURATION_CHOICES, initial="30", widget=forms.RadioSelect
    )
    duration_other = forms.IntegerField(
        label=_("Autre durée, en minutes"), required=False, min_value=1, max_value=1440,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )  # fmt: skip
    themes = forms.MultipleChoiceField(
        label=_("Thèmes"),
        choices=c.THEMES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins un thème.")},
    )
    admin_subthemes = forms.MultipleChoiceField(
        label=_("Démarches administratives"),
        required=False,
        choices=c.ADMIN_SUBTHEME_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Si le thème est « Aide aux démarches administratives »."),
    )
    equipment = forms.MultipleChoiceField(
        label=_("Matériel utilisé"), required=False, choices=c.Equipment.choices, widget=forms.CheckboxSelectMultiple
    )
    oriented = forms.TypedChoiceField(
        label=_("Orienté(e) vers une autre structure ?"),
        choices=[("0", _("Non")), ("1", _("Oui"))],
        coerce=lambda v: v == "1",
        initial="0",
        widget=forms.RadioSelect,
    )
    first_time = forms.TypedChoiceField(
        label=_("Premier accompagnement ?"),
        required=False,
        choices=[("", _("Je ne sais pas")), ("1", _("Oui")), ("0", _("Non"))],
        coerce=lambda v: {"1": True, "0": False}.get(v),
        empty_value=None,
        widget=forms.RadioSelect,
    )
    participants = forms.ModelMultipleChoiceField(
        label=_("Participants présents"), required=False, queryset=None, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Accompaniment
        fields = [
            "team", "date", "kind", "place_type", "place", "commune", "equipment", "themes", "admin_subthemes",
            "anonymous_count", "gender", "age_band", "social_status", "first_time", "autonomy", "oriented_to",
            "case", "notes",
        ]  # fmt: skip
        widgets = {
            "date": DATE,
            "kind": forms.RadioSelect,
            "place_type": forms.RadioSelect,
            "gender": forms.RadioSelect,
            "social_status": forms.RadioSelect,
            "autonomy": forms.RadioSelect,
            "notes": forms.Textarea(attrs={"rows": 3}),
            "anonymous_count": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
        }
        help_texts = {
            "notes": _("Jamais de nom dans un accompagnement anonyme."),
            "anonymous_count": _("Les personnes présentes que vous ne nommez pas."),
        }

    def __init__(self, *args, user, person=None, participant_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        from relais.mediation import selectors

        self.person = person
        teams = mediation_teams(user)
        self.fields["team"].queryset = teams
        self.fields["team"].empty_label = None
        if not self.initial.get("team") and teams:
            self.initial["team"] = teams[0].pk
        if len(teams) == 1:
            self.fields["team"].widget = forms.HiddenInput()
        self.fields["place"].queryset = Place.objects.filter(teams__in=teams).distinct().order_by("nom")
        self.fields["case"].queryset = selectors.cases_for_accompaniment(person=person, user=user)
        self.fields["case"].label = _("Demande liée")
        self.fields["case"].label_from_instance = lambda case: f"{isolate_plain(case.reference)} – {case.form}"
        if not self.fields["case"].queryset.exists():
            del self.fields["case"]
        self.fields["autonomy"].choices = [("", _("Non renseigné")), *c.Autonomy.choices]
        self.fields["oriented_to"].label = _("Vers quelle structure ?")
        self.fields["participants"].queryset = participant_choices if participant_choices is not None else self._none()
        if participant_choices is None:
            del self.fields["participants"]
        if person is not None:
            # A named record keeps no anonymous profile: the person's record holds it.
            for name in ("gender", "age_band", "social_status"):
                self.fields[name].required = False
        instance = self.instance
        if instance.pk and not self.is_bound:
            minutes = str(instance.duration)
            self.initial["duration_choice"] = minutes if minutes in dict(DURATION_CHOICES) else "other"
            self.initial["duration_other"] = instance.duration if minutes not in dict(DURATION_CHOICES) else None
            self.initial["oriented"] = "1" if instance.oriented_to else "0"
            self.initial["first_time"] = {True: "1", False: "0"}.get(instance.first_time, "")

    @staticmethod
    def _none():
        from relais.core.models import Person

        return Person.objects.none()

    def clean(self):
        data = super().clean()
        if data.get("duration_choice") == "other":
            if not data.get("duration_other"):
                self.add_error("duration_other", _("Indiquez la durée en minutes."))
            else:
                self.instance.duration = data["duration_other"]
        elif data.get("duration_choice"):
            self.instance.duration = int(data["duration_choice"])
        collective = data.get("kind") == c.AccompanimentKind.COLLECTIVE
        if data.get("oriented") and collective:
            self.add_error(
                "oriented",
                _("Un atelier collectif n'oriente personne : répondez « Non », ou notez l'orientation dans "
                  "l'accompagnement individuel de la personne."),
            )  # fmt: skip
        elif data.get("oriented") and not data.get("oriented_to"):
            self.add_error("oriented_to", _("Choisissez vers quelle structure la personne est orientée."))
        if not data.get("oriented"):
            data["oriented_to"] = ""
        if data.get("admin_subthemes") and c.ADMIN_THEME not in (data.get("themes") or []):
            self.add_error(
                "admin_subthemes",
                _("Ces démarches précisent le thème « Aide aux démarches administratives » : cochez aussi ce "
                  "thème, ou décochez les démarches."),
            )  # fmt: skip
        if not collective and data.get("participants"):
            self.add_error(
                "participants",
                _("Un accompagnement individuel n'a pas de participants nommés : décochez-les, ou gardez "
                  "« atelier collectif »."),
            )  # fmt: skip
        for name in ("gender", "age_band", "social_status"):
            if not data.get(name):  # not asked for a named person: "not said"
                data[name] = "non_communique"
        if data.get("kind") == c.AccompanimentKind.COLLECTIVE:
            named = len(data.get("participants") or [])
            if not named and not data.get("anonymous_count"):
                self.add_error("anonymous_count", _("Indiquez combien de personnes étaient présentes."))
        else:
            data["anonymous_count"] = 0
        return data

    def model_data(self) -> dict:
        """The values to give the service (everything but the form-only fields)."""
        names = [n for n in self.Meta.fields if n in self.cleaned_data and n != "team"]
        data = {n: self.cleaned_data[n] for n in names}
        data["duration"] = self.instance.duration
        if "case" not in self.fields:
            data.pop("case", None)
        return data


class PlacesImportForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier au format du schéma des lieux de médiation numérique"),
        help_text=_("CSV (séparateur virgule, listes séparées par | ou ;) ou JSON."),
    )
    partial = forms.BooleanField(label=_("Importer les lignes valides même si d'autres sont en erreur"), required=False)
    dry_run = forms.BooleanField(label=_("Vérifier seulement, sans rien enregistrer"), required=False, initial=True)


class AppointmentFilterForm(forms.Form):
    day = forms.DateField(label=_("Jour"), required=False, widget=DATE)
