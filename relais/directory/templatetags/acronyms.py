"""Acronyms spelled out on first use in a procedure's texts (see directory.acronyms).

    {% load acronyms %}
    {{ procedure.summary|spell_out:procedure }}        the page's texts, in reading order
    {{ line|spell_out_easy:procedure }}                the easy-to-read (FALC) version
    {{ title|spell_out_title:procedure }}              the h1: marked, spelled out just below

The procedure carries what its reader has already seen, so each acronym is spelled out
once per page (and once more in the FALC version, which is read on its own). The text may
be a translation (a `core.content_language.Localized`): the list of acronyms is French, so
only French text is spelled out; a translation is shown as its translator wrote it.
"""

from django import template
from django.utils.html import conditional_escape

from relais.directory import selectors
from relais.directory.acronyms import Reading
from relais.directory.acronyms import spell_out as render

register = template.Library()


def _reading(procedure, flow: str) -> Reading:
    readings = procedure.__dict__.setdefault("_acronym_readings", {})
    if flow not in readings:
        entries = procedure.__dict__.get("_acronym_entries")
        if entries is None:
            entries = procedure.__dict__["_acronym_entries"] = selectors.acronym_entries()
        readings[flow] = Reading(entries)
    return readings[flow]


def _french(text) -> bool:
    return getattr(text, "lang", "fr") == "fr"


@register.filter
def spell_out(text, procedure):
    if not _french(text):
        return conditional_escape(text.text)
    return render(getattr(text, "text", text), _reading(procedure, "main"))


@register.filter
def spell_out_easy(text, procedure):
    if not _french(text):
        return conditional_escape(text.text)
    return render(getattr(text, "text", text), _reading(procedure, "easy"))


@register.filter
def spell_out_title(text, procedure):
    """The title (h1), read first: its acronyms get their <abbr>, and the texts below spell
    them out in words (see directory.acronyms)."""
    if not _french(text):
        return conditional_escape(text.text)
    return render(getattr(text, "text", text), _reading(procedure, "main"), heading=True)
