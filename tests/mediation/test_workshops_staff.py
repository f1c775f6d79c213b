"""Staff side of workshops: creating one with its sessions, registering someone at the
counter, the attendance list on a phone, certificates, and team scoping."""

import datetime

from django.urls import reverse
from django.utils import timezone

from relais.accounts.models import Team, TeamKind
from relais.core.models import AuditEvent, Channel
from relais.mediation.models import Attendance, Registration, Workshop
from relais.mediation.services import workshops
from relais.notifications.models import Message
from tests.conftest import make_member, staff_client
from tests.mediation.conftest import make_person, make_workshop


def test_an_advisor_creates_a_workshop_with_two_sessions(advisor_client, team):
    day = timezone.localdate() + datetime.timedelta(days=10)
    data = {
        "team": team.pk,
        "title": "Mon espace santé",
        "description": "Ouvrir et utiliser Mon espace santé.",
        "theme": "sante",
        "level": "debutant",
        "place": team.places.get(slug="mediatheque").pk,
        "advisor": "",
        "partner": "CPAM d'Indre-et-Loire",
        "capacity": "10",
        "registration_opens_at": "2026-01-05T09:00",
        "registration_closes_at": "",
        "what_to_bring": "",
        "accessibility_notes": "",
        "published": "on",
        "seances-TOTAL_FORMS": "2",
        "seances-INITIAL_FORMS": "0",
        "seances-MIN_NUM_FORMS": "1",
        "seances-MAX_NUM_FORMS": "1000",
        "seances-0-date": day.isoformat(),
        "seances-0-start": "14:00",
        "seances-0-end": "16:00",
        "seances-1-date": (day + datetime.timedelta(days=7)).isoformat(),
        "seances-1-start": "14:00",
        "seances-1-end": "16:00",
    }
    response = advisor_client.post(reverse("mediation:staff_workshop_create"), data)
    workshop = Workshop.objects.get(title="Mon espace santé")
    assert response["Location"] == reverse("mediation:staff_workshop", args=[workshop.pk])
    assert workshop.slug == "mon-espace-sante" and workshop.sessions.count() == 2
    assert timezone.localtime(workshop.first_session.starts_at).hour == 14


def test_a_workshop_without_session_is_refused_beside_the_field(advisor_client, team):
    data = {
        "team": team.pk, "title": "Sans date", "description": "x", "theme": "email", "level": "debutant",
        "place": team.places.first().pk, "capacity": "5", "registration_opens_at": "2026-01-05T09:00",
        "seances-TOTAL_FORMS": "1", "seances-INITIAL_FORMS": "0", "seances-MIN_NUM_FORMS": "1",
        "seances-MAX_NUM_FORMS": "1000", "seances-0-date": "", "seances-0-start": "", "seances-0-end": "",
    }  # fmt: skip
    response = advisor_client.post(reverse("mediation:staff_workshop_create"), data)
    assert response.status_code == 200 and not Workshop.objects.filter(title="Sans date").exists()


def test_reception_registers_a_resident_by_phone_and_the_letter_goes_out(reception_client, resident_by_letter):
    workshop = make_workshop(capacity=3)
    url = reverse("mediation:staff_workshop_register", args=[workshop.pk])
    assert "trouvez la personne" in reception_client.get(url, {"q": "Martin"}).content.decode()
    page = reception_client.get(url, {"person": resident_by_letter.pk})
    key = page.context["form"].initial["submission_key"]
    response = reception_client.post(
        url + f"?person={resident_by_letter.pk}", {"channel": "phone", "submission_key": key}
    )
    assert response["Location"] == resident_by_letter.get_absolute_url()
    registration = Registration.objects.get(workshop=workshop, person=resident_by_letter)
    assert registration.channel == Channel.PHONE and registration.status == "confirmed"
    assert Message.objects.get(related_id=str(registration.pk)).channel == "letter"


def test_staff_registering_someone_twice_get_a_clear_message(reception_client, resident_by_letter):
    workshop = make_workshop(capacity=3)
    workshops.registration_create(workshop=workshop, person=resident_by_letter, channel="counter", actor=None)
    url = reverse("mediation:staff_workshop_register", args=[workshop.pk]) + f"?person={resident_by_letter.pk}"
    response = reception_client.post(url, {"channel": "counter"})
    assert "déjà inscrit(e)" in response.content.decode()


def test_the_registration_list_and_attendance_are_journaled_and_statuses_follow(advisor_client, advisor):
    workshop = make_workshop(capacity=3, days=-0.1)  # the session began a few minutes ago
    regs = [
        Registration.objects.create(workshop=workshop, person=make_person(f"att{n}"), status="confirmed")
        for n in range(3)
    ]
    Workshop.objects.filter(pk=workshop.pk).update(confirmed_count=3)
    session = workshop.sessions.get()
    advisor_client.get(reverse("mediation:staff_workshop", args=[workshop.pk]))
    assert AuditEvent.objects.filter(action="mediation.registration.list_viewed", object_id=str(workshop.pk)).exists()
    url = reverse("mediation:staff_attendance", args=[workshop.pk, session.pk])
    page = advisor_client.get(url).content.decode()
    assert "Cochez les personnes présentes" in page and regs[0].person.display_name in page
    assert AuditEvent.objects.filter(action="mediation.attendance.viewed").exists()
    advisor_client.post(url, {f"r{regs[0].pk}": "on", f"r{regs[1].pk}": "on"})
    statuses = [r.status for r in Registration.objects.filter(pk__in=[r.pk for r in regs]).order_by("pk")]
    assert statuses == ["attended", "attended", "no_show"]
    certificate = advisor_client.get(reverse("mediation:staff_certificate", args=[workshop.pk, regs[0].pk]))
    assert certificate["Content-Type"] == "application/pdf" and certificate.content.startswith(b"%PDF")
    refused = advisor_client.get(reverse("mediation:staff_certificate", args=[workshop.pk, regs[2].pk]))
    assert refused.status_code == 302
    assert AuditEvent.objects.filter(action="mediation.certificate.printed", person_id=regs[0].person_id).exists()


def test_attendance_waits_for_the_session_and_a_certificate_for_a_session_that_took_place(advisor_client):
    workshop = make_workshop(capacity=3, days=8)  # a session in 8 days
    registration = Registration.objects.create(workshop=workshop, person=make_person("early"), status="confirmed")
    Workshop.objects.filter(pk=workshop.pk).update(confirmed_count=1)
    session = workshop.sessions.get()
    detail = advisor_client.get(reverse("mediation:staff_workshop", args=[workshop.pk])).content.decode()
    url = reverse("mediation:staff_attendance", args=[workshop.pk, session.pk])
    assert url not in detail and "présences à noter dès le début" in detail
    page = advisor_client.get(url).content.decode()
    assert "pas encore commencé" in page and 'type="checkbox"' not in page
    refused = advisor_client.post(url, {f"r{registration.pk}": "on"})
    assert refused.status_code == 200 and "pas encore commencé" in refused.content.decode()
    registration.refresh_from_db()
    assert registration.status == "confirmed" and not Attendance.objects.filter(registration=registration).exists()
    # a presence ticked in advance (before this rule) proves nothing: no certificate
    Attendance.objects.create(registration=registration, session=session, present=True)
    Registration.objects.filter(pk=registration.pk).update(status="attended")
    certificate = advisor_client.get(reverse("mediation:staff_certificate", args=[workshop.pk, registration.pk]))
    assert certificate.status_code == 302
    assert "participé à aucune séance" in advisor_client.get(certificate["Location"]).content.decode()


def test_an_advisor_of_another_team_gets_404_on_workshops(db):
    workshop = make_workshop(capacity=3)
    Team.objects.create(name="Médiation de Bellerive", slug="mediation-bellerive", kind=TeamKind.MEDIATION)
    outsider = staff_client(make_member("conseiller@bellerive.fr", "mediation-bellerive", "advisor"))
    for url in [
        reverse("mediation:staff_workshop", args=[workshop.pk]),
        reverse("mediation:staff_workshop_edit", args=[workshop.pk]),
        reverse("mediation:staff_attendance", args=[workshop.pk, workshop.sessions.get().pk]),
        reverse("mediation:staff_workshop_register", args=[workshop.pk]),
    ]:
        assert outsider.get(url).status_code == 404, url


def test_a_case_worker_cannot_open_mediation_screens(db, case_worker):
    assert staff_client(case_worker).get(reverse("mediation:staff_home")).status_code == 404


def test_the_dashboard_shows_quick_record_buttons_and_today(advisor_client):
    html = advisor_client.get(reverse("mediation:staff_home")).content.decode()
    assert "Comme la dernière fois" in html and "Démarche en ligne, 30 min" in html
    assert "Rendez-vous passés à compléter" in html  # the demo's appointment of last week
