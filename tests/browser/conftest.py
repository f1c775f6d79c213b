"""A real server (gunicorn, production settings, demo data) and Debian's Chromium.

The server runs in its own process on a throw-away SQLite database, the way a town
would run Relais, so these tests see exactly what residents get: compressed static
files, security headers, no debug page.
"""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import axe_playwright_python
import pytest

from tests import pagecheck
from tests.browser import totp_clock

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
AXE_SOURCE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required for browser tests (apt-get install chromium)")
    var = tmp_path_factory.mktemp("server")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(var),
        "RELAIS_DOTENV": "",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "RELAIS_VAR_DIR": str(var),
        "STATIC_ROOT": str(var / "static"),
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        totp_clock.VARIABLE: str(var / "totp-clock"),
    }
    relais = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "--noinput"], ["demo_load", "--allow-without-debug"], ["collectstatic", "--noinput"]):
        subprocess.run(relais + command, env=env, cwd=ROOT, check=True, capture_output=True)
    port = _free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = open(var / "gunicorn.log", "w")
    process = subprocess.Popen(
        [str(gunicorn), "tests.browser.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.terminate()
        pytest.fail("the test server did not start: " + (var / "gunicorn.log").read_text())
    yield {"url": base, "env": env, "totp_clock": var / "totp-clock"}
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def no_js_page(browser):
    """A resident's browser with JavaScript turned off, on a 320 px wide screen."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 320, "height": 640}, locale="fr-FR")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1024, "height": 800}, locale="fr-FR")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def axe(browser):
    """Run axe-core (WCAG 2.1 A/AA rules and best practices) on a URL, or on what a page
    shows now (an error state after a POST, in a browser with JavaScript off); returns the
    list of violations.

    The same document is also read by tests/pagecheck.py, for what axe does not see: an id
    given twice, a label naming a missing field or a field of another form, an aria or
    `#fragment` target that does not exist, a translated sentence that lost a variable (the
    server of these tests marks it, tests/browser/wsgi.py). Each is reported as
    "pagecheck: …". No axe rule is disabled."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 320, "height": 640}, locale="fr-FR")

    def run(target, cookies=None):
        if cookies:
            context.add_cookies(cookies)
        page = context.new_page()
        if isinstance(target, str):
            page.goto(target)
        else:  # a Playwright page: check its current document, styles included
            html = target.content().replace("<head>", f'<head><base href="{target.url}">', 1)
            page.goto(target.url.split("/", 3)[0] + "//" + target.url.split("/", 3)[2] + "/healthz")
            page.set_content(html)
        page.add_script_tag(content=AXE_SOURCE)
        result = page.evaluate(
            """async () => await axe.run(document, {runOnly: {type: 'tag',
                 values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"""
        )
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        html = page.content()
        page.close()
        violations = [
            f"{v['id']}: {v['help']} ({len(v['nodes'])} × {v['nodes'][0]['target']})" for v in result["violations"]
        ]
        violations += [f"pagecheck: {problem}" for problem in pagecheck.problems(html)]
        if overflow:
            violations.append("page scrolls sideways at 320 px")
        return violations

    yield run
    context.close()
