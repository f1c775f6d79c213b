"""What a resident types, and the page each query should put first (the demo town)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from relais.core.text import fold
from relais.directory import search as catalogue_search
from relais.directory.models import Organisation, Place, Procedure, Theme
from relais.directory.selectors import search_everything, search_procedures

FICHE, FORM, WORKSHOP, DROPIN, PLACE = "fiche", "formulaire", "atelier", "permanence", "lieu"

EVERYDAY = [
    # query, kind of the first result, words of its title
    ("carte grise", FICHE, "carte grise"),
    ("refaire ma carte d'identité", FICHE, "carte d'identité"),
    ("carte d'identiter", FICHE, "carte d'identité"),  # typo
    ("cart grise", FICHE, "carte grise"),  # typo
    ("pasport", FICHE, "passeport"),  # typo
    ("demander un passeport", FICHE, "passeport"),
    ("renew my passport", FICHE, "passeport"),  # English
    ("food aid", FICHE, "aide alimentaire"),  # English, from the town's translation
    ("nid de poule", FORM, "voie publique"),  # a form without a fiche
    ("signaler un trottoir abîmé", FORM, "Signaler un problème"),
    ("lampadaire éteint", FORM, "Signaler un problème"),
    ("dépôt sauvage", FORM, "Signaler un problème"),
    ("déménagement benne", FORM, "occuper la voie publique"),
    ("imprimer un document", PLACE, ""),
    ("scanner un document", PLACE, ""),
    ("faire une photocopie", PLACE, ""),
    ("atelier smartphone", WORKSHOP, "smartphone"),
    ("courriel frauduleux", WORKSHOP, "courriel frauduleux"),
    ("permanence numérique", DROPIN, "Permanence numérique"),
    ("inscription cantine", FICHE, "cantine"),
    ("inscrire mon enfant à l'école", FICHE, "école"),
    ("logement social", FICHE, "logement social"),
    ("déclarer mes impôts", FICHE, "impôts"),
    ("utiliser un ordinateur", FICHE, "ordinateur"),
]


@pytest.mark.parametrize(("query", "kind", "title"), EVERYDAY)
def test_everyday_queries_find_the_right_page_first(db, query, kind, title):
    hits, _corrected = search_everything(query)
    assert hits, query
    first = hits[0]
    shown = [f"{h.kind}: {h.title}" for h in hits[:4]]
    assert first.kind == kind, shown
    assert fold(title) in fold(first.title), shown


@pytest.mark.parametrize(
    ("query", "equipment"),
    [("imprimer un document", "imprimante"), ("scanner un document", "scanner"), ("photocopie", "photocopieuse")],
)
def test_a_resident_who_needs_to_print_or_scan_is_sent_to_a_place_that_offers_it(db, query, equipment):
    places = [h for h in search_everything(query)[0] if h.kind == PLACE]
    assert places
    assert equipment in Place.objects.get(pk=places[0].document.ref).equipment, places[0].title


def test_a_place_that_gets_a_printer_is_found_at_once(db):
    search_everything("imprimer")  # the index is built
    place = Place.objects.get(slug="relais-citoyen-tilleuls")
    assert place.nom not in [h.title for h in search_everything("imprimer")[0]]
    place.equipment = [*place.equipment, "imprimante"]
    place.save()
    assert place.nom in [h.title for h in search_everything("imprimer")[0]]


@pytest.mark.parametrize(
    "query",
    [
        "refaire ma carte d'identité",
        "imprimer un document",
        "signaler un trottoir abîmé",
        "relire mon courrier",
        "remplir le formulaire",
        "trouver un travail",
        "payer la cantine",
        "perdu mon portefeuille",
    ],
)
def test_a_french_word_is_never_corrected_into_another(db, query):
    assert search_everything(query)[1] == ""


@pytest.mark.parametrize(
    ("query", "corrected"),
    [("cart grise", "carte grise"), ("pasepotr", "passeport"), ("inscripsion cantinne", "inscription cantine")],
)
def test_typos_are_still_corrected(db, query, corrected):
    assert search_everything(query)[1] == corrected


def test_the_page_names_what_each_result_is_and_never_corrects_french(db, client):
    page = client.get(reverse("directory:search"), {"q": "refaire ma carte d'identité"}).content.decode()
    assert "Nous avons aussi cherché" not in page
    assert "relire" not in page
    assert "Fiche pratique" in page
    page = client.get(reverse("directory:search"), {"q": "nid de poule"}).content.decode()
    assert "Formulaire de demande" in page
    assert reverse("cases:start", args=["signalement-voirie"]) in page
    page = client.get(reverse("directory:search"), {"q": "atelier smartphone"}).content.decode()
    assert "Atelier" in page
    assert reverse("mediation:workshop", args=["premiers-pas-avec-le-smartphone"]) in page
    page = client.get(reverse("directory:search"), {"q": "permanence numérique"}).content.decode()
    assert "Permanence" in page
    assert reverse("mediation:help") + "#place-" in page
    page = client.get(reverse("directory:search"), {"q": "imprimer"}).content.decode()
    assert "Lieu" in page
    assert "Imprimante" in page


def test_renaming_a_theme_shows_in_search_at_once(db):
    assert search_procedures("zorglub")[0] == []  # the index is built
    theme = Theme.objects.get(code="loisirs_sports_culture")
    theme.label = "Zorglub et loisirs"
    theme.save()
    found = search_procedures("zorglub")[0]
    assert found
    assert all(theme in p.themes.all() for p in found)


def test_renaming_an_organisation_shows_in_search_at_once(db):
    assert search_procedures("bidulon")[0] == []
    org = Organisation.objects.get(slug="ants")
    org.name = "Agence Bidulon des titres"
    org.save()
    found = search_procedures("bidulon")[0]
    assert found
    assert {p.organisation_id for p in found} == {org.pk}


def test_a_theme_added_to_a_fiche_shows_in_search_at_once(db):
    proc = Procedure.objects.get(slug="passeport")
    theme = Theme.objects.create(code="zz-essai", label="Grelinette", position=99)
    assert proc.pk not in catalogue_search.search("grelinette").ids
    proc.themes.add(theme)
    assert catalogue_search.search("grelinette").ids == [proc.pk]


def test_a_cancelled_workshop_leaves_the_search(db):
    from relais.mediation.models import Workshop

    workshop = Workshop.objects.get(slug="premiers-pas-avec-le-smartphone")
    assert workshop.title in [h.title for h in search_everything("smartphone")[0]]
    workshop.cancelled_at = timezone.now()
    workshop.save()
    assert workshop.title not in [h.title for h in search_everything("smartphone")[0]]


def test_a_form_linked_to_a_fiche_is_reached_through_the_fiche(db):
    kinds = {h.kind for h in search_everything("attestation d'accueil")[0]}
    assert FORM not in kinds
    assert FICHE in kinds


def test_a_search_costs_a_few_queries_once_the_index_is_built(db, django_assert_max_num_queries):
    search_everything("carte grise")
    # The shared version, one aggregate per source, and the fiches shown.
    with django_assert_max_num_queries(1 + len(catalogue_search.sources()) + 1):
        search_everything("refaire ma carte d'identité")


def test_a_query_at_the_fields_maximum_length_is_answered(db):
    long_query = ("pasport cartte identiter grisse inscripsion " * 10)[:200]
    hits, corrected = search_everything(long_query)
    assert hits
    assert "carte identite grise inscription" in corrected


def test_a_change_no_signal_sees_shows_once_the_sources_are_checked_again(db, monkeypatch):
    """A queryset update sends no signal: the sources' version keys catch it (here at once)."""
    monkeypatch.setattr(catalogue_search, "VERSION_CHECK_SECONDS", 0)
    proc = Procedure.objects.get(slug="passeport")
    assert proc.pk not in catalogue_search.search("chouquette").ids
    Procedure.objects.filter(pk=proc.pk).update(title="Chouquette et passeport", updated_at=timezone.now())
    assert catalogue_search.search("chouquette").ids == [proc.pk]


def test_the_search_page_shows_a_renamed_theme_at_once_though_its_answers_are_kept(client, db):
    url = "/recherche/?q=zorglub"
    assert "0 résultat" in client.get(url).content.decode()
    assert "0 résultat" in client.get(url, HTTP_COOKIE="sessionid=x").content.decode()  # kept
    theme = Theme.objects.get(code="loisirs_sports_culture")
    theme.label = "Zorglub et loisirs"
    theme.save()
    page = client.get(url, HTTP_COOKIE="sessionid=y").content.decode()
    assert "0 résultat" not in page and "card-link" in page
