"""Town-written French on English and Arabic pages is marked lang="fr" (issue 15).

Generated from the URL configuration: every resident page of tests/routes.py is opened in
English and in Arabic, by a visitor and by the demo resident with an account, and every text
of the page's body that holds a known town-written French string (each demo procedure's title
and summary, each request form's title and questions, each theme's label, each workshop's,
drop-in session's and appointment type's title and description) must sit inside an element
whose language is French, so that a screen reader reads it with a French voice. A string the
town translated into the page's language is not looked for: it is shown translated. Strings are
looked for in the text of each block element, its inline elements (an acronym's <abbr>, a
<strong>) stripped, so that a string split by them is found. Mutual-aid listings are written by
residents, in their own language: they are not town text (tests/mutualaid/test_board.py).
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
    ]
    return {
        text
        for obj, fields in objects
        for field in fields
        if not translation_of(obj, field, lang) and len(text := str(getattr(obj, field)).strip()) >= MIN_LENGTH
    }


INLINE = {
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd", "mark", "q", "s",
    "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "br", "wbr",
}  # fmt: skip


class Texts(HTMLParser):
    """The text of each block element of the body, inline elements stripped: a list of
    (text, language) pieces per block, each piece in the language of the element holding it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.blocks: list[list[tuple[str, str]]] = []
        self.current: list[tuple[str, str]] = []

    def lang(self) -> str:
        return next((lang for _tag, lang in reversed(self.stack) if lang is not None), "")

    def flush(self):
        if any(text.strip() for text, _lang in self.current):
            self.blocks.append(self.current)
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag not in INLINE:
            self.flush()
        if tag not in VOID:
            self.stack.append((tag, dict(attrs).get("lang")))

    def handle_endtag(self, tag):
        if tag not in INLINE:
            self.flush()
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        tags = {tag for tag, _lang in self.stack}
        # A textarea holds what the person typed (their own listing, being edited), not text shown.
        if data.strip() and "body" in tags and not tags & {"script", "style", "title", "textarea"}:
            self.current.append((data, self.lang()))

    def close(self):
        super().close()
        self.flush()


def unmarked(html: str, known: set[str]) -> set[str]:
    """The known strings found in a block with at least one character not in French."""
    parser = Texts()
    parser.feed(html)
    parser.close()
    found = set()
    for pieces in parser.blocks:
        text = "".join(piece for piece, _lang in pieces)
        french = "".join(("1" if lang.split("-")[0] == "fr" else "0") * len(piece) for piece, lang in pieces)
        for s in known:
            start = text.find(s)
            while start != -1:
                if "0" in french[start : start + len(s)]:
                    found.add(s)
                    break
                start = text.find(s, start + 1)
    return found


def test_a_string_split_by_an_inline_element_is_still_checked():
    known = {"Demande de carte CCAS"}
    assert unmarked('<body><p>Demande de carte <abbr title="x">CCAS</abbr></p></body>', known) == known
    marked = '<body><p><span lang="fr">Demande de carte <abbr title="x">CCAS</abbr></span> ok</p></body>'
    assert unmarked(marked, known) == set()


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
