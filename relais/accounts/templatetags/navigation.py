"""{% load navigation %} … {% if request.user|may_open:"mediation:staff_appointment_book" %}…

Show a link only when its target view lets the user in (accounts.navigation.may_open).
"""

from django import template

from relais.accounts import navigation

register = template.Library()


@register.filter
def may_open(user, url_name: str) -> bool:
    if not hasattr(user, "is_authenticated"):  # rendered without a request: nobody to ask for
        user = None
    return navigation.may_open(user, url_name)
