"""The ODS export opens whatever was typed: control characters from a Word paste, formulas,
very long texts, line breaks; the file is a valid zip whose XML parses."""

import datetime
import zipfile
from io import BytesIO
from xml.etree import ElementTree

from relais.core.exports import CELL_MAX_CHARS, to_ods

NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}


def _open(data: bytes):
    with zipfile.ZipFile(BytesIO(data)) as archive:
        assert archive.namelist()[0] == "mimetype"
        assert archive.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
        ElementTree.fromstring(archive.read("META-INF/manifest.xml"))
        return ElementTree.fromstring(archive.read("content.xml"))


def _rows(root):
    return [row.findall("table:table-cell", NS) for row in root.iter(f"{{{NS['table']}}}table-row")]


def _text(cell) -> str:
    """What a spreadsheet shows in the cell (paragraphs on lines, text:s as spaces)."""
    lines = []
    for paragraph in cell.findall("text:p", NS):
        parts = [paragraph.text or ""]
        for child in paragraph:
            if child.tag == f"{{{NS['text']}}}s":
                parts.append(" " * int(child.get(f"{{{NS['text']}}}c", "1")))
            elif child.tag == f"{{{NS['text']}}}tab":
                parts.append("\t")
            parts.append(child.tail or "")
        lines.append("".join(parts))
    return "\n".join(lines)


def test_control_characters_from_a_word_paste_leave_the_file_readable():
    pasted = "Mme\x0bDupont\x00 née\x1f Martin\ufffe & fils <ici>"
    root = _open(to_ods(["nom"], [[pasted]], sheet='Demandes "état" [2026]'))
    assert _text(_rows(root)[1][0]) == "MmeDupont née Martin & fils <ici>"
    table = root.find(".//table:table", NS)
    assert table.get(f"{{{NS['table']}}}name") == 'Demandes "état"  2026'


def test_a_formula_stays_text_and_is_never_run():
    root = _open(to_ods(["champ"], [["=CMD|' /C calc'!A0"], ['=HYPERLINK("http://evil")'], ["+33612345678"]]))
    cells = [row[0] for row in _rows(root)[1:]]
    assert [_text(c) for c in cells] == ["=CMD|' /C calc'!A0", '=HYPERLINK("http://evil")', "+33612345678"]
    for cell in cells:
        assert cell.get(f"{{{NS['office']}}}value-type") == "string"
        assert cell.get(f"{{{NS['table']}}}formula") is None


def test_a_very_long_text_is_cut_to_what_a_spreadsheet_holds_and_says_so():
    root = _open(to_ods(["notes"], [["a" * 200_000], ["b" * 1000]]))
    long, short = _text(_rows(root)[1][0]), _text(_rows(root)[2][0])
    assert len(long) == CELL_MAX_CHARS and long.endswith(" […]")
    assert short == "b" * 1000


def test_line_breaks_tabs_and_spaces_are_kept():
    typed = "1 rue  des   Lilas\r\nBâtiment\tB\n escalier 2"
    assert _text(_rows(_open(to_ods(["adresse"], [[typed]])))[1][0]) == "1 rue  des   Lilas\nBâtiment\tB\n escalier 2"


def test_numbers_dates_and_empty_cells_keep_their_type():
    row = _rows(_open(to_ods(["a", "b", "c", "d", "e"], [[3, 2.5, datetime.date(2026, 1, 5), None, float("nan")]])))[1]
    assert row[0].get(f"{{{NS['office']}}}value") == "3"
    assert row[1].get(f"{{{NS['office']}}}value-type") == "float"
    assert row[2].get(f"{{{NS['office']}}}date-value") == "2026-01-05"
    assert _text(row[2]) == "05/01/2026" and _text(row[3]) == ""
    assert row[4].get(f"{{{NS['office']}}}value-type") == "string"
