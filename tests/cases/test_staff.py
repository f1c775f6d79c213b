import io
import uuid
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from relais.accounts.models import Team
from relais.cases import services
from relais.cases.models import Case, EventKind, Form, FormField
from relais.core.models import AuditEvent, Channel
from relais.mandates import services as mandates
from relais.notifications.models import Message
from tests.bidi import unisolated
from tests.cases.conftest import pdf_file
from tests.conftest import staff_client


@pytest.fixture
def civil_case(db):
    """A request for an attestation d'accueil, in progress at État civil."""
    return Case.objects.get(form__slug="attestation-accueil", status="in_progress")


@pytest.fixture
def worker_client(case_worker):
    return staff_client(case_worker)


def test_a_worker_sees_only_the_queue_of_their_team(worker_client, other_case_worker):
    page = worker_client.get(reverse("cases:queue") + "?onglet=toutes").content.decode()
    civil = Case.objects.filter(team__slug="etat-civil")
    street = Case.objects.filter(team__slug="urbanisme").first()
    assert all(c.reference in page for c in civil)
    assert street.reference not in page


def test_a_worker_of_another_team_gets_404_on_the_case_its_documents_and_exports(civil_case, other_case_worker):
    client = staff_client(other_case_worker)
    assert client.get(civil_case.get_absolute_url()).status_code == 404
    document = civil_case.documents.first() or services.case_add_document(
        case=civil_case, upload=pdf_file(), actor=None
    )
    assert client.get(reverse("cases:document", args=[civil_case.reference, document.pk])).status_code == 404
    export = client.get(reverse("cases:export", args=["csv"]) + "?onglet=toutes")
    assert civil_case.reference not in export.content.decode("utf-8-sig")
    response = client.post(reverse("cases:bulk"), {"cases": [civil_case.pk], "action": "status:refused"})
    civil_case.refresh_from_db()
    assert civil_case.status != "refused" and response.status_code == 302


def test_a_resident_page_viewer_is_journaled_and_a_reply_is_no_longer_new(worker_client, civil_case, case_worker):
    Case.objects.filter(pk=civil_case.pk).update(resident_replied_at="2026-11-20T10:00:00Z")
    worker_client.get(civil_case.get_absolute_url())
    civil_case.refresh_from_db()
    assert civil_case.resident_replied_at is None
    assert AuditEvent.objects.filter(
        action="cases.case.viewed", actor=case_worker, object_id=str(civil_case.pk)
    ).exists()


def test_status_changes_follow_the_workflow_and_tell_the_resident(worker_client, civil_case):
    case = civil_case
    url = case.get_absolute_url()
    # asking the resident something needs a message
    html = worker_client.post(
        url, {"action": "status", "status": "waiting_for_resident", "message": ""}
    ).content.decode()
    assert "Expliquez à l'habitant" in html.replace("&#x27;", "'")
    response = worker_client.post(
        url,
        {
            "action": "status",
            "status": "waiting_for_resident",
            "message": "Envoyez votre justificatif de domicile.",
            # The page's hidden field: the correction received that the worker has seen.
            "correction_seen": worker_client.get(url).context["correction_version"],
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "waiting_for_resident"
    told = Message.objects.filter(template="case_status", related_id=str(case.pk)).latest("pk")
    assert "justificatif de domicile" in told.body and case.reference in told.subject
    event = case.events.filter(kind=EventKind.STATUS).latest("pk")
    assert event.message == told
    # both timelines name the new status
    staff_page = worker_client.get(url).content.decode()
    assert "Changement d&#x27;état</strong> : En attente de votre réponse" in staff_page
    resident_page = Client().get(reverse("cases:track", args=[case.reference, case.token])).content.decode()
    assert "Nouvel état : En attente de votre réponse" in resident_page


def test_an_illegal_transition_is_refused(civil_case, case_worker):
    services.case_change_status(case=civil_case, status="refused", actor=case_worker, message="Hors délai.")
    with pytest.raises(ValidationError):
        services.case_change_status(case=civil_case, status="accepted", actor=case_worker)
    civil_case.refresh_from_db()
    assert civil_case.status == "refused"
    services.case_change_status(case=civil_case, status="in_progress", actor=case_worker)  # reopened


def test_internal_notes_never_reach_the_resident(client, worker_client, civil_case):
    worker_client.post(civil_case.get_absolute_url(), {"action": "note", "text": "Voisin pénible, rester patient."})
    page = client.get(civil_case.get_tracking_url()).content.decode()
    assert "Voisin pénible" not in page
    assert civil_case.events.filter(kind=EventKind.NOTE).exists()


def test_assign_only_to_members_of_the_team(worker_client, civil_case, other_case_worker, case_worker):
    html = worker_client.post(civil_case.get_absolute_url(), {"action": "assign", "assignee": other_case_worker.pk})
    assert html.status_code == 200  # not a choice
    worker_client.post(civil_case.get_absolute_url(), {"action": "assign", "assignee": case_worker.pk})
    civil_case.refresh_from_db()
    assert civil_case.assignee == case_worker


def test_bulk_assign_and_status_change(worker_client, case_worker):
    cases = list(Case.objects.filter(team__slug="etat-civil", status__in=["submitted", "in_progress"])[:2])
    worker_client.post(reverse("cases:bulk"), {"cases": [c.pk for c in cases], "action": f"assign:{case_worker.pk}"})
    worker_client.post(
        reverse("cases:bulk"), {"cases": [c.pk for c in cases], "action": "status:closed_without_action"}
    )
    for case in cases:
        case.refresh_from_db()
        assert case.assignee == case_worker and case.status == "closed_without_action"


def test_queue_tabs_filters_search_and_exports(worker_client, civil_case):
    late = worker_client.get(reverse("cases:queue") + "?onglet=retard")
    assert civil_case in late.context["page_obj"]  # received 40 days ago, 30 days to answer
    search = worker_client.get(reverse("cases:queue") + f"?onglet=toutes&q={civil_case.reference}")
    assert search.status_code == 302 and search["Location"] == civil_case.get_absolute_url()  # one match: the case
    by_name = worker_client.get(reverse("cases:queue") + "?onglet=toutes&q=dupont marie")
    assert by_name.context["page_obj"].paginator.count >= 1
    ods = worker_client.get(reverse("cases:export", args=["ods"]) + "?onglet=toutes")
    archive = zipfile.ZipFile(io.BytesIO(ods.content))
    assert archive.namelist()[0] == "mimetype"
    assert civil_case.reference in archive.read("content.xml").decode()
    csv = worker_client.get(reverse("cases:export", args=["csv"]) + "?onglet=toutes").content.decode("utf-8-sig")
    assert csv.startswith("Référence;") and civil_case.reference in csv
    assert AuditEvent.objects.filter(action="cases.queue.exported").count() == 2


def test_the_queue_page_runs_a_constant_number_of_queries(worker_client, civil_case):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert worker_client.get(reverse("cases:queue") + "?onglet=toutes").status_code == 200
        return len(queries)

    count()  # the first page fills the shared cache (the footer's accessibility state)
    before = count()
    for i in range(40):  # more cases, more people, more forms on the page
        person = civil_case.person.__class__.objects.create(last_name=f"Nouveau{i}", phone=f"06000000{i:02d}")
        Case.objects.create(
            reference=f"T-{i}",
            form=civil_case.form,
            team=civil_case.team,
            person=person,
            channel="counter",
            due_date=civil_case.due_date,
            answers=[],
        )
    count()  # the first click after a change counts the tabs again (then kept: test_queue_counts.py)
    assert count() == before


def test_the_queue_filter_reads_its_forms_and_places_once_by_their_names(worker_client, civil_case, case_worker):
    """The filter panel lists the team's forms, the places and the agents: each read once per
    click with one plain query of the names it shows (on PostgreSQL Django's default reads
    each list through a server-side cursor, each time it is listed; no hours nor translations,
    no passwords), though the first click lists them twice (its kept HTML's key, then the HTML)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils.html import escape

    from relais.directory.models import Place

    with CaptureQueriesContext(connection) as queries:
        html = worker_client.get(reverse("cases:queue") + "?onglet=toutes").content.decode()
    forms = [q["sql"] for q in queries if 'FROM "cases_form"' in q["sql"]]
    places = [q["sql"] for q in queries if 'FROM "directory_place"' in q["sql"]]
    assert len(forms) == 1 and len(places) == 1
    assert '"directory_place"."horaires"' not in places[0]
    agents = [q["sql"] for q in queries if "SELECT DISTINCT" in q["sql"] and 'FROM "accounts_user"' in q["sql"]]
    assert len(agents) == 1 and '"accounts_user"."password"' not in agents[0]
    assert f'<option value="{case_worker.pk}">{escape(case_worker.get_full_name())}</option>' in html
    place = Place.objects.get(nom__startswith="Médiathèque")
    for value, label in ((civil_case.form.pk, civil_case.form.title), (place.pk, place.nom)):
        assert f'<option value="{value}">{escape(label)}</option>' in html  # still offered by name


def test_the_case_page_lists_the_assignees_once_by_their_names(worker_client, civil_case, case_worker):
    """The "Agent chargé" list: one plain query of the names it shows (not every column of the
    accounts, nor a server-side cursor on PostgreSQL), the team's case workers offered by name."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils.html import escape

    with CaptureQueriesContext(connection) as queries:
        html = worker_client.get(reverse("cases:detail", args=[civil_case.reference])).content.decode()
    listed = [q["sql"] for q in queries if "SELECT DISTINCT" in q["sql"] and 'FROM "accounts_user"' in q["sql"]]
    assert len(listed) == 1
    assert '"accounts_user"."password"' not in listed[0]
    assert f'<option value="{case_worker.pk}" selected>{escape(case_worker.get_full_name())}</option>' in html or (
        f'<option value="{case_worker.pk}">{escape(case_worker.get_full_name())}</option>' in html
    )


def test_assigning_a_case_reads_the_chosen_agent_once(worker_client, civil_case, case_worker):
    """The list offers names only; the agent chosen is checked (active, no application) from
    that same read, not from one more query per flag."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = worker_client.post(civil_case.get_absolute_url(), {"action": "assign", "assignee": case_worker.pk})
    assert response.status_code == 302
    civil_case.refresh_from_db()
    assert civil_case.assignee == case_worker
    reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT") and 'FROM "accounts_user"' in q["sql"]]
    assert len(reads) == 2, reads  # the logged-in agent, then the list the choice is taken from


def test_the_case_page_reads_a_mandate_and_a_place_only_for_a_case_that_has_them(worker_client, civil_case, advisor):
    """Who a request was taken by, where, and under which mandate: the page says each when
    there is one; the mandate and the place are read then (the place by its name only), not
    joined to the page's main query of every case."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from relais.directory.models import Place

    def page():
        with CaptureQueriesContext(connection) as queries:
            html = worker_client.get(civil_case.get_absolute_url()).content.decode()
        return html, [q["sql"] for q in queries]

    Case.objects.filter(pk=civil_case.pk).update(acting_under=None, recorded_at_place=None)
    html, queries = page()
    assert "mandat n°" not in html
    assert not [q for q in queries if 'FROM "mandates_mandate"' in q or 'FROM "directory_place"' in q]
    place = Place.objects.first()
    mandate = mandates.mandate_create(
        person=civil_case.person,
        team=Team.objects.get(slug="mediation"),
        scopes=["etat_civil"],
        duration="1d",
        consent_method="paper",
        actor=advisor,
    )
    Case.objects.filter(pk=civil_case.pk).update(acting_under=mandate, recorded_at_place=place)
    html, queries = page()
    assert f"(mandat n° {mandate.pk})" in unisolated(html) and "Médiation" in html
    assert f"({place.nom})" in html
    places = [q for q in queries if 'FROM "directory_place"' in q]
    assert len(places) == 1 and '"directory_place"."horaires"' not in places[0]
    mandates_read = [q for q in queries if 'FROM "mandates_mandate"' in q]
    assert len(mandates_read) == 1 and '"accounts_team"' in mandates_read[0]  # with its team, one query


def test_the_queue_filtered_by_channel_reads_the_channel_index(case_worker):
    """A filter by phone, submitted, this half-year: the list (and its count) is one range of the
    channel index, not every case of that status read to test its channel. SQLite's choice
    only: PostgreSQL's depends on the table's statistics (bench/cases.py measures it)."""
    import datetime

    from django.db import connection

    from relais.cases import selectors

    if connection.vendor != "sqlite":
        pytest.skip("the planner's choice depends on the table's statistics")
    filters = {
        "status": "submitted",
        "channel": "phone",
        "start": datetime.date(2026, 1, 1),
        "end": datetime.date(2026, 6, 30),
    }
    plan = selectors.queue(case_worker, tab="toutes", filters=filters).order_by().values("pk").explain()
    assert "case_channel" in plan, plan


# ---------------------------------------------------------------- every channel


def test_the_phone_journey_of_a_resident_with_no_email_ends_in_the_print_batch(
    reception_client, resident_by_letter, case_worker, reception_agent
):
    """Jeanne phones the town hall, prefers letters: receipt and decision are printed."""
    form = Form.objects.get(slug="rendez-vous-ccas")
    url = reverse("cases:record", args=[resident_by_letter.pk, form.slug]) + "?canal=phone"
    key = str(uuid.uuid4())
    data = {"motif": "Logement", "moments": ["Le matin"], "submission_key": key}
    response = reception_client.post(url, data)
    assert response.status_code == 302
    case = Case.objects.get(submission_key=key)
    assert case.channel == Channel.PHONE and case.recorded_by == reception_agent
    # the agent double-clicked: still one case
    reception_client.post(url, data)
    assert Case.objects.filter(submission_key=key).count() == 1
    receipt = Message.objects.get(template="case_receipt", related_id=str(case.pk))
    assert receipt.channel == "letter" and case.reference in receipt.body
    services.case_change_status(case=case, status="accepted", actor=case_worker, message="Rendez-vous mardi 10 h.")
    decision = Message.objects.filter(template="case_status", related_id=str(case.pk)).latest("pk")
    assert decision.channel == "letter"
    from relais.notifications.services import letters_batch_create

    batch = letters_batch_create(actor=reception_agent)
    assert {receipt, decision} <= set(batch.letters.all())


def test_a_posted_letter_is_recorded_with_its_scan(reception_client, resident_by_letter):
    form = Form.objects.get(slug="rendez-vous-ccas")
    url = reverse("cases:record", args=[resident_by_letter.pk, form.slug]) + "?canal=post"
    page = reception_client.get(url).content.decode()
    assert "numérisé" in page
    key = str(uuid.uuid4())
    reception_client.post(
        url, {"motif": "Autre", "moments": ["Le matin"], "submission_key": key, "scan": pdf_file("courrier.pdf")}
    )
    case = Case.objects.get(submission_key=key)
    assert case.channel == Channel.POST and case.documents.get().name == "courrier.pdf"


def test_a_helper_is_refused_without_a_mandate_and_accepted_with_one(advisor, resident_by_letter):
    client = staff_client(advisor)
    form = Form.objects.get(slug="rendez-vous-ccas")  # scope "social"
    url = reverse("cases:record", args=[resident_by_letter.pk, form.slug]) + "?canal=mandate"
    refused = client.get(url)
    assert refused.status_code == 403
    assert "pas de mandat en cours" in refused.content.decode()
    key = str(uuid.uuid4())
    assert client.post(url, {"motif": "Autre", "moments": ["Le matin"], "submission_key": key}).status_code == 403
    assert not Case.objects.filter(submission_key=key).exists()
    mandate = mandates.mandate_create(
        person=resident_by_letter,
        team=Team.objects.get(slug="mediation"),
        scopes=["social"],
        duration="1d",
        consent_method="paper",
        actor=advisor,
    )
    mandates.mandate_record_paper(mandate=mandate, actor=advisor)
    response = client.post(url, {"motif": "Autre", "moments": ["Le matin"], "submission_key": key})
    assert response.status_code == 302
    case = Case.objects.get(submission_key=key)
    assert case.acting_under == mandate and case.recorded_by == advisor
    assert AuditEvent.objects.filter(action="mandates.mandate.used", object_id=str(mandate.pk)).exists()
    # the helper follows the case while the mandate lasts (each look is a use), and no longer after
    assert client.get(case.get_absolute_url()).status_code == 200
    mandates.mandate_revoke(mandate=mandate, actor=None, via="online")
    assert client.get(case.get_absolute_url()).status_code == 404


def test_a_mandate_for_another_scope_does_not_allow_the_request(advisor, resident_by_letter):
    mandate = mandates.mandate_create(
        person=resident_by_letter,
        team=Team.objects.get(slug="mediation"),
        scopes=["loisirs"],
        duration="1d",
        consent_method="paper",
        actor=advisor,
    )
    mandates.mandate_record_paper(mandate=mandate, actor=advisor)
    url = reverse("cases:record", args=[resident_by_letter.pk, "rendez-vous-ccas"]) + "?canal=mandate"
    assert staff_client(advisor).get(url).status_code == 403


def test_reception_sees_the_status_of_a_persons_requests_on_the_phone(reception_client, resident_with_email):
    page = reception_client.get(resident_with_email.get_absolute_url()).content.decode()
    case = Case.objects.filter(person=resident_with_email, recorded_by__isnull=True).first()
    assert case.reference in page and "état seulement" in page


# ---------------------------------------------------------------- form builder


def test_changing_a_form_never_alters_cases_already_filed(admin_client, civil_case):
    field = civil_case.form.fields.get(key="nom_invite")
    old_label = field.label
    response = admin_client.post(
        reverse("cases:field_edit", args=[civil_case.form.slug, field.pk]),
        {
            "label": "Nom complet de votre invité",
            "key": "nom_invite",
            "kind": "text",
            "help_text": "",
            "required": "on",
            "choices": "",
        },
    )
    assert response.status_code == 302
    civil_case.refresh_from_db()
    assert [a["label"] for a in civil_case.answers if a["key"] == "nom_invite"] == [old_label]


def test_an_administrator_builds_a_form_with_a_choice_question(admin_client, db):
    team = Team.objects.get(slug="scolaire")
    response = admin_client.post(
        reverse("cases:form_create"),
        {
            "title": "Inscrire son enfant au centre de loisirs",
            "slug": "centre-loisirs",
            "intro": "Pour les vacances.",
            "team": team.pk,
            "expected_days": 5,
            "mandate_scope": "famille",
            "one_question_per_page": "on",
            "published": "on",
        },
    )
    assert response.status_code == 302
    url = reverse("cases:field_create", args=["centre-loisirs"])
    html = admin_client.post(
        url, {"label": "Quelle semaine ?", "key": "semaine", "kind": "choice", "required": "on", "choices": "Une seule"}
    ).content.decode()
    assert "Indiquez au moins deux choix" in html and "Quelle semaine ?" in html
    admin_client.post(
        url,
        {
            "label": "Quelle semaine ?",
            "key": "semaine",
            "kind": "choice",
            "required": "on",
            "choices": "Semaine 1\nSemaine 2",
        },
    )
    admin_client.post(url, {"label": "Allergies", "key": "allergies", "kind": "long_text", "choices": ""})
    form = Form.objects.get(slug="centre-loisirs")
    assert [f.key for f in form.fields.all()] == ["semaine", "allergies"]
    allergies = FormField.objects.get(form=form, key="allergies")
    admin_client.post(reverse("cases:field_action", args=[form.slug, allergies.pk]), {"action": "up"})
    assert [f.key for f in form.fields.all()] == ["allergies", "semaine"]


def test_only_administrators_build_forms(worker_client):
    assert worker_client.get(reverse("cases:form_list")).status_code == 404


def test_messages_about_a_case_are_readable_by_its_workers_only(
    civil_case, case_worker, other_case_worker, moderator, advisor
):
    message = Message.objects.filter(related_type="cases.case", related_id=str(civil_case.pk)).first()
    url = reverse("notifications:message_detail", args=[message.pk])
    page = staff_client(case_worker).get(url)
    assert page.status_code == 200 and message.subject in unisolated(page.content.decode())
    assert civil_case.token not in page.content.decode()
    for outsider in (other_case_worker, moderator, advisor):
        assert staff_client(outsider).get(url).status_code == 404


def test_bulk_never_redirects_to_another_site(worker_client, civil_case):
    response = worker_client.post(
        reverse("cases:bulk"),
        {"cases": [civil_case.pk], "action": "status:in_progress", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("cases:queue")


def test_bulk_cannot_refuse_without_telling_why(worker_client, civil_case):
    worker_client.post(reverse("cases:bulk"), {"cases": [civil_case.pk], "action": "status:refused"})
    civil_case.refresh_from_db()
    assert civil_case.status == "in_progress"


def test_a_csv_export_never_holds_a_formula(worker_client, civil_case):
    civil_case.person.last_name = '=HYPERLINK("http://evil")'
    civil_case.person.save()
    import csv

    text = worker_client.get(reverse("cases:export", args=["csv"]) + "?onglet=toutes").content.decode("utf-8-sig")
    names = [row[-1] for row in csv.reader(text.splitlines(), delimiter=";")]
    assert any(name.startswith("'=HYPERLINK") for name in names)
    assert not any(name.startswith("=") for name in names)


def test_another_helper_of_the_team_following_the_case_uses_the_mandate(advisor, manager, resident_by_letter):
    mandate = mandates.mandate_create(
        person=resident_by_letter,
        team=Team.objects.get(slug="mediation"),
        scopes=["social"],
        duration="1d",
        consent_method="paper",
        actor=advisor,
    )
    mandates.mandate_record_paper(mandate=mandate, actor=advisor)
    key = uuid.uuid4()
    case = services.case_submit(
        form=Form.objects.get(slug="rendez-vous-ccas"),
        person=resident_by_letter,
        answers={"motif": "Autre", "moments": ["Le matin"]},
        channel=Channel.ONLINE,
        recorded_by=advisor,
        on_behalf=True,
        submission_key=key,
    )
    assert staff_client(manager).get(case.get_absolute_url()).status_code == 200
    assert AuditEvent.objects.filter(
        action="mandates.mandate.used", actor=manager, details__for="cases.case.viewed"
    ).exists()


def test_a_search_lists_every_match_newest_first_and_in_pages(worker_client, civil_case):
    """A search reads its matches once and sorts them: same order and pages as the queue."""
    matches = list(
        Case.objects.filter(team__slug="etat-civil", search_text__contains="dupont").order_by("-submitted_at", "-pk")
    )
    assert len(matches) >= 2
    search = worker_client.get(reverse("cases:queue") + "?onglet=toutes&q=Dupont")
    page = search.context["page_obj"]
    assert page.paginator.count == len(matches)
    assert [c.pk for c in page.object_list] == [c.pk for c in matches[:50]]
    oldest_first = worker_client.get(reverse("cases:queue") + "?onglet=toutes&q=Dupont&sort=submitted_at")
    assert [c.pk for c in oldest_first.context["page_obj"].object_list][0] == matches[-1].pk


def _row_of(page: str, reference: str) -> str:
    rows = [row for row in page.split("<tr") if f">{reference}<" in row]
    assert len(rows) == 1, reference
    return rows[0]


def test_a_queue_row_shows_what_waits_for_the_agent(worker_client, civil_case):
    """A late case, a reply from the resident, a name typed with markup: what the row says."""
    import datetime

    from django.utils import timezone

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Case.objects.filter(pk=civil_case.pk).update(due_date=yesterday, resident_replied_at=timezone.now())
    civil_case.person.last_name = "<script>alert(1)</script>"
    civil_case.person.save()
    page = worker_client.get(reverse("cases:queue") + "?onglet=toutes").content.decode()
    row = _row_of(page, civil_case.reference)
    assert f'<td class="late"><bdi dir="ltr">{yesterday:%d/%m/%Y}</bdi></td>' in row
    assert "réponse reçue" in row
    assert "<script>" not in row and "&lt;SCRIPT&gt;ALERT(1)&lt;/SCRIPT&gt;" in row
    assert f'href="{civil_case.get_absolute_url()}"' in row
    assert f'aria-label="Choisir {civil_case.reference}"' in row


def test_a_search_that_finds_nothing_says_so(worker_client):
    page = worker_client.get(reverse("cases:queue") + "?onglet=toutes&q=zzzqqq").content.decode()
    assert '<td colspan="9">Aucun dossier ici.</td>' in page


def test_a_filtered_queue_is_counted_up_to_the_cap_and_paged_past_it(worker_client, civil_case, monkeypatch):
    from relais.core.paging import CappedPaginator

    monkeypatch.setitem(CappedPaginator.__init__.__kwdefaults__, "cap", 2)  # a cap of 2 cases
    for i in range(4):
        Case.objects.create(
            reference=f"F-{i}", form=civil_case.form, team=civil_case.team, person=civil_case.person,
            channel="phone", due_date=civil_case.due_date, answers=[],
        )  # fmt: skip
    url = reverse("cases:queue") + "?onglet=toutes&channel=phone"
    first = worker_client.get(url)
    assert "plus de 2 dossiers" in first.content.decode().replace("\u202f", " ").replace("\xa0", " ")
    shown = {case.reference for case in first.context["page_obj"]}
    assert {f"F-{i}" for i in range(4)} <= shown  # a page of 50 shows them all
    # The whole tab is still counted exactly (its count is known from the tab counts).
    whole = worker_client.get(reverse("cases:queue") + "?onglet=toutes")
    assert not getattr(whole.context["page_obj"].paginator, "capped", False)
