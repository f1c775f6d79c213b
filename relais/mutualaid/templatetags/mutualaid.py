from django import template

from relais.mutualaid import privacy

register = template.Library()


@register.filter
def public_name(person) -> str:
    """How residents see each other: "Marie D." (never a full name or a contact detail)."""
    return privacy.public_name(person) if person is not None else ""
