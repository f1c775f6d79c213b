"""What a web worker does once, after loading Relais and before its first request.

Python's cyclic garbage collector now and then walks every object the process holds: with
Django, the apps, the URL patterns, the compiled templates and the translations, a full
walk takes a tenth of a second or more, paid by whichever request happens to trigger it
(a tail of slow pages under load), and younger walks cost every request a little. Once the
long-lived objects are loaded, `gc.freeze()` sets them aside for good: the collector then
only walks what requests create. Nothing is leaked: those objects live as long as the
process anyway.
"""

from __future__ import annotations

import gc
import logging

logger = logging.getLogger(__name__)

# Templates nearly every page extends or includes: compiled (and cached by the template
# loaders) before the freeze.
COMMON_TEMPLATES = ("base.html", "staff/base.html", "components/field.html", "components/breadcrumb.html")


def settle() -> None:
    """Load what every request needs (URL patterns, common templates, translations), then
    freeze the objects allocated so far (see module docstring)."""
    from django.conf import settings
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template
    from django.urls import get_resolver
    from django.utils import translation

    get_resolver().url_patterns  # noqa: B018 - imports every app's views and patterns
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Accueil")  # loads the language's catalogue
    for name in COMMON_TEMPLATES:
        try:
            get_template(name)
        except TemplateDoesNotExist:
            logger.warning("Template %s not found while settling the worker", name)
    gc.collect()
    gc.freeze()
