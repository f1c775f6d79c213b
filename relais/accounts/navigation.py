"""Which pages a user may open, asked of the views themselves.

A staff view declares its rule once, with `staff_required(…)` or `requires(check)`
(accounts.permissions), which keep it on the view as `view.may_open(user)`. Menus, home
cards and links ask `may_open(user, "app:url_name")` (in templates: the `may_open` filter of
`{% load navigation %}`) so that a link is shown exactly when its target opens; a view
without such a rule (a public page, a resident's page) is open to whoever reaches it.
Rules about one object (this person, this case) stay with the object's own helpers
(`may_see_person`…): this answers for the page as such. A page that starts by finding a
person (book or register someone, without `?person=`) runs the person search: its link asks
`may_open(user, "people:person_search")`.
"""

from __future__ import annotations

from functools import cache

from django.urls import URLPattern, URLResolver, get_resolver

from relais.accounts.permissions import has_role
from relais.core.extensions import NavItem, staff_nav_items


def _walk(resolver: URLResolver, namespace: str | None):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(n for n in (namespace, entry.namespace) if n) or None
            yield from _walk(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), entry.callback


@cache
def _views() -> dict:
    """URL name -> its view (the first pattern of that name, as `reverse` would pick it)."""
    views = {}
    for name, callback in _walk(get_resolver(), None):
        views.setdefault(name, callback)
    return views


def view_rule(url_name: str):
    """The rule `rule(user) -> bool` that the view behind `url_name` applies, or None."""
    try:
        view = _views()[url_name]
    except KeyError:
        raise LookupError(f"no URL named {url_name!r}") from None
    return getattr(view, "may_open", None)


def may_open(user, url_name: str) -> bool:
    """Whether `user` gets past the view's own rule at `url_name` (see module docstring)."""
    rule = view_rule(url_name)
    return rule is None or bool(user is not None and rule(user))


def staff_nav(user) -> list[NavItem]:
    """Menu entries meant for the user's roles that the user may open, in display order."""
    return [item for item in staff_nav_items() if has_role(user, *item.roles) and may_open(user, item.url_name)]
