from django import forms
from django.utils.translation import gettext_lazy as _

from relais.core.idempotency import SubmissionKeyForm


class ShareForm(SubmissionKeyForm):
    """Share the figures shown (the page's filters travel as hidden fields)."""

    label = forms.CharField(
        label=_("Pour qui"), max_length=150, help_text=_("Par exemple : Conseil départemental, financeur du projet.")
    )
    days = forms.TypedChoiceField(
        label=_("Valable pendant"),
        coerce=int,
        initial=90,
        choices=[(7, _("7 jours")), (30, _("1 mois")), (90, _("3 mois")), (365, _("1 an"))],
    )

    def clean_label(self):
        label = self.cleaned_data["label"].strip()
        if not label:
            raise forms.ValidationError(_("Dites pour qui est ce lien."))
        return label
