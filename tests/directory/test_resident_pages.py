import re

import pytest
from django.urls import reverse
from django.utils import translation

from relais.directory.models import Place, Procedure, Theme

PHONE = "02 47 00 00 00"


@pytest.fixture
def procedure(db):
    return Procedure.objects.filter(places__isnull=False).order_by("pk").first()


def resident_urls():
    proc = Procedure.objects.filter(places__isnull=False).order_by("pk").first()
    place = Place.objects.order_by("pk").first()
    return [
        reverse("directory:home"),
        reverse("directory:search") + "?q=carte+grise",
        reverse("directory:themes"),
        reverse("directory:theme", args=[Theme.objects.first().code]),
        proc.get_absolute_url(),
        reverse("directory:procedure_print", args=[proc.slug]),
        reverse("directory:places"),
        reverse("directory:places") + "?quartier=Bellevue&open_now=on",
        place.get_absolute_url(),
        reverse("core:accessibility"),
        reverse("core:privacy"),
        reverse("account_login"),
    ]


def test_every_resident_page_answers_and_shows_the_town_hall_phone(client, db):
    for url in resident_urls():
        response = client.get(url)
        assert response.status_code == 200, url
        assert PHONE in response.content.decode(), url


def test_resident_pages_load_nothing_from_another_host(client, db):
    for url in resident_urls():
        html = client.get(url).content.decode()
        external = re.findall(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="(https?:)?//', html)
        assert external == [], url


def test_procedure_page_says_what_to_bring_and_where_to_get_help(client, procedure):
    html = client.get(procedure.get_absolute_url()).content.decode()
    assert procedure.title in html
    for place in procedure.places.all():
        assert place.nom in html
    first_document = procedure.documents.splitlines()[0]
    assert first_document.replace("'", "&#x27;") in html


def test_printable_leaflet_has_the_full_week_of_hours(client, procedure):
    html = client.get(reverse("directory:procedure_print", args=[procedure.slug])).content.decode()
    assert "Horaires des 7 prochains jours" in html
    assert html.count("<tr>") >= 7


def test_unpublished_procedure_is_404(client, procedure):
    procedure.published = False
    procedure.save()
    assert client.get(procedure.get_absolute_url()).status_code == 404


def test_places_can_be_filtered_by_service_without_javascript(client, db):
    response = client.get(reverse("directory:places"), {"service": "Accès internet et matériel informatique"})
    wanted = "Accès internet et matériel informatique"
    shown = {p.nom for p in response.context["places"]}
    assert shown == {p.nom for p in Place.objects.all() if wanted in p.services}
    assert 0 < len(shown) < Place.objects.count()


def test_a_neighbourhood_puts_its_places_first(client, db):
    quartier = Place.objects.exclude(quartier="").values_list("quartier", flat=True).first()
    places = client.get(reverse("directory:places"), {"quartier": quartier}).context["places"]
    assert places[0].quartier == quartier


def test_a_position_sorts_places_by_distance(client, db):
    target = Place.objects.exclude(latitude=None).order_by("pk").last()
    places = client.get(reverse("directory:places"), {"lat": target.latitude, "lon": target.longitude}).context[
        "places"
    ]
    assert places[0] == target


def test_english_is_available_from_the_language_switch(client, db):
    home = client.get("/").content.decode()
    assert 'href="/langue/en/?next=/"' in home
    response = client.get("/langue/en/", {"next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    html = client.get("/").content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert "Find out how to do a procedure" in html


def test_language_switch_never_redirects_to_another_site(client, db):
    response = client.get("/langue/en/", {"next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert client.get("/langue/xx/").status_code == 404


def test_arabic_lays_the_home_page_out_right_to_left(client, db):
    client.get("/langue/ar/", {"next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    with translation.override("ar"):
        assert translation.gettext("Trouver de l'aide") != "Trouver de l'aide"


def test_a_catalogue_change_shows_at_once_on_cached_pages(client, db, django_capture_on_commit_callbacks):
    proc = Procedure.objects.get(slug="passeport")
    assert proc.title in client.get(proc.get_absolute_url()).content.decode()
    proc.title = "Demander ou renouveler son passeport biométrique"
    with django_capture_on_commit_callbacks(execute=True):  # cached pages are forgotten once the change is committed
        proc.save()
    assert "passeport biométrique" in client.get(proc.get_absolute_url()).content.decode()


def test_cached_public_pages_hold_no_csrf_token_and_set_no_cookie(client, db):
    for _ in range(2):  # the second answer comes from the cache
        response = client.get("/")
        assert "csrfmiddlewaretoken" not in response.content.decode()
        assert not response.cookies


def test_cached_pages_are_served_compressed_to_browsers_that_accept_it(client, db):
    import gzip

    first = client.get("/lieux/", HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert first["Content-Encoding"] == "gzip"  # compressed by the middleware
    page = gzip.decompress(first.content).decode()
    again = client.get("/lieux/", HTTP_ACCEPT_ENCODING="gzip, deflate")  # from the cache
    assert again["Content-Encoding"] == "gzip" and "Accept-Encoding" in again["Vary"]
    assert gzip.decompress(again.content).decode() == page
    plain = client.get("/lieux/")  # an old browser that does not accept gzip
    assert not plain.has_header("Content-Encoding") and plain.content.decode() == page


def test_a_place_page_says_what_residents_may_use_there_and_a_change_shows_at_once(client, db):
    place = Place.objects.order_by("pk").first()
    place.equipment = ["imprimante", "scanner"]
    place.save()
    page = client.get(place.get_absolute_url()).content.decode()
    assert "En libre accès sur place" in page and "Imprimante" in page and "Scanner" in page
    place.equipment = ["ordinateurs"]
    place.save()
    page = client.get(place.get_absolute_url(), HTTP_COOKIE="sessionid=x").content.decode()
    assert "Ordinateurs en libre accès" in page and "Imprimante" not in page
