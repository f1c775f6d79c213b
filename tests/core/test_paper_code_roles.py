"""Every staff role types every kind of paper code: the search leads to a page that role
may open, or says plainly that it is not theirs — never to a "page not found"."""

from django.urls import reverse
from django.utils import timezone

from relais.accounts.models import User
from relais.core import access
from relais.mediation.models import Appointment, Registration
from relais.mutualaid.services.links import renew_url
from tests.conftest import staff_client
from tests.world import build_world

ROLES = [
    "admin@valbrenne.fr",
    "accueil@valbrenne.fr",
    "etat-civil@valbrenne.fr",
    "urbanisme@valbrenne.fr",
    "conseiller@valbrenne.fr",
    "moderation@valbrenne.fr",
    "responsable@valbrenne.fr",
    "agent-b@valbrenne.fr",
    "conseiller-b@valbrenne.fr",
    "moderation-b@valbrenne.fr",
]
NOT_THEIRS = "pas suivi par votre équipe"


def _codes(world) -> dict[str, access.AccessCode]:
    """One code of each kind, for the other teams' records and the demo's own."""
    targets = {
        "case (other team)": (world.case.person, world.case.get_tracking_url()),
        "mandate (other team)": (world.mandate.person, world.mandate.get_resident_url()),
        "appointment (other team)": (world.appointment.person, world.appointment.get_resident_url()),
        "registration (other team)": (world.registration.person, world.registration.get_resident_url()),
        "conversation (other team)": (world.conversation.responder, world.conversation.get_absolute_url()),
        "renewal (other team)": (world.listing.posted_by, renew_url(world.listing).split("://", 1)[1].split("/", 1)[1]),
    }
    appointment = Appointment.objects.filter(ends_at__gt=timezone.now(), person__isnull=False).exclude(
        pk=world.appointment.pk
    )
    registration = Registration.objects.filter(
        workshop__sessions__ends_at__gt=timezone.now(), person__isnull=False
    ).exclude(pk=world.registration.pk)
    if appointment.exists():
        first = appointment.first()
        targets["appointment"] = (first.person, first.get_resident_url())
    if registration.exists():
        first = registration.first()
        targets["registration"] = (first.person, first.get_resident_url())
    codes = {}
    for kind, (person, target) in targets.items():
        target = target if target.startswith("/") else "/" + target
        codes[kind] = access.code_for(person=person, target=target)
    return codes


def test_every_role_typing_every_code_lands_on_a_page_it_may_open(db):
    world = build_world()
    codes = _codes(world)
    assert {"appointment", "registration"} <= set(codes)  # the demo has both to come
    for kind, code in codes.items():
        assert access.find(code.code) is not None, kind
    wrong = []
    for email in ROLES:
        client = staff_client(User.objects.get(email=email))
        for search in ("people:person_search", "cases:queue"):
            if client.get(reverse(search)).status_code != 200:
                continue  # a role that does not use this search
            for kind, code in codes.items():
                page = client.get(reverse(search), {"q": access.spaced(code.code)}, follow=True)
                if page.status_code != 200 or not (page.redirect_chain or NOT_THEIRS in page.content.decode()):
                    wrong.append(f"{email} typing a {kind} code in {search}: {page.status_code}")
    assert wrong == []
