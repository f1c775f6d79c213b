"""Lists of the API, page by page, with an opaque cursor and a `next` link.

    page = cursor.paginate(request, items, key=lambda p: (p.nom, p.pk), cursor=cursor, limit=limit)
    return {"items": [out(p) for p in page.items], "next": page.next}

Items are put in the order of `key` (a tuple of strings and numbers, unique per item),
and the cursor holds the key of the last item served: the next page starts right after it,
so an item added or removed meanwhile neither repeats nor hides another one (keyset
pagination, not offsets). The cursor is base64 of that key: clients pass it back as
they got it, in the `next` link.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
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


def encode(key: tuple) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key), separators=(",", ":")).encode()).decode().rstrip("=")


def decode(cursor: str) -> tuple:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadCursor() from None
    if not isinstance(key, list) or not all(isinstance(v, str | int | float) for v in key):
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
    ordered = sorted(items, key=key)
    if cursor:
        try:
            after = decode(cursor)
        except BadCursor:
            after = None
        if after is None or (ordered and not _comparable(after, key(ordered[0]))):
            raise invalid_cursor()
        ordered = [item for item in ordered if key(item) > after]
    page, more = ordered[:limit], len(ordered) > limit
    next_url = None
    if more:
        params = request.GET.copy()
        params["cursor"] = encode(key(page[-1]))
        next_url = request.build_absolute_uri(request.path) + "?" + params.urlencode()
    return Page(page, next_url)


def invalid_cursor() -> ValidationError:
    return ValidationError(
        {"cursor": _("Ce curseur n'est pas valide : reprenez le lien « next » de la page précédente, tel quel.")}
    )
