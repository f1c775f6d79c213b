"""The statistics pages as each role opens them: who sees what, bad filters, exports with
small counts suppressed, share links, the open data file."""

import csv
import datetime
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from relais.accounts.models import Role, Team, User
from relais.core.models import AuditEvent
from relais.directory.models import Place
from relais.mediation.models import Accompaniment
from relais.stats.journal import Action
from relais.stats.models import ShareLink
from tests.conftest import make_member, staff_client

ADVISOR = "conseiller@valbrenne.fr"
MANAGER = "responsable@valbrenne.fr"
ADMIN = "admin@valbrenne.fr"
OFFICIAL = "elu@valbrenne.fr"


def client_of(email):
    return staff_client(User.objects.get(email=email))


def page_url(audience="mediation", **params):
    from django.utils.http import urlencode

    return reverse("stats:page", args=[audience]) + ("?" + urlencode(params) if params else "")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "email, audiences",
    [
        (ADVISOR, {"mediation", "frequentation"}),
        (MANAGER, {"mediation", "demandes", "entraide", "envois", "frequentation", "demarches"}),
        (ADMIN, {"mediation", "demandes", "entraide", "envois", "frequentation", "demarches"}),
        (OFFICIAL, {"mediation", "demandes", "entraide", "envois", "frequentation", "demarches"}),
        ("etat-civil@valbrenne.fr", set()),
        ("accueil@valbrenne.fr", set()),
        ("moderation@valbrenne.fr", set()),
    ],
)
def test_each_role_opens_the_pages_of_its_scope_only(email, audiences):
    client = client_of(email)
    for audience in ("mediation", "demandes", "entraide", "envois", "frequentation", "demarches"):
        status = client.get(page_url(audience)).status_code
        assert status == (200 if audience in audiences else 404), (email, audience, status)
    assert client.get(reverse("stats:home")).status_code == (200 if audiences else 404)


def _accompaniments(team, advisor, place, n, date, **fields):
    for _i in range(n):
        Accompaniment.objects.create(
            team=team, advisor=advisor, place=place, duration=30, themes=["email"], date=date, **fields
        )


@pytest.mark.django_db
def test_an_advisor_sees_only_their_own_records_and_a_manager_only_their_team():
    mediation = Team.objects.get(slug="mediation")
    advisor = User.objects.get(email=ADVISOR)
    colleague = make_member("collegue@valbrenne.fr", "mediation", Role.ADVISOR)
    other_team = Team.objects.create(name="Médiation C", slug="mediation-c", kind="mediation")
    stranger = make_member("ailleurs@valbrenne.fr", "mediation-c", Role.ADVISOR)
    place = Place.objects.first()
    day = datetime.date(2019, 3, 5)
    _accompaniments(mediation, advisor, place, 3, day)
    _accompaniments(mediation, colleague, place, 7, day)
    _accompaniments(other_team, stranger, place, 11, day)
    params = {"period": "custom", "start": "2019-03-01", "end": "2019-03-31"}

    def activities(email):
        response = client_of(email).get(page_url(**params))
        assert response.status_code == 200
        return next(f.value for f in response.context["section"].figures if f.slug == "activities")

    assert activities(ADVISOR) == 3
    assert activities(MANAGER) == 10
    assert activities(ADMIN) == 21
    assert activities(OFFICIAL) == 21
    # An advisor cannot ask for a colleague: the advisor filter is not offered.
    response = client_of(ADVISOR).get(page_url(advisor=colleague.pk, **params))
    assert "advisor" not in response.context["form"].fields
    assert next(f.value for f in response.context["section"].figures if f.slug == "activities") == 3
    # A manager cannot ask for another team's figures: a plain message, no figures.
    response = client_of(MANAGER).get(page_url(team=other_team.pk, **params))
    assert response.context["section"] is None
    assert response.context["form"].errors["team"] == ["Choisissez une de vos équipes dans la liste."]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params, field, message",
    [
        (
            {"period": "custom", "start": "2026-05-10", "end": "2026-05-01"},
            "end",
            "Le dernier jour est avant le premier",
        ),
        ({"period": "custom", "start": "1970-01-01", "end": "2026-01-01"}, "start", "10 ans au plus"),
        ({"period": "custom", "start": "", "end": "2026-01-01"}, "start", "Indiquez le premier jour"),
        ({"period": "custom", "start": "31/02/2026", "end": "2026-03-01"}, "start", "date valide"),
        ({"period": "siècle"}, "period", "Choisissez une période de la liste."),
        ({"place": "999999"}, "place", "seuls ceux de vos équipes"),
    ],
)
def test_bad_filters_get_a_plain_french_message_beside_the_field_and_no_figures(params, field, message):
    response = client_of(ADMIN).get(page_url(**params))
    assert response.status_code == 200
    assert response.context["section"] is None
    assert any(message in str(e) for e in response.context["form"].errors[field]), response.context["form"].errors
    # What was typed is kept (dates; a list keeps its choices).
    for name in ("start", "end"):
        if params.get(name):
            assert params[name] in response.content.decode()


@pytest.mark.django_db
def test_another_teams_place_is_refused_to_a_manager():
    other_team = Team.objects.create(name="Médiation C", slug="mediation-c", kind="mediation")
    place = Place.objects.create(
        nom="Lieu C", slug="lieu-c", adresse="1 rue C", code_postal="37500", commune="Valbrenne"
    )
    place.teams.add(other_team)
    response = client_of(MANAGER).get(page_url(place=place.pk))
    assert response.context["section"] is None
    assert "place" in response.context["form"].errors


@pytest.mark.django_db
def test_opening_and_exporting_statistics_is_journaled():
    client = client_of(MANAGER)
    before = AuditEvent.objects.count()
    client.get(page_url())
    client.get(reverse("stats:export", args=["mediation", "ods"]))
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)[before:])
    assert actions == [Action.PAGE_VIEWED, Action.EXPORTED]


def _small_world():
    """A team with 3 records in March 2019 (a small count) and 8 in April."""
    team = Team.objects.create(name="Médiation S", slug="mediation-s", kind="mediation")
    manager = make_member("chef-s@valbrenne.fr", "mediation-s", Role.MANAGER)
    advisor = make_member("conseiller-s@valbrenne.fr", "mediation-s", Role.ADVISOR)
    place = Place.objects.first()
    _accompaniments(team, advisor, place, 3, datetime.date(2019, 3, 5), gender="feminin")
    _accompaniments(team, advisor, place, 8, datetime.date(2019, 3, 6), gender="masculin")
    return manager


@pytest.mark.django_db
def test_files_suppress_small_counts_but_the_staff_page_shows_them():
    manager = _small_world()
    client = staff_client(manager)
    params = {"period": "custom", "start": "2019-03-01", "end": "2019-03-31"}
    page = client.get(page_url(**params))
    gender = page.context["section"].table("gender")
    assert [r.values[0] for r in gender.rows if r.code == "feminin"] == [3]

    from django.utils.http import urlencode

    query = urlencode(params)
    ods = client.get(reverse("stats:export", args=["mediation", "ods"]) + "?" + query)
    assert ods["Content-Type"] == "application/vnd.oasis.opendocument.spreadsheet"
    content = zipfile.ZipFile(io.BytesIO(ods.content)).read("content.xml").decode()
    assert "moins de 5" in content

    table_csv = client.get(reverse("stats:export", args=["mediation", "csv"]) + "?" + query + "&tableau=gender")
    rows = list(csv.reader(io.StringIO(table_csv.content.decode("utf-8-sig")), delimiter=";"))
    by_code = {row[-1]: row[1] for row in rows[1:]}
    # 3 women is small; 8 men would then give 3 by subtraction from the total: both hidden.
    assert by_code["feminin"] == "moins de 5"
    assert by_code["masculin"] == "moins de 5"

    data = client.get(reverse("stats:export", args=["mediation", "json"]) + "?" + query).json()
    gender_json = next(t for t in data["tableaux"] if t["code"] == "gender")
    assert {r["code"]: r["valeurs"][0] for r in gender_json["lignes"]}["feminin"] == {"moins_de": 5}
    assert data["filtres"]["start"] == "2019-03-01"


@pytest.mark.django_db
def test_a_share_link_shows_suppressed_figures_until_it_is_revoked_or_expires():
    manager = _small_world()
    client = staff_client(manager)
    from django.utils.http import urlencode

    query = urlencode({"period": "custom", "start": "2019-03-01", "end": "2019-03-31"})
    response = client.post(
        reverse("stats:share_create", args=["mediation"]) + "?" + query, {"label": "Département", "days": "30"}
    )
    assert response.status_code == 200
    url = response.context["url"]
    path = url.split("testserver", 1)[1]
    link = ShareLink.objects.get()
    assert link.query["teams"] == [Team.objects.get(slug="mediation-s").pk]
    assert url.split("/")[-2] not in link.secret_hash  # only a hash is kept

    from django.test import Client

    partner = Client()
    shared = partner.get(path)
    assert shared.status_code == 200
    html = shared.content.decode()
    assert "moins de 5" in html
    assert shared.context["section"].figure("activities").value == 11
    assert partner.get(path + "donnees.json").json()["chiffres"][0]["valeur"] == 11
    assert AuditEvent.objects.filter(action=Action.SHARE_OPENED).count() == 2

    # Tampered: 404.
    assert partner.get(path[:-3] + "xy/").status_code == 404
    # Revoked: 404.
    assert client.post(reverse("stats:share_revoke", args=[link.pk])).status_code == 302
    assert partner.get(path).status_code == 404
    # Expired: 404.
    ShareLink.objects.filter(pk=link.pk).update(revoked_at=None, expires_at=timezone.now())
    assert partner.get(path).status_code == 404


@pytest.mark.django_db
def test_only_managers_and_administrators_share_and_a_manager_cannot_revoke_another_teams_link():
    manager = _small_world()
    from django.utils.http import urlencode

    query = urlencode({"period": "this_year"})
    assert (
        client_of(OFFICIAL)
        .post(reverse("stats:share_create", args=["mediation"]) + "?" + query, {"label": "X", "days": "30"})
        .status_code
        == 404
    )
    assert (
        client_of(ADVISOR)
        .post(reverse("stats:share_create", args=["mediation"]) + "?" + query, {"label": "X", "days": "30"})
        .status_code
        == 404
    )
    staff_client(manager).post(
        reverse("stats:share_create", args=["mediation"]) + "?" + query, {"label": "Financeur", "days": "7"}
    )
    link = ShareLink.objects.get()
    assert client_of(MANAGER).post(reverse("stats:share_revoke", args=[link.pk])).status_code == 404
    assert client_of(MANAGER).get(reverse("stats:shares")).context["links"].count() == 0
    assert client_of(ADMIN).get(reverse("stats:shares")).context["links"].count() == 1


@pytest.mark.django_db
def test_a_share_link_without_a_label_says_so_and_keeps_the_choice():
    client = client_of(MANAGER)
    response = client.post(
        reverse("stats:share_create", args=["mediation"]) + "?period=this_year", {"label": " ", "days": "90"}
    )
    assert response.status_code == 400
    assert "Ce champ est obligatoire" in response.content.decode() or "Dites pour qui" in response.content.decode()
    assert ShareLink.objects.count() == 0


@pytest.mark.django_db
def test_open_data_counts_per_month_place_and_theme_with_small_counts_suppressed(client):
    team = Team.objects.create(name="Médiation O", slug="mediation-o", kind="mediation")
    advisor = make_member("conseiller-o@valbrenne.fr", "mediation-o", Role.ADVISOR)
    place = Place.objects.create(
        nom="Lieu O", slug="lieu-o", adresse="1 rue O", code_postal="37500", commune="Valbrenne", schema_id="lieu-o-id"
    )
    month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=10)
    _accompaniments(team, advisor, place, 6, month)
    Accompaniment.objects.create(
        team=team, advisor=advisor, place=place, duration=30, themes=["email", "sante"], date=month
    )
    response = client.get(reverse("stats:open_data_csv"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    mine = {r["thematique"]: r["accompagnements"] for r in rows if r["lieu_id"] == "lieu-o-id"}
    assert mine == {"email": "7", "sante": "moins de 5"}
    assert all(r["mois"] == month.strftime("%Y-%m") for r in rows if r["lieu_id"] == "lieu-o-id")
    schema = client.get(reverse("stats:open_data_schema")).json()
    assert [f["name"] for f in schema["fields"]] == list(rows[0].keys())
    assert client.get(reverse("stats:open_data")).status_code == 200


@pytest.mark.django_db
def test_the_official_role_opens_the_statistics_and_nothing_else_of_the_staff_area():
    """Generated from the URL patterns: every staff page without a parameter, as an elected
    official (read-only statistics of the whole town)."""
    from tests.routes import all_routes

    client = client_of(OFFICIAL)
    opened = sorted(
        route.name
        for route in all_routes()
        if route.staff and not route.params and client.get(reverse(route.name)).status_code == 200
    )
    assert opened == ["people:staff_home", "stats:home", "stats:report"]


@pytest.mark.django_db
def test_the_council_report_is_a_pdf_with_small_counts_suppressed_and_is_journaled(tmp_path):
    from tests.stats.test_report import pdf_text, words

    manager = _small_world()
    client = staff_client(manager)
    response = client.get(
        reverse("stats:report"), {"format": "pdf", "period": "custom", "start": "2019-03-01", "end": "2019-03-31"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = words(pdf_text(response.content, tmp_path))
    assert "Rapport d'activité" in text
    assert "11 activités" in text or "11" in text
    assert "moins de 5" in text
    assert AuditEvent.objects.filter(action=Action.REPORT_PRINTED, actor=manager).count() == 1
    # Bad dates: the form again, with the message, no PDF.
    response = client.get(
        reverse("stats:report"), {"format": "pdf", "period": "custom", "start": "2019-03-31", "end": "2019-03-01"}
    )
    assert response["Content-Type"].startswith("text/html")
    assert "Le dernier jour est avant le premier" in response.content.decode()


@pytest.mark.django_db
def test_the_council_report_keeps_each_part_inside_its_own_scope(tmp_path):
    """A manager of one team who advises in another: choosing the team where they only
    advise gives their own mediation figures, and leaves the requests, mutual aid and
    outbox of that team out of the report (those pages refuse that team too)."""
    from unittest import mock

    from relais.accounts.models import Membership
    from relais.stats import registry

    advising = Team.objects.create(name="Conseil R", slug="conseil-r", kind="mediation")
    managed = Team.objects.create(name="Gérée R", slug="geree-r", kind="mediation")
    user = make_member("mixte@valbrenne.fr", "conseil-r", Role.ADVISOR)
    Membership.objects.create(user=user, team=managed, role=Role.MANAGER)
    seen = []
    real = registry.section

    def spy(audience, query):
        seen.append((audience, query.team_ids, query.advisor_id))
        return real(audience, query)

    with mock.patch.object(registry, "section", spy):
        response = staff_client(user).get(
            reverse("stats:report"), {"format": "pdf", "period": "this_year", "team": str(advising.pk)}
        )
    assert response.status_code == 200
    assert {audience for audience, _teams, _advisor in seen} == {"mediation", "frequentation"}
    assert all(teams == (advising.pk,) and advisor == user.pk for _a, teams, advisor in seen)
