"""Status tags ({% tag label tone %}, components/tag.html): the colour of a status is decided
once, next to the status on the model, and every page that shows it shows the same tag."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import timezone

from relais.cases import services as case_services
from relais.cases.models import Case
from relais.directory import hours
from relais.mandates.models import Mandate
from relais.mutualaid.models import Kind, Listing, ListingStatus
from tests.conftest import staff_client


def _tag(*args) -> str:
    names = ["label", "tone"][: len(args)]
    return Template("{% tag " + " ".join(names) + " %}").render(Context(dict(zip(names, args, strict=True))))


def test_a_tag_escapes_its_label_and_adds_no_space_around_it():
    assert _tag("<b>", "warn") == '<span class="tag tag-warn">&lt;b&gt;</span>'
    assert _tag(3) == '<span class="tag">3</span>'


@pytest.fixture
def waiting_case(case_worker):
    case = Case.objects.get(form__slug="attestation-accueil", status="in_progress")
    return case_services.case_change_status(case=case, status="waiting_for_resident", actor=case_worker)


def test_the_resident_and_the_worker_see_the_same_tag_for_a_case(client, waiting_case, case_worker):
    waiting = '<span class="tag tag-warn">En attente de votre réponse</span>'
    assert waiting in client.get(waiting_case.get_tracking_url()).content.decode()
    assert waiting in staff_client(case_worker).get(waiting_case.get_absolute_url()).content.decode()
    case_services.case_change_status(case=waiting_case, status="accepted", actor=case_worker)
    assert '<span class="tag tag-ok">Acceptée</span>' in client.get(waiting_case.get_tracking_url()).content.decode()


@pytest.mark.parametrize(
    ("status", "tone"),
    [
        ("submitted", ""),
        ("in_progress", ""),
        ("waiting_for_resident", "warn"),
        ("accepted", "ok"),
        ("refused", "closed"),
    ],
)
def test_a_case_status_has_one_colour(status, tone):
    assert Case(status=status).status_tone == tone


def test_a_listing_tells_an_offer_from_a_request_and_the_board_from_off_the_board():
    assert (Listing(kind=Kind.OFFER).kind_tone, Listing(kind=Kind.REQUEST).kind_tone) == ("ok", "warn")
    tones = {status: Listing(status=status).status_tone for status in ListingStatus}
    off_the_board = {"closed", "expired", "hidden", "rejected"}
    assert tones == {"pending": "warn", "published": "ok"} | dict.fromkeys(off_the_board, "closed")


def test_a_mandate_state_has_one_word_and_one_colour():
    now = timezone.now()
    day = datetime.timedelta(days=1)
    mandates = [
        Mandate(),
        Mandate(activated_at=now, expires_at=now + day),
        Mandate(activated_at=now, expires_at=now - day),
        Mandate(activated_at=now, expires_at=now + day, revoked_at=now),
    ]
    assert [(str(m.state.label), m.state_tone) for m in mandates] == [
        ("En attente de l'accord", "warn"),
        ("Actif", "ok"),
        ("Terminé", ""),
        ("Arrêté", "closed"),
    ]


def test_a_place_without_known_hours_says_so_in_orange():
    unknown = hours.status("")
    assert (unknown.label, unknown.tone) == ("Horaires ?", "warn")
    always = hours.status("24/7")
    assert (always.label, always.tone) == ("Ouvert", "ok")
