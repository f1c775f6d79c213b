"""In Arabic, every phone number, reference, time, date and postcode reads left to right.

Generated from the URL patterns (tests/routes.py): every page a resident reaches (anonymous
and with an account) and every staff page, for a sample of roles, is rendered in Arabic; any
such value left outside an isolating element (`<bdi>`, `dir="ltr"`, tests/bidi.py) would
show its digit groups in reverse order ("02 47 00 00 00" as "00 00 00 47 02").
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client

from relais.accounts.models import User
from tests.bidi import bare_values
from tests.conftest import staff_client
from tests.routes import MissingSample, all_routes, resident, sample_kwargs, sample_query
from tests.test_permission_matrix import POST_ONLY

VISITORS = {
    "anonymous": None,
    "resident": "resident",
    "reception": "accueil@valbrenne.fr",
    "case_worker": "etat-civil@valbrenne.fr",
    "advisor": "conseiller@valbrenne.fr",
    "moderator": "moderation@valbrenne.fr",
    "manager": "responsable@valbrenne.fr",
    "administrator": "admin@valbrenne.fr",
}
# Pages that are not for reading (they redirect, download or switch something).
NOT_PAGES = {"core:language"}


def _client(who: str | None) -> Client:
    if who is None:
        client = Client()
    elif who == "resident":
        client = Client()
        client.force_login(resident().user)
    else:
        client = staff_client(User.objects.get(email=who))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    client.raise_request_exception = True
    return client


def _urls(staff: bool) -> list[str]:
    urls = []
    for route in all_routes():
        if route.staff != staff or route.name in POST_ONLY or route.name in NOT_PAGES:
            continue
        try:
            url = route.url(**sample_kwargs(route))
        except MissingSample:
            raise
        query = sample_query(route)
        urls.append(url + ("?" + urlencode(query) if query else ""))
    return urls


def arabic_pages(client: Client, urls: list[str]):
    """(url, html) of every page of `urls` that answers an HTML page."""
    for url in urls:
        response = client.get(url)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        html = response.content.decode()
        assert 'lang="ar" dir="rtl"' in html, f"{url} is not rendered in Arabic"
        yield url, html


@pytest.mark.parametrize("visitor", sorted(VISITORS))
def test_values_read_left_to_right_on_every_arabic_page(visitor, db):
    who = VISITORS[visitor]
    client = _client(who)
    staff = who not in (None, "resident")
    pages = 0
    bare = {}
    for url, html in arabic_pages(client, _urls(staff=staff) + (["/"] if staff else [])):
        pages += 1
        found = bare_values(html)
        if found:
            bare[url] = sorted(set(found))
    assert pages > 10, f"only {pages} pages reached"
    assert bare == {}, "values left bare on Arabic pages:\n" + "\n".join(
        f"{url}: {values}" for url, values in sorted(bare.items())
    )


def _printed_html(monkeypatch) -> list[str]:
    """The HTML of every document laid out while the list is held (before it becomes PDF)."""
    from relais.core import pdf

    printed = []

    def keep(html):
        printed.append(html)
        return pdf.HTML_TO_DOCUMENT(html)

    monkeypatch.setattr(pdf, "HTML_TO_DOCUMENT", pdf.html_to_document, raising=False)
    monkeypatch.setattr(pdf, "html_to_document", keep)
    return printed


def test_documents_and_emails_in_arabic_read_values_left_to_right(db, monkeypatch):
    """The receipt, a certificate, the export of a person's data, letters and an e-mail,
    rendered in Arabic: their HTML, before it becomes a PDF or is sent."""
    from django.utils import translation

    from relais.accounts.models import User
    from relais.cases.services import receipt_pdf
    from relais.core.rights import person_data_export
    from relais.mediation.services.workshops import certificate_pdf
    from relais.notifications.models import Message
    from relais.notifications.services import _html, letter_html
    from tests.routes import _attended_registration, _case

    printed = _printed_html(monkeypatch)
    admin = User.objects.get(email="admin@valbrenne.fr")
    case = _case()
    type(case.person).objects.filter(pk=case.person.pk).update(preferred_language="ar")
    case.person.refresh_from_db()
    receipt_pdf(case)
    with translation.override("ar"):
        certificate_pdf(registration=_attended_registration(), actor=admin)
        person_data_export(person=case.person, actor=admin, fmt="pdf")
        letters = list(Message.objects.filter(channel="letter")[:5])
        assert letters, "the demo town has letters"
        printed.append(letter_html(letters))
    # The HTML part of an e-mail sent in Arabic.
    email = Message.objects.filter(channel="email", body__contains="/suivi/").first()
    printed.append(_html(email.body, email.subject, "ar"))
    assert len(printed) == 5
    bare = {}
    for html in printed:
        assert 'dir="rtl"' in html
        title = html[html.find("<title>") : html.find("</title>")]
        found = bare_values(html)
        if found:
            bare[title] = sorted(set(found))
    assert bare == {}, f"values left bare in documents printed in Arabic: {bare}"
