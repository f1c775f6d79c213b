"""Errors as RFC 9457 problem details, in French, with the field in error.

    {"type": "/api/v1/docs/#validation", "title": "Certaines données sont à corriger.",
     "status": 422, "detail": "…", "errors": [{"field": "email", "pointer": "#/email", "detail": "…"}]}

Every error of the API (the REST API and Open311's JSON) goes through `problem()`; the
handlers below turn every exception a request may meet into one, so that no framework
message (an English "Not Found", a traceback, Django's HTML 404) reaches a partner.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from relais.api.keys import RateLimited

logger = logging.getLogger("relais.api")

CONTENT_TYPE = "application/problem+json"
DOCS = "/api/v1/docs/"


def problem(
    status: int,
    title: str,
    detail: str = "",
    *,
    code: str = "",
    errors: list[dict] | None = None,
    headers: dict | None = None,
) -> HttpResponse:
    body = {"type": f"{DOCS}#{code}" if code else "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def field_error(field: str, detail: str) -> dict:
    pointer = "#/" + field.replace(".", "/") if field and field != "__all__" else "#"
    return {"field": "" if field == "__all__" else field, "pointer": pointer, "detail": detail}


# Pydantic's error types, said in French (its own messages are English).
_PYDANTIC = {
    "missing": lambda e: _("Ce champ est obligatoire."),
    "string_too_long": lambda e: _("Trop long : %(n)s caractères au plus.") % {"n": e.get("ctx", {}).get("max_length")},
    "string_too_short": lambda e: (
        _("Trop court : %(n)s caractères au moins.") % {"n": e.get("ctx", {}).get("min_length")}
    ),
    "int_parsing": lambda e: _("Un nombre entier est attendu."),
    "int_type": lambda e: _("Un nombre entier est attendu."),
    "float_parsing": lambda e: _("Un nombre est attendu."),
    "bool_parsing": lambda e: _("« true » ou « false » est attendu."),
    "datetime_parsing": lambda e: _("Une date et une heure sont attendues (AAAA-MM-JJTHH:MM)."),
    "datetime_from_date_parsing": lambda e: _("Une date et une heure sont attendues (AAAA-MM-JJTHH:MM)."),
    "date_parsing": lambda e: _("Une date est attendue (AAAA-MM-JJ)."),
    "date_from_datetime_parsing": lambda e: _("Une date est attendue (AAAA-MM-JJ)."),
    "uuid_parsing": lambda e: _("Un identifiant UUID est attendu."),
    "json_invalid": lambda e: _("Le corps de la requête n'est pas du JSON valide."),
    "greater_than_equal": lambda e: _("La valeur doit être au moins %(n)s.") % {"n": e.get("ctx", {}).get("ge")},
    "less_than_equal": lambda e: _("La valeur doit être au plus %(n)s.") % {"n": e.get("ctx", {}).get("le")},
    "enum": lambda e: _("Valeur inconnue ; valeurs possibles : %(v)s.") % {"v": e.get("ctx", {}).get("expected", "")},
    "string_pattern_mismatch": lambda e: _("Le format n'est pas celui attendu (voir la documentation)."),
    "literal_error": lambda e: (
        _("Valeur inconnue ; valeurs possibles : %(v)s.") % {"v": e.get("ctx", {}).get("expected", "")}
    ),
}


_SOURCES = ("body", "query", "path", "header", "form", "file", "cookie")


def _pydantic_field(error: dict) -> str:
    # loc = ("body", "payload", "email"), ("query", "status") or ("file", "file"): drop where it
    # came from (only the first element: a field may well be named "file"), then the payload's name.
    parts = [str(p) for p in error.get("loc", ())]
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    if parts and parts[0] in ("payload", "data", "filters"):
        parts = parts[1:]
    return ".".join(parts)


def validation_problem(errors: list[dict]) -> HttpResponse:
    return problem(422, _("Certaines données sont à corriger."), code="validation", errors=errors)


def from_ninja_validation(exc: NinjaValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        said = _PYDANTIC.get(error.get("type", ""))
        errors.append(field_error(_pydantic_field(error), said(error) if said else _("Valeur invalide.")))
    return validation_problem(errors)


def from_django_validation(exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        errors = [
            field_error(field, str(message)) for field, messages in exc.message_dict.items() for message in messages
        ]
    else:
        errors = [field_error("__all__", str(message)) for message in exc.messages]
    return validation_problem(errors)


def not_found(request: HttpRequest | None = None, exc: Exception | None = None) -> HttpResponse:
    return problem(404, _("Introuvable."), _("Rien ne correspond à cette adresse, ou la clé ne permet pas de le voir."),
                   code="introuvable")  # fmt: skip


def unauthenticated() -> HttpResponse:
    return problem(401, _("Clé d'application absente ou invalide."),
                   _("Envoyez votre clé dans l'en-tête « Authorization: Bearer … ». Une clé révoquée ou remplacée ne fonctionne plus."),
                   code="cle", headers={"WWW-Authenticate": 'Bearer realm="relais"'})  # fmt: skip


def forbidden(detail: str = "") -> HttpResponse:
    return problem(403, _("Cette clé ne permet pas cette action."), detail, code="droits")


def rate_limited(retry_after: int) -> HttpResponse:
    return problem(429, _("Trop de requêtes."),
                   _("Réessayez dans %(n)s secondes.") % {"n": retry_after},
                   code="limite", headers={"Retry-After": str(retry_after)})  # fmt: skip


def server_error() -> HttpResponse:
    return problem(500, _("Erreur interne."),
                   _("La demande n'a pas abouti et rien n'a été enregistré. L'équipe technique est prévenue."),
                   code="erreur")  # fmt: skip


class UnsupportedMediaType(Exception):
    """A body sent as something else than JSON to an operation that reads JSON."""


class JsonParser(Parser):
    """Ninja's JSON parser, refusing a body that does not say it is JSON (415) rather than
    guessing. Ninja wraps whatever this raises in a 400 "Cannot parse request body": the
    HttpError handler below reads the cause back (too big, not JSON, not valid JSON)."""

    def parse_body(self, request: HttpRequest):
        content_type = (request.content_type or "").lower()
        if request.body and not (content_type == "application/json" or content_type.endswith("+json")):
            raise UnsupportedMediaType(content_type)
        return super().parse_body(request)


def too_big(detail: str = "") -> HttpResponse:
    return problem(413, _("Requête trop volumineuse."),
                   detail or _("Le corps de la requête dépasse la taille permise (%(max)s).")
                   % {"max": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}, code="taille")  # fmt: skip


def not_json() -> HttpResponse:
    return problem(415, _("Format de la requête non pris en charge."),
                   _("Envoyez du JSON, avec l'en-tête « Content-Type: application/json »."), code="format")  # fmt: skip


_NINJA_PARSE_FAILURE = "Cannot parse request body"  # ninja's own words: never shown to a client


def body_refused(exc: Exception) -> HttpResponse | None:
    """The problem for a body ninja could not read (`exc.__cause__`), or None."""
    cause = exc.__cause__
    if isinstance(cause, RequestDataTooBig):
        return too_big()
    if isinstance(cause, UnsupportedMediaType):
        return not_json()
    if isinstance(cause, ValueError):  # json.JSONDecodeError, UnicodeDecodeError
        return problem(400, _("Le corps de la requête n'est pas du JSON valide."), code="format")
    if cause is not None or str(exc) == _NINJA_PARSE_FAILURE:  # a broken multipart body, or anything else
        return problem(
            400,
            _("Le corps de la requête ne peut pas être lu."),
            _("Vérifiez son format et son en-tête « Content-Type » (JSON, ou multipart/form-data avec sa limite)."),
            code="format",
        )
    return None


def from_http_error(exc: HttpError) -> HttpResponse:
    return body_refused(exc) or problem(exc.status_code, str(exc))


def install(api) -> None:
    """Route every exception of a NinjaAPI to a problem."""

    def handle(exc_type, make):
        api.add_exception_handler(exc_type, lambda request, exc: make(exc))

    def unexpected(exc):
        logger.error("API error", exc_info=exc)
        return server_error()

    handle(Exception, unexpected)
    handle(NinjaValidationError, from_ninja_validation)
    handle(DjangoValidationError, from_django_validation)
    handle(Http404, lambda exc: not_found())
    handle(ObjectDoesNotExist, lambda exc: not_found())
    handle(AuthenticationError, lambda exc: unauthenticated())
    handle(AuthorizationError, lambda exc: forbidden())
    handle(PermissionDenied, lambda exc: forbidden(str(exc) if exc.args else ""))
    handle(RateLimited, lambda exc: rate_limited(exc.retry_after))
    handle(HttpError, from_http_error)
    handle(RequestDataTooBig, lambda exc: too_big())
    # A multipart body sent to an operation reading JSON: Django streamed it into request.POST
    # (core.middleware reads it), so its raw bytes are gone when ninja asks for them.
    handle(RawPostDataException, lambda exc: not_json())


# ---------------------------------------------------------------- in the OpenAPI document

PROBLEM_SCHEMA = {
    "type": "object",
    "title": "Problem",
    "description": "Une erreur, au format RFC 9457 (problem details), en français.",
    "properties": {
        "type": {"type": "string", "description": "Lien vers l'explication de l'erreur dans la documentation."},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Les champs à corriger (erreurs de validation).",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "pointer": {"type": "string"},
                    "detail": {"type": "string"},
                },
                "required": ["field", "pointer", "detail"],
            },
        },
    },
    "required": ["type", "title", "status"],
}

# What any operation may answer besides its own responses; 401 and 403 only with a key.
_ANY = {
    400: "Requête mal formée (par exemple : en-tête Idempotency-Key absent).",
    404: "Introuvable.",
    405: "Méthode non permise.",
    409: "Conflit avec l'état présent (par exemple : créneau déjà pris).",
    413: "Corps de requête trop gros.",
    415: "Type de contenu non pris en charge.",
    414: "Adresse trop longue (refusée par le serveur HTTP, sans document « problem »).",
    422: "Certaines données sont à corriger.",
    429: "Trop de requêtes : voir l'en-tête Retry-After.",
    500: "Erreur interne.",
}
_WITH_KEY = {401: "Clé d'application absente ou invalide.", 403: "Cette clé ne permet pas cette action."}


def document(schema: dict) -> dict:
    """Declare, on every operation of an OpenAPI document, the problems it may answer
    (`application/problem+json`, one shared `Problem` schema): every router gets them
    without declaring them, and clients and schema checkers know what an error looks like."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    ref = {"$ref": "#/components/schemas/Problem"}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            statuses = {**_ANY, **(_WITH_KEY if operation.get("security") else {})}
            # ninja's own statuses are ints: one spelling, so that none is declared twice.
            responses = operation["responses"] = {str(k): v for k, v in operation["responses"].items()}
            for status, description in statuses.items():
                declared = responses.setdefault(str(status), {"description": description})
                if status != 414:  # answered by the HTTP server in front, before Relais
                    declared["content"] = {CONTENT_TYPE: {"schema": ref}}
                if status == 429:
                    declared["headers"] = {
                        "Retry-After": {"description": "Secondes à attendre.", "schema": {"type": "integer"}}
                    }
    return schema
