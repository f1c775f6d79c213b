"""Page weight of every resident page of the demo, as a resident's browser receives it.

    make bench-weight        (or: .venv/bin/python bench/page_weight.py)

Starts the demo under gunicorn with production settings, crawls the resident pages from
the home page (same-site links, staff and admin areas excluded) in Debian's Chromium
with an empty cache, and records per page: bytes transferred (headers + compressed
bodies) for HTML, CSS, JS and fonts, the number of requests, and any request to another
host. Budget (DESIGN.md): <= 30 KB, <= 6 requests, no third-party request.
Results replace the "Page weight" section of BENCHMARKS.md.
"""

from __future__ import annotations

import datetime
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.server import DemoServer, machine, write_section  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
# Files offered for download (calendars, PDFs, exports) are not pages.
SKIP_SUFFIXES = (".ics", ".pdf", ".csv", ".ods", ".json")
SKIP_PREFIXES = ("/gestion/", "/admin/", "/static/", "/i18n/", "/langue/", "/donnees/", "/comptes/logout", "/healthz")
BUDGET_BYTES = 30 * 1024
BUDGET_REQUESTS = 6
MAX_PAGES = 400
COUNTED_TYPES = {"document", "stylesheet", "script", "font"}


def measure(browser, url: str, origin_host: str) -> dict:
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="fr-FR")
    page = context.new_page()
    requests = []
    page.on("requestfinished", lambda request: requests.append(request))
    page.goto(url, wait_until="load")
    links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    total = 0
    third_party = set()
    for request in requests:
        host = urlsplit(request.url).hostname
        if host != origin_host:
            third_party.add(host)
        if request.resource_type in COUNTED_TYPES:
            sizes = request.sizes()
            total += sizes["responseHeadersSize"] + sizes["responseBodySize"]
    context.close()
    return {"bytes": total, "requests": len(requests), "third_party": sorted(third_party), "links": links}


def crawl(base: str) -> list[tuple[str, dict]]:
    from playwright.sync_api import sync_playwright

    origin_host = urlsplit(base).hostname
    seen, queue, results = set(), ["/"], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        while queue and len(results) < MAX_PAGES:
            path = queue.pop(0)
            if path in seen:
                continue
            seen.add(path)
            result = measure(browser, base + path, origin_host)
            results.append((path, result))
            for link in result["links"]:
                link, _ = urldefrag(link)
                parts = urlsplit(link)
                if (
                    parts.hostname != origin_host
                    or parts.path.startswith(SKIP_PREFIXES)
                    or parts.path.endswith(SKIP_SUFFIXES)
                ):
                    continue
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                if "page=" in parts.query or target in seen:
                    continue
                queue.append(target)
        browser.close()
    return results


def report(results: list[tuple[str, dict]]) -> str:
    sizes = [r["bytes"] for _, r in results]
    over = [(p, r) for p, r in results if r["bytes"] > BUDGET_BYTES or r["requests"] > BUDGET_REQUESTS]
    third = [(p, r) for p, r in results if r["third_party"]]
    lines = [
        f"Measured {datetime.date.today():%Y-%m-%d} on {machine()}; Chromium, empty cache, 360 px viewport,",
        "gunicorn with production settings. Bytes = response headers + compressed bodies of HTML, CSS,",
        "JS and fonts (images aside). Budget: 30 KB, 6 requests, no third-party host.",
        "",
        f"- pages crawled: **{len(results)}**",
        f"- bytes per page: median **{statistics.median(sizes) / 1024:.1f} KB**, max **{max(sizes) / 1024:.1f} KB**",
        f"- requests per page: max **{max(r['requests'] for _, r in results)}**",
        f"- pages over budget: **{len(over)}**; pages with a third-party request: **{len(third)}**",
        "",
        "| page | KB | requests | third-party hosts |",
        "| --- | ---: | ---: | --- |",
    ]
    for path, r in sorted(results, key=lambda item: -item[1]["bytes"]):
        lines.append(f"| `{path}` | {r['bytes'] / 1024:.1f} | {r['requests']} | {', '.join(r['third_party']) or '—'} |")
    return "\n".join(lines)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, DemoServer(Path(tmp)) as server:
        results = crawl(server.url)
    body = report(results)
    write_section("Page weight (resident pages)", body)
    print(body)


if __name__ == "__main__":
    main()
