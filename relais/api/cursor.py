"""Lists of the API, page by page, with an opaque cursor and a `next` link.

    page = cursor.paginate(request, items, key=lambda p: (p.nom, p.pk), cursor=cursor, limit=limit)
    return {"items": [out(p) for p in page.items], "next": page.next}

Items are put in the order of `key` (a tuple of strings and numbers, unique per item),
and the cursor holds the key of the last item served: the next page starts right after it,
so an item added or removed meanwhile neither repeats nor hides another one (keyset
pagination, not offsets). Lists read from the database page in SQL instead:

    rows, next_cursor = cursor.paginate_queryset(qs, kind="cases-reference", keys=[("reference", False), ("pk", False)],
                                                 cursor=cursor, limit=limit)

Every cursor is signed by the server (django.core.signing), salted with the list it belongs
to (and its sort): only values the server wrote come back, and a cursor of one list or sort
is refused by another (422 on `cursor`). Clients pass it back as they got it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

# Shared by every list: `limit: int = LimitField`, `cursor: str | None = CursorField`.
LimitField = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Nombre d'éléments par page (1 à 200).")
CursorField = Query(
    None, max_length=300, description="Curseur opaque : repris tel quel du lien `next` de la page précédente."
)


class BadCursor(Exception):
    pass


def _salt(kind: str) -> str:
    return f"relais.api.cursor:{kind}"


def encode(key: tuple, kind: str) -> str:
    """The cursor after `key` in the list `kind`, signed: only values the server wrote come back."""
    return signing.dumps(list(key), salt=_salt(kind))


def decode(cursor: str, kind: str) -> tuple:
    try:
        key = signing.loads(cursor, salt=_salt(kind))
    except (signing.BadSignature, ValueError, TypeError):  # UnicodeError is a ValueError
        raise BadCursor() from None
    if not isinstance(key, list) or not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in key):
        raise BadCursor()
    return tuple(key)


@dataclass
class Page:
    items: list
    next: str | None


def _comparable(after: tuple, sample: tuple) -> bool:
    return len(after) == len(sample) and all(
        isinstance(a, str) == isinstance(b, str) for a, b in zip(after, sample, strict=True)
    )


def paginate(request, items: Iterable, *, key: Callable, cursor: str | None, limit: int) -> Page:
    """One page of `items` after `cursor`, and the link to the next one (None on the last)."""
    kind = request.path
    ordered = sorted(items, key=key)
    if cursor:
        try:
            after = decode(cursor, kind)
        except BadCursor:
            after = None
        if after is None or (ordered and not _comparable(after, key(ordered[0]))):
            raise invalid_cursor()
        ordered = [item for item in ordered if key(item) > after]
    page, more = ordered[:limit], len(ordered) > limit
    next_url = None
    if more:
        params = request.GET.copy()
        params["cursor"] = encode(key(page[-1]), kind)
        next_url = request.build_absolute_uri(request.path) + "?" + params.urlencode()
    return Page(page, next_url)


def invalid_cursor() -> ValidationError:
    return ValidationError(
        {"cursor": _("Ce curseur n'est pas valide : reprenez le lien « next » de la page précédente, tel quel.")}
    )


# ---------------------------------------------------------------- in SQL (keyset on a queryset)


def _typed(model: type[models.Model], name: str, value):
    """A cursor's value as the field `name` of `model` holds it; BadCursor otherwise. Signed
    values are the server's own: the conversions stay guarded all the same."""
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    try:
        if isinstance(field, models.DateTimeField):
            value = datetime.datetime.fromisoformat(value)
            if timezone.is_naive(value):
                raise ValueError(value)
            return value.astimezone(datetime.UTC)  # OverflowError at the range's edges
        if isinstance(field, models.DateField):
            return datetime.date.fromisoformat(value)
        if isinstance(field, models.AutoField | models.BigAutoField | models.IntegerField):
            if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= 2**63 - 1:
                raise ValueError(value)
            return value
        if not isinstance(value, str) or "\x00" in value:
            raise ValueError(value)
        return value
    except (TypeError, ValueError, OverflowError):
        raise BadCursor() from None


def _after(qs: QuerySet, keys: list[tuple[str, bool]], values: list) -> QuerySet:
    """Rows after the cursor's row in the order `keys` ((field, descending), …)."""
    condition, equal = None, Q()
    for (field, descending), value in zip(keys, values, strict=True):
        step = equal & Q(**{f"{field}__{'lt' if descending else 'gt'}": value})
        condition = step if condition is None else condition | step
        equal &= Q(**{field: value})
    return qs.filter(condition)


def _plain(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


def paginate_queryset(qs: QuerySet, *, kind: str, keys: list[tuple[str, bool]], cursor: str | None, limit: int):
    """(rows, next cursor or None), one query: `qs` must already be ordered by `keys`, whose
    last one is unique (the id)."""
    if cursor:
        try:
            raw = decode(cursor, kind)
            if len(raw) != len(keys):
                raise BadCursor()
            values = [_typed(qs.model, name, value) for (name, _desc), value in zip(keys, raw, strict=True)]
        except BadCursor:
            raise invalid_cursor() from None
        qs = _after(qs, keys, values)
    rows = list(qs[: limit + 1])
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        following = encode(tuple(_plain(getattr(rows[-1], name)) for name, _desc in keys), kind)
    return rows, following
