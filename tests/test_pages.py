"""Every page, as every kind of visitor sees it: well-formed for assistive technology, and
no link leading to a refusal.

Generated from the URL configuration (tests/routes.py) for each visitor (anonymous, the
demo resident with an account, each staff role of tests/test_permission_matrix.py):

1. every route is opened with its sample arguments; each page answering 200 in HTML is
   checked by tests/pagecheck.py (unique ids, labels naming their own field, fragment and
   aria targets that exist, no translated sentence with an empty hole — recorded while
   rendering);
2. every internal link of those pages (`<a href>` and the action of GET forms) is followed
   once, as the same visitor: none may answer 404 or 403, nor send a logged-in visitor to
   the login page. A link is shown only when its target is open to whoever sees it.

One test per visitor, so that `-n 2` shares them out.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from relais.accounts.models import Role, User
from tests.conftest import make_member, staff_client
from tests.pagecheck import problems, record_missing_translation_variables
from tests.routes import MissingSample, all_routes, resident, sample_kwargs, sample_query
from tests.test_permission_matrix import ROLES

VISITORS = ("anonymous", "resident", *ROLES)
SITE = "http://testserver"
# Not opened: leaving the session, or changing the language of the next pages (the crawl
# reads every page in French; tests/browser/test_pages_in_arabic.py reads pages in Arabic).
NOT_FOLLOWED = ("/comptes/logout/", "/langue/")
LOGIN_PATHS = ("/comptes/login", "/comptes/2fa")


class _Links(HTMLParser):
    """Internal link targets of a page: `<a href>` and the actions of GET forms."""

    def __init__(self, base: str):
        super().__init__(convert_charrefs=True)
        self.base = base
        self.targets: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and "href" in a:
            self._add(a["href"])
        elif tag == "form" and a.get("method", "get").lower() == "get":
            self._add(a.get("action", ""))

    def _add(self, href: str):
        if href.startswith(("mailto:", "tel:", "sms:", "#", "javascript:", "data:")):
            return
        url = urlsplit(urljoin(self.base, href))
        if url.scheme not in ("http", "https") or url.netloc != "testserver":
            return
        self.targets.add(urlunsplit(("", "", url.path, url.query, "")))


# Links of one kind (a URL name and its query's keys) followed per visitor: enough to meet
# each template's links, few enough to keep the crawl fast (a list of 30 people is one kind).
PER_KIND = 3


def _user(visitor: str):
    if visitor == "anonymous":
        return None
    if visitor == "resident":
        return resident().user
    email = ROLES[visitor]
    if email:
        return User.objects.get(email=email)
    return User.objects.filter(email="chef-etat-civil@valbrenne.fr").first() or make_member(
        "chef-etat-civil@valbrenne.fr", "etat-civil", Role.MANAGER
    )


def _client(visitor: str) -> Client:
    user = _user(visitor)
    if user is None or visitor == "resident":
        client = Client()
        if user is not None:
            client.force_login(user)
    else:
        client = staff_client(user)
    client.raise_request_exception = False
    return client


def _kind(target: str) -> tuple:
    url = urlsplit(target)
    try:
        name = resolve(url.path).view_name
    except Resolver404:
        name = url.path
    return name, tuple(sorted({key for key, _value in parse_qsl(url.query, keep_blank_values=True)}))


def _is_html(response) -> bool:
    return response.status_code == 200 and "text/html" in response.get("Content-Type", "")


@pytest.fixture(autouse=True)
def _quiet(quiet_request_log):
    """Refusals are reported below, with the page that showed the link."""


def crawl(visitor: str) -> dict:
    """Open every route as `visitor`, check each page, follow each internal link once."""
    client = _client(visitor)

    def get(url):
        """GET as the visitor; a page that ends the session (a password reset link, an
        e-mail confirmation of someone else) does so on purpose: log in again after it."""
        nonlocal client
        response = client.get(url)
        if visitor != "anonymous" and "_auth_user_id" not in client.session:
            client = _client(visitor)
        return response

    page_problems: dict[str, list[str]] = {}
    links: dict[str, str] = {}  # target -> first page showing it
    opened: dict[str, int] = {}
    with record_missing_translation_variables() as recorded:
        for route in all_routes():
            try:
                kwargs = sample_kwargs(route)
            except MissingSample:
                continue  # tests/test_fuzz.py reports it
            url = route.url(**kwargs)
            query = sample_query(route)
            if query:
                url += "?" + urlencode(query)
            if url.startswith(NOT_FOLLOWED):
                continue
            response = get(url)
            opened[url] = response.status_code
            if not _is_html(response):
                continue
            html = response.content.decode()
            found = problems(html)
            if found:
                page_problems[url] = found
            parser = _Links(SITE + url)
            parser.feed(html)
            for target in parser.targets:
                links.setdefault(target, url)
        broken = {}
        kinds: dict[tuple, int] = {}
        for target, shown_on in sorted(links.items()):
            if target in opened or target.startswith(NOT_FOLLOWED):
                status = opened.get(target)
            else:
                kind = _kind(target)
                kinds[kind] = kinds.get(kind, 0) + 1
                if kinds[kind] > PER_KIND:
                    continue
                response = get(target)
                status = response.status_code
                opened[target] = status
                if visitor != "anonymous" and status == 302:
                    location = response.get("Location", "")
                    if urlsplit(location).path.startswith(LOGIN_PATHS):
                        status = "login"
            if status in (403, 404, "login"):
                broken[target] = f"{status}, shown on {shown_on}"
    return {"problems": page_problems, "broken": broken, "recorded": recorded, "pages": opened}


@pytest.mark.parametrize("visitor", VISITORS)
def test_pages_are_well_formed_and_links_lead_somewhere(visitor, db):
    result = crawl(visitor)
    report = []
    for url, found in result["problems"].items():
        report.append(f"{url}:\n  " + "\n  ".join(found))
    for target, why in result["broken"].items():
        report.append(f"link {target} -> {why}")
    for template, name in sorted(set(result["recorded"])):
        report.append(f"{template}: blocktranslate variable {name!r} missing from the context")
    assert not report, f"{visitor} ({len(result['pages'])} pages opened):\n" + "\n".join(report)
