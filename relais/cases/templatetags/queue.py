"""The rows of the back-office queue, built in Python as Django's admin builds its change list
(`items_for_result`): the queue is the page agents click most, and the template engine's
cost per cell (a variable, a filter, a method call: ~1,000 per page of 50) was half of it."""

from __future__ import annotations

from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from relais.cases.street_selectors import close_cases
from relais.core.bidi import isolate
from relais.core.rows import reverser
from relais.core.templatetags.ui import tag

register = template.Library()


@register.simple_tag(takes_context=True)
def queue_rows(context, cases) -> SafeString:
    """One <tr> per case of the page: checkbox, reference (with what waits for the agent and the
    close street reports), form, resident, channel, status, dates (late in its own style), agent."""
    from relais.cases.selectors import worker_team_ids

    cases = list(cases)
    if not cases:
        return format_html('<tr><td colspan="9">{}</td></tr>', _("Aucun dossier ici."))
    groups = close_cases(cases, worker_team_ids(context["request"].user))
    replied = tag(_("réponse reçue"), "warn")
    corrected = tag(_("correction reçue"), "warn")
    choose = _("Choisir %(ref)s")
    today = timezone.localdate()
    detail = reverser("cases:detail")  # one reverse() for the page
    rows = []
    for case in cases:
        flags = []
        if case.resident_replied_at:
            flags.append(replied)
        if case.correction_received_at:
            flags.append(corrected)
        if case.pk in groups:
            n = len(groups[case.pk]) + 1
            flags.append(
                format_html(
                    '<a href="{}" class="small">{}</a>',
                    reverse("cases:street_duplicate", args=[case.reference]),
                    ngettext("%(n)s signalement proche", "%(n)s signalements proches", n) % {"n": n},
                )
            )
        late = case.is_open and case.due_date is not None and case.due_date < today
        rows.append(
            format_html(
                '<tr>\n<td><input type="checkbox" name="cases" value="{pk}" id="case-{pk}" aria-label="{choose}"></td>\n'
                '<td><a href="{url}">{reference}</a>{flags}</td>\n'
                "<td>{form}</td><td>{person}</td><td>{channel}</td><td>{status}</td>\n"
                "<td>{submitted}</td><td{late}>{due}</td><td>{assignee}</td>\n</tr>",
                pk=case.pk,
                choose=choose % {"ref": case.reference},
                url=detail(quote(case.reference)),
                reference=isolate(case.reference),
                flags=mark_safe("".join(f" {flag}" for flag in flags)),  # noqa: S308 - each built escaped
                form=case.form.title,
                person=case.person.display_name,
                channel=case.channel_label,
                status=case.status_label,
                submitted=isolate(f"{timezone.localtime(case.submitted_at):%d/%m/%Y}"),
                late=mark_safe(' class="late"' if late else ""),  # noqa: S308 - a constant
                due=isolate(f"{case.due_date:%d/%m/%Y}" if case.due_date else ""),
                assignee=case.assignee.get_full_name() if case.assignee else "–",
            )
        )
    return format_html_join("\n", "{}", ((row,) for row in rows))
