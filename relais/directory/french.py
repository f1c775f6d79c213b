"""Is this a French word? The search never "corrects" one into another ("refaire" is not a
typo of "relire").

french_words.txt.gz lists about 80,000 French words, folded (no accents, lower case) and
stemmed like the search's tokens, four letters or more (shorter words are never corrected):
the lemmas of the Dicollecte dictionary (Grammalecte, MPL-2.0, as shipped by Debian's
hunspell-fr-classical: nouns and adjectives in the singular, verbs in the infinitive) and the
past participles of verbs of the first and second groups ("abîmé", "rempli"). Made with
`python -m relais.directory.french /usr/share/hunspell/fr.dic` (Debian or Ubuntu with
hunspell-fr-classical installed); compound words (dog-cart) are left out: their parts are not
words on their own.
"""

from __future__ import annotations

import gzip
import sys
from functools import cache
from pathlib import Path

PATH = Path(__file__).with_name("french_words.txt.gz")


@cache
def words() -> frozenset[str]:
    with gzip.open(PATH, "rt", encoding="utf-8") as f:
        return frozenset(f.read().split())


def is_word(token: str) -> bool:
    """`token` (folded and stemmed, as the search makes it) is a French word."""
    return token in words()


def build(dic_path: str) -> set[str]:
    from relais.core.text import fold
    from relais.directory.search import stem

    found = set()
    for line in Path(dic_path).read_text(encoding="utf-8").splitlines()[1:]:
        parts = line.split()
        if not parts:
            continue
        lemma = parts[0].split("/")[0]
        folded = fold(lemma)
        if not lemma[:1].islower() or not folded.isalpha():
            continue  # proper nouns, compounds, abbreviations with dots
        forms = [folded]
        if any(p.startswith("po:v") for p in parts[1:]) and len(folded) > 4:
            if folded.endswith("er"):
                forms += [folded[:-2] + "e", folded[:-2] + "ee"]
            elif folded.endswith("ir"):
                forms += [folded[:-2] + "i", folded[:-2] + "ie"]
        found.update(stem(f) for f in forms if len(f) >= 4)
    return found


if __name__ == "__main__":
    listed = build(sys.argv[1])
    with gzip.open(PATH, "wt", encoding="utf-8", compresslevel=9) as f:
        f.write("\n".join(sorted(listed)) + "\n")
    print(f"{len(listed)} words written to {PATH}")
