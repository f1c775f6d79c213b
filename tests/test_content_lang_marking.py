"""Town-written French on English and Arabic pages is marked lang="fr" (issue 15).

Generated from the URL configuration: every resident page of tests/routes.py is opened in
English and in Arabic, by a visitor and by the demo resident with an account, and every text
of the page's body that holds a known town-written French string (each demo procedure's title
and summary, each request form's title and questions, each theme's label, each workshop's,
drop-in session's, appointment type's and mutual-aid listing's title and description) must sit inside an
element whose language is French, so that a screen reader reads it with a French voice. A
string the town translated into the page's language is not looked for: it is shown translated.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client

from relais.accounts.models import User
from relais.cases.models import Form, FormField
from relais.core.content_language import translation_of
from relais.directory.models import Procedure, Theme
from relais.mediation.models import AppointmentType, DropIn, Workshop
from relais.mutualaid.models import Listing
from tests.routes import RESIDENT_EMAIL, all_routes, sample_kwargs, sample_query

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Shorter strings ("Adresse", "Associations") are too common to say the town wrote them
# (the interface has the same words).
MIN_LENGTH = 13


def known_strings(lang: str) -> set[str]:
    objects = [
        *((p, ("title", "summary")) for p in Procedure.objects.published()),
        *((f, ("title",)) for f in Form.objects.published()),
        *((q, ("label",)) for q in FormField.objects.filter(form__published=True)),
        *((t, ("label",)) for t in Theme.objects.all()),
        *((w, ("title", "description")) for w in Workshop.objects.all()),
        *((d, ("title", "description")) for d in DropIn.objects.all()),
        *((a, ("title", "description")) for a in AppointmentType.objects.all()),
        *((listing, ("title", "text")) for listing in Listing.objects.all()),
    ]
    return {
        text
        for obj, fields in objects
        for field in fields
        if not translation_of(obj, field, lang) and len(text := str(getattr(obj, field)).strip()) >= MIN_LENGTH
    }


class Texts(HTMLParser):
    """Each text of the body with the language of the element holding it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.texts: list[tuple[str, str]] = []

    def lang(self) -> str:
        return next((lang for _tag, lang in reversed(self.stack) if lang is not None), "")

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append((tag, dict(attrs).get("lang")))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        tags = {tag for tag, _lang in self.stack}
        # A textarea holds what the person typed (their own listing, being edited), not text shown.
        if data.strip() and "body" in tags and not tags & {"script", "style", "title", "textarea"}:
            self.texts.append((data, self.lang()))


def unmarked(html: str, known: set[str]) -> set[str]:
    parser = Texts()
    parser.feed(html)
    return {s for text, lang in parser.texts if lang.split("-")[0] != "fr" for s in known if s in text}


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_town_written_french_is_marked_on_english_and_arabic_pages(lang, db):
    known = known_strings(lang)
    visitor, resident = Client(), Client()
    resident.force_login(User.objects.get(email=RESIDENT_EMAIL))
    found, pages = {}, 0
    for route in all_routes():
        if route.staff or route.name.startswith(("account_", "mfa_", "socialaccount_")):
            continue
        url = route.url(**sample_kwargs(route))
        for client in (visitor, resident):
            response = client.get(url, sample_query(route), HTTP_ACCEPT_LANGUAGE=lang)
            client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)  # the language switcher's route sets it
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            pages += 1
            html = response.content.decode()
            assert f'<html lang="{lang}"' in html
            for text in unmarked(html, known):
                found.setdefault(route.name, set()).add(text)
    assert pages > 40
    assert not found, "\n".join(f"{name}: {sorted(texts)}" for name, texts in sorted(found.items()))
