"""Street reports on the staff pages of cases: the panel of a case (publication, close
reports, duplicate), kept out of the views those pages share with other features (the
queue's "N signalements proches" is part of its rows: relais/cases/templatetags/queue.py)."""

from django import template

from relais.cases import street_selectors, street_services
from relais.cases.models import MeToo, StreetReport

register = template.Library()


@register.inclusion_tag("cases/street/_staff_panel.html", takes_context=True)
def street_panel(context, case, worker):
    """The panel of a case of a location form, for the workers of its team."""
    if not worker or not case.form.asks_location:
        return {"hidden": True}
    user = context["request"].user
    report = StreetReport.objects.filter(case=case).first()
    others = 0
    if report is not None:
        others = MeToo.objects.filter(report=report).count() + case.duplicates.count()
    # Other residents' cases and the places they typed: journaled with the people they are about.
    close = street_services.close_cases_seen(case=case, actor=user, request=context["request"])
    return {"case": case, "report": report, "others": others, "close": close}


@register.simple_tag
def street_public() -> bool:
    """Whether the town shows street reports in public (its switch): the public list is
    linked only then."""
    return street_selectors.public_enabled()
