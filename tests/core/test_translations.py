"""The compiled catalogues (.mo, committed so `make demo` needs no gettext) match their sources."""

import ast
import gettext
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def po_entries(path: Path) -> dict[str, dict]:
    """msgid -> its fields (msgstr, or msgid_plural and msgstr[n]) for translated, non-fuzzy entries."""
    entries, current, key, fuzzy = {}, {}, None, False

    def flush():
        msgid = current.get("msgid")
        if msgid and (current.get("msgstr") or current.get("msgstr[0]")) and not fuzzy:
            entries[msgid] = current

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            flush()
            current, key, fuzzy = {}, None, False
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            current[key] = ast.literal_eval(value)
    return entries


@pytest.mark.parametrize("language", ["en", "ar"])
def test_compiled_catalogue_matches_its_source(language):
    folder = LOCALE / language / "LC_MESSAGES"
    source = po_entries(folder / "django.po")
    with open(folder / "django.mo", "rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    assert len(source) > 400
    stale = []
    for msgid, entry in source.items():
        if "msgid_plural" in entry:
            for n in range(13):
                form = entry[f"msgstr[{compiled.plural(n)}]"]
                if compiled.ngettext(msgid, entry["msgid_plural"], n) != form:
                    stale.append(msgid)
                    break
        elif compiled.gettext(msgid) != entry["msgstr"]:
            stale.append(msgid)
    assert stale == [], f"run `make messages` ({len(stale)} entries differ, e.g. {stale[:3]})"
