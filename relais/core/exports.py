"""Table exports: CSV (UTF-8 with BOM, ';' separated, as French spreadsheets expect) and
ODS, the administration's open format, written directly (a zip with one content.xml).

Text reaches the ODS file only through `_ods_text`: characters XML 1.0 cannot hold (control
characters from a Word paste, such as \x0b) are removed by core.text.xml_safe, since a single one makes the whole
file unreadable, and what remains is escaped. Text cells are plain strings: a spreadsheet
never runs them as a formula."""

from __future__ import annotations

import csv
import datetime
import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

from django.http import HttpResponse

from relais.core.text import xml_safe

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A signed number or an international phone number ("+33612345678", "-4.5", "+33 1 23 45"):
# without letters it can call nothing, and open-data standards require "+33…" as is.
_NUMBER_LIKE = re.compile(r"[+-]?\d[\d .,()/+-]*")


def spreadsheet_safe(value):
    """A cell value a spreadsheet shows and never runs: text that starts like a formula
    (=, +, -, @, tab, carriage return) is prefixed with ', unless it is only a number.

    Every CSV written by Relais goes through this (cases export, places open data)."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in FORMULA_START and not _NUMBER_LIKE.fullmatch(value):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header)
    for row in rows:
        writer.writerow([spreadsheet_safe(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# What spreadsheets hold in one cell (Excel's limit; LibreOffice opens ODS files in Excel too).
CELL_MAX_CHARS = 32_767
_TRUNCATED = " […]"
_SPACES = re.compile(" {2,}")


def _ods_text(value: str) -> str:
    """The <text:p> paragraphs of a text cell: valid XML, escaped, line breaks, tabs and runs
    of spaces kept (ODF collapses white space otherwise)."""
    text = xml_safe(value).replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > CELL_MAX_CHARS:
        text = text[: CELL_MAX_CHARS - len(_TRUNCATED)] + _TRUNCATED
    paragraphs = []
    for line in text.split("\n"):
        line = escape(line).replace("\t", "<text:tab/>")
        line = _SPACES.sub(lambda m: f' <text:s text:c="{len(m.group()) - 1}"/>', line)
        if line.startswith(" "):
            line = "<text:s/>" + line[1:]
        paragraphs.append(f"<text:p>{line}</text:p>")
    return "".join(paragraphs)


def _sheet_name(name: str) -> str:
    """A sheet name spreadsheets accept: no []*?:/\\, at most 31 characters, escaped for an attribute."""
    cleaned = re.sub(r"[\[\]*?:/\\]", " ", xml_safe(name)).strip()[:31] or "Export"
    return escape(cleaned, {'"': "&quot;"})


def _cell(value) -> str:
    if value is None or value == "":
        return "<table:table-cell/>"
    if isinstance(value, bool):
        text = "oui" if value else "non"
        return f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'
    if isinstance(value, int | float) and math.isfinite(value):
        return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
    if isinstance(value, datetime.datetime | datetime.date):
        iso = value.isoformat()
        shown = value.strftime("%d/%m/%Y %H:%M" if isinstance(value, datetime.datetime) else "%d/%m/%Y")
        kind = "date"
        return f'<table:table-cell office:value-type="{kind}" office:date-value="{iso[:19]}"><text:p>{shown}</text:p></table:table-cell>'
    return f'<table:table-cell office:value-type="string">{_ods_text(str(value))}</table:table-cell>'


def to_ods(header: Sequence[str], rows: Iterable[Sequence], sheet: str = "Export") -> bytes:
    return to_ods_book([(sheet, header, rows)])


def to_ods_book(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """One ODS file with a sheet per (name, header, rows); sheet names are made unique."""
    tables, seen = [], set()
    for name, header, rows in sheets:
        title, n = _sheet_name(name), 2
        while title in seen:
            suffix = f" ({n})"
            title, n = _sheet_name(name[: 31 - len(suffix)] + suffix), n + 1
        seen.add(title)
        body = ["<table:table-row>" + "".join(_cell(h) for h in header) + "</table:table-row>"]
        body += ["<table:table-row>" + "".join(_cell(v) for v in row) + "</table:table-row>" for row in rows]
        tables.append(f'<table:table table:name="{title}">' + "".join(body) + "</table:table>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        "<office:body><office:spreadsheet>"
        + "".join(tables)
        + "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        # The mimetype entry must come first and be stored uncompressed.
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def table_response(fmt: str, filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    """An attachment in `fmt` ("csv" or "ods")."""
    if fmt == "ods":
        response = HttpResponse(to_ods(header, rows), content_type="application/vnd.oasis.opendocument.spreadsheet")
    else:
        response = HttpResponse(to_csv(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
