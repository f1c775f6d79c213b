"""Street reports in public: moderation by the form's team, the public list and map without
personal data, "moi aussi" counted without a case, "Déjà signalé ?" before reporting, and
close cases grouped for the team."""

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from relais.cases import street_map, street_selectors, street_services
from relais.cases.journal import Action
from relais.cases.models import Case, Draft, MeToo, Status, StreetReport
from relais.cases.services import case_submit
from relais.core.http import OutOfReach
from relais.core.models import AuditEvent, Channel, Person
from relais.notifications.models import Message
from tests.conftest import staff_client

LAMP = (47.2533, 0.6861)


@pytest.fixture
def street_worker(other_case_worker):
    """Lucie, case worker of Urbanisme (the team of the street form)."""
    return other_case_worker


@pytest.fixture
def neighbour(db):
    return Person.objects.create(
        first_name="Odile", last_name="Verdier", email="odile.verdier@example.org", phone="0611223344"
    )


def _report_case(form, person, *, where="rue Jules Ferry", lat=None, lon=None, days_ago=0):
    case = case_submit(
        form=form,
        person=person,
        channel=Channel.PHONE,
        answers={"type": "Éclairage", "description": f"Chez {person.first_name} {person.last_name}, tout est noir."},
        location={"location_text": where, "latitude": lat, "longitude": lon},
        submission_key=uuid.uuid4(),
    )
    if days_ago:
        Case.objects.filter(pk=case.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=days_ago))
        case.refresh_from_db()
    return case


def _published(form, person, worker, **location):
    case = _report_case(form, person, **location)
    street_services.report_publish(
        case=case, title="Lampadaire éteint", description="", location_text="Rue Jules-Ferry", actor=worker
    )
    return case.street_report


# ---------------------------------------------------------------- moderation


def test_a_report_is_public_only_once_its_team_published_it_and_it_is_journaled(street_form, neighbour, street_worker):
    case = _report_case(street_form, neighbour, lat=LAMP[0], lon=LAMP[1])
    assert not street_selectors.public_reports().filter(case=case).exists()
    report = street_services.report_publish(
        case=case, title="Lampadaire éteint", description="Devant l'école.", location_text="Rue Jules-Ferry",
        actor=street_worker,
    )  # fmt: skip
    assert street_selectors.public_reports().filter(pk=report.pk).exists()
    street_services.report_unpublish(case=case, actor=street_worker)
    assert not street_selectors.public_reports().filter(pk=report.pk).exists()
    actions = list(AuditEvent.objects.filter(object_id=str(case.pk)).values_list("action", "person_id"))
    assert (Action.STREET_REPORT_PUBLISHED, neighbour.pk) in actions
    assert (Action.STREET_REPORT_UNPUBLISHED, neighbour.pk) in actions


def test_a_worker_of_another_team_cannot_publish(street_form, neighbour, case_worker):
    case = _report_case(street_form, neighbour)
    with pytest.raises(OutOfReach):
        street_services.report_publish(case=case, title="x", description="", location_text="x", actor=case_worker)
    assert not StreetReport.objects.filter(case=case).exists()


def test_a_form_without_public_reports_publishes_nothing(street_form, neighbour, street_worker):
    type(street_form).objects.filter(pk=street_form.pk).update(public_reports=False)
    case = _report_case(street_form, neighbour)
    with pytest.raises(ValidationError):
        street_services.report_publish(case=case, title="x", description="", location_text="x", actor=street_worker)


def test_the_site_switch_hides_every_public_report(client, street_form, neighbour, street_worker):
    _published(street_form, neighbour, street_worker)
    with override_settings(RELAIS={**_relais(), "STREET_REPORTS_PUBLIC": False}):
        assert not street_selectors.public_reports().exists()
        page = client.get(reverse("cases:street_list")).content.decode()
    assert "Aucun signalement publié" in page and "Lampadaire éteint" not in page


def _relais():
    from django.conf import settings

    return settings.RELAIS


def test_the_review_page_proposes_no_free_text_of_the_resident(street_form, neighbour, street_worker):
    case = _report_case(street_form, neighbour, where="rue Jules Ferry")
    page = staff_client(street_worker).get(reverse("cases:street_moderate", args=[case.reference])).content.decode()
    # The title field is prefilled from the answer chosen from a list, never the description.
    assert 'value="Éclairage"' in page
    assert "tout est noir" in page  # shown beside the form, under "non publié"
    assert 'name="description"' in page and "tout est noir</textarea>" not in page


def test_an_empty_public_title_is_explained_beside_the_field(street_form, neighbour, street_worker):
    case = _report_case(street_form, neighbour)
    response = staff_client(street_worker).post(
        reverse("cases:street_moderate", args=[case.reference]),
        {"action": "publish", "title": "", "location_text": "Rue Jules-Ferry", "description": "Gardé"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Donnez un titre public" in page and "Gardé" in page
    assert not StreetReport.objects.filter(case=case, published=True).exists()


# ---------------------------------------------------------------- the public pages


def test_the_public_list_and_page_never_show_the_residents_name_contact_or_answers(
    client, street_form, neighbour, street_worker
):
    report = _published(street_form, neighbour, street_worker, lat=LAMP[0], lon=LAMP[1])
    for url in (
        reverse("cases:street_list"),
        report.get_absolute_url(),
        reverse("cases:street_list") + "?etat=signale",
    ):
        page = client.get(url).content.decode()
        assert "Lampadaire éteint" in page
        for secret in (
            "Odile",
            "Verdier",
            "odile.verdier@example.org",
            "0611223344",
            "06 11 22 33 44",
            "tout est noir",
        ):
            assert secret not in page, (url, secret)


def test_the_list_is_filtered_by_category_and_plain_status(client, street_form, neighbour, street_worker):
    report = _published(street_form, neighbour, street_worker)
    url = reverse("cases:street_list")
    assert report.get_absolute_url() in client.get(url, {"etat": "signale"}).content.decode()
    assert report.get_absolute_url() not in client.get(url, {"etat": "resolu"}).content.decode()
    assert report.get_absolute_url() in client.get(url, {"categorie": street_form.slug}).content.decode()
    assert client.get(url, {"categorie": "nope", "etat": "x"}).status_code == 200


def test_an_unpublished_report_is_not_found(client, street_form, neighbour, street_worker):
    report = _published(street_form, neighbour, street_worker)
    street_services.report_unpublish(case=report.case, actor=street_worker)
    assert client.get(report.get_absolute_url()).status_code == 404
    assert client.post(reverse("cases:street_me_too", args=[report.pk])).status_code == 404


def test_the_map_links_each_point_to_its_report_with_a_name(client, street_form, neighbour, street_worker):
    report = _published(street_form, neighbour, street_worker, lat=LAMP[0], lon=LAMP[1])
    page = client.get(reverse("cases:street_list")).content.decode()
    assert f'<a href="{report.get_absolute_url()}" aria-label="Lampadaire éteint – Rue Jules-Ferry' in page
    assert "<script" not in page.split("</main>")[0]


def test_map_points_are_placed_on_the_plan_by_their_coordinates():
    class Plan:
        west, south, east, north = 0.0, 47.0, 0.01, 47.01

    built = street_map.build(
        [(47.005, 0.005, "/a", "A"), (47.02, 0.005, "/b", "B"), (None, None, "/c", "C")], plan=Plan(), plan_url="/p"
    )
    assert [p.url for p in built.points] == ["/a"]
    assert built.outside == 1
    assert abs(built.points[0].x - built.width / 2) < 1 and abs(built.points[0].y - built.height / 2) < 2
    assert built.plan_url == "/p" and built.grid == [] and built.tiles == []
    assert street_map.build([(None, None, "/c", "C")]) is None


def test_the_content_security_policy_names_no_other_host_by_default(client, db):
    csp = client.get(reverse("cases:street_list"))["Content-Security-Policy"]
    assert "img-src 'self' data:;" in csp
    assert "http" not in csp


def test_a_tile_server_the_town_configures_is_the_only_host_allowed(client, street_form, neighbour, street_worker):
    _published(street_form, neighbour, street_worker, lat=LAMP[0], lon=LAMP[1])
    tiles = "https://tuiles.example.fr/osm/{z}/{x}/{y}.png"
    with override_settings(RELAIS={**_relais(), "MAP_TILE_URL": tiles}):
        response = client.get(reverse("cases:street_list"))
    assert "img-src 'self' data: https://tuiles.example.fr;" in response["Content-Security-Policy"]
    assert 'href="https://tuiles.example.fr/osm/' in response.content.decode()


def test_the_town_plan_is_served_as_an_image_that_runs_nothing(client, db):
    response = client.get(reverse("cases:street_plan"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Security-Policy"].startswith("default-src 'none'")


@pytest.mark.parametrize(
    "svg",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><image href="https://ailleurs.example/x.png"/></svg>',
        b'<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
        b"<html>not a plan</html>",
    ],
)
def test_a_plan_with_scripts_links_or_entities_is_refused(svg, db):
    with pytest.raises(ValidationError):
        street_services.town_plan_set(data=svg, content_type="image/svg+xml", bounds=(0, 47, 0.01, 47.01))


# ---------------------------------------------------------------- "moi aussi"


def test_me_too_counts_once_per_session_and_makes_no_case(client, street_form, neighbour, street_worker):
    report = _published(street_form, neighbour, street_worker)
    cases, people = Case.objects.count(), Person.objects.count()
    url = reverse("cases:street_me_too", args=[report.pk])
    client.post(url)
    client.post(url)
    assert MeToo.objects.filter(report=report).count() == 1
    Client().post(url)  # another browser
    assert MeToo.objects.filter(report=report).count() == 2
    assert (Case.objects.count(), Person.objects.count()) == (cases, people)
    page = client.get(report.get_absolute_url()).content.decode()
    assert "2 autres personnes" in page and "Vous avez déjà dit « moi aussi »" in page


def test_me_too_from_one_connection_is_limited(street_form, neighbour, street_worker):
    report = _published(street_form, neighbour, street_worker)
    url = reverse("cases:street_me_too", args=[report.pk])
    for _ in range(street_services.ME_TOO_PER_IP_REPORT_DAY):
        Client().post(url)
    response = Client().post(url, follow=True)
    assert "Trop de « moi aussi »" in response.content.decode()
    assert MeToo.objects.filter(report=report).count() == street_services.ME_TOO_PER_IP_REPORT_DAY


def test_me_too_keeps_nothing_about_the_visitor(client, street_form, neighbour, street_worker):
    report = _published(street_form, neighbour, street_worker)
    client.post(reverse("cases:street_me_too", args=[report.pk]), REMOTE_ADDR="203.0.113.9")
    row = MeToo.objects.get(report=report)
    assert "203.0.113" not in row.digest and client.session.session_key not in row.digest


# ---------------------------------------------------------------- "Déjà signalé ?"


def test_before_reporting_a_resident_sees_reports_near_the_place_typed(client, street_form, neighbour, street_worker):
    report = _published(street_form, neighbour, street_worker, lat=LAMP[0], lon=LAMP[1])
    draft = Draft.objects.create(form=street_form)
    response = client.post(
        reverse("cases:location", args=[street_form.slug, draft.key]), {"location_text": "Rue Jules Ferry"}
    )
    nearby = reverse("cases:street_nearby", args=[street_form.slug, draft.key])
    assert response.status_code == 302 and response["Location"] == nearby
    page = client.get(nearby).content.decode()
    assert "Déjà signalé ?" in page and report.get_absolute_url() in page
    assert reverse("cases:contact", args=[street_form.slug, draft.key]) in page


def test_reports_near_by_position_and_not_far_away(street_form, neighbour, street_worker):
    near = _published(street_form, neighbour, street_worker, lat=LAMP[0], lon=LAMP[1])
    found = street_selectors.reports_near(
        form=street_form, location={"location_text": "chez moi", "latitude": 47.2535, "longitude": 0.6862}
    )
    assert near in found
    far = street_selectors.reports_near(
        form=street_form, location={"location_text": "impasse lointaine", "latitude": 47.3, "longitude": 0.7}
    )
    assert near not in far


def test_with_nothing_near_the_resident_goes_straight_on(client, street_form):
    StreetReport.objects.all().delete()
    draft = Draft.objects.create(form=street_form)
    nearby = reverse("cases:street_nearby", args=[street_form.slug, draft.key])
    client.post(reverse("cases:location", args=[street_form.slug, draft.key]), {"location_text": "Rue Nulle Part"})
    response = client.get(nearby)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:contact", args=[street_form.slug, draft.key])


# ---------------------------------------------------------------- grouping and duplicates


def test_close_cases_of_one_form_are_grouped_within_distance_and_time(street_form, neighbour):
    first = _report_case(street_form, neighbour, lat=47.2600, lon=0.6900)
    close = _report_case(street_form, neighbour, lat=47.2603, lon=0.6902)  # about 35 m
    far = _report_case(street_form, neighbour, lat=47.2700, lon=0.6900)  # about 1.1 km
    old = _report_case(street_form, neighbour, lat=47.2600, lon=0.6900, days_ago=90)
    assert street_map.distance_m(47.26, 0.69, 47.2603, 0.6902) < 100
    groups = street_selectors.close_cases([first], [street_form.team_id])
    assert close in groups[first.pk]
    assert far not in groups[first.pk] and old not in groups[first.pk]


def test_the_queue_shows_close_reports_as_a_group(street_form, neighbour, street_worker):
    _report_case(street_form, neighbour, lat=47.2600, lon=0.6900)
    _report_case(street_form, neighbour, lat=47.2601, lon=0.6901)
    page = staff_client(street_worker).get(reverse("cases:queue") + "?onglet=toutes").content.decode()
    assert "2 signalements proches" in page


def test_a_duplicate_is_closed_with_a_message_to_its_resident_and_journaled(street_form, neighbour, street_worker):
    original = _report_case(street_form, neighbour, lat=47.2600, lon=0.6900)
    other = Person.objects.create(first_name="Paul", last_name="Roux", email="paul.roux@example.org")
    duplicate = _report_case(street_form, other, lat=47.2601, lon=0.6901)
    response = staff_client(street_worker).post(
        reverse("cases:street_duplicate", args=[duplicate.reference]), {"action": "link", "original": original.pk}
    )
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.duplicate_of == original and duplicate.status == Status.CLOSED
    told = Message.objects.filter(person=other, template="case_status").last()
    assert told is not None and original.reference in told.body
    assert AuditEvent.objects.filter(action=Action.CASE_MARKED_DUPLICATE, person_id=other.pk).exists()


def test_a_case_of_another_team_cannot_be_the_original(street_form, neighbour, street_worker):
    duplicate = _report_case(street_form, neighbour)
    foreign = Case.objects.filter(team__slug="etat-civil").first()
    response = staff_client(street_worker).post(
        reverse("cases:street_duplicate", args=[duplicate.reference]), {"action": "link", "original": foreign.pk}
    )
    assert response.status_code == 400
    assert "Choisissez un signalement de la liste." in response.content.decode()


def test_staff_of_another_team_get_404_on_review_and_duplicate_pages(street_form, neighbour, case_worker):
    case = _report_case(street_form, neighbour)
    client = staff_client(case_worker)
    assert client.get(reverse("cases:street_moderate", args=[case.reference])).status_code == 404
    assert client.get(reverse("cases:street_duplicate", args=[case.reference])).status_code == 404


def test_the_town_sets_its_plan_with_a_command(tmp_path, db):
    from django.core.management import call_command

    from relais.cases.demo import town_plan_svg

    path = tmp_path / "plan.svg"
    path.write_bytes(town_plan_svg())
    call_command("town_plan", str(path), "--bounds", "0.1,47.1,0.2,47.2", stdout=open("/dev/null", "w"))
    plan = street_selectors.town_plan()
    assert (plan.west, plan.south, plan.east, plan.north) == (0.1, 47.1, 0.2, 47.2)
    assert AuditEvent.objects.filter(action=Action.TOWN_PLAN_SET).exists()


def test_only_a_location_form_can_have_public_reports(street_form):
    from django.forms.models import model_to_dict

    from relais.cases.forms import FormMetaForm

    data = {k: v for k, v in model_to_dict(street_form).items() if v is not None}
    data.update(asks_location=False, public_reports=True)
    form = FormMetaForm(data, instance=street_form)
    assert not form.is_valid()
    assert "emplacement" in form.errors["public_reports"][0]


def test_an_administrator_uploads_the_town_plan_and_a_bad_one_is_explained(admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from relais.cases.demo import town_plan_svg

    url = reverse("cases:town_plan")
    assert admin_client.get(url).status_code == 200
    bounds = {"west": "0.1", "south": "47.1", "east": "0.2", "north": "47.2"}
    plan = SimpleUploadedFile("plan.svg", town_plan_svg(), "image/svg+xml")
    assert admin_client.post(url, {"file": plan, **bounds}).status_code == 302
    assert street_selectors.town_plan().west == 0.1
    bad = SimpleUploadedFile("plan.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "image/svg+xml")
    response = admin_client.post(url, {"file": bad, **bounds, "east": "0.05"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Le bord droit (est) doit être à l" in page
    bad.seek(0)
    response = admin_client.post(url, {"file": bad, **bounds})
    assert response.status_code == 400 and "élément refusé" in response.content.decode()
    assert street_selectors.town_plan().west == 0.1


def test_a_case_worker_cannot_change_the_town_plan(street_worker):
    response = staff_client(street_worker).get(reverse("cases:town_plan"))
    assert response.status_code in (403, 404)


def test_from_the_check_page_the_nearby_step_leads_back_to_it(client, street_form, neighbour, street_worker):
    _published(street_form, neighbour, street_worker, lat=LAMP[0], lon=LAMP[1])
    draft = Draft.objects.create(form=street_form)
    url = reverse("cases:location", args=[street_form.slug, draft.key]) + "?retour=verifier"
    response = client.post(url, {"location_text": "Rue Jules Ferry"})
    assert response["Location"].endswith("/deja-signale/?retour=verifier")
    page = client.get(response["Location"]).content.decode()
    assert reverse("cases:check", args=[street_form.slug, draft.key]) in page
