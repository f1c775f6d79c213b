"""Public, read-only, cacheable: no key."""

from ninja import Router

router = Router(tags=["Public"])
