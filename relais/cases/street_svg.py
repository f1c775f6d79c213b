"""The check of a town plan uploaded as SVG: an allow-list of SVG elements and attributes,
read with the standard library's parser once no DTD is left in the text, so that a plan
draws shapes and text and nothing else (no script, no link, no outside resource).

The plan is checked as text, decoded the way a browser would (UTF-8, or UTF-16 with its
byte order mark), and stored as that same text in UTF-8: what is served is what was checked.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ElementTree

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
# Drawing programs' own notes (Inkscape, Sodipodi, the metadata block): never drawn nor run.
EDITOR_NAMESPACES = {
    "http://www.inkscape.org/namespaces/inkscape",
    "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://creativecommons.org/ns#",
    "http://purl.org/dc/elements/1.1/",
    "http://purl.org/dc/terms/",
}

ELEMENTS = {
    "svg", "g", "defs", "title", "desc", "metadata", "symbol", "use", "switch", "style",
    "path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
    "text", "tspan", "textpath",
    "lineargradient", "radialgradient", "stop", "pattern", "clippath", "mask", "marker",
    "filter", "feblend", "fecolormatrix", "fecomponenttransfer", "fecomposite", "feflood",
    "fegaussianblur", "femerge", "femergenode", "femorphology", "feoffset", "fedropshadow",
    "fefunca", "fefuncb", "fefuncg", "fefuncr", "fetile", "feturbulence",
    "animate", "animatetransform", "animatemotion", "set", "mpath",
}  # fmt: skip

ATTRIBUTES = {
    "id", "class", "style", "transform", "lang", "role", "focusable", "version", "baseprofile",
    "aria-label", "aria-hidden", "aria-labelledby", "aria-describedby",
    "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy", "fr", "dx", "dy",
    "width", "height", "d", "points", "pathlength", "viewbox", "preserveaspectratio", "href",
    "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity", "stroke-linecap",
    "stroke-linejoin", "stroke-dasharray", "stroke-dashoffset", "stroke-miterlimit", "opacity",
    "color", "display", "visibility", "overflow", "clip", "clip-path", "clip-rule", "mask", "filter",
    "marker-start", "marker-mid", "marker-end", "markerwidth", "markerheight", "markerunits",
    "refx", "refy", "orient", "vector-effect", "paint-order", "shape-rendering", "text-rendering",
    "image-rendering", "color-interpolation", "color-interpolation-filters", "mix-blend-mode",
    "isolation", "enable-background", "flood-color", "flood-opacity", "lighting-color",
    "font-family", "font-size", "font-weight", "font-style", "font-variant", "font-stretch",
    "text-anchor", "dominant-baseline", "alignment-baseline", "baseline-shift", "letter-spacing",
    "word-spacing", "text-decoration", "writing-mode", "direction", "rotate", "textlength",
    "lengthadjust", "startoffset", "method", "spacing", "side", "path",
    "stop-color", "stop-opacity", "offset", "gradientunits", "gradienttransform", "spreadmethod",
    "patternunits", "patterncontentunits", "patterntransform", "clippathunits", "maskunits",
    "maskcontentunits", "filterunits", "primitiveunits", "in", "in2", "result", "stddeviation",
    "mode", "operator", "k1", "k2", "k3", "k4", "values", "type", "tablevalues", "slope",
    "intercept", "amplitude", "exponent", "radius", "basefrequency", "numoctaves", "seed",
    "stitchtiles",
    "attributename", "attributetype", "from", "to", "by", "begin", "dur", "end", "repeatcount",
    "repeatdur", "calcmode", "keytimes", "keysplines", "keypoints", "additive", "accumulate",
    "restart", "min", "max", "requiredfeatures", "requiredextensions", "systemlanguage",
}  # fmt: skip

XML_DECLARATION = re.compile(r"<\?xml\s[^?]*\?>")
DECLARED_ENCODING = re.compile(r"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
URL = re.compile(r"url\(\s*(['\"]?)\s*([^'\")\s]*)")


def _refused(message: str) -> ValidationError:
    return ValidationError(message, code="svg_refused")


def decode(data: bytes) -> str:
    """The text of an SVG file: UTF-8 (with or without its byte order mark) or UTF-16 with
    its byte order mark; any other encoding is refused."""
    if data.startswith(codecs.BOM_UTF8):
        encoding, data = "utf-8", data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        raise _refused(_("Enregistrez le plan SVG en UTF-8 (réglage « encodage » du logiciel de dessin).")) from error
    declaration = XML_DECLARATION.match(text.lstrip("\ufeff"))
    if declaration:
        declared = DECLARED_ENCODING.search(declaration.group(0))
        if declared and declared.group(1).lower().replace("_", "-") not in ("utf-8", "utf8", "utf-16", "utf16"):
            raise _refused(_("Enregistrez le plan SVG en UTF-8 (réglage « encodage » du logiciel de dessin)."))
    return text.lstrip("\ufeff")


def looks_like_svg(data: bytes) -> bool:
    """Whether an upload is meant as an SVG (XML text), whatever comes before <svg>."""
    try:
        return decode(data).lstrip()[:1] == "<"
    except ValidationError:  # refused by `check`, with the reason
        return data.lstrip()[:1] == b"<"


def _check_css(text: str, where: str) -> None:
    folded = re.sub(r"/\*.*?\*/", "", text.lower(), flags=re.S)
    if "\\" in folded or "@import" in folded or "expression(" in folded or "image-set(" in folded:
        raise _refused(_("Ce plan contient un style refusé (%(where)s).") % {"where": where})
    _check_urls(folded, where)


def _check_urls(value: str, where: str) -> None:
    """Only url(#…) — a gradient, a pattern, a clip of the plan itself — is allowed."""
    if "\\" in value:  # a CSS escape could spell url( without the letters
        raise _refused(_("Ce plan contient un lien vers l'extérieur refusé (%(where)s).") % {"where": where})
    for match in URL.finditer(value.lower()):
        if not match.group(2).startswith("#"):
            raise _refused(_("Ce plan contient un lien vers l'extérieur refusé (%(where)s).") % {"where": where})


def _name(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, local = tag[1:].split("}", 1)
        return namespace, local
    return "", tag


def check(data: bytes) -> bytes:
    """The plan as UTF-8 text if it is an SVG drawing of allowed elements and attributes,
    else a ValidationError saying what is refused."""
    text = XML_DECLARATION.sub('<?xml version="1.0" encoding="UTF-8"?>', decode(data), count=1)
    # No DTD at all (so no entity, internal or external), and no processing instruction but
    # the XML declaration at the very start: checked on the decoded text, anywhere in it.
    for declaration in re.finditer(r"<!", text):
        following = text[declaration.end() : declaration.end() + 7]
        if not following.startswith(("--", "[CDATA[")):
            raise _refused(_("Ce fichier SVG contient des déclarations refusées (DOCTYPE ou ENTITY)."))
    for instruction in re.finditer(r"<\?", text):
        if instruction.start() != 0 or not XML_DECLARATION.match(text):
            raise _refused(_("Ce fichier SVG contient une instruction refusée (<?…?>)."))
    try:
        root = ElementTree.fromstring(text)  # noqa: S314 - no DTD is left (checked above)
    except ElementTree.ParseError as error:
        raise _refused(_("Ce fichier n'est pas un SVG lisible.")) from error
    if root.tag != f"{{{SVG_NS}}}svg":
        raise _refused(_("Ce fichier n'est pas un SVG lisible (la balise <svg> et son espace de noms manquent)."))
    for element in root.iter():
        namespace, name = _name(element.tag)
        if namespace in EDITOR_NAMESPACES:
            continue
        if namespace != SVG_NS or name.lower() not in ELEMENTS:
            raise _refused(_("Ce plan contient un élément refusé (%(name)s).") % {"name": name})
        if name.lower() == "style":
            _check_css("".join(element.itertext()), "style")
        for attribute, value in element.attrib.items():
            a_namespace, a_name = _name(attribute)
            lowered = a_name.lower()
            if a_namespace in EDITOR_NAMESPACES or (a_namespace == XML_NS and lowered in ("space", "lang")):
                continue
            allowed = (a_namespace == "" and (lowered in ATTRIBUTES or lowered.startswith("data-"))) or (
                a_namespace == XLINK_NS and lowered in ("href", "title")
            )
            if not allowed or lowered.startswith("on"):
                raise _refused(_("Ce plan contient un attribut refusé (%(a)s).") % {"a": a_name})
            if lowered == "href" and not value.strip().startswith("#"):
                raise _refused(
                    _("Ce plan contient un lien refusé (%(a)s) : seuls les liens « #… » sont admis.") % {"a": a_name}
                )
            if lowered == "attributename" and ("href" in value.lower() or value.strip().lower() in ("style", "class")):
                raise _refused(_("Ce plan contient une animation refusée (%(a)s).") % {"a": value})
            if lowered == "style":
                _check_css(value, a_name)
            else:
                _check_urls(value, a_name)
    return text.encode("utf-8")
