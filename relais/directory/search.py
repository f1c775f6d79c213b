"""Catalogue search that forgives accents, typos and everyday words.

The catalogue is small (tens to a few hundred entries), so the index lives in memory,
built from the database and rebuilt when any entry changes. It behaves the same on
SQLite and PostgreSQL. Ranking: weighted fields (title, residents' own words, body),
rare words count more, and typos are matched by edit distance.
"""

from __future__ import annotations

import math
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max

from relais.core.text import fold
from relais.directory.synonyms import SYNONYMS

STOPWORDS = set(
    """a au aux avec ce ces comment d dans de des du elle en est et faire fais fait il je j l la le les leur
    lui ma mais me mes moi mon ne nous on ou par pas pour qu que qui sa se ses son sur ta te tes ton tu un une
    vos votre vous y veux voudrais besoin aide aider demande demander obtenir avoir comment quoi ou
    mes mon m est ce cest the""".split()
)
FIELD_WEIGHTS = {"title": 4.0, "keywords": 3.0, "organisation": 2.0, "themes": 1.5, "summary": 1.0, "body": 0.5}
_lock = threading.Lock()
_cache: dict = {"key": None, "index": None}


def stem(token: str) -> str:
    """A very light French stemmer: plural marks only (cartes -> carte, impots -> impot)."""
    if len(token) > 3 and token[-1] in "sx" and not token.endswith("ss"):
        return token[:-1]
    return token


def tokens(text: str) -> list[str]:
    return [stem(t) for t in fold(text).split() if t not in STOPWORDS and len(t) > 1 or t.isdigit()]


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance, giving up (returns limit + 1) once above `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2, prev = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if prev2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def allowed_typos(token: str) -> int:
    if len(token) <= 3:
        return 0
    if len(token) <= 6:
        return 1
    return 2


@dataclass
class Index:
    docs: dict[int, dict[str, Counter]] = field(default_factory=dict)
    vocabulary: set[str] = field(default_factory=set)
    doc_freq: Counter = field(default_factory=Counter)

    def add(self, doc_id: int, fields: dict[str, str]) -> None:
        counted = {name: Counter(tokens(text)) for name, text in fields.items()}
        self.docs[doc_id] = counted
        seen = set()
        for counter in counted.values():
            seen.update(counter)
        self.vocabulary |= seen
        self.doc_freq.update(seen)

    def idf(self, term: str) -> float:
        n = len(self.docs) or 1
        return math.log(1 + n / (1 + self.doc_freq.get(term, 0)))

    def variants(self, token: str) -> list[tuple[str, float]]:
        """Vocabulary words standing for `token`: itself, typo fixes, completions."""
        if token in self.vocabulary:
            found = [(token, 1.0)]
        else:
            found = []
            limit = allowed_typos(token)
            if limit:
                for word in self.vocabulary:
                    d = edit_distance(token, word, limit)
                    if d <= limit:
                        found.append((word, 0.8 if d == 1 else 0.6))
        if len(token) >= 4:
            found += [(w, 0.5) for w in self.vocabulary if w != token and w.startswith(token)]
        return found


@dataclass
class Result:
    ids: list[int]
    corrected: str = ""


def build_index() -> Index:
    from relais.directory.models import Procedure

    index = Index()
    qs = Procedure.objects.published().select_related("organisation").prefetch_related("themes")
    for p in qs:
        index.add(
            p.pk,
            {
                "title": _every_language(p, "title"),
                "keywords": " ".join(p.keyword_list()),
                "organisation": f"{p.organisation.name} {p.organisation.short_name}",
                "themes": " ".join(
                    f"{_every_language(t, 'label')} {_every_language(t, 'description')}" for t in p.themes.all()
                ),
                "summary": _every_language(p, "summary"),
                "body": " ".join(_every_language(p, name) for name in ("easy_read", "audience", "documents", "how_to")),
            },
        )
    return index


def _every_language(obj, field: str) -> str:
    """`obj.field` in French and in every language the town translated it into: a search in
    English ("renew") finds the fiche whose English title says it, with the same weight."""
    texts = [str(getattr(obj, field, "") or "")]
    for translated in (getattr(obj, "translations", None) or {}).values():
        value = translated.get(field) if isinstance(translated, dict) else None
        if isinstance(value, str) and value.strip():
            texts.append(value)
    return " ".join(texts)


def current_index() -> Index:
    """The in-memory index, rebuilt when the catalogue changed (one cheap query)."""
    from relais.directory.models import Procedure

    key = tuple(Procedure.objects.aggregate(n=Count("pk"), at=Max("updated_at")).values())
    with _lock:
        if _cache["key"] != key:
            _cache["index"] = build_index()
            _cache["key"] = key
        return _cache["index"]


def expand_synonyms(folded_query: str) -> list[str]:
    padded = f" {folded_query} "
    extra = []
    for phrase, expansions in SYNONYMS.items():
        if f" {fold(phrase)} " in padded:
            for expansion in expansions:
                extra.extend(tokens(expansion))
    return extra


def search(query: str, limit: int = 50) -> Result:
    """Procedure ids best first, and the query as understood when typos were fixed."""
    index = current_index()
    query_tokens = tokens(query)
    if not query_tokens:
        return Result([])
    scores: dict[int, float] = defaultdict(float)
    matched: dict[int, set[int]] = defaultdict(set)
    corrected = []
    groups = [(i, index.variants(t)) for i, t in enumerate(query_tokens)]
    for i, token in enumerate(query_tokens):
        # Ties go to the word more entries use, then alphabetically: stable across processes.
        best = max(groups[i][1], key=lambda v: (v[1], index.doc_freq[v[0]], v[0]), default=None)
        corrected.append(best[0] if best and best[1] >= 0.6 else token)
    synonym_terms = [(t, 0.8) for t in expand_synonyms(fold(query)) if t in index.vocabulary]
    if synonym_terms:
        groups.append((len(query_tokens), synonym_terms))
    for group_id, variants in groups:
        for doc_id, fields in index.docs.items():
            best = 0.0
            for term, weight in variants:
                idf = index.idf(term)
                for name, counter in fields.items():
                    if term in counter:
                        best = max(best, weight * FIELD_WEIGHTS[name] * idf * (1 + math.log(counter[term])))
            if best:
                scores[doc_id] += best
                matched[doc_id].add(group_id)
    # Entries matching every word the person typed come first.
    wanted = len(groups)
    ranked = sorted(scores, key=lambda d: (-(len(matched[d]) / wanted), -scores[d]))
    corrected_text = " ".join(corrected)
    return Result(ranked[:limit], corrected_text if corrected != query_tokens else "")
