"""Open311 GeoReport v2 documents, in JSON or in the spec's XML.

Every document is a list of flat records (a value, None, a bool, a list of values, or a
list of nested records for an attribute's `values`). JSON writes them as they are; XML
wraps them as the spec's examples do:

    <services><service><service_code>…</service_code>…</service></services>
    <service_requests><request>…</request></service_requests>
    <errors><error><code>400</code><description>…</description></error></errors>

Errors are Open311's own shape, `[{"code": 400, "description": "…"}]`, in French, with the
HTTP status of the first error.
"""

from __future__ import annotations

import datetime
import json
from xml.etree import ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone

from relais.core.text import xml_safe

FORMATS = ("json", "xml")
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"

# How the XML names the items of a list, by the list's element (the spec's names).
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def w3c(moment: datetime.datetime | None) -> str | None:
    """A W3C datetime with the town's offset, to the second: 2026-12-05T14:03:00+01:00."""
    if moment is None:
        return None
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return xml_safe(str(value))  # one \x0b pasted from Word would make the whole document unreadable


def _append(parent: ET.Element, name: str, value) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, list) and name in ITEM_NAMES:
        for item in value:
            _append(element, ITEM_NAMES[name], item)
    elif isinstance(value, list):  # keywords and the like: one comma-separated text
        element.text = ",".join(_text(v) for v in value)
    else:
        element.text = _text(value)


def to_xml(root: str, document) -> bytes:
    element = ET.Element(root)
    if isinstance(document, list):
        for item in document:
            _append(element, ITEM_NAMES[root], item)
    else:
        for key, value in document.items():
            _append(element, key, value)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def render(fmt: str, root: str, document, *, status: int = 200, headers: dict | None = None) -> HttpResponse:
    """`document` (a list of records, or one record for a service definition) as `fmt`;
    `root` is the XML root element (services, service_definition, service_requests, errors)."""
    if fmt == "xml":
        response = HttpResponse(to_xml(root, document), status=status, content_type=XML_TYPE)
    else:
        response = HttpResponse(
            json.dumps(_json_ready(document), ensure_ascii=False), status=status, content_type=JSON_TYPE
        )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _json_ready(value):
    """Keywords go out as the spec's comma-separated text, in JSON as in XML."""
    if isinstance(value, dict):
        return {
            k: (",".join(v) if k == "keywords" and isinstance(v, list) else _json_ready(v)) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    return value


def error(fmt: str, status: int, *descriptions: str, headers: dict | None = None) -> HttpResponse:
    """Open311's error list: one entry per description, all with `status` as their code."""
    errors = [{"code": status, "description": str(d)} for d in descriptions]
    return render(fmt if fmt in FORMATS else "json", "errors", errors, status=status, headers=headers)
