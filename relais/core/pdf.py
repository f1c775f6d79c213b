"""PDF documents (receipts, letters, forms to sign, certificates) from HTML templates.

One template language for screen and paper. WeasyPrint never fetches anything from the
network: the only resources a document may use are this site's static files and data
URIs, read from disk by `_fetcher`. Templates name a static file with the
`relais-static:` prefix (e.g. the town's logo: `relais-static:town/logo.png`).

Every document is a tagged PDF/UA-1 file: its structure (headings, paragraphs, lists,
tables) is in the file in the order of the HTML source, so a screen reader reads it in
that order; the viewer shows the document's `<title>` rather than the file name; the
`lang` of `<html>` is the document's language. Images need an `alt` (empty: decoration).
Templates keep the source order the reading order (a letter's address before its body)
and place things with CSS.

Large print (templates/components/pdf_large_print.html) is one stylesheet for every
document, switched by `large_print` in the template's context: see `wants_large_print`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

STATIC_PREFIX = "relais-static:"


def _fetcher():
    """A WeasyPrint URL fetcher that reads this site's static files and data URIs, and
    refuses everything else (no document may call the network)."""
    import mimetypes

    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith(STATIC_PREFIX):
                path = finders.find(url[len(STATIC_PREFIX) :])
                if path:
                    with open(path, "rb") as fh:
                        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
                        return URLFetcherResponse(url, fh.read(), {"Content-Type": content_type})
            raise ValueError(f"PDF documents may not load {url!r}")

    return LocalOnly(allowed_protocols=["data", STATIC_PREFIX.rstrip(":")])


# Tagged, with the title shown and the language set (WeasyPrint's PDF/UA-1 variant).
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1"}


def html_to_pdf(html: str) -> bytes:
    return write_pdf(html_to_document(html))


def write_pdf(document) -> bytes:
    """The PDF bytes of a laid-out document (from `html_to_document`): always tagged."""
    return document.write_pdf(**PDF_OPTIONS)


# The query parameter of a document's link that asks for large print ("?gros-caracteres=1"):
# a staff member printing a mandate form or a certificate, a resident downloading a receipt.
LARGE_PRINT_PARAM = "gros-caracteres"


def large_print_asked(request) -> bool:
    return request is not None and request.GET.get(LARGE_PRINT_PARAM) == "1"


def wants_large_print(person=None, *, asked: bool = False) -> bool:
    """Whether a document for `person` is printed in large print: they asked for it
    (Person.large_print), or the staff member printing it chose "gros caractères"."""
    return bool(asked or (person is not None and getattr(person, "large_print", False)))


def html_to_document(html: str):
    """The laid-out document (a WeasyPrint `Document`: its `pages`, each page's `anchors`),
    for callers that need to know on which page something fell, then `.write_pdf()`."""
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=_fetcher()).render()


def render_pdf(template_name: str, context: dict, *, language: str | None = None) -> bytes:
    """Render `template_name` (a full HTML document) to PDF bytes, in `language` if given."""
    context = {"town": settings.RELAIS, "site_url": settings.SITE_URL, "large_print": False, **context}
    with translation.override(language or translation.get_language()):
        html = render_to_string(template_name, context)
    return html_to_pdf(html)
