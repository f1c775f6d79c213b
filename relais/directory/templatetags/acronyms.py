"""Acronyms spelled out on first use in a procedure's texts (see directory.acronyms).

    {% load acronyms %}
    {{ procedure.summary|spell_out:procedure }}        the page's texts, in reading order
    {{ line|spell_out_easy:procedure }}                the easy-to-read (FALC) version

The procedure carries what its reader has already seen, so each acronym is spelled out
once per page (and once more in the FALC version, which is read on its own).
"""

from django import template

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


@register.filter
def spell_out(text, procedure):
    return render(text, _reading(procedure, "main"))


@register.filter
def spell_out_easy(text, procedure):
    return render(text, _reading(procedure, "easy"))
