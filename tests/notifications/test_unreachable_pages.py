"""The "could not reach" list goes by pages of 50 (it showed the 200 newest, and no more)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from bench.staff_lists import MARKER, fill_unreachable, make_people
from relais.accounts.models import User
from tests.conftest import staff_client


@pytest.mark.django_db
def test_every_unreachable_message_is_reached_page_by_page():
    fill_unreachable(70, make_people(7, start=900))  # messages "Votre demande Rang000000" to 69
    client = staff_client(User.objects.get(email="accueil@valbrenne.fr"))
    url = reverse("notifications:unreachable")
    first = client.get(url).content.decode()
    on_first = set(re.findall(rf"{MARKER}0000\d\d", first))
    assert len(on_first) == 50
    assert 'href="?page=2" rel="next"' in first
    second = client.get(url, {"page": 2}).content.decode()
    on_second = set(re.findall(rf"{MARKER}0000\d\d", second))
    assert len(on_second) == 20 and not on_first & on_second
    assert 'rel="next"' not in second
