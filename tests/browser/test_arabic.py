"""Arabic pages as Chromium lays them out: a phone number reads 02 47 00 00 00 from left to
right (not "00 00 00 47 02"), on the home page, a place's page, the request tracking page
and a staff case page; axe-core finds nothing on them."""

from playwright.sync_api import expect

from tests.browser.test_cases import staff_login
from tests.browser.test_suivi import _case, _shell

# Where the first and the last digit group of a value are drawn, read with a Range over
# its text: in a value laid out left to right, the first group is on the left.
GROUPS = """(element) => {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  let node, found = null;
  while ((node = walker.nextNode())) { if (/\\d/.test(node.data)) { found = node; break; } }
  const groups = [...found.data.matchAll(/\\d+/g)];
  const box = (m) => {
    const range = document.createRange();
    range.setStart(found, m.index);
    range.setEnd(found, m.index + m[0].length);
    return range.getBoundingClientRect();
  };
  const first = box(groups[0]), last = box(groups[groups.length - 1]);
  return {text: found.data, first: first.left, last: last.left, sameLine: Math.abs(first.top - last.top) < 2};
}"""


def _arabic(page, base):
    page.context.add_cookies([{"name": "django_language", "value": "ar", "url": base}])


def _reads_left_to_right(page, selector: str) -> bool:
    element = page.locator(selector).first
    expect(element).to_be_visible()
    groups = element.evaluate(GROUPS)
    assert groups["sameLine"], groups
    return groups["first"] < groups["last"]


def test_phone_numbers_and_references_read_left_to_right_in_arabic(server, page, axe):
    base = server["url"]
    _arabic(page, base)
    cookies = page.context.cookies()

    page.goto(base + "/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert _reads_left_to_right(page, ".header-phone a")
    assert _reads_left_to_right(page, ".site-footer a[href^='tel:']")
    # The check can fail: the same number left bare in an Arabic sentence reads backwards.
    page.evaluate(
        """() => { const p = document.createElement('p'); p.id = 'bare';
                   p.textContent = 'اتصل بالبلدية على الرقم 02 47 00 00 00 الآن';
                   document.querySelector('main').prepend(p); }"""
    )
    assert not _reads_left_to_right(page, "#bare")
    # Each language is named in itself, in its own direction.
    switcher = page.locator(".lang-switch")
    expect(switcher.locator('a[lang="en"]')).to_have_text("English")
    expect(switcher.locator('a[lang="fr"]')).to_have_text("Français")
    assert axe(base + "/", cookies=cookies) == []

    slug = _shell(
        server, "from relais.directory.models import Place; print(Place.objects.exclude(telephone='').first().slug)"
    )
    page.goto(base + f"/lieux/{slug}/")
    assert _reads_left_to_right(page, "main a[href^='tel:']")
    assert axe(page.url, cookies=cookies) == []

    reference, tracking = _case(server, "inscription-scolaire")
    page.goto(base + tracking)
    expect(page.locator(".stat")).to_have_text(reference)
    assert _reads_left_to_right(page, "main .small .nowrap")
    assert axe(page.url, cookies=cookies) == []


def test_a_staff_case_page_in_arabic_reads_values_left_to_right(server, page, axe):
    base = server["url"]
    staff_login(page, server, "etat-civil@valbrenne.fr")
    _arabic(page, base)
    cookies = page.context.cookies()
    reference, _tracking = _case(server, "attestation-accueil")
    page.goto(base + f"/gestion/dossiers/{reference}/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("h1 bdi[dir='ltr']")).to_have_text(reference)
    assert _reads_left_to_right(page, ".site-footer a[href^='tel:']")
    assert axe(page.url, cookies=cookies) == []
