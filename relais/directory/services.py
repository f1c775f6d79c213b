"""Writes to the catalogue and the places (administrators only)."""

from django.db import transaction
from django.forms import ModelForm
from django.http import HttpRequest

from relais.core.audit import audit_log
from relais.core.content_language import set_translations
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


@transaction.atomic
def acronym_delete(*, acronym, actor, request: HttpRequest | None = None):
    """Remove an acronym from the town's list and log it; resident pages stop spelling it
    out (the cached pages are forgotten by the catalogue's post_delete signal)."""
    details = {"abbreviation": acronym.abbreviation, "expansion": acronym.expansion}
    pk = acronym.pk
    acronym.delete()
    acronym.pk = pk  # the journal names the row that was removed
    audit_log(actor=actor, action=journal.Action.ACRONYM_DELETED, obj=acronym, request=request, details=details)


@transaction.atomic
def catalogue_translate(*, obj, lang: str, texts: dict[str, str], actor, request: HttpRequest | None = None):
    """Save the translation of a place, procedure or theme in `lang` (an offered language) and
    log which fields changed."""
    changed = set_translations(obj, lang, texts)
    # updated_at too: the search index (directory/search.py) rebuilds when a procedure changes.
    has_updated_at = any(field.name == "updated_at" for field in obj._meta.concrete_fields)
    obj.save(update_fields=["translations", "updated_at"] if has_updated_at else ["translations"])
    audit_log(
        actor=actor,
        action=journal.translated(obj),
        obj=obj,
        request=request,
        details={"lang": lang, "fields": changed},
    )
    return obj
