"""Search that forgives accents, typos and everyday words, over everything a resident looks for.

What is searched comes from *search sources*: the catalogue's fiches and places (here), and
the apps above the directory register theirs in their `AppConfig.ready()` (request forms,
workshops, drop-in sessions), so the directory never imports them. A source gives documents
(kind, title, URL, weighted texts) and a cheap version key (one aggregate query).

The documents are few (tens to a few thousand), so the index lives in each process's memory,
rebuilt when a source's version key or the shared search version changes. The shared version
is bumped on the saves that no aggregate sees (renaming a theme or an organisation, a workshop's
sessions…): at once and again after the commit, so another process never keeps an index built
from the data before the commit. It behaves the same on SQLite and PostgreSQL.

Ranking: documents matching every word typed first, then weighted fields (title, residents'
own words, body), rare words counting more. Typos are matched by edit distance (rapidfuzz, in
C) against the vocabulary of the indexed texts; a word that is French already ("refaire") is
never "corrected" into another one.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from rapidfuzz import process
from rapidfuzz.distance import OSA

from relais.core.text import fold
from relais.directory import french
from relais.directory.synonyms import SYNONYMS

STOPWORDS = set(
    """a au aux avec ce ces comment d dans de des du elle en est et faire fais fait il je j l la le les leur
    lui ma mais me mes moi mon ne nous on ou par pas pour qu que qui sa se ses son sur ta te tes ton tu un une
    vos votre vous y veux voudrais besoin aide aider demande demander obtenir avoir comment quoi ou
    mes mon m est ce cest the""".split()
)
FIELD_WEIGHTS = {"title": 4.0, "keywords": 3.0, "organisation": 2.0, "themes": 1.5, "summary": 1.0, "body": 0.5}
# A query is a few words; past this many different words (a pasted paragraph fills the 200
# characters of the field with about 30) the rest are not looked up: it bounds the time.
MAX_QUERY_WORDS = 16
# Typo look-ups kept per index (the words people mistype repeat).
VARIANT_CACHE_SIZE = 20_000

FICHE, FORM, WORKSHOP, DROPIN, PLACE = "fiche", "formulaire", "atelier", "permanence", "lieu"
KIND_LABELS = {
    FICHE: _("Fiche pratique"),
    FORM: _("Formulaire de demande"),
    WORKSHOP: _("Atelier"),
    DROPIN: _("Permanence"),
    PLACE: _("Lieu"),
}

# A word naming a kind ("atelier smartphone", "permanence numérique") puts that kind first
# among the entries matching as many words.
KIND_WORDS = {"fiche": FICHE, "formulaire": FORM, "atelier": WORKSHOP, "permanence": DROPIN, "lieu": PLACE}

VERSION_KEY = "relais:search:version"
_lock = threading.Lock()
VERSION_CHECK_SECONDS = 1.0
_cache: dict = {"index": None, "token": None, "versions": None, "checked": 0.0, "generation": 0}


# ---------------------------------------------------------------- sources


@dataclass(frozen=True)
class Document:
    """One thing a search can find: `fields` maps a FIELD_WEIGHTS name to its text."""

    kind: str
    ref: int
    title: str
    url: str
    fields: dict[str, str]
    summary: str = ""
    # Short facts shown under the title (a place's name, "sans rendez-vous"): lazy
    # translations stay lazy, so the page shows them in the visitor's language.
    details: tuple = ()

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))


@dataclass(frozen=True)
class Source:
    """Where documents come from: `documents()` reads them all, `version()` changes (cheaply)
    whenever they may have changed."""

    name: str
    documents: Callable[[], Iterable[Document]]
    version: Callable[[], Hashable]


_sources: dict[str, Source] = {}


def register(source: Source) -> None:
    """Add (or replace) a search source; apps call this in their AppConfig.ready()."""
    _sources[source.name] = source


def sources() -> list[Source]:
    return [_sources[name] for name in sorted(_sources)]


def watch(*models) -> None:
    """Bump the search version whenever one of `models` is saved or deleted."""
    from django.db.models.signals import post_delete, post_save

    for model in models:
        label = model._meta.label
        post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"search-{label}-save")
        post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"search-{label}-delete")


def aggregate_version(queryset) -> tuple:
    """A source's cheap version: how many rows, and the last change."""
    return tuple(queryset.aggregate(n=Count("pk"), at=Max("updated_at")).values())


def _bump() -> None:
    # A fresh random token rather than a counter: a counter rolled back with a transaction
    # (or a restored database) could come back to a value an index was already built for.
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def changed(**kwargs) -> None:
    """Something searchable changed that no source's version key sees: rebuild the index.
    Usable as a signal receiver."""
    _bump()
    transaction.on_commit(_bump, robust=True)


# ---------------------------------------------------------------- words


def stem(token: str) -> str:
    """A very light French stemmer: plural marks only (cartes -> carte, impots -> impot)."""
    if len(token) > 3 and token[-1] in "sx" and not token.endswith("ss"):
        return token[:-1]
    return token


def tokens(text: str) -> list[str]:
    return [stem(t) for t in fold(text).split() if t not in STOPWORDS and len(t) > 1 or t.isdigit()]


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (optimal string alignment), limit + 1 once above `limit`."""
    return OSA.distance(a, b, score_cutoff=limit)


def allowed_typos(token: str) -> int:
    if len(token) <= 3:
        return 0
    if len(token) <= 6:
        return 1
    return 2


_FOLDED_SYNONYMS = [(f" {fold(phrase)} ", expansions) for phrase, expansions in SYNONYMS.items()]


def expand_synonyms(folded_query: str) -> list[str]:
    padded = f" {folded_query} "
    extra = []
    for phrase, expansions in _FOLDED_SYNONYMS:
        if phrase in padded:
            for expansion in expansions:
                extra.extend(tokens(expansion))
    return extra


# ---------------------------------------------------------------- index


@dataclass
class Index:
    documents: list[Document] = field(default_factory=list)
    # term -> {document number: best of FIELD_WEIGHTS[field] * (1 + log(count)) over its fields}
    postings: dict[str, dict[int, float]] = field(default_factory=dict)
    doc_freq: Counter = field(default_factory=Counter)
    _sorted: list[str] = field(default_factory=list)
    _by_length: dict[int, list[str]] = field(default_factory=dict)
    _idf: dict[str, float] = field(default_factory=dict)
    _variants: dict[str, list[tuple[str, float]]] = field(default_factory=dict)

    @property
    def vocabulary(self):
        return self.postings.keys()

    def add(self, document: Document) -> None:
        number = len(self.documents)
        self.documents.append(document)
        best: dict[str, float] = {}
        for name, text in document.fields.items():
            for term, count in Counter(tokens(text)).items():
                factor = FIELD_WEIGHTS[name] * (1 + math.log(count))
                if factor > best.get(term, 0.0):
                    best[term] = factor
        for term, factor in best.items():
            self.postings.setdefault(term, {})[number] = factor
        self.doc_freq.update(best.keys())

    def finish(self) -> Index:
        n = len(self.documents) or 1
        self._idf = {term: math.log(1 + n / (1 + df)) for term, df in self.doc_freq.items()}
        self._sorted = sorted(self.postings)
        for term in self._sorted:
            self._by_length.setdefault(len(term), []).append(term)
        return self

    def idf(self, term: str) -> float:
        return self._idf.get(term) or math.log(1 + (len(self.documents) or 1))

    def completions(self, prefix: str) -> list[str]:
        """Longer vocabulary words starting with `prefix` (a binary search, then a walk)."""
        terms, found = self._sorted, []
        i = bisect_left(terms, prefix)
        while i < len(terms) and terms[i].startswith(prefix):
            if terms[i] != prefix:
                found.append(terms[i])
            i += 1
        return found

    def variants(self, token: str) -> list[tuple[str, float]]:
        """Vocabulary words standing for `token`: itself, typo fixes, completions."""
        found = self._variants.get(token)
        if found is not None:
            return found
        if token in self.postings:
            found = [(token, 1.0)]
        elif french.is_word(token):
            found = []  # a real word, absent from the texts: never turned into another one
        else:
            found = []
            limit = allowed_typos(token)
            if limit:
                candidates = [
                    term
                    for size in range(len(token) - limit, len(token) + limit + 1)
                    for term in self._by_length.get(size, ())
                ]
                for term, distance, _i in process.extract(
                    token, candidates, scorer=OSA.distance, score_cutoff=limit, limit=None
                ):
                    found.append((term, 0.8 if distance == 1 else 0.6))
        if len(token) >= 4:
            found += [(term, 0.5) for term in self.completions(token)]
        if len(self._variants) >= VARIANT_CACHE_SIZE:
            self._variants.clear()
        self._variants[token] = found
        return found


def build_index() -> Index:
    french.words()  # loaded once per process, here rather than in the middle of a search
    index = Index()
    # Labels (themes, kinds of help) are indexed in French, whatever the visitor's language.
    with translation.override(settings.LANGUAGE_CODE):
        for source in sources():
            for document in source.documents():
                index.add(document)
    return index.finish()


def current_index() -> Index:
    """The in-memory index, rebuilt when something searchable changed.

    Each search reads the shared search version (one cache read): every save that matters
    bumps it, in this process or another. The sources' own version keys (an aggregate query
    each) are read at most once every VERSION_CHECK_SECONDS per process: they catch what no
    signal sees (a queryset update, a restored database) within that delay."""
    token = cache.get(VERSION_KEY)
    now = time.monotonic()
    with _lock:
        stale = _cache["index"] is None or token != _cache["token"]
        if stale or now - _cache["checked"] >= VERSION_CHECK_SECONDS:
            versions = tuple(source.version() for source in sources())
            _cache["checked"] = now
            if stale or versions != _cache["versions"]:
                # Versions read before the build: a change in between rebuilds once more.
                _cache["index"] = build_index()
                _cache["token"], _cache["versions"] = token, versions
                _cache["generation"] += 1
        return _cache["index"]


def generation() -> int:
    """A number that changes whenever the index is rebuilt (after checking it is current):
    what is derived from search answers may be kept under it."""
    current_index()
    return _cache["generation"]


# ---------------------------------------------------------------- search


@dataclass
class Result:
    hits: list[Document] = field(default_factory=list)
    corrected: str = ""

    @property
    def ids(self) -> list[int]:
        """The fiches found (procedure ids), best first."""
        return [hit.ref for hit in self.hits if hit.kind == FICHE]


def search(query: str, limit: int = 50, kinds: Iterable[str] | None = None) -> Result:
    """What matches `query`, best first, and the query as understood when typos were fixed."""
    index = current_index()
    query_tokens = tokens(query)
    if not query_tokens:
        return Result()
    distinct = list(dict.fromkeys(query_tokens))[:MAX_QUERY_WORDS]
    variants = {token: index.variants(token) for token in distinct}
    corrected = []
    for token in query_tokens:
        # Ties go to the word more entries use, then alphabetically: stable across processes.
        best = max(variants.get(token, ()), key=lambda v: (v[1], index.doc_freq[v[0]], v[0]), default=None)
        corrected.append(best[0] if best and best[1] >= 0.6 else token)
    groups = [variants[token] for token in distinct]
    synonym_terms = [(t, 0.8) for t in expand_synonyms(fold(query)) if t in index.postings]
    if synonym_terms:
        groups.append(synonym_terms)
    scores: dict[int, float] = {}
    matched: Counter = Counter()
    for group in groups:
        best_in_group: dict[int, float] = {}
        for term, weight in group:
            factor = weight * index.idf(term)
            for number, field_factor in index.postings.get(term, {}).items():
                score = factor * field_factor
                if score > best_in_group.get(number, 0.0):
                    best_in_group[number] = score
        for number, score in best_in_group.items():
            scores[number] = scores.get(number, 0.0) + score
            matched[number] += 1
    wanted = set(kinds) if kinds is not None else None
    asked = {KIND_WORDS[token] for token in distinct if token in KIND_WORDS}
    documents = index.documents
    # Entries matching every word the person typed come first.
    ranked = sorted(scores, key=lambda n: (-matched[n], documents[n].kind not in asked, -scores[n], n))
    hits = [documents[n] for n in ranked if wanted is None or documents[n].kind in wanted]
    corrected_text = " ".join(corrected)
    return Result(hits[:limit], corrected_text if corrected != query_tokens else "")


# ---------------------------------------------------------------- the directory's own sources


def _every_language(obj, name: str) -> str:
    """`obj.name` in French and in every language the town translated it into: a search in
    English ("renew") finds the fiche whose English title says it, with the same weight."""
    texts = [str(getattr(obj, name, "") or "")]
    for translated in (getattr(obj, "translations", None) or {}).values():
        value = translated.get(name) if isinstance(translated, dict) else None
        if isinstance(value, str) and value.strip():
            texts.append(value)
    return " ".join(texts)


def fiche_documents() -> Iterable[Document]:
    from relais.directory.models import Procedure

    qs = Procedure.objects.published().select_related("organisation").prefetch_related("themes")
    for p in qs.order_by("title", "pk"):
        yield Document(
            kind=FICHE,
            ref=p.pk,
            title=p.title,
            url=p.get_absolute_url(),
            summary=p.summary,
            fields={
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


def fiche_version() -> Hashable:
    from relais.directory.models import Procedure

    return aggregate_version(Procedure.objects.all())


def place_documents() -> Iterable[Document]:
    from relais.directory.models import Equipment, Place

    for place in Place.objects.published().order_by("nom", "pk"):
        offers = [Equipment(code) for code in place.equipment if code in Equipment.values]
        yield Document(
            kind=PLACE,
            ref=place.pk,
            title=place.nom,
            url=place.get_absolute_url(),
            summary=place.presentation_resume,
            details=tuple(e.label for e in offers),
            fields={
                "title": place.nom,
                # What a resident comes for: "imprimer", "scanner", "ordinateur".
                "keywords": " ".join(EQUIPMENT_WORDS.get(e, "") for e in offers),
                "themes": " ".join(place.services),
                "summary": _every_language(place, "presentation_resume"),
                "body": f"{place.quartier} {place.adresse} {_every_language(place, 'presentation_detail')}",
            },
        )


def place_version() -> Hashable:
    from relais.directory.models import Place

    return aggregate_version(Place.objects.all())


# Words residents use for what a place lends (Equipment values): folded and stemmed like the rest.
EQUIPMENT_WORDS = {
    "ordinateurs": "ordinateur ordinateurs internet poste informatique",
    "imprimante": "imprimer imprimante impression imprimer document",
    "scanner": "scanner scanne numeriser scan",
    "photocopieuse": "photocopie photocopier photocopieuse copie",
    "wifi": "wifi internet connexion",
}


def register_directory_sources() -> None:
    register(Source("directory.fiches", fiche_documents, fiche_version))
    register(Source("directory.places", place_documents, place_version))
