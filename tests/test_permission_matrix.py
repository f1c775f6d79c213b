"""Staff see only their team's data: every staff URL that names an object, asked as every
role for an object of ANOTHER team, answers 404 — unless the rules say that role sees it.

Generated from the URL patterns: every staff route taking a parameter must appear in
OBJECT_OF_ANOTHER_TEAM (how to find such an object) or in NOT_TEAM_DATA (why it is not a
team's data); a new view fails `test_every_staff_route_with_a_parameter_is_in_the_matrix`
until someone says which. The expected exceptions (ALLOWED) are the rules written out:
the counter looks anyone up and sees every booking and mandate, administrators configure
the town, and so on.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from relais.accounts.models import Role, User
from tests.conftest import make_member, staff_client
from tests.routes import all_routes
from tests.world import build_world

# The roles of the home side: the demo's own staff (none of them belongs to a team "B").
ROLES = {
    "reception": "accueil@valbrenne.fr",
    "case_worker": "etat-civil@valbrenne.fr",
    "advisor": "conseiller@valbrenne.fr",
    "moderator": "moderation@valbrenne.fr",
    "mediation_manager": "responsable@valbrenne.fr",
    "administrator": "admin@valbrenne.fr",
    "official": "elu@valbrenne.fr",
    "service_manager": None,  # created: manager of État civil
}


def staff_routes_with_parameters() -> dict[str, str]:
    return {route.name: route.route for route in all_routes() if route.staff and route.params}


# url name -> the parameters naming an object of another team
OBJECT_OF_ANOTHER_TEAM = {
    # people: Béatrice has records with the B teams only
    "people:person_detail": lambda w: {"pk": w.person.pk},
    "people:person_edit": lambda w: {"pk": w.person.pk},
    "people:person_merge": lambda w: {"pk": w.person.pk, "other_pk": w.other_person.pk},
    "people:person_rights": lambda w: {"pk": w.person.pk},
    "people:person_rectify": lambda w: {"pk": w.person.pk},
    "people:person_erase": lambda w: {"pk": w.person.pk},
    "cases:record_start": lambda w: {"person_pk": w.person.pk},
    "cases:record": lambda w: {"person_pk": w.person.pk, "slug": "attestation-accueil"},
    "mandates:create": lambda w: {"person_pk": w.person.pk},
    # requests
    "cases:detail": lambda w: {"reference": w.case.reference},
    "cases:document": lambda w: {"reference": w.case.reference, "pk": w.document.pk},
    "cases:spam": lambda w: {"reference": w.case.reference},
    "cases:street_moderate": lambda w: {"reference": _street_case_b(w).reference},
    "cases:street_duplicate": lambda w: {"reference": _street_case_b(w).reference},
    # outbox
    "notifications:message_detail": lambda w: {"pk": w.letter.pk},
    "notifications:message_letter": lambda w: {"pk": w.letter.pk},
    "notifications:message_retry": lambda w: {"pk": w.message.pk},
    "notifications:call": lambda w: {"pk": w.call.pk},
    "notifications:batch_pdf": lambda w: {"pk": w.batch.pk},
    "notifications:batch_posted": lambda w: {"pk": w.batch.pk},
    "notifications:batch_recipients": lambda w: {"pk": w.batch.pk},
    # mandates
    "mandates:detail": lambda w: {"pk": w.mandate.pk},
    "mandates:form_pdf": lambda w: {"pk": w.mandate.pk},
    # digital mediation
    "mediation:staff_dropin": lambda w: {"pk": w.dropin.pk},
    "mediation:staff_dropin_edit": lambda w: {"pk": w.dropin.pk},
    "mediation:staff_dropin_cancel": lambda w: {"pk": w.dropin.pk},
    "mediation:staff_dropin_restore": lambda w: {"pk": w.dropin.pk},
    "mediation:staff_workshop": lambda w: {"pk": w.workshop.pk},
    "mediation:staff_workshop_edit": lambda w: {"pk": w.workshop.pk},
    "mediation:staff_workshop_cancel": lambda w: {"pk": w.workshop.pk},
    "mediation:staff_workshop_register": lambda w: {"pk": w.workshop.pk},
    "mediation:staff_attendance": lambda w: {"pk": w.workshop.pk, "session_pk": w.session.pk},
    "mediation:staff_certificate": lambda w: {"pk": w.workshop.pk, "registration_pk": w.registration.pk},
    "mediation:staff_registration_cancel": lambda w: {"pk": w.registration.pk},
    "mediation:staff_appointment": lambda w: {"pk": w.appointment.pk},
    "mediation:staff_appointment_cancel": lambda w: {"pk": w.appointment.pk},
    "mediation:accompaniment_edit": lambda w: {"pk": w.accompaniment.pk},
    "mediation:staff_appointment_move": lambda w: {"pk": w.appointment.pk},
    "mediation:staff_type": lambda w: {"pk": w.appointment_type.pk},
    "mediation:staff_type_edit": lambda w: {"pk": w.appointment_type.pk},
    "mediation:staff_opening_create": lambda w: {"pk": w.appointment_type.pk},
    "mediation:staff_opening_edit": lambda w: {"pk": w.appointment_type.pk, "opening_pk": w.opening.pk},
    "mediation:staff_opening_close": lambda w: {"pk": w.appointment_type.pk, "opening_pk": w.opening.pk},
    # mutual aid
    "mutualaid:staff_listing": lambda w: {"pk": w.listing.pk},
    "mutualaid:staff_listing_decide": lambda w: {"pk": w.listing.pk},
    "mutualaid:staff_listing_edit": lambda w: {"pk": w.listing.pk},
    "mutualaid:staff_listing_renew": lambda w: {"pk": w.listing.pk},
    "mutualaid:staff_listing_close": lambda w: {"pk": w.listing.pk},
    "mutualaid:staff_respond": lambda w: {"pk": w.listing.pk, "person_pk": w.other_person.pk},
    "mutualaid:staff_conversation": lambda w: {"pk": w.conversation.pk},
    "mutualaid:staff_contacts_share": lambda w: {"pk": w.conversation.pk, "person_pk": w.other_person.pk},
    "mutualaid:staff_report": lambda w: {"pk": w.report.pk},
    "mutualaid:neighbourhood_edit": lambda w: {"pk": w.neighbourhood.pk},
    "mutualaid:staff_person": lambda w: {"person_pk": w.person.pk},
    "mutualaid:staff_badge": lambda w: {"person_pk": w.person.pk},
    "mutualaid:staff_suspend": lambda w: {"person_pk": w.person.pk},
    "mutualaid:staff_unsuspend": lambda w: {"person_pk": w.person.pk},
    "mutualaid:relay_sheet": lambda w: {"person_pk": w.person.pk},
    # partner applications: Service B's software, its key, its webhook and its log
    "api_admin:application_detail": lambda w: {"pk": w.application.pk},
    "api_admin:application_reveal": lambda w: {"pk": w.application.pk},
    "api_admin:application_revoke": lambda w: {"pk": w.application.pk},
    "api_admin:key_rotate": lambda w: {"pk": w.application.pk},
    "api_admin:key_revoke": lambda w: {"pk": w.application.pk, "key_pk": w.application.keys.first().pk},
    "api_admin:webhook_create": lambda w: {"pk": w.application.pk},
    "api_admin:webhook_detail": lambda w: {"pk": w.application.pk, "webhook_pk": w.webhook.pk},
    "api_admin:webhook_delete": lambda w: {"pk": w.application.pk, "webhook_pk": w.webhook.pk},
    "api_admin:delivery_resend": lambda w: {"pk": w.application.pk, "delivery_pk": w.delivery.pk},
    # statistics: a share link about the B mediation team, made by its (own) manager
    "stats:share_revoke": lambda w: {"pk": w.share_link.pk},
    # procedures to simplify: a form of Service B
    "stats:simplify_detail": lambda w: {"kind": "demarche", "pk": _street_case_b(w).form.pk},
}


def _street_case_b(world):
    """A street report filed with Service B (a location form of its own)."""
    from relais.cases.models import Form
    from relais.cases.services import case_submit

    form, _created = Form.objects.get_or_create(
        slug="signalement-b",
        defaults={"title": "Signalement B", "intro": "B", "team": world.team, "asks_location": True,
                  "public_reports": True, "published": True},
    )  # fmt: skip
    return case_submit(
        form=form, person=world.person, answers={}, channel="counter", location={"location_text": "Rue B"}
    )


# Staff routes whose parameter names no team's data, and why.
NOT_TEAM_DATA = {
    "notifications:template_edit": "the town's message texts, edited by administrators",
    "directory:catalogue_list": "a kind of catalogue entry (procedures, places…), town-wide",
    "directory:catalogue_edit": "the town's catalogue, edited by administrators",
    "directory:catalogue_translate": "the town's catalogue, translated by administrators",
    "directory:acronym_delete": "the town's list of acronyms, edited by administrators",
    "cases:export": "the file format of the worker's own queue",
    "cases:form_edit": "the town's request forms, built by administrators",
    "cases:form_translate": "the town's request forms, translated by administrators",
    "cases:field_create": "the town's request forms, built by administrators",
    "cases:field_edit": "the town's request forms, built by administrators",
    "cases:field_action": "the town's request forms, built by administrators",
    "accounts:team_detail": "teams and agents, managed by administrators",
    "accounts:team_edit": "teams and agents, managed by administrators",
    "accounts:user_toggle_active": "teams and agents, managed by administrators",
    "accounts:membership_remove": "teams and agents, managed by administrators",
    "accounts:user_invitation": "teams and agents, managed by administrators",
    "accounts:identity_link": "a FranceConnect login held for the counter: residents' accounts belong to no team",
    "mediation:staff_holiday_delete": "school holidays, the same for every team of the town",
    "directory:catalogue_create": "a kind of catalogue entry (procedures, places…), town-wide",
    "stats:page": "an audience's name; the figures are scoped by the reader's role (tests/stats/test_views.py)",
    "stats:export": "an audience's name and a file format; scoped like the page (tests/stats/test_views.py)",
    "stats:share_create": "an audience's name; the shared figures are the reader's own scope",
}

# Roles that do see another team's object, by the rules (everyone else gets 404).
PEOPLE = {"reception", "advisor", "moderator"}
ALLOWED = {
    # The roles that look people up (reception, advisors, moderators) open anyone.
    "people:person_detail": PEOPLE,
    "people:person_edit": PEOPLE,
    "people:person_merge": PEOPLE,
    # A person's rights (export, rectification, erasure) are answered whole, for anyone, by
    # administrators only (core.views_rights): an export holds every team's data.
    "people:person_rights": {"administrator"},
    "people:person_rectify": {"administrator"},
    "people:person_erase": {"administrator"},
    "cases:record_start": {"reception", "advisor"},
    "cases:record": {"reception"},  # advisors record only under mandate (?canal=mandate)
    "mandates:create": {"advisor"},
    # The counter sees every envelope, prints the batches and phones residents.
    "notifications:message_detail": {"reception"},
    "notifications:call": {"reception"},
    # …and sends again a message that failed, once the address is fixed at the counter.
    "notifications:message_retry": {"reception"},
    "notifications:batch_pdf": {"reception"},
    "notifications:batch_posted": {"reception"},
    "notifications:batch_recipients": {"reception"},
    # The counter revokes mandates and books, moves and cancels appointments for residents.
    "mandates:detail": {"reception"},
    "mediation:staff_appointment": {"reception"},
    "mediation:staff_appointment_cancel": {"reception"},
    "mediation:staff_appointment_move": {"reception"},
    "mediation:staff_registration_cancel": {"reception"},
    "mediation:staff_workshop_register": {"reception"},
    # Administrators set up every board's neighbourhoods.
    "mutualaid:neighbourhood_edit": {"administrator"},
    # A moderator looks people up, and acts on them only on their own board.
    "mutualaid:staff_person": {"moderator"},
    "mutualaid:staff_badge": {"moderator"},
    "mutualaid:staff_suspend": {"moderator"},
    "mutualaid:staff_unsuspend": {"moderator"},
    "mutualaid:relay_sheet": {"moderator"},
    # Administrators connect the town's partner applications, whichever team they work for.
    **{
        name: {"administrator"}
        for name in (
            "api_admin:application_detail",
            "api_admin:application_reveal",
            "api_admin:application_revoke",
            "api_admin:key_rotate",
            "api_admin:key_revoke",
            "api_admin:webhook_create",
            "api_admin:webhook_detail",
            "api_admin:webhook_delete",
            "api_admin:delivery_resend",
        )
    },  # fmt: skip
    # Administrators see and withdraw every share link of the town's figures.
    "stats:share_revoke": {"administrator"},
    # Administrators edit every form and fiche: they read every form's figures.
    "stats:simplify_detail": {"administrator"},
}
# Query strings some pages need to show anything at all.
QUERY = {"cases:record": "?canal=counter"}
POST_ONLY = {
    "mediation:staff_appointment_cancel",
    "mutualaid:staff_listing_decide",
    "notifications:message_retry",
    "notifications:batch_posted",
    "mediation:staff_dropin_restore",
    "mutualaid:staff_listing_renew",
    "mutualaid:staff_listing_close",
    "mutualaid:staff_contacts_share",
    "mutualaid:staff_badge",
    "mutualaid:staff_unsuspend",
    "stats:share_revoke",
    "api_admin:key_rotate",
    "api_admin:key_revoke",
    "api_admin:webhook_delete",
    "api_admin:delivery_resend",
}


def test_every_staff_route_with_a_parameter_is_in_the_matrix():
    routes = staff_routes_with_parameters()
    missing = sorted(set(routes) - set(OBJECT_OF_ANOTHER_TEAM) - set(NOT_TEAM_DATA))
    assert missing == [], f"say how to find another team's object for: {missing}"
    stale = sorted((set(OBJECT_OF_ANOTHER_TEAM) | set(NOT_TEAM_DATA)) - set(routes))
    assert stale == [], f"routes that no longer exist: {stale}"


@pytest.fixture
def clients(db):
    users = {role: User.objects.get(email=email) for role, email in ROLES.items() if email}
    users["service_manager"] = make_member("chef-etat-civil@valbrenne.fr", "etat-civil", Role.MANAGER)
    return {role: staff_client(user) for role, user in users.items()}


@pytest.mark.parametrize("name", sorted(OBJECT_OF_ANOTHER_TEAM))
def test_another_teams_object_is_a_404_for_every_role_the_rules_do_not_name(name, clients):
    world = build_world()
    url = reverse(name, kwargs=OBJECT_OF_ANOTHER_TEAM[name](world)) + QUERY.get(name, "")
    wrong = {}
    for role, client in clients.items():
        response = client.post(url) if name in POST_ONLY else client.get(url)
        expected_visible = role in ALLOWED.get(name, set())
        if (response.status_code == 404) == expected_visible:
            wrong[role] = response.status_code
    assert wrong == {}, f"{url}: expected 404 except for {sorted(ALLOWED.get(name, set()))}, got {wrong}"
