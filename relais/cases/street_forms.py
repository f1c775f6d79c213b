"""Forms of street reports: the public list's filters, an agent's review before publishing,
and linking a case to the first report of the same problem."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from relais.cases.models import Case, PublicStatus, StreetReport
from relais.core.bidi import isolate_plain
from relais.core.forms import ContentSelect


class PublicFilterForm(forms.Form):
    categorie = forms.ModelChoiceField(
        label=_("Catégorie"),
        queryset=None,
        required=False,
        to_field_name="slug",
        empty_label=_("Toutes"),
        widget=ContentSelect(field="title"),
    )
    etat = forms.ChoiceField(label=_("État"), required=False, choices=[("", _("Tous")), *PublicStatus.choices])

    def __init__(self, data=None, *, forms_qs, **kwargs):
        # A filter value that is not offered (an old link, a typo) is dropped, not explained:
        # the list shows everything for that filter instead of a form error.
        if data is not None:
            data = data.copy()
            if data.get("categorie") and not forms_qs.filter(slug=data.get("categorie")).exists():
                data.pop("categorie")
            if data.get("etat") and data.get("etat") not in PublicStatus.values:
                data.pop("etat")
        super().__init__(data, **kwargs)
        self.fields["categorie"].queryset = forms_qs


class ModerationForm(forms.ModelForm):
    """What the public sees of a report, written or reviewed by an agent."""

    class Meta:
        model = StreetReport
        fields = ["title", "location_text", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"location_text": _("Nom de la rue, sans numéro, et un repère si utile (« devant l'école »).")}
        error_messages = {
            "title": {"required": _("Donnez un titre public, par exemple « Lampadaire éteint ».")},
            "location_text": {"required": _("Indiquez une rue ou un repère.")},
        }

    hide_point = forms.BooleanField(
        label=_("Ne pas placer sur le plan"),
        required=False,
        help_text=_("Le signalement reste dans la liste, sans point sur le plan."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.instance.on_map:
            self.initial.setdefault("hide_point", True)


class DuplicateForm(forms.Form):
    """The first report of the same problem: one of the close cases, or a reference typed."""

    original = forms.ModelChoiceField(
        label=_("Premier signalement du même problème (signalements proches)"),
        queryset=Case.objects.none(),
        required=False,
        empty_label=_("Aucun de ceux-ci"),
        error_messages={"invalid_choice": _("Choisissez un signalement de la liste.")},
    )
    reference = forms.CharField(
        label=_("Ou son numéro de demande"),
        help_text=_("Un signalement de la même démarche et de la même équipe, par exemple 2026-00042."),
        required=False,
        max_length=20,
    )

    def __init__(self, *args, choices_qs, find_reference, **kwargs):
        super().__init__(*args, **kwargs)
        self.find_reference = find_reference
        self.fields["original"].queryset = choices_qs
        self.fields["original"].label_from_instance = lambda c: f"{isolate_plain(c.reference)} – {c.location_text[:60]}"
        if not choices_qs.exists():  # no close case: the reference is the only way
            self.fields["reference"].label = _("Numéro de demande du premier signalement")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        reference = (data.get("reference") or "").strip()
        if reference:
            found = self.find_reference(reference)
            if found is None:
                self.add_error(
                    "reference", _("Aucun signalement de cette démarche et de votre équipe ne porte ce numéro.")
                )
            elif data.get("original") and data["original"] != found:
                self.add_error(
                    "reference", _("Choisissez un signalement dans la liste ou tapez un numéro, pas les deux.")
                )
            else:
                data["original"] = found
        elif not data.get("original"):
            self.add_error("reference", _("Choisissez le premier signalement, ou tapez son numéro."))
        return data


class TownPlanForm(forms.Form):
    """The town's plan under the public map, and where its edges lie."""

    file = forms.FileField(
        label=_("Plan (SVG, PNG ou JPEG)"),
        help_text=_("Un plan de la commune, sans nom de personne. Il est visible par tous."),
        error_messages={"required": _("Choisissez le fichier du plan.")},
    )
    west = forms.FloatField(label=_("Longitude du bord gauche (ouest)"), min_value=-180, max_value=180)
    south = forms.FloatField(label=_("Latitude du bord bas (sud)"), min_value=-85, max_value=85)
    east = forms.FloatField(label=_("Longitude du bord droit (est)"), min_value=-180, max_value=180)
    north = forms.FloatField(label=_("Latitude du bord haut (nord)"), min_value=-85, max_value=85)

    def clean_file(self):
        from django.core.exceptions import ValidationError

        from relais.cases.street_svg import looks_like_svg
        from relais.core.uploads import check_upload, max_upload_bytes

        upload = self.cleaned_data["file"]
        if upload.size > max_upload_bytes():
            raise ValidationError(_("Ce fichier est trop lourd pour un plan."))
        upload.seek(0)
        data = upload.read()
        if looks_like_svg(data):  # checked as SVG by the service, which says what is refused
            self.plan = (data, "image/svg+xml")
            return upload
        upload.seek(0)
        try:
            checked = check_upload(upload)
        except ValidationError as error:  # its list of types (PDF…) is not the plan's
            if getattr(error, "code", "") != "forbidden_type":
                raise
            checked = None
        if checked is None or checked.content_type not in ("image/png", "image/jpeg"):
            raise ValidationError(_("Le plan doit être un dessin SVG ou une image PNG ou JPEG."))
        self.plan = (data, checked.content_type)
        return upload

    def clean(self):
        data = super().clean()
        if None not in (data.get("west"), data.get("east")) and data["west"] >= data["east"]:
            self.add_error("east", _("Le bord droit (est) doit être à l'est du bord gauche."))
        if None not in (data.get("south"), data.get("north")) and data["south"] >= data["north"]:
            self.add_error("north", _("Le bord haut (nord) doit être au nord du bord bas."))
        return data
