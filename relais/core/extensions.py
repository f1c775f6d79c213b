"""How domain apps plug into shared screens without the kernel importing them.

- Staff menu: an app's AppConfig lists `staff_nav = [NavItem(...)]`; the menu and the
  staff home show the items meant for the user's roles whose view lets the user in (the
  view's own rule, asked in accounts.navigation).
- Resident menu: `public_nav = [NavItem(...)]` on the AppConfig (roles are ignored).
- Person page: an app may have a module `<app>.person` with
  `sections(*, person, user) -> list[PersonSection]`, each already scoped to what the user
  may see (the page itself writes the audit entry for viewing the person).
- "My account" page of a resident: the same module may define
  `resident_sections(*, person) -> list[PersonSection]` (the resident's own records).
- Reading a message sent to a resident: `message_filter(*, user) -> Q | None` lets an app
  open the messages about its own records (a `Q` on `notifications.Message`, usually on
  `related_type` and `related_id`) to the staff who may see those records.
- Seeing a person: `has_relation(*, user, person) -> bool` says whether the user's teams
  have a record with that person (a case, a mandate, a booking, a listing…): staff who do not
  look people up may open a person only through such a relation.
- Finding a record by its reference: `find_by_reference(*, user, query, request) -> str | None`
  gives the address of the one record whose reference is `query` that the user may open
  (a case "2026-00123"), so that a staff search goes straight to it.
- Private links (and the paper codes that stand for them, core.access): `link_target(*,
  view_name, kwargs) -> LinkTarget | None` says, for a private page the app owns, whether
  the link still opens it (a past appointment, an ended mandate: no) and which staff page
  shows the record to whom; a code whose link no longer opens stops working.
- Merging two records of a person: the same module may define
  `merge_conflicts(*, duplicate, kept)`, called before rows move, to fold records that
  would otherwise exist twice (a unique rule per person).
- The person's rights (core.rights): `export(*, person) -> list[ExportSection]` gives
  everything the app holds about the person (subject access), `export_files(*, person)
  -> list[tuple[str, FieldFile]]` the files (name in the archive, file); `open_records(*, person)
  -> list[str]` names what is still under way (an open request, a future appointment),
  `close_open_records(*, person, actor, reason)` closes or cancels it, and
  `erase(*, person) -> dict[str, int]` removes or blanks the person's data while keeping
  the rows that statistics count; `ERASURE_KEEPS` lists what is kept, and why.
  `is_staff_login(*, person) -> bool` says the person's login is a staff member's
  (accounts: a role in a team, or an admin), which erasure refuses to close.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    # Whom the entry is meant for (empty: every team member). Never a permission: an entry
    # shows only when its view lets the user in too (accounts.navigation.may_open).
    roles: tuple[str, ...] = ()
    description: str = ""  # shown on the staff home page
    order: int = 50
    menu: bool = True  # False: a card on the staff home page only


@dataclass(frozen=True)
class LinkTarget:
    """What a private link points to (see `link_target`)."""

    alive: bool  # the link still opens its page
    staff_url: str = ""  # the record's page for staff
    # May `user` open `staff_url`? The page's own rule (its role gate and its queryset).
    visible_to: Callable[[object], bool] = field(default=lambda user: False)
    # Other staff pages showing the record, tried in order for staff who may not open
    # `staff_url` (a registration: the workshop for its team, the person's page for the
    # counter): (address, the rule of that page).
    other_pages: tuple[tuple[str, Callable[[object], bool]], ...] = ()

    def staff_page_for(self, user) -> str:
        """The first staff page showing the record that `user` may open ("" when none)."""
        for url, may_open in ((self.staff_url, self.visible_to), *self.other_pages):
            if url and may_open(user):
                return url
        return ""


@dataclass
class PersonSection:
    title: str
    template: str
    context: dict = field(default_factory=dict)
    order: int = 50


@dataclass
class ExportSection:
    """One part of a subject access export: `items` are dicts of plain values (text,
    numbers, lists) keyed by `fields`, whose values are the labels a person reads."""

    key: str
    title: str
    fields: dict
    items: list = field(default_factory=list)


def _relais_configs():
    return [c for c in apps.get_app_configs() if c.name.startswith("relais.")]


def staff_nav_items() -> list[NavItem]:
    """Every app's staff menu entries, in display order (accounts keeps those a user's
    roles allow: the kernel knows no role)."""
    items = [item for config in _relais_configs() for item in getattr(config, "staff_nav", [])]
    return sorted(items, key=lambda i: i.order)


@cache
def _person_modules():
    return [import_module(f"{c.name}.person") for c in _relais_configs() if find_spec(f"{c.name}.person")]


def person_sections(*, person, user) -> list[PersonSection]:
    sections = [
        s
        for module in _person_modules()
        if hasattr(module, "sections")
        for s in module.sections(person=person, user=user)
    ]
    return sorted(sections, key=lambda s: s.order)


def resident_sections(*, person) -> list[PersonSection]:
    sections = [
        s
        for module in _person_modules()
        if hasattr(module, "resident_sections")
        for s in module.resident_sections(person=person)
    ]
    return sorted(sections, key=lambda s: s.order)


def message_filters(*, user) -> list:
    """Each app's condition on the messages about its records that `user` may read."""
    found = (module.message_filter(user=user) for module in _person_modules() if hasattr(module, "message_filter"))
    return [condition for condition in found if condition is not None]


def has_relation(*, user, person) -> bool:
    """Whether one of the user's teams has a record with `person` (see module docstring)."""
    return any(
        module.has_relation(user=user, person=person) for module in _person_modules() if hasattr(module, "has_relation")
    )


def prepare_merge(*, duplicate, kept) -> None:
    for module in _person_modules():
        if hasattr(module, "merge_conflicts"):
            module.merge_conflicts(duplicate=duplicate, kept=kept)


def public_nav() -> list[NavItem]:
    items = [item for config in _relais_configs() for item in getattr(config, "public_nav", [])]
    return sorted(items, key=lambda i: i.order)


def export_sections(*, person) -> list[ExportSection]:
    return [s for module in _person_modules() if hasattr(module, "export") for s in module.export(person=person)]


def export_files(*, person) -> list:
    return [
        f for module in _person_modules() if hasattr(module, "export_files") for f in module.export_files(person=person)
    ]


def open_records(*, person) -> list[str]:
    return [
        r for module in _person_modules() if hasattr(module, "open_records") for r in module.open_records(person=person)
    ]


def close_open_records(*, person, actor, reason: str) -> None:
    for module in _person_modules():
        if hasattr(module, "close_open_records"):
            module.close_open_records(person=person, actor=actor, reason=reason)


def erase_records(*, person) -> dict[str, int]:
    counts = {}
    for module in _person_modules():
        if hasattr(module, "erase"):
            counts.update(module.erase(person=person))
    return counts


def is_staff_login(*, person) -> bool:
    """Whether an app says the person's login is a staff member's (see module docstring)."""
    return any(
        module.is_staff_login(person=person) for module in _person_modules() if hasattr(module, "is_staff_login")
    )


def erasure_keeps() -> list[str]:
    """What each app keeps when a person is erased, and why (shown before confirming)."""
    return [kept for module in _person_modules() for kept in getattr(module, "ERASURE_KEEPS", [])]


def link_target(path: str) -> LinkTarget | None:
    """What the private page at `path` shows, if an app owns it (None otherwise)."""
    from django.urls import Resolver404, resolve

    try:
        match = resolve(path.split("?", 1)[0])
    except Resolver404:
        return None
    for module in _person_modules():
        if hasattr(module, "link_target"):
            target = module.link_target(view_name=match.view_name, kwargs=match.kwargs)
            if target is not None:
                return target
    return None


def find_by_reference(*, user, query: str, request=None) -> str | None:
    """The address of the record whose reference `query` is, if an app knows one the user
    may open. A paper code (core.access) is a reference too: the agent types the code the
    resident reads on the phone and lands on what it points to; a valid code for a record
    that opens nothing for the user (not their team's, no longer valid, no record, too many
    codes typed) raises `core.access.StaffLookupRefused`, whose `message` the caller shows."""
    from relais.core import access

    if access.looks_like_code(query):
        return access.staff_find(user=user, query=query, request=request)
    for module in _person_modules():
        if hasattr(module, "find_by_reference"):
            found = module.find_by_reference(user=user, query=query, request=request)
            if found:
                return found
    return None
