"""Town-written content on English and Arabic pages: translated when the town translated it,
else marked French (and said so once), every page still accessible (axe, 320 px)."""


def _cookie(server, lang):
    return [{"name": "django_language", "value": lang, "url": server["url"]}]


def _page(browser, server, lang):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    context.add_cookies(_cookie(server, lang))
    return context, context.new_page()


def test_a_translated_fiche_reads_in_arabic_and_english(server, browser, axe):
    for lang, title in [("ar", "الحصول على مساعدة غذائية"), ("en", "Get food aid")]:
        context, page = _page(browser, server, lang)
        page.goto(server["url"] + "/fiches/aide-alimentaire/")
        assert page.locator("h1").inner_text() == title
        assert page.locator("h1").get_attribute("lang") is None  # in the page's language
        assert page.locator(".notice").count() == 0
        # The places are the town's French, marked.
        assert page.locator(".cards [lang=fr]").count() > 0
        context.close()
        assert axe(server["url"] + "/fiches/aide-alimentaire/", cookies=_cookie(server, lang)) == [], lang


def test_an_untranslated_fiche_is_marked_french_and_says_so_in_arabic(server, browser, axe):
    context, page = _page(browser, server, "ar")
    page.goto(server["url"] + "/fiches/carte-identite/")
    h1 = page.locator("h1")
    assert h1.get_attribute("lang") == "fr" and h1.get_attribute("dir") == "ltr"
    assert page.evaluate("getComputedStyle(document.querySelector('h1')).direction") == "ltr"
    assert page.locator("main .notice").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()
    assert axe(server["url"] + "/fiches/carte-identite/", cookies=_cookie(server, "ar")) == []


def test_a_translated_request_form_in_arabic_is_accessible(server, browser, axe):
    context, page = _page(browser, server, "ar")
    page.goto(server["url"] + "/demandes/rendez-vous-ccas/")
    assert page.locator("h1").inner_text() == "طلب موعد في المركز البلدي للعمل الاجتماعي"
    page.locator("form:not(.page-feedback) button[type=submit]").last.click()  # start, not "page utile ?"
    assert "لماذا تريد موعدًا؟" in page.locator("h1").inner_text()
    assert page.get_by_label("مساعدة غذائية").count() == 1
    question_url = page.url
    context.close()
    assert axe(server["url"] + "/demandes/rendez-vous-ccas/", cookies=_cookie(server, "ar")) == []
    assert axe(question_url, cookies=_cookie(server, "ar")) == []
