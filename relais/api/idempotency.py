"""Every create of the API takes an `Idempotency-Key` header: a retried POST never files twice.

    return idempotency.once(request, response, "POST /requests", payload.dict(),
                            lambda submission_key: (201, make(submission_key)))

The key becomes the domain service's own `submission_key` (a UUID derived, under the
site's secret, from the application, the operation and the key: nobody can compute it from
outside, so the web forms, which take a submission_key from the browser, cannot be pointed at
a record an application made), so the web's one mechanism (core.idempotency.create_once, under
the service's lock) is what guarantees one record, even for two retries arriving at once.
The reply is kept (IdempotentReply, a day): a retry with the same key and the same body gets
the same reply, marked `Idempotent-Replayed: true`; the same key with another body is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from pydantic import BaseModel

from relais.api.models import IdempotentReply

HEADER = "Idempotency-Key"
_VALID = re.compile(r"^[\x21-\x7e]{1,255}$")  # printable ASCII, no spaces


class KeyRefused(HttpError):
    pass


def _digest(operation: str, payload) -> str:
    text = json.dumps([operation, payload], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def key_of(request) -> str:
    """The request's idempotency key, checked (400 when missing or malformed)."""
    key = (request.headers.get(HEADER) or "").strip().strip('"')
    if not key:
        raise KeyRefused(
            400,
            _(
                "L'en-tête « Idempotency-Key » est obligatoire pour créer (une valeur unique par création, reprise telle quelle en cas de nouvel essai)."
            ),
        )
    if not _VALID.match(key):
        raise KeyRefused(400, _("L'en-tête « Idempotency-Key » doit faire 1 à 255 caractères visibles, sans espace."))
    return key


def submission_key(application, operation: str, key: str) -> uuid.UUID:
    """The domain `submission_key` for this application's idempotency key and operation.

    Keyed with the site's secret: the web forms accept any submission_key from the browser
    and send whoever repeats one to the record it made (a double click finds its booking),
    so a key anyone could derive (a public namespace, a small application id, a partner's
    "order-1") would hand a stranger the resident's private link. The operation is part of
    it: a key reused for another operation, once the kept reply is purged, finds nothing
    of the first one's."""
    message = f"api:{application.pk}:{operation}:{key}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()
    return uuid.UUID(bytes=digest[:16], version=4)


def _as_json(body):
    if isinstance(body, BaseModel):
        return body.model_dump(mode="json")
    return json.loads(json.dumps(body, default=str))


def once(request, response, operation: str, payload, create: Callable[[uuid.UUID], tuple[int, object]], *, key=None):
    """Run `create(submission_key)` once per (application, Idempotency-Key); returns (status, body).

    `payload`: what was sent (a dict, files as their names and sizes): the same key with
    another payload is a mistake of the caller, refused with 422. `key`: a key the caller
    derived itself, for a protocol whose clients send no header (Open311, see api.open311);
    else the request's header, required.
    """
    application = request.application
    key = key_of(request) if key is None else key
    digest = _digest(operation, payload)
    kept = IdempotentReply.objects.filter(application=application, key=key).first()
    if kept is not None:
        return _replay(kept, operation, digest, response)
    status, body = create(submission_key(application, operation, key))
    body = _as_json(body)
    try:
        with transaction.atomic():
            IdempotentReply.objects.create(
                application=application, key=key, operation=operation, body_digest=digest, status=status, body=body
            )
    except IntegrityError:  # a concurrent retry stored it first: answer as it did
        return _replay(IdempotentReply.objects.get(application=application, key=key), operation, digest, response)
    return status, body


def _replay(kept: IdempotentReply, operation: str, digest: str, response):
    if kept.operation != operation or kept.body_digest != digest:
        raise KeyRefused(
            422, _("Cette clé « Idempotency-Key » a déjà servi pour une autre requête : utilisez une nouvelle clé.")
        )
    if response is not None:
        response["Idempotent-Replayed"] = "true"
    return kept.status, kept.body
