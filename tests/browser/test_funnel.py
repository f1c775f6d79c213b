"""The funnel's device class in a real browser, JavaScript off: Chromium tells it with its
client hint (no image asked); a browser that sends no hint (Firefox, Safari) fetches
exactly one of the two images, the one its screen width says, and no cookie comes with it."""

import re

import pytest


def _start(browser, server, width, **options):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": width, "height": 700}, locale="fr-FR", **options
    )
    page = context.new_page()
    images = []
    page.on("requestfinished", lambda request: images.append(request) if "/indice/" in request.url else None)
    page.goto(server["url"] + "/demandes/rendez-vous-ccas/")
    page.get_by_role("button", name="Commencer").click()
    page.wait_for_load_state("load")
    return context, page, images


def test_a_browser_sending_the_client_hint_fetches_no_image(server, browser):
    context, page, images = _start(browser, server, 1024)
    assert images == [] and page.locator("picture").count() == 0
    context.close()


@pytest.mark.parametrize(("width", "device"), [(320, "phone"), (1024, "large")])
def test_a_browser_without_client_hints_fetches_one_image_for_its_width(server, browser, axe, width, device):
    # The hint sent empty, as if absent (Firefox and Safari send none).
    context, page, images = _start(browser, server, width, extra_http_headers={"Sec-CH-UA-Mobile": ""})
    assert page.locator("picture img").count() == 1
    assert axe(page) == [], page.url  # the picture is invisible to axe-core and tests/pagecheck.py
    assert [re.sub(r".*/indice/", "", r.url) for r in images] == [f"{device}.gif"]
    response = images[0].response()
    assert response.status == 200 and "set-cookie" not in response.all_headers()
    # Known now: the next page asks for nothing.
    page.get_by_label("Logement").check()
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_load_state("load")
    assert len(images) == 1 and page.locator("picture").count() == 0
    context.close()
