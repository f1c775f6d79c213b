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

        from relais.core.uploads import check_upload, max_upload_bytes

        upload = self.cleaned_data["file"]
        if upload.size > max_upload_bytes():
            raise ValidationError(_("Ce fichier est trop lourd pour un plan."))
        upload.seek(0)
        data = upload.read()
        if data.lstrip()[:5] in (b"<?xml", b"<svg ") or data.lstrip()[:4] == b"<svg":
            self.plan = (data, "image/svg+xml")
            return upload
        upload.seek(0)
        checked = check_upload(upload)
        if checked.content_type not in ("image/png", "image/jpeg"):
            raise ValidationError(_("Le plan doit être un fichier SVG, PNG ou JPEG."))
        self.plan = (data, checked.content_type)
        return upload

    def clean(self):
        data = super().clean()
        if None not in (data.get("west"), data.get("east")) and data["west"] >= data["east"]:
            self.add_error("east", _("Le bord droit (est) doit être à l'est du bord gauche."))
        if None not in (data.get("south"), data.get("north")) and data["south"] >= data["north"]:
            self.add_error("north", _("Le bord haut (nord) doit être au nord du bord bas."))
        return data
