"""PDF documents (receipts, letters, forms to sign, certificates) from HTML templates.

One template language for screen and paper. WeasyPrint never fetches anything from the
network: the only resources a document may use are this site's static files and data
URIs, read from disk by `_local_only`. Templates name a static file with the
`relais-static:` prefix (e.g. the town's logo: `relais-static:town/logo.png`).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

STATIC_PREFIX = "relais-static:"


def _local_only(url: str, timeout: int = 10, ssl_context=None) -> dict:
    """WeasyPrint URL fetcher: static files of this site, and nothing else."""
    from weasyprint import default_url_fetcher

    if url.startswith("data:"):
        return default_url_fetcher(url)
    if url.startswith(STATIC_PREFIX):
        path = finders.find(url[len(STATIC_PREFIX) :])
        if path:
            with open(path, "rb") as fh:
                return {"string": fh.read(), "filename": path}
    raise ValueError(f"PDF documents may not load {url!r}")


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=_local_only).write_pdf()


def render_pdf(template_name: str, context: dict, *, language: str | None = None) -> bytes:
    """Render `template_name` (a full HTML document) to PDF bytes, in `language` if given."""
    context = {"town": settings.RELAIS, "site_url": settings.SITE_URL, **context}
    with translation.override(language or translation.get_language()):
        html = render_to_string(template_name, context)
    return html_to_pdf(html)
