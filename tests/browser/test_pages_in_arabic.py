"""Pages read in Arabic, by a resident and by staff: axe (best practices on) and the
page checks of tests/pagecheck.py find nothing, right to left as left to right."""

import re

from playwright.sync_api import expect

from tests.browser.test_cases import staff_login

RESIDENT_PAGES = [
    "/",
    "/demarches/",
    "/ateliers/",
    "/aide-numerique/",
    "/recherche/?q=carte",
]
STAFF_PAGES = [
    "/gestion/",
    "/gestion/dossiers/?onglet=toutes",
    "/gestion/rendez-vous/journee/",
]


def _in_arabic(page, base):
    """Choose Arabic with the language links of the page, as a person would."""
    page.goto(base + "/")
    page.locator('a[hreflang="ar"]').first.click()
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")


def _first_link(page, base, pattern: str) -> str:
    """The first link of the page's main content whose path matches `pattern` (a regex)."""
    hrefs = page.locator("main a[href]").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    href = next(h for h in hrefs if re.fullmatch(pattern, h.split("?")[0].removeprefix(base)))
    return href if href.startswith("http") else base + href


def test_resident_pages_in_arabic_pass_axe_and_the_page_checks(server, page, axe):
    base = server["url"]
    _in_arabic(page, base)
    urls = [base + path for path in RESIDENT_PAGES]
    page.goto(base + "/ateliers/")
    urls.append(_first_link(page, base, r"/ateliers/[\w-]+/"))  # a workshop: its seats and its form
    page.goto(base + "/demarches/")
    urls.append(_first_link(page, base, r"/demarches/[\w-]+/"))  # a theme and its procedures
    found = {}
    for url in urls:
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == "ar", url
        problems = axe(url, cookies=page.context.cookies())
        if problems:
            found[url] = problems
    assert found == {}


def test_staff_pages_in_arabic_pass_axe_and_the_page_checks(server, page, axe):
    base = server["url"]
    staff_login(page, server, "etat-civil@valbrenne.fr")
    expect(page).to_have_url(re.compile("/gestion/"))
    _in_arabic(page, base)
    page.goto(base + "/gestion/dossiers/?onglet=toutes")
    urls = [base + path for path in STAFF_PAGES]
    urls.append(_first_link(page, base, r"/gestion/dossiers/\d{4}-\d+/"))  # a case: its notes and messages
    found = {}
    for url in urls:
        page.goto(url)
        assert page.locator("html").get_attribute("dir") == "rtl", url
        problems = axe(url, cookies=page.context.cookies())
        if problems:
            found[url] = problems
    assert found == {}
