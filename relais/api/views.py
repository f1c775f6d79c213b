"""The API's documentation page: plain HTML generated from the OpenAPI document, served by
the instance itself (no script, no CDN), in the site's public layout."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from relais.api import problems
from relais.api.v1 import api
from relais.core.pagecache import public_page

METHODS = ("get", "post", "put", "patch", "delete")


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_of(schema: dict | None) -> dict:
    """A schema said in a few words: {"text": "liste de Place", "ref": "Place" or ""}."""
    if not schema:
        return {"text": "", "ref": ""}
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        return {"text": name, "ref": name}
    if "anyOf" in schema or "oneOf" in schema:
        parts = [type_of(s) for s in schema.get("anyOf", schema.get("oneOf", [])) if s.get("type") != "null"]
        nullable = len(parts) < len(schema.get("anyOf", schema.get("oneOf", [])))
        text = _(" ou ").join(p["text"] for p in parts) + (_(" (ou vide)") if nullable else "")
        return {"text": text, "ref": next((p["ref"] for p in parts if p["ref"]), "")}
    kind = schema.get("type", "")
    if kind == "array":
        inner = type_of(schema.get("items"))
        return {"text": _("liste de %(type)s") % {"type": inner["text"]}, "ref": inner["ref"]}
    if "enum" in schema:
        return {"text": " | ".join(str(v) for v in schema["enum"]), "ref": ""}
    words = {
        "string": _("texte"),
        "integer": _("nombre entier"),
        "number": _("nombre"),
        "boolean": _("booléen"),
        "object": _("objet"),
    }
    text = str(words.get(kind, kind))
    fmt = schema.get("format")
    if fmt:
        text += {"date": _(" (date AAAA-MM-JJ)"), "date-time": _(" (date et heure ISO 8601)")}.get(fmt, f" ({fmt})")
    limits = []
    if "maxLength" in schema:
        limits.append(_("%(n)s caractères au plus") % {"n": schema["maxLength"]})
    if "minimum" in schema and "maximum" in schema:
        limits.append(_("de %(a)s à %(b)s") % {"a": schema["minimum"], "b": schema["maximum"]})
    if "pattern" in schema:
        limits.append(_("motif %(p)s") % {"p": schema["pattern"]})
    if limits:
        text += " – " + ", ".join(str(x) for x in limits)
    return {"text": text, "ref": ""}


def _operations(schema: dict) -> list[dict]:
    """Operations grouped by tag, in the document's order: [{"tag", "operations": […]}, …]."""
    groups: dict[str, list] = {}
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            tag = (op.get("tags") or [_("Autres")])[0]
            responses = []
            for status, response in sorted(op.get("responses", {}).items(), key=lambda kv: str(kv[0])):
                content = response.get("content", {})
                media, body = next(iter(content.items()), ("", {}))
                responses.append(
                    {
                        "status": status,
                        "description": response.get("description", ""),
                        "media": media,
                        "type": type_of(body.get("schema")),
                    }
                )
            body = op.get("requestBody", {}).get("content", {})
            groups.setdefault(tag, []).append(
                {
                    "id": "op-" + (op.get("operationId") or f"{method}-{path}").replace("/", "-").strip("-"),
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "auth": bool(op.get("security")),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "description": p.get("description", ""),
                            "type": type_of(p.get("schema")),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "body": [{"media": media, "type": type_of(b.get("schema"))} for media, b in body.items()],
                    "responses": responses,
                }
            )
    return [{"tag": tag, "id": "tag-" + str(i), "operations": ops} for i, (tag, ops) in enumerate(groups.items())]


def _schemas(schema: dict) -> list[dict]:
    found = []
    for name, definition in sorted(schema.get("components", {}).get("schemas", {}).items()):
        required = set(definition.get("required", []))
        found.append(
            {
                "name": name,
                "description": definition.get("description", ""),
                "fields": [
                    {
                        "name": field,
                        "required": field in required,
                        "description": spec.get("description", ""),
                        "type": type_of(spec),
                    }
                    for field, spec in definition.get("properties", {}).items()
                ],
            }
        )
    return found


@require_GET
@public_page
def docs(request):
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return render(
        request,
        "api/docs.html",
        {
            "info": schema.get("info", {}),
            "groups": _operations(schema),
            "schemas": _schemas(schema),
            "problem_type": problems.DOCS,
        },
    )
