"""The data·inclusion export: the published places as structures, what they offer as
services (places schema services, help with the catalogue's procedures, drop-ins,
workshops), every field of the schema present, no personal data, and a change of a place
seen at once."""

import csv
import io
import json

import pytest
from django.utils import timezone

from relais.accounts.models import User
from relais.core.models import Person
from relais.directory import datainclusion
from relais.directory.models import Place, Procedure
from relais.mediation.models import DropIn, Workshop

pytestmark = pytest.mark.django_db

URL = "/donnees/data-inclusion.json"
KNOWN_THEMATIQUES = {
    "numerique",
    *(code for codes in datainclusion.PLACE_SERVICE_THEMATIQUES.values() for code in codes),
    *(code for codes in datainclusion.THEME_THEMATIQUES.values() for code in codes),
    *(code for codes in datainclusion.SUBTHEME_THEMATIQUES.values() for code in codes),
    datainclusion.HELP_WITH_PROCEDURES,
}


def _export(client):
    response = client.get(URL)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert response["Access-Control-Allow-Origin"] == "*"
    return json.loads(response.content)


def test_structures_are_the_published_places_with_every_schema_field(client):
    hidden = Place.objects.published().first()
    Place.objects.filter(pk=hidden.pk).update(published=False)
    data = _export(client)
    ids = [s["id"] for s in data["structures"]]
    assert sorted(ids) == sorted(p.standard_id for p in Place.objects.published())
    assert hidden.standard_id not in ids
    for structure in data["structures"]:
        assert list(structure) == datainclusion.STRUCTURE_FIELDS
        assert structure["nom"] and structure["source"] and structure["date_maj"]
        assert 50 <= len(structure["description"]) <= 2000 or structure["description"]
        assert structure["lien_source"].startswith("http")


def test_services_say_what_each_place_offers_with_national_codes(client):
    data = _export(client)
    structures = {s["id"] for s in data["structures"]}
    services = data["services"]
    assert len({s["id"] for s in services}) == len(services)
    for service in services:
        assert list(service) == datainclusion.SERVICE_FIELDS
        assert service["structure_id"] in structures
        assert service["thematiques"] and set(service["thematiques"]) <= KNOWN_THEMATIQUES
        assert service["type"] in ("accompagnement", "atelier")
        assert set(service["modes_mobilisation"]) <= {
            "se-presenter", "telephoner", "envoyer-un-courriel", "utiliser-lien-mobilisation",
        }  # fmt: skip
        assert service["contact_nom_prenom"] is None
    kinds = {service["id"].split("--")[1].split("-")[0] for service in services}
    place = Place.objects.published().exclude(services=[]).first()
    if place is not None:
        assert "lieu" in kinds
    if Procedure.objects.published().filter(places__published=True).exists():
        assert "fiche" in kinds
    today = timezone.localdate()
    if DropIn.objects.sessions().filter(place__published=True, start_date__lte=today).exists():
        assert "permanence" in kinds
    if Workshop.objects.published().upcoming().filter(place__published=True).exists():
        assert "atelier" in kinds


def test_a_procedure_helped_at_a_place_is_a_service_there(client):
    place = Place.objects.published().first()
    procedure = Procedure.objects.published().exclude(places=place).first()
    procedure.places.add(place)
    services = {s["id"]: s for s in _export(client)["services"]}
    service = services[f"{place.standard_id}--fiche-{procedure.slug}"]
    assert service["nom"] == f"Aide pour : {procedure.title}"
    assert datainclusion.HELP_WITH_PROCEDURES in service["thematiques"]
    assert service["lien_source"].endswith(procedure.get_absolute_url())


def test_no_personal_data_reaches_the_export(client):
    body = client.get(URL).content.decode()
    # A place's public address (the places file shows it too) may be a service's login.
    public = {email for place in Place.objects.published() for email in place.courriels}
    for person in Person.objects.exclude(email="")[:50]:
        assert person.email in public or person.email not in body
    for user in User.objects.exclude(full_name="").filter(memberships__isnull=False).distinct()[:50]:
        assert user.full_name not in body
        assert user.email in public or user.email not in body


def test_a_change_of_a_place_shows_in_the_export(client):
    place = Place.objects.published().first()
    place.nom = "Maison des habitants du Clos"
    place.horaires = "Mo-Fr 09:00-12:00"
    place.save()
    structure = next(s for s in _export(client)["structures"] if s["id"] == place.standard_id)
    assert structure["nom"] == "Maison des habitants du Clos"
    assert structure["horaires_accueil"] == "Mo-Fr 09:00-12:00"
    assert structure["date_maj"] == timezone.localdate().isoformat()


def test_the_csv_files_have_the_schema_columns_and_pipe_separated_lists(client):
    for part, fields in (("structures", datainclusion.STRUCTURE_FIELDS), ("services", datainclusion.SERVICE_FIELDS)):
        response = client.get(f"/donnees/data-inclusion-{part}.csv")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert list(rows[0]) == fields
    services = list(csv.DictReader(io.StringIO(client.get("/donnees/data-inclusion-services.csv").content.decode())))
    assert any("|" in row["modes_mobilisation"] for row in services)
    assert client.get("/donnees/data-inclusion-autre.csv").status_code == 404


def test_the_open_data_page_links_the_export(client):
    page = client.get("/donnees/").content.decode()
    assert 'href="/donnees/data-inclusion.json"' in page
    assert 'href="/donnees/data-inclusion-services.csv"' in page


def test_a_weekly_drop_in_gives_its_hours_in_the_osm_format():
    from relais.mediation.datainclusion import opening_hours

    dropin = DropIn.objects.first()
    dropin.rrule = "FREQ=WEEKLY;BYDAY=TU,TH"
    assert opening_hours(dropin) == f"Tu,Th {dropin.start_time:%H:%M}-{dropin.end_time:%H:%M}"
    dropin.rrule = "FREQ=MONTHLY;BYDAY=1SA"
    assert opening_hours(dropin) is None


def test_every_service_meets_the_v1_constraints(client):
    data = _export(client)
    for record in data["structures"] + data["services"]:
        assert 50 <= len(record["description"]) <= 2000, record["id"]
    for service in data["services"]:
        assert service["publics"] is None or service["publics"]  # never an empty list
        assert service["zone_eligibilite"] is None  # not set by the town: not said
        assert service["frais"] in (None, "gratuit", "payant")
        assert "lieu-1" not in service["id"] and "lieu-2" not in service["id"]


def test_a_place_free_under_conditions_says_free_and_the_condition(client):
    place = Place.objects.published().exclude(services=[]).first()
    place.frais_a_charge = ["Gratuit sous condition"]
    place.publics_specifiquement_adresses = []
    place.save()
    mine = [s for s in _export(client)["services"] if s["structure_id"] == place.standard_id]
    assert mine and all(s["frais"] == "gratuit" for s in mine)
    assert all(s["frais_precisions"].startswith("Gratuit sous condition") for s in mine)
    assert all(s["publics"] is None for s in mine)
    from django.utils.text import slugify

    assert f"{place.standard_id}--lieu-{slugify(place.services[0])}" in {s["id"] for s in mine}


def test_the_town_may_say_who_may_use_its_services(client, settings):
    settings.RELAIS = {**settings.RELAIS, "DATAINCLUSION_ZONE": "37261, 37050"}
    assert {tuple(s["zone_eligibilite"]) for s in _export(client)["services"]} == {("37261", "37050")}


def test_appointments_and_workshops_are_not_walk_in(client):
    from relais.mediation import choices

    dropin = DropIn.objects.sessions().filter(place__published=True).first()
    DropIn.objects.filter(pk=dropin.pk).update(booking=choices.Booking.APPOINTMENT)
    services = {s["id"]: s for s in _export(client)["services"]}
    mine = services[f"{dropin.place.standard_id}--permanence-{dropin.pk}"]
    assert "se-presenter" not in mine["modes_mobilisation"]
    workshops = [s for s in services.values() if s["type"] == "atelier"]
    assert workshops, "the demo town has upcoming workshops"
    for workshop in workshops:
        assert "se-presenter" not in workshop["modes_mobilisation"]
        assert workshop["horaires_accueil"] is None and "Séances : le " in workshop["description"]
