"""The footer of every page: kept rendered once for all addresses, its language links lead back."""

from unittest import mock
from urllib.parse import quote

from django.core.cache import caches
from django.urls import reverse


def test_the_footer_is_kept_once_and_each_page_s_language_links_lead_back_to_it(client, db):
    addresses = [
        reverse("directory:home"),
        reverse("directory:places") + "?page=1",
        reverse("directory:search") + "?q=carte",
        reverse("directory:search") + "?q=passeport",
    ]
    pages = caches["pages"]
    with mock.patch.object(pages, "set", wraps=pages.set) as kept:
        for address in addresses:
            html = client.get(address).content.decode()
            assert html.count(f'?next={quote(address, safe="/")}"') == 3, address  # Français, English, العربية
            assert "Mairie de" in html and "Données personnelles" in html

    # One kept footer, whatever the address: a thousand residents each on their own
    # registration page no longer push the catalogue's kept parts out of the cache.
    footers = [call.args[0] for call in kept.call_args_list if "base.html:footer:" in call.args[0]]
    assert len(footers) == 1
