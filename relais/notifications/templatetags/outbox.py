"""The rows of the "could not reach" lists, built in Python (see relais/core/rows.py): two
lists of 50 rows, each row a dozen values, addresses and sentences."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from relais.core.bidi import isolate, isolate_auto, isolate_within
from relais.core.models import ContactChannel
from relais.core.rows import csrf_input, reverser
from relais.notifications.models import MessageStatus

register = template.Library()


@register.simple_tag(takes_context=True)
def unreachable_rows(context, messages) -> SafeString:
    """One <tr> per failed message: the resident, the message (and what was sent instead),
    why it failed, the resident's other contact details, and the buttons to send it again
    and, for who may, to correct the resident's record."""
    person_page, person_edit = reverser("people:person_detail"), reverser("people:person_edit")
    detail, retry = reverser("notifications:message_detail"), reverser("notifications:message_retry")
    csrf, edits_people = csrf_input(context["request"]), context.get("edits_people")
    # The words of every row, translated once for the page.
    words = {
        "email": _("Courriel :"), "no_email": _("aucun"), "phone": _("Téléphone :"),
        "no_phone": _("aucun numéro"), "address": _("Adresse :"), "no_address": _("aucune"),
        "correct": _("Corriger la fiche"), "resend": _("Renvoyer"),
        "instead": _("À la place : %(channel)s (%(status)s)"), "resend_to": _("le message à %(name)s"),
        "of": _("de %(name)s"),
    }  # fmt: skip
    channels = {value: str(label) for value, label in ContactChannel.choices}
    statuses = {value: str(label) for value, label in MessageStatus.choices}
    rows = []
    for message in messages:
        person = message.person
        name = person.display_name
        instead = ""
        fallback = getattr(message, "fallback", None)  # None: it raises ObjectDoesNotExist (a reverse one-to-one)
        if fallback:
            instead = format_html(
                '<br><span class="small">{}</span>',
                words["instead"] % {"channel": channels[fallback.channel], "status": statuses[fallback.status]},
            )
        contacts = []
        if message.channel != ContactChannel.EMAIL:
            contacts.append(format_html("<li>{} {}</li>", words["email"], isolate(person.email) or words["no_email"]))
        if person.phone:
            phone = format_html(
                '<a href="tel:{}" class="nowrap">{}</a>', person.phone.replace(" ", ""), isolate(person.phone)
            )
        else:
            phone = words["no_phone"]
        contacts.append(format_html("<li>{} {}</li>", words["phone"], phone))
        if person.address:
            address = format_html("{} {} {}", person.address, isolate(person.postal_code), person.commune)
        else:
            address = words["no_address"]
        contacts.append(format_html("<li>{} {}</li>", words["address"], address))
        correct = ""
        if edits_people:
            correct = format_html(
                '\n<a href="{}">{}<span class="visually-hidden"> {}</span></a>',
                person_edit(person.pk),
                words["correct"],
                words["of"] % {"name": name},
            )
        rows.append(
            format_html(
                '<tr>\n<td><a href="{person_url}">{name}</a></td>\n'
                '<td><a href="{detail}">{subject}</a><br><span class="small muted">{channel} – {created}</span>'
                "{instead}</td>\n<td>{reason}</td>\n"
                '<td><ul class="plain">\n  {contacts}\n</ul></td>\n'
                '<td><form method="post" action="{retry}">{csrf}<button class="button-link" type="submit">{resend}'
                '<span class="visually-hidden"> {resend_to}</span></button></form>{correct}</td>\n</tr>',
                person_url=person_page(person.pk),
                name=name,
                detail=detail(message.pk),
                subject=isolate_within(message.subject),
                channel=channels[message.channel],
                created=isolate_auto(date_format(timezone.localtime(message.created_at), "j M Y H:i")),
                instead=instead,
                reason=message.failure_reason(),
                contacts=mark_safe("\n  ".join(contacts)),  # noqa: S308 - each built escaped
                retry=retry(message.pk),
                csrf=csrf,
                resend=words["resend"],
                resend_to=words["resend_to"] % {"name": name},
                correct=correct,
            )
        )
    return format_html_join("\n", "{}", ((row,) for row in rows))
