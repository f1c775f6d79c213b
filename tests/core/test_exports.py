"""One guard for every CSV: formulas come out as text, numbers and phone numbers as they are."""

from relais.core.exports import spreadsheet_safe, to_csv


def test_formula_starts_are_neutralised_and_numbers_kept():
    assert spreadsheet_safe('=HYPERLINK("http://evil")') == '\'=HYPERLINK("http://evil")'
    assert spreadsheet_safe("+cmd|' /C calc'!A0") == "'+cmd|' /C calc'!A0"
    assert spreadsheet_safe("-2+3+cmd|x") == "'-2+3+cmd|x"
    assert spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_safe("\t=1") == "'\t=1"
    assert spreadsheet_safe("- une liste") == "'- une liste"
    assert spreadsheet_safe("+33 6 12 34 56 78") == "+33 6 12 34 56 78"
    assert spreadsheet_safe("-4.5") == "-4.5"
    assert spreadsheet_safe("Dupont") == "Dupont" and spreadsheet_safe(None) == "" and spreadsheet_safe(-3) == -3


def test_the_cases_csv_uses_the_guard():
    text = to_csv(["nom"], [["=1+1"], ["+33612345678"]]).decode("utf-8-sig")
    assert text.splitlines() == ["nom", "'=1+1", "+33612345678"]
