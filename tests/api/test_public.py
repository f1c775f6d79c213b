"""The public API: what the web pages show, page by page, with ETags, and nothing more."""

import datetime

import pytest

from relais.api import etag
from relais.directory import export
from relais.directory.models import Place, Procedure
from relais.mediation import selectors as mediation
from relais.mediation.models import DropIn, Workshop
from relais.mutualaid import selectors as mutualaid
from relais.mutualaid.models import Listing, ListingStatus
from relais.stats.selectors import opendata

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture(autouse=True)
def _fresh_counts():
    """The public rate limit counts in each process too: start and end each test afresh."""
    etag.forget_counts()
    yield
    etag.forget_counts()


def get(client, path, **headers):
    return client.get(API + path, headers=headers)


def walk(client, path):
    """Every item of a list, following the `next` links."""
    items, url, pages = [], API + path, 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        items += body["items"]
        url, pages = body["next"], pages + 1
        assert pages < 100
    return items, pages


def test_procedures_come_page_by_page_each_once_and_all_of_them(client):
    items, pages = walk(client, "/procedures?limit=3")
    slugs = [item["slug"] for item in items]
    assert pages > 1
    assert len(slugs) == len(set(slugs))
    assert set(slugs) == set(Procedure.objects.published().values_list("slug", flat=True))


def test_a_procedure_has_its_easy_to_read_version_line_by_line(client):
    proc = Procedure.objects.published().exclude(easy_read="").first()
    body = get(client, f"/procedures/{proc.slug}").json()
    assert body["has_easy_read"] is True
    assert body["easy_read"] == [line.strip() for line in proc.easy_read.splitlines() if line.strip()]
    assert body["url"].endswith(proc.get_absolute_url())


def test_an_unpublished_or_unknown_procedure_is_a_problem_404(client):
    proc = Procedure.objects.published().first()
    Procedure.objects.filter(pk=proc.pk).update(published=False)
    for slug in (proc.slug, "pas-une-fiche"):
        response = get(client, f"/procedures/{slug}")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["type"] == "/api/v1/docs/#introuvable"


def test_a_procedure_list_filters_by_theme(client):
    proc = Procedure.objects.published().prefetch_related("themes").first()
    theme = proc.themes.first()
    items, _pages = walk(client, f"/procedures?theme={theme.code}")
    assert proc.slug in {item["slug"] for item in items}
    assert all(theme.code in item["themes"] for item in items)


def test_an_answer_has_an_etag_and_the_same_etag_gets_a_304(client):
    first = get(client, "/procedures")
    assert first.status_code == 200
    assert first["Cache-Control"] == "public, max-age=60"
    etag = first["ETag"]
    again = get(client, "/procedures", **{"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag


def test_an_edit_changes_the_etag_at_once(client, django_capture_on_commit_callbacks):
    proc = Procedure.objects.published().first()
    before = get(client, f"/procedures/{proc.slug}")
    with django_capture_on_commit_callbacks(execute=True):
        proc.summary = "Un résumé tout neuf."
        proc.save()
    after = get(client, f"/procedures/{proc.slug}", **{"If-None-Match": before["ETag"]})
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert after.json()["summary"] == "Un résumé tout neuf."


def test_a_seat_taken_changes_the_workshop_etag_and_its_seats_left(client):
    workshop = next(w for w in mediation.workshops_public() if not w.is_full)
    before = get(client, f"/workshops/{workshop.slug}")
    assert before.json()["free_seats"] == workshop.free_seats
    assert before["Cache-Control"] == "public, max-age=30"
    Workshop.objects.filter(pk=workshop.pk).update(confirmed_count=workshop.confirmed_count + 1)
    after = get(client, f"/workshops/{workshop.slug}", **{"If-None-Match": before["ETag"]})
    assert after.status_code == 200
    assert after.json()["free_seats"] == workshop.free_seats - 1


def test_workshops_are_those_of_the_public_page_with_the_same_seats(client):
    items, _pages = walk(client, "/workshops?limit=2")
    expected = {w.slug: w.free_seats for w in mediation.workshops_public()}
    assert {item["slug"]: item["free_seats"] for item in items} == expected


def test_places_are_in_the_national_schema_with_hours_and_open_now(client):
    items, _pages = walk(client, "/places")
    assert {item["slug"] for item in items} == set(Place.objects.published().values_list("slug", flat=True))
    place = Place.objects.published().exclude(horaires="").first()
    item = next(i for i in items if i["slug"] == place.slug)
    assert item["lieu"] == export.place_record(place, source="Valbrenne")
    assert item["hours"]["osm"] == place.horaires
    assert item["hours"]["open_now"] == place.status_now().is_open
    assert len(item["hours"]["week"]) == 7
    open_day = next(day for day in item["hours"]["week"] if day["open"])
    assert open_day["ranges"] and all(":" in r["start"] and ":" in r["end"] for r in open_day["ranges"])


def test_a_filter_with_an_unknown_value_says_which_and_the_values_allowed(client):
    response = get(client, "/places?service=Coiffure")
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "service"
    assert "Aide aux démarches administratives" in error["detail"]
    response = get(client, "/workshops?limit=0")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "limit"
    today = datetime.date.today()
    start, end = today + datetime.timedelta(days=10), today + datetime.timedelta(days=2)
    response = get(client, f"/slots?start={start}&end={end}")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "end"


def test_a_cursor_not_given_by_the_api_is_refused_in_french(client):
    response = get(client, "/procedures?cursor=pas-un-curseur")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "cursor",
            "pointer": "#/cursor",
            "detail": "Ce curseur n'est pas valide : reprenez le lien « next » de la page précédente, tel quel.",
        }
    ]


def test_drop_ins_list_their_coming_sessions(client):
    items, _pages = walk(client, "/dropins")
    expected = {o.dropin.pk for o in mediation.occurrences(dropins=DropIn.objects.sessions(), days=28)}
    assert {item["id"] for item in items} == expected
    assert all(item["sessions"] for item in items)


def test_free_slots_are_those_of_the_booking_page(client):
    items, _pages = walk(client, "/slots?limit=100")
    expected = mediation.free_slots(dropins=DropIn.objects.with_advisors())
    assert expected
    assert [(i["dropin"], datetime.datetime.fromisoformat(i["starts_at"])) for i in items] == [
        (s.dropin.pk, s.starts_at) for s in expected
    ]
    assert all("/rendez-vous/creneau/" in item["booking_url"] for item in items)


def test_the_board_shows_listings_as_the_public_board_does_and_no_name(client):
    items, _pages = walk(client, "/listings?limit=5")
    assert not {"posted_by", "author", "name", "phone", "email", "address"} & set(items[0])
    assert [item["id"] for item in items] == list(mutualaid.board().values_list("pk", flat=True))
    body = str(items)
    for listing in Listing.objects.filter(pk__in=[i["id"] for i in items]).select_related("posted_by"):
        person = listing.posted_by
        # The last name alone may be a street's or a neighbourhood's ("Saint-Martin").
        full_name = f"{person.first_name} {person.last_name}" if person.first_name and person.last_name else ""
        for private in (full_name, person.email, person.phone, person.address):
            if private:
                assert private not in body


def test_a_listing_not_on_the_board_is_not_found(client):
    listing = Listing.objects.filter(status=ListingStatus.PUBLISHED).first()
    Listing.objects.filter(pk=listing.pk).update(status=ListingStatus.PENDING)
    assert get(client, f"/listings/{listing.pk}").status_code == 404
    items, _pages = walk(client, "/listings")
    assert listing.pk not in {item["id"] for item in items}


def test_statistics_hide_small_counts_as_the_open_data_file_does(client):
    items, _pages = walk(client, "/statistics/accompaniments?limit=200")
    rows = opendata.published_rows()
    assert len(items) == len(rows) > 0
    assert all(item["count"] is None or item["count"] >= 5 for item in items)
    assert all((item["count"] is None) == (item["less_than"] == 5) for item in items)
    assert any(item["count"] is None for item in items)


def test_a_visitor_over_the_public_limit_gets_429_with_retry_after(client, settings):
    settings.RELAIS = {**settings.RELAIS, "API_PUBLIC_PER_MINUTE": 3}
    for _ in range(3):
        assert get(client, "/themes").status_code == 200
    response = get(client, "/themes")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["type"] == "/api/v1/docs/#limite"


def test_a_nul_character_is_a_problem_not_a_page(client):
    response = client.get(API + "/procedures?q=%00")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_the_limit_counts_by_batches_and_still_holds(client, settings):
    settings.RELAIS = {**settings.RELAIS, "API_PUBLIC_PER_MINUTE": 40}  # batches of 2
    statuses = [get(client, "/themes").status_code for _ in range(44)]
    assert statuses[:40] == [200] * 40
    assert 429 in statuses[40:42] and statuses[-1] == 429


def test_a_compressed_answer_weakens_its_etag_and_the_weak_one_still_gets_a_304(client):
    slug = mediation.workshops_public()[0].slug
    first = client.get(f"{API}/workshops/{slug}", headers={"Accept-Encoding": "gzip"})
    assert first["Content-Encoding"] == "gzip"
    again = client.get(f"{API}/workshops/{slug}", headers={"Accept-Encoding": "gzip", "If-None-Match": first["ETag"]})
    assert again.status_code == 304
