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


# ---------------------------------------------------------------- review findings (streetfix)


def _published_at(form, person, worker, where, *, lat=None, lon=None):
    case = _report_case(form, person, where=where, lat=lat, lon=lon)
    street_services.report_publish(case=case, title="Nid-de-poule", description="", location_text=where, actor=worker)
    return case.street_report


def _near(form, text, lat=None, lon=None):
    return street_selectors.reports_near(
        form=form, location={"location_text": text, "latitude": lat, "longitude": lon}, limit=50
    )


def test_one_shared_word_is_not_the_same_street(street_form, neighbour, street_worker):
    jaures = _published_at(street_form, neighbour, street_worker, "Rue Jean-Jaurès")
    martin = _published_at(street_form, neighbour, street_worker, "Rue Saint-Martin, près de l'église")
    voltaire = _published_at(street_form, neighbour, street_worker, "Rue Voltaire, côté pharmacie")
    assert jaures not in _near(street_form, "Rue Jean Moulin")
    assert martin not in _near(street_form, "Place Saint-Pierre, devant l'église")
    assert jaures in _near(street_form, "12 rue Jean Jaurès")
    assert voltaire in _near(street_form, "rue Voltaire")  # the whole (shorter) name matches


def test_with_both_positions_only_the_distance_counts(street_form, neighbour, street_worker):
    report = _published_at(street_form, neighbour, street_worker, "Rue des Acacias", lat=47.2600, lon=0.6900)
    assert report not in _near(street_form, "Rue des Acacias", lat=47.2700, lon=0.6900)  # same words, 1.1 km
    assert report in _near(street_form, "chez moi", lat=47.2601, lon=0.6901)
    assert report in _near(street_form, "Rue des Acacias")  # no position typed: the words


def _close_it(case, worker, status=Status.ACCEPTED):
    from relais.cases.services import case_change_status

    case_change_status(case=case, status=Status.IN_PROGRESS, actor=worker)
    case_change_status(case=case, status=status, actor=worker)


def test_me_too_is_neither_offered_nor_counted_on_a_closed_report(client, street_form, neighbour, street_worker):
    report = _published(street_form, neighbour, street_worker)
    _close_it(report.case, street_worker)
    page = client.get(report.get_absolute_url()).content.decode()
    assert reverse("cases:street_me_too", args=[report.pk]) not in page
    assert "Le problème est revenu ? Signalez-le" in page and street_form.get_absolute_url() in page
    response = client.post(reverse("cases:street_me_too", args=[report.pk]), follow=True)
    assert "Ce signalement est clos" in response.content.decode()
    assert not MeToo.objects.filter(report=report).exists()
    report = street_selectors.public_report(report.pk)
    with pytest.raises(street_services.MeTooRefused):
        street_services.me_too_add(report=report, session_key="abc")


def test_public_points_are_rounded_to_about_a_hundred_metres(street_form, neighbour, street_worker):
    report = _published(street_form, neighbour, street_worker, lat=LAMP[0], lon=LAMP[1])
    [(lat, lon, url, _label)] = street_selectors.public_points([street_selectors.public_report(report.pk)])
    assert url == report.get_absolute_url()
    assert (lat, lon) != LAMP
    assert street_map.distance_m(lat, lon, *LAMP) <= 75
    # Two houses 30 m apart in the same square of the grid are drawn at the same place.
    assert street_selectors.public_point(47.25301, 0.68601) == street_selectors.public_point(47.25302, 0.68602)


def test_the_team_may_keep_a_report_off_the_plan(client, street_form, neighbour, street_worker):
    case = _report_case(street_form, neighbour, lat=LAMP[0], lon=LAMP[1])
    staff = staff_client(street_worker)
    url = reverse("cases:street_moderate", args=[case.reference])
    page = staff.get(url).content.decode()
    assert "Le point sur le plan public" in page and "Ne pas placer sur le plan" in page
    response = staff.post(
        url,
        {
            "action": "publish",
            "title": "Lampe",
            "location_text": "Rue Jules-Ferry",
            "description": "",
            "hide_point": "on",
        },
    )
    assert response.status_code == 302
    report = StreetReport.objects.get(case=case)
    assert report.published and not report.on_map
    public = client.get(reverse("cases:street_list")).content.decode()
    assert report.get_absolute_url() in public  # in the list…
    assert f'<a href="{report.get_absolute_url()}" aria-label=' not in public  # …not on the plan
    assert "checked" in staff.get(url).content.decode().split('name="hide_point"')[1][:80]


def test_the_public_place_is_not_prefilled_with_what_the_resident_typed(street_form, neighbour, street_worker):
    case = _report_case(street_form, neighbour, where="12 rue des Mésanges, chez Mme Verdier")
    page = staff_client(street_worker).get(reverse("cases:street_moderate", args=[case.reference])).content.decode()
    field = page.split('name="location_text"')[1].split(">")[0]
    assert "Mésanges" not in field and "Verdier" not in field
    assert "Nom de la rue, sans numéro" in page
    assert "12 rue des Mésanges" in page  # shown beside the form, as the resident's words
    street_services.report_unpublish(case=case, actor=street_worker)
    assert StreetReport.objects.get(case=case).location_text == ""


def test_the_location_step_says_a_reviewed_version_may_be_published(client, street_form):
    draft = Draft.objects.create(form=street_form)
    url = reverse("cases:location", args=[street_form.slug, draft.key])
    notice = "Une version relue de votre signalement, sans votre nom, peut être publiée."
    assert notice in client.get(url).content.decode()
    with override_settings(RELAIS={**_relais(), "STREET_REPORTS_PUBLIC": False}):
        assert notice not in client.get(url).content.decode()


def test_the_plan_address_changes_with_each_upload_and_is_cached_for_long(
    client, street_form, neighbour, street_worker
):
    from relais.cases.demo import town_plan_svg

    _published(street_form, neighbour, street_worker, lat=LAMP[0], lon=LAMP[1])
    plan = street_services.town_plan_set(
        data=town_plan_svg(), content_type="image/svg+xml", bounds=(0.6790, 47.2501, 0.6930, 47.2565)
    )
    versioned = f"{reverse('cases:street_plan')}?v={plan.pk}"
    assert f'href="{versioned}"' in client.get(reverse("cases:street_list")).content.decode()
    assert "immutable" in client.get(versioned)["Cache-Control"]
    newer = street_services.town_plan_set(
        data=town_plan_svg(), content_type="image/svg+xml", bounds=(0.6790, 47.2501, 0.6930, 47.2565)
    )
    assert f"?v={newer.pk}" in client.get(reverse("cases:street_list")).content.decode()
    assert client.get(versioned)["Cache-Control"] == "no-cache"  # an old address: not kept
    assert client.get(reverse("cases:street_plan"))["Cache-Control"] == "no-cache"


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">%s</svg>'


@pytest.mark.parametrize(
    "svg",
    [
        '<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>'.encode("utf-16"),
        "<?xml version='1.0' encoding='ISO-8859-1'?><svg xmlns='http://www.w3.org/2000/svg'><text>é</text></svg>".encode(
            "latin-1"
        ),
        b'<?xml version="1.0" encoding="UTF-7"?><svg xmlns="http://www.w3.org/2000/svg"/>',
        b'<?xml-stylesheet href="https://ailleurs.example/x.css"?><svg xmlns="http://www.w3.org/2000/svg"/>',
        SVG % b"<!-- x --><?php echo 1 ?>",
        SVG % b"<style>@import 'https://ailleurs.example/x.css';</style>",
        SVG % b"<style>rect { fill: url(https://ailleurs.example/x.png) }</style>",
        SVG % b'<rect style="background: url(//ailleurs.example/x)"/>',
        SVG % b"<style>rect { fill: u\\72l(https://ailleurs.example/x) }</style>",
        SVG % b'<a><animate attributeName="href" to="javascript:alert(1)"/></a>',
        SVG % b'<use href="#x"><set attributeName="xlink:href" to="https://ailleurs.example/#x"/></use>',
        SVG % b'<use href="https://ailleurs.example/plan.svg#x"/>',
        SVG % b'<use xlink:href="data:image/svg+xml;base64,PHN2Zy8+"/>',
        SVG % b'<handler type="application/ecmascript">alert(1)</handler>',
        SVG % b'<g xml:base="https://ailleurs.example/"><use href="#x"/></g>',
        SVG % b"<foreignObject><p>x</p></foreignObject>",
        SVG % b'<rect onclick="alert(1)"/>',
        SVG % b'<h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script>',
        SVG % b'<rect fill="url(https://ailleurs.example/#g)"/>',
        SVG % b"<style><g/>@import 'https://ailleurs.example/x.css';</style>",
        SVG % b'<rect fill="u\\72l(https://ailleurs.example/#g)"/>',
        b"<svg><rect/></svg>",  # no SVG namespace: not drawn by a browser
    ],
)
def test_a_plan_with_anything_but_a_drawing_is_refused(svg, db):
    with pytest.raises(ValidationError):
        street_services.town_plan_set(data=svg, content_type="image/svg+xml", bounds=(0, 47, 0.01, 47.01))


@pytest.mark.parametrize(
    "svg",
    [
        b"\xef\xbb\xbf<!-- Dessin\xc3\xa9 avec Inkscape -->\n" + SVG % b'<rect width="10" height="10"/>',
        ('<?xml version="1.0" encoding="UTF-16"?>' + (SVG % b"<text>\xc3\xa9cole</text>").decode()).encode("utf-16"),
        SVG % b'<defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient></defs>'
        b'<rect fill="url(#g)" style="stroke: url(#g)"/><use xlink:href="#g"/>',
    ],
)
def test_a_plain_drawing_is_accepted_and_stored_as_the_checked_utf8_text(svg, db):
    plan = street_services.town_plan_set(data=svg, content_type="image/svg+xml", bounds=(0, 47, 0.01, 47.01))
    stored = plan.file.open("rb").read()
    text = stored.decode("utf-8")
    assert text.lstrip().startswith("<")
    assert "utf-16" not in text.lower()


def test_an_svg_with_a_bom_and_a_comment_is_uploaded_as_an_svg(admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from relais.cases.demo import town_plan_svg

    data = b"\xef\xbb\xbf<!-- plan de Valbrenne -->\n" + town_plan_svg()
    bounds = {"west": "0.1", "south": "47.1", "east": "0.2", "north": "47.2"}
    response = admin_client.post(reverse("cases:town_plan"), {"file": SimpleUploadedFile("p.svg", data), **bounds})
    assert response.status_code == 302
    assert street_selectors.town_plan().content_type == "image/svg+xml"
    pdf = SimpleUploadedFile("p.pdf", b"%PDF-1.4\n%%EOF\n")
    page = admin_client.post(reverse("cases:town_plan"), {"file": pdf, **bounds}).content.decode()
    assert "Le plan doit être un dessin SVG ou une image PNG ou JPEG." in page and "PDF, JPEG" not in page


def test_unknown_filters_of_the_public_list_are_dropped_silently(client, street_form, neighbour, street_worker):
    report = _published(street_form, neighbour, street_worker)
    for query in ({"categorie": "inconnue"}, {"etat": "zz"}, {"categorie": "x", "etat": "zz"}):
        response = client.get(reverse("cases:street_list"), query)
        page = response.content.decode()
        assert response.status_code == 200
        assert "choix valide" not in page and "error-summary" not in page
        assert report.get_absolute_url() in page


def test_no_link_to_the_public_list_when_the_town_turned_it_off(client, street_form):
    with override_settings(RELAIS={**_relais(), "STREET_REPORTS_PUBLIC": False}):
        for url in (street_form.get_absolute_url(), reverse("cases:online_forms")):
            assert reverse("cases:street_list") not in client.get(url).content.decode(), url
    assert reverse("cases:street_list") in client.get(street_form.get_absolute_url()).content.decode()
    assert reverse("cases:street_list") in client.get(reverse("cases:online_forms")).content.decode()


def test_the_duplicate_choices_are_the_close_cases_or_a_typed_reference(street_form, neighbour, street_worker):
    case = _report_case(street_form, neighbour, lat=47.2600, lon=0.6900)
    other = Person.objects.create(first_name="Paul", last_name="Roux", email="paul.roux@example.org")
    close = _report_case(street_form, other, where="rue des Saules", lat=47.2601, lon=0.6901)
    far = _report_case(street_form, other, where="impasse lointaine, chez Paul Roux", lat=47.2900, lon=0.6900)
    staff = staff_client(street_worker)
    url = reverse("cases:street_duplicate", args=[case.reference])
    page = staff.get(url).content.decode()
    assert close.reference in page
    assert far.reference not in page and "impasse lointaine" not in page
    seen = AuditEvent.objects.filter(action=Action.STREET_CLOSE_CASES_VIEWED, object_id=str(case.pk)).last()
    assert seen is not None and other.pk in seen.details["people"]
    foreign = Case.objects.filter(team__slug="etat-civil").first()
    response = staff.post(url, {"action": "link", "reference": foreign.reference})
    assert response.status_code == 400 and "ne porte ce numéro" in response.content.decode()
    response = staff.post(url, {"action": "link", "reference": f" {far.reference} "})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.duplicate_of == far


def test_the_case_page_journals_the_residents_of_the_close_reports_it_shows(street_form, neighbour, street_worker):
    case = _report_case(street_form, neighbour, lat=47.2600, lon=0.6900)
    other = Person.objects.create(first_name="Paul", last_name="Roux", email="paul.roux@example.org")
    _report_case(street_form, other, where="rue des Saules", lat=47.2601, lon=0.6901)
    page = staff_client(street_worker).get(case.get_absolute_url()).content.decode()
    assert "rue des Saules" in page
    seen = AuditEvent.objects.filter(action=Action.STREET_CLOSE_CASES_VIEWED, object_id=str(case.pk)).last()
    assert seen is not None and other.pk in seen.details["people"]


def test_the_english_list_does_not_ask_the_database_once_per_report(client, street_form, neighbour, street_worker):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("cases:street_list")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, HTTP_ACCEPT_LANGUAGE="en").status_code == 200
        return len(captured)

    _published(street_form, neighbour, street_worker)
    queries()  # the first page warms the shared caches (the footer's accessibility state…)
    one = queries()
    for _ in range(3):
        _published(street_form, neighbour, street_worker)
    assert queries() == one
