"""PDF documents (receipts, letters, forms to sign, certificates) from HTML templates.

One template language for screen and paper. WeasyPrint never fetches anything from the
network: the only resources a document may use are this site's static files and data
URIs, read from disk by `_fetcher`. Templates name a static file with the
`relais-static:` prefix (e.g. the town's logo: `relais-static:town/logo.png`).
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


def html_to_pdf(html: str) -> bytes:
    return html_to_document(html).write_pdf()


def html_to_document(html: str):
    """The laid-out document (a WeasyPrint `Document`: its `pages`, each page's `anchors`),
    for callers that need to know on which page something fell, then `.write_pdf()`."""
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=_fetcher()).render()


def render_pdf(template_name: str, context: dict, *, language: str | None = None) -> bytes:
    """Render `template_name` (a full HTML document) to PDF bytes, in `language` if given."""
    context = {"town": settings.RELAIS, "site_url": settings.SITE_URL, **context}
    with translation.override(language or translation.get_language()):
        html = render_to_string(template_name, context)
    return html_to_pdf(html)
