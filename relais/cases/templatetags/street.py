"""Street reports on the staff pages of cases: the panel of a case (publication, close
reports, duplicate) and the "N signalements proches" of the queue, kept out of the views
those pages share with other features."""

from django import template

from relais.cases import street_selectors, street_services
from relais.cases.models import MeToo, StreetReport
from relais.cases.selectors import worker_team_ids

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


@register.simple_tag(takes_context=True)
def street_groups(context, cases) -> dict:
    """Case id -> how many reports of its group (itself and the close ones)."""
    user = context["request"].user
    groups = street_selectors.close_cases(list(cases), worker_team_ids(user))
    return {pk: len(near) + 1 for pk, near in groups.items()}


@register.simple_tag
def street_public() -> bool:
    """Whether the town shows street reports in public (its switch): the public list is
    linked only then."""
    return street_selectors.public_enabled()
