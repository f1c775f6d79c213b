"""Filters for printed letters (see notifications.letters)."""

from django import template

from relais.notifications.letters import phone_unbreakable, print_text

register = template.Library()


@register.filter
def unbreakable_phone(value):
    """A phone number (or a text holding some) whose spaces never end a line."""
    return phone_unbreakable(str(value or ""))


@register.filter(name="print_text")
def print_text_filter(value):
    """A plain text for print: escaped, phone numbers and links kept on one line each."""
    return print_text(str(value or ""))
