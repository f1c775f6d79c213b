"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2), as FixMyStreet and cities serve it.

    GET  /open311/v2/services.{json|xml}                  forms that take a location
    GET  /open311/v2/services/{service_code}.{json|xml}   their questions as attributes
    GET  /open311/v2/requests.{json|xml}                  the PUBLIC street reports only
    GET  /open311/v2/requests/{service_request_id}.{fmt}  a public report, or a filed request
    POST /open311/v2/requests.{json|xml}                  file a request (api_key)
    GET  /open311/v2/tokens/{token}.{json|xml}            token → service_request_id

What is whose:
- services are the published forms with `asks_location` that need no online account
  (cases.street_selectors.located_forms): a partner files by position or address;
- requests are the public street reports exactly as the public list shows them
  (street_selectors.public_reports / public_point): an agent reviewed their title, place and
  description, the point is rounded to the public grid (street_selectors.report_point), the
  time of the request to the hour, never a name, contact or photo. Their service_request_id
  is the report's public number (/signalements/<id>/);
- a request filed through Open311 gets its service_request_id at once (FixMyStreet reads it
  straight after POST): an opaque, unguessable `{number}-{mac}` (also its token).
  /requests/{that id} answers whoever holds it with a minimal record: status, service_code,
  requested_datetime; description, address and point stay null until an agent publishes the
  report, whose public number then comes as the extension `public_request_id`. The list
  (GET /requests) shows public reports only, plus the filed requests whose ids it is given;
- statuses: open (submitted, in progress, waiting for the resident) or closed (accepted,
  refused, closed); extensions: `detailed_status` (+ label), `public_status`, `channel`
  (+ label), `title`, `me_too_count`, `url`;
- `jurisdiction_id` is accepted and ignored: one instance serves one territory.

Filing (POST) calls cases.services.case_submit, the web's path: the questions are checked
by the web's AnswerForm, the place by its LocationForm, the resident by its ContactForm
(name and a way to answer them), with channel "Par une application partenaire" and the
application's technical account as recorder (its journal entries name it). `description`
answers the form's first long-text question left unanswered (else an internal note);
`media_url` is kept as an internal note, never downloaded (a request must not make the town
fetch an address a partner chose; the agent opens it); attributes that are no question of the
form (FixMyStreet's title, report_url, …) make one internal note. The notes are filed with the
case, in its transaction. `device_id` and `account_id` are not kept. The sender rules of the
web's requests without an account apply (cases.services: blocked senders, receipts per
contact and day, requests per application); one name (first or last) is enough.

A retried POST files once: with an `Idempotency-Key` header it is the key (api.idempotency);
without one, the key is derived from the application and every parameter sent, and the same
POST sent again within 24 hours gets the first reply instead of a second request.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, ValidationError
from django.core.validators import URLValidator
from django.http import UnreadablePostError
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.datastructures import MultiValueDict
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters

from relais.api import idempotency, keys
from relais.api.auth import attach
from relais.api.models import IdempotentReply, Scope
from relais.api.open311_format import FORMATS, error, render, w3c
from relais.cases import services as case_services
from relais.cases import street_selectors
from relais.cases.forms import AnswerForm, ContactForm, LocationForm, person_from_contact
from relais.cases.models import OPEN_STATUSES, Case, FieldKind, Status
from relais.core.models import Channel, ContactChannel, is_mobile
from relais.core.pagecache import public_page
from relais.core.services import person_create

MAX_REQUESTS = 1000  # per GET /requests, as the spec allows a server to cap
MAX_DAYS = 90  # the spec's widest date range, and the default one
CACHE = "public, max-age=60"
OPERATION = "POST /open311/v2/requests"
DERIVED_KEY_HOURS = 24  # a POST without Idempotency-Key repeated within this is a retry
MAX_NOTE = 5000  # the longest internal note, as the web's long answers
_ID = re.compile(r"^\d{1,18}$")
_TOKEN = re.compile(r"^(\d{1,18})-([0-9a-f]{24})$")

DATATYPES = {
    FieldKind.TEXT: "string",
    FieldKind.LONG_TEXT: "text",
    FieldKind.NUMBER: "number",
    FieldKind.DATE: "datetime",
    FieldKind.CHOICE: "singlevaluelist",
    FieldKind.MULTI_CHOICE: "multivaluelist",
    FieldKind.YES_NO: "singlevaluelist",
    FieldKind.ADDRESS: "text",
    FieldKind.EMAIL: "string",
    FieldKind.PHONE: "string",
}  # FILE questions are not attributes: Open311 sends no file (media_url is a link)


class BadParameter(Exception):
    pass


def _open311(view):
    """French texts, Open311 errors for an unknown format, and a CORS header on reads."""

    @functools.wraps(view)
    def wrapper(request, *args, fmt, **kwargs):
        with translation.override("fr"):
            if fmt not in FORMATS:
                return error("json", 404, _("Format inconnu : ajoutez .json ou .xml à l'adresse."))
            response = view(request, *args, fmt=fmt, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        if response.status_code == 200 and "Cache-Control" not in response:  # served by the page cache
            response["Cache-Control"] = CACHE
        return response

    return wrapper


def _only_get(request, fmt):
    if request.method in ("GET", "HEAD"):
        return None
    return error(fmt, 405, _("Méthode non permise ici : utilisez GET."), headers={"Allow": "GET, HEAD"})


# ---------------------------------------------------------------- services


def _attributes(form) -> list[dict]:
    attributes = []
    for order, question in enumerate((q for q in form.fields.all() if q.kind in DATATYPES), start=1):
        attribute = {
            "variable": True,
            "code": question.key,
            "datatype": DATATYPES[question.kind],
            "required": question.required,
            "datatype_description": question.help_text or None,
            "order": order,
            "description": question.label,
        }
        if question.kind == FieldKind.YES_NO:
            attribute["values"] = [{"key": "oui", "name": _("Oui")}, {"key": "non", "name": _("Non")}]
        elif question.kind in (FieldKind.CHOICE, FieldKind.MULTI_CHOICE):
            # The key is the choice's text: it is what the request keeps as its answer.
            attribute["values"] = [{"key": choice, "name": choice} for choice in question.choice_list()]
        attributes.append(attribute)
    return attributes


def _service(form) -> dict:
    themes = list(form.procedure.themes.all()) if form.procedure else []
    return {
        "service_code": form.slug,
        "service_name": form.title,
        "description": form.intro,
        "metadata": any(q.kind in DATATYPES for q in form.fields.all()),
        "type": "realtime",
        "keywords": form.procedure.keyword_list() if form.procedure else [],
        "group": themes[0].label if themes else form.team.name,
    }


@_open311
@public_page
def services(request, fmt):
    if refused := _only_get(request, fmt):
        return refused
    document = [_service(form) for form in street_selectors.located_forms()]
    return render(fmt, "services", document, headers={"Cache-Control": CACHE})


@_open311
@public_page
def service_definition(request, code, fmt):
    if refused := _only_get(request, fmt):
        return refused
    form = next((f for f in street_selectors.located_forms().filter(slug=code[:80])), None)
    if form is None:
        return error(fmt, 404, _("Ce service_code ne correspond à aucun service."))
    document = {"service_code": form.slug, "attributes": _attributes(form)}
    return render(fmt, "service_definition", document, headers={"Cache-Control": CACHE})


# ---------------------------------------------------------------- requests (public)


def _hour(moment: datetime.datetime | None) -> datetime.datetime | None:
    """A moment to the hour: when a public report was made, without the minute that could
    tell who made it."""
    return moment.replace(minute=0, second=0, microsecond=0) if moment else None


def _request(report) -> dict:
    case = report.case
    point = street_selectors.report_point(report)
    updated = max(m for m in (report.published_at, report.moderated_at, case.closed_at, case.submitted_at) if m)
    return {
        "service_request_id": str(report.pk),
        "status": "open" if case.status in OPEN_STATUSES else "closed",
        "status_notes": str(report.public_status.label),
        "service_name": case.form.title,
        "service_code": case.form.slug,
        "description": report.description or report.title,
        "agency_responsible": _("Mairie de %(town)s") % {"town": settings.RELAIS["TOWN_NAME"]},
        "service_notice": None,
        "requested_datetime": w3c(_hour(case.submitted_at)),
        "updated_datetime": w3c(updated),
        "expected_datetime": None,
        "address": report.location_text,
        "address_id": None,
        "zipcode": None,
        "lat": point[0] if point else None,
        "long": point[1] if point else None,
        "media_url": None,  # photos are never public
        # Extensions (DESIGN.md: the detailed status and the channel)
        "title": report.title,
        "detailed_status": case.status,
        "detailed_status_label": str(Status(case.status).label),
        "public_status": str(report.public_status.value),
        "channel": case.channel,
        "channel_label": str(Channel(case.channel).label) if case.channel in Channel.values else "",
        "me_too_count": report.me_too_count + report.duplicate_count,
        "url": settings.SITE_URL + report.get_absolute_url(),
    }


def _moment(text: str, name: str) -> datetime.datetime:
    """A W3C datetime (or a date: its midnight), in the town's time when it gives no offset."""
    text = text.strip()
    if "T" in text:  # a "+01:00" left unencoded in a query string arrives as " 01:00"
        text = re.sub(r" (\d{2}:?\d{2})$", r"+\1", text)
    refused = BadParameter(
        _("%(name)s : écrivez une date au format W3C, par exemple 2026-01-31T00:00:00Z ou 2026-01-31.") % {"name": name}
    )
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            if day is None:
                raise refused
            moment = datetime.datetime.combine(day, datetime.time.min)
        if not 1900 <= moment.year <= 2200:
            raise refused
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment.astimezone(datetime.UTC)
    except (ValueError, OverflowError):
        raise refused from None


def _window(params) -> tuple[datetime.datetime, datetime.datetime]:
    start = _moment(params["start_date"], "start_date") if params.get("start_date") else None
    end = _moment(params["end_date"], "end_date") if params.get("end_date") else None
    span = datetime.timedelta(days=MAX_DAYS)
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - span
    if end is None:
        end = start + span
    if start > end:
        raise BadParameter(_("start_date doit précéder end_date."))
    if end - start > span:
        raise BadParameter(_("Entre start_date et end_date, %(days)s jours au plus.") % {"days": MAX_DAYS})
    return start, end


def _ids(params) -> list[str] | None:
    ids = [i.strip() for i in params.get("service_request_id", "").split(",") if i.strip()]
    return ids[:MAX_REQUESTS] if ids else None


def _listed(params):
    reports = street_selectors.public_reports()
    ids = _ids(params)
    if ids is not None:  # the spec: the ids override every other filter
        return reports.filter(pk__in=[int(i) for i in ids if _ID.match(i)][:MAX_REQUESTS])
    codes = [c.strip() for c in params.get("service_code", "").split(",") if c.strip()]
    if codes:
        reports = reports.filter(case__form__slug__in=[c[:80] for c in codes])
    statuses = {s.strip().lower() for s in params.get("status", "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise BadParameter(_("status : « open » ou « closed » (ou les deux, séparés par une virgule)."))
    if statuses == {"open"}:
        reports = reports.filter(case__status__in=OPEN_STATUSES)
    elif statuses == {"closed"}:
        reports = reports.exclude(case__status__in=OPEN_STATUSES)
    start, end = _window(params)
    return reports.filter(case__submitted_at__gte=start, case__submitted_at__lte=end)


@_open311
@csrf_exempt
@sensitive_post_parameters("api_key")
def service_requests(request, fmt):
    if request.method == "POST":
        return _file(request, fmt)
    if refused := _only_get(request, fmt):
        refused["Allow"] = "GET, HEAD, POST"
        return refused
    try:
        reports = list(_listed(request.GET)[:MAX_REQUESTS])
    except BadParameter as bad:
        return error(fmt, 400, str(bad))
    document = [_request(r) for r in reports]
    # Requests filed through Open311, asked for by their id (who holds an id filed them)
    filed = [case for case in map(_case_of, _ids(request.GET) or []) if case is not None]
    if filed:
        document += [_filed_request(case) for case in filed]
        return render(fmt, "service_requests", document, headers={"Cache-Control": "no-cache"})
    return render(fmt, "service_requests", document, headers={"Cache-Control": CACHE})


@_open311
def request_detail(request, service_request_id, fmt):
    if refused := _only_get(request, fmt):
        return refused
    if _ID.match(service_request_id):
        report = street_selectors.public_report(int(service_request_id))
        if report is not None:
            return render(fmt, "service_requests", [_request(report)], headers={"Cache-Control": CACHE})
    elif (case := _case_of(service_request_id)) is not None:
        return render(fmt, "service_requests", [_filed_request(case)], headers={"Cache-Control": "no-cache"})
    return error(fmt, 404, _("Aucune demande ne porte ce service_request_id."))


def _case_of(token: str) -> Case | None:
    """The case a filed request's id (its token) names, if it is genuine and still kept."""
    match = _TOKEN.match(token)
    if match is None or not constant_time_compare(match[2], _mac(int(match[1]))):
        return None
    return Case.objects.select_related("form").filter(pk=int(match[1])).first()


def _filed_request(case: Case) -> dict:
    """What the holder of a filed request's id may read: its status and service at once; its
    text, place and point once an agent published the report (as the public list shows them)."""
    report = street_selectors.public_reports().filter(case_id=case.pk).first()
    public = _request(report) if report else {}
    return {
        "service_request_id": token_for(case),
        "status": "open" if case.status in OPEN_STATUSES else "closed",
        "status_notes": public.get("status_notes"),
        "service_name": case.form.title if case.form else None,
        "service_code": case.form.slug if case.form else None,
        "description": public.get("description"),
        "agency_responsible": _("Mairie de %(town)s") % {"town": settings.RELAIS["TOWN_NAME"]},
        "service_notice": None,
        "requested_datetime": w3c(case.submitted_at),
        "updated_datetime": public.get("updated_datetime"),
        "expected_datetime": None,
        "address": public.get("address"),
        "address_id": None,
        "zipcode": None,
        "lat": public.get("lat"),
        "long": public.get("long"),
        "media_url": None,
        # Extensions: the public report, once there is one
        "public_request_id": str(report.pk) if report else None,
        "url": public.get("url"),
    }


# ---------------------------------------------------------------- tokens


def token_for(case: Case) -> str:
    """The token of a request filed through Open311: it names the case to whoever holds it
    (not its tracking link: the token opens nothing but /tokens/)."""
    return f"{case.pk}-{_mac(case.pk)}"


def _mac(pk) -> str:
    return salted_hmac("relais.api.open311.token", str(pk)).hexdigest()[:24]


@_open311
def token(request, token, fmt):
    if refused := _only_get(request, fmt):
        return refused
    case = _case_of(token)
    if case is None:  # not a token, or removed since (spam, retention)
        return error(fmt, 404, _("Ce jeton ne correspond à aucune demande."))
    report = street_selectors.public_reports().filter(case_id=case.pk).first()
    document = [{"service_request_id": token, "token": token, "public_request_id": str(report.pk) if report else None}]
    return render(fmt, "service_requests", document, headers={"Cache-Control": "no-cache"})


# ---------------------------------------------------------------- filing (POST)


def _messages(error: ValidationError, names: dict[str, str]) -> list[str]:
    """Each message of a form's or a service's refusal, named by its Open311 parameter."""
    items = error.message_dict.items() if hasattr(error, "error_dict") else [("__all__", error.messages)]
    return [
        message if field == "__all__" else f"{names.get(field, field)} : {message}"
        for field, messages in items
        for message in messages
    ]


def _form_errors(form, names: dict[str, str]) -> list[str]:
    return _messages(ValidationError(form.errors.as_data()), names)


LOCATION_NAMES = {"location_text": "address_string", "latitude": "lat", "longitude": "long"}
ANSWER_PREFIX = "attribute"


def _location(data, problems: list[str]) -> dict:
    lat, lon = data.get("lat", "").strip(), data.get("long", "").strip()
    address = data.get("address_string", "").strip()
    if not address and not (lat and lon):
        problems.append(_("Indiquez où se trouve le problème : lat et long, ou address_string."))
        return {}
    if bool(lat) != bool(lon):
        problems.append(_("lat et long vont ensemble : donnez les deux, ou aucun."))
        return {}
    place = LocationForm({"location_text": address or "-", "latitude": lat, "longitude": lon})
    if not place.is_valid():
        problems.extend(_form_errors(place, LOCATION_NAMES))
        return {}
    location = dict(place.cleaned_data)
    if not address:
        location["location_text"] = _("Point indiqué sur une carte : %(lat).5f, %(long).5f") % {
            "lat": location["latitude"],
            "long": location["longitude"],
        }
    return location


def _answer_names(form) -> dict[str, str]:
    return {q.key: f"{ANSWER_PREFIX}[{q.key}]" for q in form.fields.all()}


def _attribute(data, key: str, many: bool):
    name = f"{ANSWER_PREFIX}[{key}]"
    if many:
        return [v for v in data.getlist(name) + data.getlist(name + "[]") if v.strip()]
    return data.get(name, "").strip()


def _answers(form, data, problems: list[str], notes: list[str]) -> dict:
    questions = [q for q in form.fields.all() if q.kind in DATATYPES]
    given = {q.key: _attribute(data, q.key, q.kind == FieldKind.MULTI_CHOICE) for q in questions}
    for q in questions:
        if q.kind == FieldKind.DATE and re.match(r"^\d{4}-\d{2}-\d{2}T", given[q.key]):
            given[q.key] = given[q.key][:10]  # a W3C datetime for a date question: its day
    names = _answer_names(form)
    description = data.get("description", "").strip()
    if description:
        target = next((q for q in questions if q.kind == FieldKind.LONG_TEXT and not given[q.key]), None)
        if target is not None:
            given[target.key] = description
            names[target.key] = "description"  # its errors (too long…) name what the partner sent
        elif len(description) > MAX_NOTE:
            problems.append(_("description : %(n)s caractères au plus.") % {"n": MAX_NOTE})
        else:
            notes.append(_("Description envoyée par l'application : %(text)s") % {"text": description})
    _other_attributes(data, {q.key for q in form.fields.all()}, notes)
    values = MultiValueDict({k: (v if isinstance(v, list) else [v]) for k, v in given.items()})
    answers = AnswerForm(values, questions=questions)
    if not answers.is_valid():
        problems.extend(_form_errors(answers, names))
        return {}
    return answers.json_answers()


_ATTRIBUTE = re.compile(r"^attribute\[([^\]]{1,100})\](\[\])?$")


def _other_attributes(data, keys: set[str], notes: list[str]) -> None:
    """Attributes that are no question of the form (FixMyStreet sends its title, report_url,
    fixmystreet_id…): one internal note for the agent, never lost, never an answer."""
    lines = []
    for name in data:
        match = _ATTRIBUTE.match(name)
        if match and match[1] not in keys:
            values = [v.strip() for v in data.getlist(name) if v.strip()]
            if values:
                lines.append(f"{match[1]} : {', '.join(values)}")
    if lines:
        text = _("Autres informations envoyées par l'application :") + "\n" + "\n".join(lines)
        notes.append(text if len(text) <= MAX_NOTE else text[: MAX_NOTE - 2] + " …")


def _contact(data, problems: list[str]) -> dict:
    email, phone = data.get("email", "").strip(), data.get("phone", "").strip()
    # How the town answers: e-mail when given, else SMS to a mobile, else a call (the
    # resident's choice on the web; Open311 has no such parameter).
    if email or not phone:
        channel = ContactChannel.EMAIL
    else:
        channel = ContactChannel.SMS if is_mobile(phone) else ContactChannel.PHONE
    contact = ContactForm(
        channel=Channel.API,
        data={
            "first_name": data.get("first_name", ""),
            "last_name": data.get("last_name", ""),
            "email": email,
            "phone": phone,
            "preferred_channel": channel,
        },
    )
    if not contact.is_valid():
        problems.extend(_form_errors(contact, {}))
        return {}
    return contact.cleaned_data


def _media(data, problems: list[str], notes: list[str]) -> None:
    url = data.get("media_url", "").strip()
    if not url:
        return
    try:
        if len(url) > 2000:
            raise ValidationError("too long")
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        problems.append(_("media_url : indiquez l'adresse complète d'une image (http:// ou https://)."))
        return
    notes.append(_("Photo ou média envoyé par l'application (lien non ouvert par Relais) : %(url)s") % {"url": url})


def _payload(data) -> dict:
    """What identifies a POST: every parameter but the key itself (a rotated key retrying
    the same request is the same request)."""
    return {name: data.getlist(name) for name in sorted(data) if name != "api_key"}


def _derived_key(application, payload: dict) -> str:
    """The key of a POST sent without Idempotency-Key: the same parameters within the last
    DERIVED_KEY_HOURS hours are a retry (the key then in use, whatever the calendar day);
    else a new key, of the hour (two first tries at once share it: create_once files one)."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    stem = f"open311:{hashlib.sha256(text.encode()).hexdigest()[:40]}:"
    recent = (
        IdempotentReply.objects.filter(
            application=application,
            key__startswith=stem,
            created_at__gte=timezone.now() - datetime.timedelta(hours=DERIVED_KEY_HOURS),
        )
        .order_by("-created_at")
        .values_list("key", flat=True)
        .first()
    )
    return recent or stem + timezone.now().strftime("%Y%m%d%H")


def _raw_key(request, data) -> str:
    if data.get("api_key"):
        return data["api_key"]
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    return value if scheme.lower() == "bearer" else ""


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _file(request, fmt):
    if request.content_type not in FORM_TYPES:
        return error(fmt, 415, _("Envoyez les paramètres en application/x-www-form-urlencoded, comme le dit Open311."))
    try:
        data = request.POST
    except RequestDataTooBig:
        return error(fmt, 413, _("Requête trop volumineuse."))
    except (SuspiciousOperation, UnreadablePostError):
        return error(fmt, 400, _("Requête illisible."))
    try:
        application = keys.authenticate(_raw_key(request, data))
    except keys.RateLimited as limited:
        return error(
            fmt,
            429,
            _("Trop de requêtes pour cette application : réessayez dans %(n)s secondes.") % {"n": limited.retry_after},
            headers={"Retry-After": str(limited.retry_after)},
        )
    if application is None:
        return error(fmt, 403, _("api_key absente, inconnue ou révoquée."))
    if not application.allows(Scope.REQUESTS_WRITE):
        return error(fmt, 403, _("Cette clé ne permet pas de déposer des demandes (droit « requests:write »)."))
    attach(request, application)

    code = data.get("service_code", "").strip()
    form = street_selectors.located_forms().filter(slug=code[:80]).first() if code else None
    if form is None:
        return error(fmt, 400, _("service_code : indiquez le code d'un service de la liste services."))
    problems, notes = [], []
    location = _location(data, problems)
    answers = _answers(form, data, problems, notes)
    contact = _contact(data, problems)
    _media(data, problems, notes)
    if problems:
        return error(fmt, 400, *problems)

    payload = _payload(data)
    header = (request.headers.get(idempotency.HEADER) or "").strip()

    def create(submission_key):
        # The notes are part of the create: a retry (even at the same moment) never adds them twice.
        case = case_services.case_submit(
            form=form,
            person=lambda: person_create(
                actor=request.user, data=person_from_contact(contact), channel=Channel.API, request=request
            ),
            answers=answers,
            channel=Channel.API,
            recorded_by=request.user,
            submission_key=submission_key,
            location=location,
            notes=notes,
            request=request,
        )
        return 200, [_filed(case, form)]

    replayed = {}
    try:
        status, body = idempotency.once(
            request, replayed, OPERATION, payload, create, key=None if header else _derived_key(application, payload)
        )
    except idempotency.KeyRefused as refused:
        return error(fmt, refused.status_code, refused.message)
    except ValidationError as refused:
        return error(fmt, 400, *_messages(refused, {**LOCATION_NAMES, **_answer_names(form)}))
    return render(fmt, "service_requests", body, status=status, headers={"Cache-Control": "no-store", **replayed})


def _filed(case: Case, form) -> dict:
    if street_selectors.is_public_form(form):
        notice = _(
            "Demande %(reference)s reçue. Elle paraîtra sur la liste publique des signalements une fois relue "
            "par le service."
        )
    else:
        notice = _("Demande %(reference)s reçue. Délai de traitement prévu : %(days)s jours.")
    return {
        "service_request_id": token_for(case),
        "token": token_for(case),
        "service_notice": notice % {"reference": case.reference, "days": form.expected_days},
        "account_id": None,
        "reference": case.reference,  # extension: what the resident's receipt says
    }


def not_found(request, *args, **kwargs):
    """/open311/ itself: the spec's discovery document (where the endpoint is, its formats);
    anything else under /open311/: an Open311 error, never Django's HTML page."""
    with translation.override("fr"):
        fmt = "xml" if request.path.endswith(".xml") else "json"
        if request.path.rstrip("/") in ("/open311", "/open311/v2", "/open311/discovery.json", "/open311/discovery.xml"):
            return render(fmt, "discovery", _discovery(), headers={"Access-Control-Allow-Origin": "*"})
        return error(fmt, 404, _("Adresse inconnue. Le point d'entrée est /open311/v2/ (services, requests, tokens)."))


def _discovery() -> dict:
    return {
        "changeset": None,
        "contact": _("Mairie de %(town)s, %(phone)s")
        % {"town": settings.RELAIS["TOWN_NAME"], "phone": settings.RELAIS["TOWN_PHONE"]},
        "key_service": _("Clé d'application à demander à la mairie (administrateur de Relais)."),
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": settings.SITE_URL + "/open311/v2",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
