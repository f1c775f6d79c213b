"""Writes to the catalogue and the places (administrators only)."""

from django.db import transaction
from django.forms import ModelForm
from django.http import HttpRequest

from relais.core.audit import audit_log
from relais.directory import journal


@transaction.atomic
def catalogue_save(*, form: ModelForm, actor, request: HttpRequest | None = None):
    """Save a validated catalogue form (place, procedure, theme, organisation) and log it."""
    creating = form.instance.pk is None
    obj = form.save()
    audit_log(
        actor=actor,
        action=journal.saved(obj, created=creating),
        obj=obj,
        request=request,
        details={"fields": sorted(form.changed_data)},
    )
    return obj
