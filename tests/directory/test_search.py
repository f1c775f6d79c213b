import pytest

from relais.core.text import fold
from relais.directory.models import Organisation, Procedure, Theme
from relais.directory.search import edit_distance
from relais.directory.selectors import search_procedures


def titles(query, n=3):
    return [p.title for p in search_procedures(query)[0][:n]]


def top(query, n=3):
    return " | ".join(titles(query, n))


@pytest.mark.parametrize(
    ("query", "expected_word"),
    [
        ("carte grise", "immatriculation"),
        ("papiers", "identité"),
        ("CAF", "CAF"),
        ("retraite", "retraite"),
        ("passeport", "passeport"),
        ("pasport", "passeport"),  # typo
        ("carte d identite", "identité"),  # no apostrophe, no accent
        ("CARTE DIDENTITÉ", "identité"),
        ("inscrire mon enfant a l'ecole", "scolaire"),
        ("impots", "revenus"),
        ("chomage", "France Travail"),
    ],
)
def test_everyday_words_find_the_right_entry_first(db, query, expected_word):
    found = search_procedures(query)[0][:3]
    haystack = fold(" ".join(f"{p.title} {p.keywords} {p.organisation.short_name} {p.summary}" for p in found))
    assert fold(expected_word) in haystack, top(query)


def test_a_typo_is_reported_with_the_corrected_words(db):
    results, corrected = search_procedures("pasepotr")
    assert results
    assert "passeport" in corrected


def test_nonsense_finds_nothing(db):
    assert search_procedures("xqzwv")[0] == []


def test_unpublished_entries_are_never_found(db):
    proc = Procedure.objects.get(title__icontains="passeport")
    proc.published = False
    proc.save()
    assert proc not in search_procedures("passeport")[0]


def test_a_new_entry_is_searchable_at_once(db):
    proc = Procedure.objects.create(
        slug="permis-de-chasse",
        title="Valider son permis de chasser",
        summary="Validation annuelle.",
        organisation=Organisation.objects.first(),
        keywords="chasse, fusil",
    )
    proc.themes.set([Theme.objects.get(code="loisirs_sports_culture")])
    assert titles("fusil", 1) == ["Valider son permis de chasser"]


def test_edit_distance_counts_transpositions_as_one():
    assert edit_distance("passeport", "pasport", 2) == 2
    assert edit_distance("carte", "crate", 1) == 1
    assert edit_distance("abc", "xyz", 1) == 2
