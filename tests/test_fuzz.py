"""No hostile input gets a server error: every route, for every kind of visitor.

For each URL pattern (tests/routes.py) and each visitor (anonymous, a resident with an
account, each staff role), the page is fetched with valid arguments, then with hostile
path segments and query parameters, and every form of the page (and the fields the view's
code reads) is posted with hostile values. No answer may be a 5xx; all failures of a route
are reported together, with the input and the traceback.

The hostile values are sampled per route from a seed (the route's name), so a run is
repeatable: the first visitor who reaches a view gets every hostile path segment and every
profile of form values; the others get a rotating share.
"""

from __future__ import annotations

import inspect
import random
import re
import traceback
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
from django import forms as django_forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from relais.accounts.models import User
from tests.conftest import staff_client
from tests.routes import RESIDENT_EMAIL, MissingSample, Route, all_routes, resident, sample_kwargs, sample_query

VISITORS = (
    ("anonymous", None),
    ("resident", RESIDENT_EMAIL),
    ("reception agent", "accueil@valbrenne.fr"),
    ("case worker", "etat-civil@valbrenne.fr"),
    ("advisor", "conseiller@valbrenne.fr"),
    ("moderator", "moderation@valbrenne.fr"),
    ("manager", "responsable@valbrenne.fr"),
    ("administrator", "admin@valbrenne.fr"),
)

HUGE = [str(2**63), str(2**64), "1" + "0" * 30]
# Path segments as an attacker types them (already percent-encoded).
PATH_VALUES = ["x", "0", "-1", *HUGE, "%00", "x" * 5000, "%C2%B2", "%C3%A9", "..%2F..%2F", "../", "%ff"]
# Query values (encoded by the client); a list means the parameter is repeated.
QUERY_VALUES = ["", "x", "\x00", *HUGE, "-1", "²", "é", "x" * 10240, ["1", str(2**64)], ["", "\x00"]]
GENERIC_QUERY_NAMES = ("next", "page", "q", "sort", "fmt")
# How a form is filled: every field hostile ("huge", "wrong", "empty", "nul"), or the
# page's own values with every text 10 KB long ("long": past the form, to the database).
PROFILES = ("long", "huge", "wrong", "empty", "nul")
TEXT_KINDS = ("text", "textarea", "search", "email", "tel", "url", "password")

SOURCE_NAMES = re.compile(r"request\.(GET|POST)(?:\.get|\.getlist)?[(\[]\s*[\"'](\w+)[\"']")
SOURCE_FORMS = re.compile(r"\b(\w*Form)\(")
SOURCE_CALLS = re.compile(r"\b(_\w+)\(")


# ---------------------------------------------------------------- reading pages


@dataclass
class FormField:
    name: str
    kind: str  # input type, "select", "select-multiple", "textarea", "button"
    values: list[str] = field(default_factory=list)  # options, or the current value


@dataclass
class PageForm:
    method: str
    action: str
    fields: dict[str, FormField] = field(default_factory=dict)

    def add(self, name: str, kind: str, value: str | None):
        entry = self.fields.setdefault(name, FormField(name, kind))
        if entry.kind != kind and kind in ("checkbox", "radio"):
            entry.kind = kind
        if value is not None:
            entry.values.append(value)


class PageParser(HTMLParser):
    """The forms of a page (fields, options, buttons) and the query keys of its links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[PageForm] = []
        self.links: list[str] = []
        self._form: PageForm | None = None
        self._select: FormField | None = None
        self._textarea: FormField | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "option" and self._select is not None:
            self._select.values.append(a.get("value", ""))
            return
        if tag == "form":
            self._form = PageForm(method=a.get("method", "get").lower(), action=a.get("action", ""))
            self.forms.append(self._form)
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if self._form is None or not a.get("name"):
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image", "reset"):
                kind = "button"
            self._form.add(name, kind, a.get("value", "on" if kind in ("checkbox", "radio") else ""))
        elif tag == "button":
            self._form.add(name, "button", a.get("value", ""))
        elif tag == "select":
            kind = "select-multiple" if "multiple" in a else "select"
            self._form.add(name, kind, None)
            self._select = self._form.fields[name]
        elif tag == "textarea":
            self._form.add(name, "textarea", None)
            self._textarea = self._form.fields[name]

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.values.append(data)


def read_page(response) -> PageParser | None:
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        return None
    parser = PageParser()
    parser.feed(response.content.decode("utf-8", "replace"))
    return parser


# ---------------------------------------------------------------- reading the view's code


def _source(func) -> str:
    try:
        return inspect.getsource(func)
    except (OSError, TypeError):
        return ""


def code_fields(route: Route) -> tuple[set[str], dict[str, django_forms.Field]]:
    """Query names the view reads, and the fields of the forms it builds (its module's
    helpers `_xxx()` included, one level deep)."""
    view = route.view
    module = inspect.getmodule(view)
    source = _source(view)
    if module is not None:
        for helper in set(SOURCE_CALLS.findall(source)):
            func = getattr(module, helper, None)
            if inspect.isfunction(func) and func.__module__ == module.__name__:
                source += _source(func)
    get_names = {name for method, name in SOURCE_NAMES.findall(source) if method == "GET"}
    post_fields: dict[str, django_forms.Field] = {}
    for method, name in SOURCE_NAMES.findall(source):
        if method == "POST":
            post_fields.setdefault(name, django_forms.CharField())
    namespaces = [vars(module)] if module else []
    namespaces += [vars(v) for v in (vars(module).values() if module else ()) if inspect.ismodule(v)]
    for form_name in set(SOURCE_FORMS.findall(source)):
        for namespace in namespaces:
            form_class = namespace.get(form_name)
            if isinstance(form_class, type) and issubclass(form_class, django_forms.BaseForm):
                post_fields.update(form_class.base_fields)
                break
    return get_names, post_fields


# ---------------------------------------------------------------- hostile values


def _file(profile: str):
    if profile == "long":  # a real PDF, so that the rest of the form is judged
        return SimpleUploadedFile("piece.pdf", b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n%%EOF\n", "application/pdf")
    if profile == "huge":
        return SimpleUploadedFile("piece.pdf", b"%PDF-1.4\n" + bytes(range(256)) * 40, "application/pdf")
    if profile == "nul":
        return SimpleUploadedFile("pi\x00ece.pdf", b"%PDF-1.4\n\x00\x00", "application/pdf")
    if profile == "wrong":
        return SimpleUploadedFile("photo.png", b"<html>not an image</html>", "image/png")
    return SimpleUploadedFile("vide.pdf", b"", "application/pdf")


def hostile_value(kind: str, profile: str, options: list[str], rng: random.Random):
    """A hostile value for one field, by the field's kind and the profile of the post."""
    valid = next((o for o in options if o), "")
    if kind == "file":
        return _file(profile)
    if profile == "empty":
        return ""
    if profile == "long":  # for the fields that the view's code reads (no page to take values from)
        profile = "huge"
    if kind in ("select-multiple", "checkbox", "multiple"):
        return {
            "huge": [valid, str(2**63), str(2**64)],
            "nul": [valid, "1\x00"],
            "wrong": ["²", "-1", "x", "٣"],
        }[profile]
    if kind in ("select", "radio", "id"):
        return {"huge": rng.choice(HUGE), "nul": valid + "\x00", "wrong": rng.choice(["²", "-1", "x", "0", "٣"])}[
            profile
        ]
    if kind in ("number",):
        return {"huge": rng.choice(HUGE + ["1e400"]), "nul": "1\x00", "wrong": rng.choice(["x", "NaN", "-1", "²"])}[
            profile
        ]
    if kind in ("date", "datetime-local", "time", "month", "week"):
        return {"huge": "99999-12-31", "nul": "2026-01-01\x00", "wrong": rng.choice(["x", "0000-00-00", "2026-02-30"])}[
            profile
        ]
    return {"huge": "x" * 10240, "nul": "a\x00b", "wrong": rng.choice(["-1", "²", "../", "é" * 300, "%ff", "{{ x }}"])}[
        profile
    ]


def _django_kind(form_field: django_forms.Field) -> str:
    if isinstance(form_field, django_forms.FileField):
        return "file"
    if isinstance(form_field, django_forms.ModelMultipleChoiceField | django_forms.MultipleChoiceField):
        return "multiple"
    if isinstance(form_field, django_forms.ModelChoiceField | django_forms.IntegerField):
        return "id"
    if isinstance(form_field, django_forms.DateField | django_forms.DateTimeField):
        return "date"
    if isinstance(form_field, django_forms.DecimalField | django_forms.FloatField):
        return "number"
    return "text"


def post_data_for(page_form: PageForm, profile: str, rng: random.Random) -> dict:
    """The page's own fields, filled with hostile values; one submit button's value kept."""
    data = {}
    buttons = [(f.name, v) for f in page_form.fields.values() if f.kind == "button" for v in f.values]
    for entry in page_form.fields.values():
        if entry.kind == "button":
            continue
        own = next((v for v in entry.values if v), "")
        if profile == "long" and entry.kind == "file":
            data[entry.name] = _file(profile)
        elif entry.name == "csrfmiddlewaretoken" or (profile == "long" and entry.kind not in TEXT_KINDS):
            data[entry.name] = own
        elif profile == "long":
            data[entry.name] = "x" * 10240
        else:
            data[entry.name] = hostile_value(entry.kind, profile, entry.values, rng)
    if buttons:
        name, value = rng.choice(buttons)
        data[name] = value
    return data


def code_post_data(post_fields: dict[str, django_forms.Field], profile: str, rng: random.Random) -> dict:
    return {name: hostile_value(_django_kind(f), profile, [], rng) for name, f in post_fields.items()}


def hostile_query(names: list[str], rng: random.Random, turn: int) -> dict:
    """Every name at once, each with a value of the rotating list (shifted by `turn`)."""
    return {name: QUERY_VALUES[(turn + i + rng.randrange(3)) % len(QUERY_VALUES)] for i, name in enumerate(names)}


# ---------------------------------------------------------------- running


@dataclass
class Failure:
    visitor: str
    method: str
    url: str
    data: object
    status: int | None
    error: str

    def __str__(self):
        data = repr(self.data)
        return (
            f"{self.visitor}: {self.method} {_short(self.url)} {_short(data) if self.data else ''} -> {self.status}\n"
            f"{self.error}"
        )


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} characters)"


class _ServerError(Exception):
    def __init__(self, response):
        super().__init__(response.status_code)
        self.response = response


class Fuzzer:
    def __init__(self, route: Route):
        self.route = route
        self.failures: list[Failure] = []
        self.reached: list[str] = []
        self.requests = 0

    def send(self, client: Client, visitor: str, method: str, url: str, data=None):
        """One request in a savepoint, rolled back after a server error: on PostgreSQL a
        failed query spoils the test's transaction and would hide the next failures."""
        self.requests += 1
        try:
            with transaction.atomic():
                response = client.get(url, data or {}) if method == "GET" else client.post(url, data or {})
                if response.status_code >= 500:
                    raise _ServerError(response)
        except _ServerError as error:
            response = error.response
            exc_info = getattr(response, "exc_info", None)
            trace = "".join(traceback.format_exception(*exc_info)) if exc_info else response.content[:500].decode()
            self.failures.append(Failure(visitor, method, url, data, response.status_code, trace))
        except Exception:
            self.failures.append(Failure(visitor, method, url, data, None, traceback.format_exc()))
            return None
        return response


def _client(email: str | None) -> Client:
    if email is None:
        client = Client()
    elif email == RESIDENT_EMAIL:
        client = Client()
        client.force_login(resident().user)
    else:
        client = staff_client(User.objects.get(email=email))
    client.raise_request_exception = False
    return client


def _reached(route: Route, response) -> bool:
    """The visitor got past the refusals (not found, login, second factor) to the view itself."""
    if response is None or response.status_code in (400, 403, 404):
        return False
    if response.status_code in (301, 302):
        location = response.get("Location", "")
        return not any(part in location for part in ("/comptes/login", "/comptes/2fa"))
    return True


def _query_names(route: Route, page: PageParser | None, source_names: set[str], url: str) -> list[str]:
    names = set(GENERIC_QUERY_NAMES) | source_names
    if page is not None:
        for form in page.forms:
            if form.method == "get":
                names |= set(form.fields)
        for link in page.links:
            parts = urlsplit(link)
            if parts.query and (not parts.path or parts.path == urlsplit(url).path):
                names |= {k for k, _v in parse_qsl(parts.query, keep_blank_values=True)}
    return sorted(names)


def fuzz_route(route: Route, kwargs: dict) -> Fuzzer:
    """The first visitor who reaches the view gets every hostile value; the others, and
    those refused at the door, a rotating share (their requests mostly stop at the refusal)."""
    fuzz = Fuzzer(route)
    rng = random.Random(zlib.crc32(route.name.encode()))
    query = sample_query(route)
    url = route.url(**kwargs)
    if query:
        url += "?" + urlencode(query)
    source_get, source_post = code_fields(route)
    segments = {k: quote(str(v), safe="") for k, v in kwargs.items()}
    for index, (visitor, email) in enumerate(VISITORS):
        client = _client(email)
        response = fuzz.send(client, visitor, "GET", url)
        reached = _reached(route, response)
        full = reached and not fuzz.reached
        if reached:
            fuzz.reached.append(visitor)
        page = read_page(response) if response is not None else None
        post_forms = [f for f in page.forms if f.method == "post" and not _logout(f.action)] if page else []

        # hostile path segments
        for param in route.params:
            count = len(PATH_VALUES) if full else (2 if page else 1)
            for k in range(count):
                value = PATH_VALUES[(index * 3 + k) % len(PATH_VALUES)]
                fuzz.send(client, visitor, "GET", route.raw_url(**{**segments, param: value}), query)

        # hostile query parameters (every other time, the valid ones are kept)
        names = _query_names(route, page, source_get, url)
        for turn in range(4 if full else 1):
            hostile = hostile_query(names, rng, index + turn)
            if turn % 2 == 0:
                hostile = {k: v for k, v in hostile.items() if k not in query}
            fuzz.send(client, visitor, "GET", url.split("?")[0], {**query, **hostile})
        if full:
            raw = "&".join(f"{name}=%ff%00%C0" for name in names)
            fuzz.send(client, visitor, "GET", f"{url}{'&' if query else '?'}{raw}")

        # the page's forms, posted with hostile values
        for form_index, page_form in enumerate(post_forms):
            profiles = PROFILES if full else [PROFILES[(index + form_index) % len(PROFILES)]]
            for profile in profiles:
                fuzz.send(client, visitor, "POST", page_form.action or url, post_data_for(page_form, profile, rng))

        # the fields the view's code reads, posted to the route itself
        if full or index == 0 or (reached and not post_forms):
            fields = {"next": django_forms.CharField(), **source_post}
            for profile in PROFILES[1:4] if full else [PROFILES[1 + index % 3]]:
                fuzz.send(client, visitor, "POST", url, code_post_data(fields, profile, rng))
    return fuzz


def _logout(action: str) -> bool:
    return urlsplit(action).path.rstrip("/").endswith("/logout")


@pytest.fixture(autouse=True)
def _quiet(quiet_request_log):
    """Expected refusals (404, 400, 405) would fill the output; failures are reported below."""


# Routes no visitor reaches here, fuzzed all the same (their refusals must not fail either),
# with where they are reached.
REACHED_ELSEWHERE = {
    # FranceConnect / ProConnect: configured only against the provider of test_oidc_flow.py.
    "openid_connect_login": "tests/accounts/test_oidc_flow.py",
    "openid_connect_callback": "tests/accounts/test_oidc_flow.py",
    # allauth's signup from a third-party identity: only with a login of one pending.
    "socialaccount_signup": "only when allauth cannot sign up on its own (an address taken that instant)",
}


@pytest.mark.parametrize("route", all_routes(), ids=str)
def test_no_server_error_on_hostile_input(route, db):
    try:
        kwargs = sample_kwargs(route)
    except MissingSample as missing:
        pytest.fail(str(missing))
    if route.name == "healthz_deep":
        # Its 503 says "no worker is alive" on purpose: with a live one, a 503 is a real failure.
        from relais.notifications.worker import beat

        beat("fuzz")
    fuzz = fuzz_route(route, kwargs)
    if fuzz.failures:
        report = "\n\n".join(str(f) for f in fuzz.failures)
        pytest.fail(f"{len(fuzz.failures)} server error(s) on {route.name} ({route.route}):\n\n{report}")
    if not fuzz.reached and route.name not in REACHED_ELSEWHERE:
        pytest.fail(
            f"no visitor reached {route.name} with its sample arguments {kwargs}: fix SAMPLES in tests/routes.py "
            "so that the hostile input gets past the refusals"
        )


def test_every_route_with_arguments_has_a_sample():
    """A new URL with arguments needs a way to build them, or the fuzz test cannot cover it."""
    from tests.routes import SAMPLES

    missing = [f"{r.name} ({r.route})" for r in all_routes() if r.params and r.name not in SAMPLES]
    assert not missing, f"add these routes to SAMPLES in tests/routes.py: {missing}"
    unused = set(SAMPLES) - {r.name for r in all_routes()}
    assert not unused, f"SAMPLES names routes that no longer exist: {sorted(unused)}"
