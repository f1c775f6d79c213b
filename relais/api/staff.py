"""With a staff application key: the team's cases, as its agents see them; accompaniments.

A staff application's technical account holds a role in its team (reception, case worker or
advisor). Every read and every change below goes through the selectors, forms and services
of the staff screens with that account as the actor: the key sees and may do exactly what an
agent of that role in that team may, every look at personal data is journaled as the staff
pages journal it, and the journal and the case timeline name the application.

Lists are paginated by an opaque cursor on the list's own sort (then the id): stable while
rows are added, one query per page whatever the page (relais.api.cursor: signed, any other
value is refused with 422).
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja import Status as Reply
from pydantic import AfterValidator

from relais.accounts.models import User
from relais.accounts.permissions import has_role, may_see_person
from relais.api import cursor, idempotency
from relais.api.auth import application_key, require
from relais.api.models import Scope
from relais.cases import selectors as case_selectors
from relais.cases import services as case_services
from relais.cases.forms import AssignForm, MessageForm, NoteForm, QueueFilterForm
from relais.cases.models import Case, CaseEvent, Status
from relais.core.http import OutOfReach
from relais.core.models import Channel, Person
from relais.mediation import choices as c
from relais.mediation import forms as mediation_forms
from relais.mediation import selectors as mediation_selectors
from relais.mediation.models import Accompaniment
from relais.mediation.services import accompaniments as accompaniment_services

router = Router(tags=["Équipes"], auth=application_key)

PAGE_SIZE = 50  # the staff queue's page
PAGE_MAX = 100
TEXT_MAX = NoteForm.base_fields["text"].max_length  # notes and messages: as long as on the case page
MESSAGE_MAX = MessageForm.base_fields["text"].max_length


def _no_nul(text: str) -> str:
    # Nothing a partner sends may break a query: PostgreSQL refuses NUL in text.
    if "\x00" in text:
        raise ValueError("NUL")
    return text


Text = Annotated[str, AfterValidator(_no_nul)]
# Ids as the database holds them: a larger number is refused, not sent to the database.
Id = Annotated[int, Field(ge=1, le=2_147_483_647)]


def _choices(values) -> Any:
    """A Literal of a TextChoices' values, for the schema (OpenAPI enum) and the checks."""
    return Literal[tuple(values)]


TabName = _choices(case_selectors.TABS)
StatusName = _choices(Status.values)
ChannelName = _choices(Channel.values)
SortName = Literal["-submitted_at", "submitted_at", "due_date", "reference"]


class FieldProblem(Schema):
    field: str
    pointer: str
    detail: str


class Problem(Schema):
    """RFC 9457 problem details (served as application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldProblem] | None = None


# What any operation may answer besides its success (relais.api.problems): no key or a
# revoked one, a scope or role that does not allow it, not found (or another team's),
# input to correct, too many requests; 400 for a create without its Idempotency-Key.
ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 422: Problem, 429: Problem}
# An operation with a body may also answer 413 (body too large) or 415 (a body not in JSON).
WRITE_ERRORS = {**ERRORS, 413: Problem, 415: Problem}
CREATE_ERRORS = WRITE_ERRORS


def _renamed(error: ValidationError, names: dict[str, str]) -> ValidationError:
    """A service's or a form's refusal, its fields named as in the API."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError({names.get(field, field): messages for field, messages in error.error_dict.items()})


# ---------------------------------------------------------------- schemas: cases


class Named(Schema):
    id: int
    name: str


class FormRef(Schema):
    slug: str
    title: str


class CaseSummary(Schema):
    reference: str
    form: FormRef
    status: StatusName
    status_label: str
    channel: str
    submitted_at: datetime.datetime
    due_date: datetime.date
    closed_at: datetime.datetime | None
    is_late: bool
    assignee: Named | None
    person_name: str = Field(description="Le nom de l'habitant, comme les agents le lisent.")
    correction_received: bool = Field(description="Une correction de l'habitant attend d'être relue.")
    resident_replied: bool = Field(description="L'habitant a répondu depuis la dernière lecture par un agent.")


class CasePage(Schema):
    results: list[CaseSummary]
    next: str | None = Field(description="À passer en « cursor » pour la page suivante ; absent à la fin.")


class Answer(Schema):
    key: str
    label: str
    kind: str
    value: Any = None
    display: str = ""


class DocumentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    field_key: str
    by_resident: bool
    created_at: datetime.datetime


class TimelineEvent(Schema):
    kind: str
    kind_label: str
    at: datetime.datetime
    actor: str | None = Field(description="L'agent ou l'application ; absent pour l'habitant ou le système.")
    by_resident: bool
    text: str
    old_status: str
    new_status: str
    visible_to_resident: bool


class CaseDetail(CaseSummary):
    team: str
    recorded_by: str | None
    under_mandate: bool
    location_text: str
    latitude: float | None
    longitude: float | None
    may_work: bool = Field(description="La clé peut changer l'état, attribuer, noter, écrire à l'habitant.")
    correction_version: str = Field(
        description="À renvoyer en « correction_seen » avec un changement d'état décidé sur cette lecture."
    )
    answers: list[Answer]
    documents: list[DocumentOut]
    timeline: list[TimelineEvent]


class CaseFilters(Schema):
    tab: TabName = Field(
        "toutes", description="Onglet de la file : nouvelles, miennes, attente, retard, traitees, toutes."
    )
    q: Text = Field("", max_length=100, description="Référence (ou son début) ou nom.")
    form: Text = Field("", max_length=80, description="Identifiant (slug) d'une démarche de l'équipe.")
    status: StatusName | None = None
    channel: ChannelName | None = None
    assignee: Text = Field("", max_length=20, description="« none » (personne) ou l'id d'un agent de l'équipe.")
    place_id: Id | None = Field(None, description="Enregistrées dans ce lieu (au guichet).")
    start: datetime.date | None = Field(None, description="Reçues depuis ce jour (inclus).")
    end: datetime.date | None = Field(None, description="Reçues jusqu'à ce jour (inclus).")
    correction: bool = Field(False, description="Seulement les demandes dont une correction attend.")
    sort: SortName | None = None
    limit: int = Field(PAGE_SIZE, ge=1, le=PAGE_MAX)
    cursor: Text | None = Field(None, max_length=500)


class StatusIn(Schema):
    status: StatusName
    message: Text = Field("", max_length=MESSAGE_MAX, description="Obligatoire pour une question ou un refus.")
    correction_seen: Text | None = Field(
        None,
        max_length=40,
        description=(
            "Le « correction_version » de la lecture du dossier sur laquelle la décision est prise ; "
            "omis : aucune correction lue. Une correction arrivée depuis refuse le changement (422)."
        ),
    )


class AssigneeIn(Schema):
    assignee_id: Id | None = Field(description="Un agent de l'équipe (GET /staff/colleagues) ; null : personne.")


class TextIn(Schema):
    text: Text = Field(min_length=1, max_length=TEXT_MAX)


class MessageIn(Schema):
    text: Text = Field(min_length=1, max_length=MESSAGE_MAX)


class EventOut(Schema):
    reference: str
    kind: str
    at: datetime.datetime
    text: str


# ---------------------------------------------------------------- cases: helpers


def _user(request: HttpRequest) -> User:
    return request.user


def _may_list_cases(request: HttpRequest) -> None:
    # The staff queue is the case workers' screen (cases.views_staff.queue): the same roles.
    if not has_role(_user(request), *case_selectors.WORKER_ROLES):
        raise PermissionDenied(
            _(
                "Le rôle de cette application dans son équipe ne donne pas accès à la file des dossiers : "
                "elle lit un par un les dossiers qu'un agent de ce rôle peut ouvrir."
            )
        )


def _visible_case(request: HttpRequest, reference: str) -> Case:
    """The case if the key's agent could open it (else 404, as for one that does not exist)."""
    if "\x00" in reference:
        raise OutOfReach
    try:
        return case_selectors.case_detail(case_selectors.cases_visible_to(_user(request)), reference)
    except Case.DoesNotExist:
        raise OutOfReach from None


def _workable_case(request: HttpRequest, reference: str) -> Case:
    case = _visible_case(request, reference)
    if not case_selectors.can_work(_user(request), case):
        raise PermissionDenied(_("Seuls les agents de l'équipe qui traite cette demande la font avancer."))
    return case


def _named(user) -> dict | None:
    return {"id": user.pk, "name": user.get_full_name()} if user is not None else None


def _summary(case: Case) -> dict:
    return {
        "reference": case.reference,
        "form": {"slug": case.form.slug, "title": case.form.title},
        "status": case.status,
        "status_label": case.get_status_display(),
        "channel": case.channel,
        "submitted_at": case.submitted_at,
        "due_date": case.due_date,
        "closed_at": case.closed_at,
        "is_late": case.is_late,
        "assignee": _named(case.assignee),
        "person_name": case.person.display_name,
        "correction_received": case.correction_received_at is not None,
        "resident_replied": case.resident_replied_at is not None,
    }


def _detail(case: Case, user) -> dict:
    events = case.events.select_related("actor")
    return {
        **_summary(case),
        "team": case.team.slug,
        "recorded_by": case.recorded_by.get_full_name() if case.recorded_by else None,
        "under_mandate": case.acting_under_id is not None,
        "location_text": case.location_text,
        "latitude": case.latitude,
        "longitude": case.longitude,
        "may_work": case_selectors.can_work(user, case),
        "correction_version": case_services.correction_version(case),
        "answers": [
            {
                "key": a.get("key", ""),
                "label": a.get("label", ""),
                "kind": a.get("kind", ""),
                "value": a.get("value"),
                "display": str(a.get("display") or ""),
            }
            for a in case.answers
        ],
        "documents": [
            {
                "id": d.pk,
                "name": d.name,
                "content_type": d.content_type,
                "size": d.size,
                "field_key": d.field_key,
                "by_resident": d.by_resident,
                "created_at": d.created_at,
            }
            for d in case.documents.all()
        ],
        "timeline": [
            {
                "kind": e.kind,
                "kind_label": e.get_kind_display(),
                "at": e.created_at,
                "actor": e.actor.get_full_name() if e.actor else None,
                "by_resident": e.by_resident,
                "text": e.text,
                "old_status": e.old_status,
                "new_status": e.new_status,
                "visible_to_resident": e.visible_to_resident,
            }
            for e in events
        ],
    }


def _event(event: CaseEvent, case: Case) -> dict:
    return {"reference": case.reference, "kind": event.kind, "at": event.created_at, "text": event.text}


# ---------------------------------------------------------------- cases: endpoints


@router.get("/staff/cases", response={200: CasePage, **ERRORS}, summary="Les dossiers de l'équipe (la file des agents)")
def case_list(request, filters: Query[CaseFilters]):
    """The team's queue, as a case worker of the team sees it on the staff screen (same
    tabs, filters and sort), newest first unless sorted otherwise. Journaled."""
    require(request, Scope.CASES_READ)
    _may_list_cases(request)
    user = _user(request)
    chosen = _queue_filters(user, filters)
    order = case_selectors.queue_order(filters.tab, chosen)
    qs = case_selectors.queue(user, tab=filters.tab, filters=chosen).defer("answers", "search_text")
    keys = [(order.lstrip("-"), order.startswith("-")), ("pk", True)]
    rows, following = cursor.paginate_queryset(
        qs, kind=f"cases{order}", keys=keys, cursor=filters.cursor, limit=filters.limit
    )
    case_services.queue_viewed(actor=user, cases=rows, tab=filters.tab, request=request)
    return {"results": [_summary(case) for case in rows], "next": following}


def _queue_filters(user, filters: CaseFilters) -> dict:
    """The filters, checked by the staff queue's own filter form (the forms and agents of
    the team, dates in order), as `selectors.queue` takes them."""
    data = {
        "q": filters.q,
        "status": filters.status or "",
        "channel": filters.channel or "",
        "assignee": filters.assignee,
        "start": filters.start.isoformat() if filters.start else "",
        "end": filters.end.isoformat() if filters.end else "",
        "sort": filters.sort or "",
        "correction": "on" if filters.correction else "",
        "place": str(filters.place_id or ""),
    }
    if filters.form:
        # By its slug in the API: an unknown one is refused by the form like another team's.
        data["form"] = str(
            case_selectors.forms_of(user).filter(slug=filters.form).values_list("pk", flat=True).first() or 0
        )
    # The agents are offered (one query) only when one is asked for.
    assignees = case_selectors.colleagues(user) if filters.assignee not in ("", "none") else []
    form = QueueFilterForm(data, forms_qs=case_selectors.forms_of(user), assignees=assignees)
    if not form.is_valid():
        raise _renamed(ValidationError(form.errors.as_data()), {"place": "place_id"})
    return form.cleaned_data


@router.get("/staff/colleagues", response={200: list[Named], **ERRORS}, summary="Les agents à qui attribuer un dossier")
def colleague_list(request):
    require(request, Scope.CASES_READ)
    return [_named(user) for user in case_selectors.colleagues(_user(request))]


@router.get(
    "/staff/cases/{reference}",
    response={200: CaseDetail, **ERRORS},
    summary="Un dossier : réponses, documents, historique",
)
def case_read(request, reference: str):
    """What the staff case page shows; journaled as the page's opening is. Another team's
    case answers 404, as one that does not exist."""
    require(request, Scope.CASES_READ)
    case = _visible_case(request, reference)
    case_services.case_opened(case=case, actor=_user(request), request=request)
    return _detail(case, _user(request))


@router.post(
    "/staff/cases/{reference}/status",
    response={200: CaseSummary, **WRITE_ERRORS},
    summary="Changer l'état d'un dossier",
)
def case_status(request, reference: str, payload: StatusIn):
    """As the case page's "Nouvel état": a question to the resident or a refusal carries the
    message they receive; a change the workflow refuses answers 422 with its reason.

    Send in `correction_seen` the `correction_version` of the read (GET /staff/cases/{reference})
    the decision was taken on: if a correction from the resident arrived since (or one waits
    and it is omitted), the change is refused with 422: reread the case first."""
    require(request, Scope.CASES_WRITE)
    case = _workable_case(request, reference)
    case = case_services.case_change_status(
        case=case,
        status=payload.status,
        message=payload.message.strip(),
        # As the case page's form: omitted is "I saw no correction" (never "do not check").
        seen_correction=payload.correction_seen or "",
        explain=True,
        actor=_user(request),
        request=request,
    )
    return _summary(Case.objects.select_related("form", "person", "assignee").get(pk=case.pk))


@router.put(
    "/staff/cases/{reference}/assignee",
    response={200: CaseSummary, **WRITE_ERRORS},
    summary="Attribuer un dossier à un agent de l'équipe",
)
def case_assignee(request, reference: str, payload: AssigneeIn):
    require(request, Scope.CASES_WRITE)
    case = _workable_case(request, reference)
    # The case page's own form: one answer for an id that is nobody and for someone outside
    # the team, so that the API tells nothing of which accounts exist.
    form = AssignForm({"assignee": str(payload.assignee_id or "")}, team=case.team)
    if not form.is_valid():
        raise ValidationError(
            {"assignee_id": _("Aucun agent de l'équipe n'a cet identifiant : voyez GET /staff/colleagues.")}
        )
    assignee = form.cleaned_data["assignee"]
    try:
        case_services.case_assign(case=case, assignee=assignee, actor=_user(request), request=request)
    except ValidationError as error:
        raise _renamed(error, {"assignee": "assignee_id"}) from None
    return _summary(Case.objects.select_related("form", "person", "assignee").get(pk=case.pk))


@router.post(
    "/staff/cases/{reference}/notes",
    response={201: EventOut, **CREATE_ERRORS},
    summary="Ajouter une note interne (jamais montrée à l'habitant)",
)
def case_note(request, reference: str, payload: TextIn, response: HttpResponse):
    require(request, Scope.CASES_WRITE)
    case = _workable_case(request, reference)

    def create(submission_key):
        event = case_services.case_add_note(
            case=case, text=payload.text, actor=_user(request), submission_key=submission_key, request=request
        )
        return 201, _event(event, case)

    return Reply(
        *idempotency.once(request, response, f"POST /staff/cases/{case.reference}/notes", payload.dict(), create)
    )


@router.post(
    "/staff/cases/{reference}/messages",
    response={201: EventOut, **CREATE_ERRORS},
    summary="Écrire à l'habitant (par son moyen de contact : courriel, SMS ou courrier)",
)
def case_message(request, reference: str, payload: MessageIn, response: HttpResponse):
    require(request, Scope.CASES_WRITE)
    case = _workable_case(request, reference)

    def create(submission_key):
        event = case_services.case_message(
            case=case, text=payload.text, actor=_user(request), submission_key=submission_key, request=request
        )
        return 201, _event(event, case)

    return Reply(
        *idempotency.once(request, response, f"POST /staff/cases/{case.reference}/messages", payload.dict(), create)
    )


# ---------------------------------------------------------------- schemas: accompaniments

KindName = _choices(c.AccompanimentKind.values)
PlaceTypeName = _choices(c.PlaceType.values)
EquipmentName = _choices(c.Equipment.values)
ThemeName = _choices([code for code, _label in c.THEMES])
SubthemeName = _choices([code for code, _label in c.ADMIN_SUBTHEME_CHOICES])
GenderName = _choices(c.Gender.values)
AgeBandName = _choices(c.AgeBand.values)
SocialStatusName = _choices(c.SocialStatus.values)
AutonomyName = _choices(["", *c.Autonomy.values])
OrientedToName = _choices(["", *c.OrientedTo.values])


class AccompanimentChange(Schema):
    """What a record says; on PATCH, only the fields sent change."""

    date: datetime.date | None = None
    duration: int | None = Field(None, ge=1, le=1440, description="En minutes (15, 30, 45, 60, 90, 120 ou autre).")
    kind: KindName | None = None
    place_type: PlaceTypeName | None = None
    place_id: Id | None = Field(
        None,
        description=(
            "Un lieu de l'équipe, quand « place_type » vaut « lieu_activite ». À la création, par défaut : "
            "le lieu du rendez-vous, sinon le lieu habituel (celui du dernier accompagnement noté par la clé, "
            "sinon le premier lieu de l'équipe)."
        ),
    )
    commune: Text | None = Field(None, max_length=100)
    equipment: list[EquipmentName] | None = None
    themes: list[ThemeName] | None = None
    admin_subthemes: list[SubthemeName] | None = None
    anonymous_count: int | None = Field(None, ge=0, le=10000)
    gender: GenderName | None = None
    age_band: AgeBandName | None = None
    social_status: SocialStatusName | None = None
    first_time: bool | None = None
    autonomy: AutonomyName | None = None
    oriented_to: OrientedToName | None = None
    case_reference: Text | None = Field(None, max_length=20, description="Une demande déposée sous mandat de l'équipe.")
    notes: Text | None = Field(None, max_length=5000)


class AccompanimentIn(AccompanimentChange):
    person_id: Id | None = Field(None, description="La personne accompagnée ; sans elle, un accompagnement anonyme.")
    appointment_id: Id | None = Field(
        None,
        description=(
            "Le rendez-vous de l'équipe que cet accompagnement clôt : son jour, sa durée, son lieu, son équipe "
            "et sa personne sont les valeurs par défaut (les valeurs envoyées l'emportent)."
        ),
    )


class AccompanimentOut(Schema):
    id: int
    team: str
    advisor: str
    date: datetime.date
    duration: int
    kind: str
    place_type: str
    place: Named | None
    commune: str
    equipment: list[str]
    themes: list[str]
    admin_subthemes: list[str]
    person: Named | None
    participant_count: int
    anonymous_count: int
    gender: str
    age_band: str
    social_status: str
    first_time: bool | None
    autonomy: str
    oriented_to: str
    appointment_id: int | None
    case_reference: str | None
    notes: str
    created_at: datetime.datetime
    updated_at: datetime.datetime


class AccompanimentPage(Schema):
    results: list[AccompanimentOut]
    next: str | None


class AccompanimentFilters(Schema):
    limit: int = Field(30, ge=1, le=PAGE_MAX)
    cursor: Text | None = Field(None, max_length=500)


# The web form's fields, named as in the API.
_FORM_NAMES = {
    "duration_choice": "duration",
    "duration_other": "duration",
    "place": "place_id",
    "case": "case_reference",
    "oriented": "oriented_to",
    "person": "person_id",
    "appointment": "appointment_id",
}


def _mediation_staff(request: HttpRequest) -> None:
    # The accompaniment screens are the mediation team's (mediation.views_staff.mediation_required).
    if not mediation_selectors.is_mediation_staff(_user(request)):
        raise PermissionDenied(
            _("Seuls un conseiller ou un responsable d'une équipe de médiation numérique notent les accompagnements.")
        )


def _accompaniment_out(record: Accompaniment) -> dict:
    return {
        "id": record.pk,
        "team": record.team.slug,
        "advisor": record.advisor.get_full_name(),
        "date": record.date,
        "duration": record.duration,
        "kind": record.kind,
        "place_type": record.place_type,
        "place": {"id": record.place.pk, "name": record.place.nom} if record.place else None,
        "commune": record.commune,
        "equipment": record.equipment,
        "themes": record.themes,
        "admin_subthemes": record.admin_subthemes,
        "person": {"id": record.person.pk, "name": record.person.display_name} if record.person else None,
        "participant_count": record.participant_count(),
        "anonymous_count": record.anonymous_count,
        "gender": record.gender,
        "age_band": record.age_band,
        "social_status": record.social_status,
        "first_time": record.first_time,
        "autonomy": record.autonomy,
        "oriented_to": record.oriented_to,
        "appointment_id": record.appointment_id,
        "case_reference": record.case.reference if record.case else None,
        "notes": record.notes,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def _current(record: Accompaniment) -> dict:
    """A record's values as the API names them (what a PATCH starts from)."""
    return {
        "date": record.date,
        "duration": record.duration,
        "kind": record.kind,
        "place_type": record.place_type,
        "place_id": record.place_id,
        "commune": record.commune,
        "equipment": record.equipment,
        "themes": record.themes,
        "admin_subthemes": record.admin_subthemes,
        "anonymous_count": record.anonymous_count,
        "gender": record.gender,
        "age_band": record.age_band,
        "social_status": record.social_status,
        "first_time": record.first_time,
        "autonomy": record.autonomy,
        "oriented_to": record.oriented_to,
        "case_reference": record.case.reference if record.case else "",
        "notes": record.notes,
    }


_DEFAULTS = {
    "duration": 30,
    "kind": c.AccompanimentKind.INDIVIDUAL,
    "place_type": c.PlaceType.PLACE,
    "commune": "",
    "equipment": [],
    "themes": [],
    "admin_subthemes": [],
    "anonymous_count": 0,
    "autonomy": "",
    "oriented_to": "",
    "case_reference": "",
    "notes": "",
}


def _from_initial(initial: dict) -> dict:
    """The staff form's starting values (mediation.selectors.accompaniment_defaults), named
    as in the API."""
    values = {}
    for name, api_name in (("date", "date"), ("kind", "kind"), ("place_type", "place_type"), ("place", "place_id")):
        if initial.get(name) not in (None, ""):
            values[api_name] = initial[name]
    if initial.get("duration_other"):
        values["duration"] = int(initial["duration_other"])
    elif str(initial.get("duration_choice", "")).isdigit():
        values["duration"] = int(initial["duration_choice"])
    return values


# What a correction may empty by sending null.
_CLEARABLE = {"place_id", "first_time", "case_reference", "autonomy", "oriented_to", "commune", "notes"}


def _form_data(values: dict, team_id: int) -> dict:
    """The staff form's data for these values: the API validates with the web's own form."""

    def text(value) -> str:
        return "" if value is None else str(value)

    reference = values.get("case_reference") or ""
    case_pk = Case.objects.filter(reference=reference).values_list("pk", flat=True).first() if reference else None
    return {
        "team": str(team_id),
        "date": (values.get("date") or timezone.localdate()).isoformat(),
        "duration_choice": "other",
        "duration_other": text(values.get("duration")),
        "kind": text(values.get("kind")),
        "place_type": text(values.get("place_type")),
        "place": text(values.get("place_id")),
        "commune": text(values.get("commune")),
        "equipment": list(values.get("equipment") or []),
        "themes": list(values.get("themes") or []),
        "admin_subthemes": list(values.get("admin_subthemes") or []),
        "anonymous_count": text(values.get("anonymous_count")),
        "gender": text(values.get("gender")),
        "age_band": text(values.get("age_band")),
        "social_status": text(values.get("social_status")),
        "first_time": {True: "1", False: "0"}.get(values.get("first_time"), ""),
        "autonomy": text(values.get("autonomy")),
        "oriented": "1" if values.get("oriented_to") else "0",
        "oriented_to": text(values.get("oriented_to")),
        # An unknown reference must not vanish silently: the form refuses an id it does not offer.
        "case": text(case_pk) if case_pk else ("0" if reference else ""),
        "notes": text(values.get("notes")),
    }


def _checked(form) -> None:
    """The web form's verdict, its fields named as in the API."""
    if form.data.get("case") and "case" not in form.fields:
        # The form offers no request to link (none of this person's is followed under the
        # team's mandate): a reference given must not vanish silently.
        raise ValidationError({"case_reference": _("Choisissez une demande de la liste.")})
    if not form.is_valid():
        raise _renamed(ValidationError(form.errors.as_data()), _FORM_NAMES)


def _team(request: HttpRequest):
    return request.application.team


@router.get(
    "/staff/accompaniments",
    response={200: AccompanimentPage, **ERRORS},
    summary="Les accompagnements notés (ceux que l'agent de ce rôle voit)",
)
def accompaniment_list(request, filters: Query[AccompanimentFilters]):
    """As the staff list: an advisor's key sees the records it made. Newest first; journaled."""
    require(request, Scope.ACCOMPANIMENTS_WRITE)
    _mediation_staff(request)
    qs = mediation_selectors.accompaniments_visible_to(_user(request)).select_related("case")
    qs = qs.order_by("-date", "-created_at", "-pk")
    keys = [("date", True), ("created_at", True), ("pk", True)]
    rows, following = cursor.paginate_queryset(
        qs, kind="accompaniments", keys=keys, cursor=filters.cursor, limit=filters.limit
    )
    accompaniment_services.accompaniments_listed(actor=_user(request), accompaniments=rows, request=request)
    return {"results": [_accompaniment_out(record) for record in rows], "next": following}


def _visible_accompaniment(request: HttpRequest, pk: int) -> Accompaniment:
    record = mediation_selectors.accompaniments_visible_to(_user(request)).select_related("case").filter(pk=pk).first()
    if record is None:
        raise OutOfReach
    return record


@router.get(
    "/staff/accompaniments/{int:pk}",
    response={200: AccompanimentOut, **ERRORS},
    summary="Un accompagnement",
)
def accompaniment_read(request, pk: Path[Id]):
    require(request, Scope.ACCOMPANIMENTS_WRITE)
    _mediation_staff(request)
    record = _visible_accompaniment(request, pk)
    accompaniment_services.accompaniment_shown(actor=_user(request), accompaniment=record, request=request)
    return _accompaniment_out(record)


@router.post(
    "/staff/accompaniments",
    response={201: AccompanimentOut, **CREATE_ERRORS},
    summary="Noter un accompagnement",
)
def accompaniment_record(request, payload: AccompanimentIn, response: HttpResponse):
    """The advisors' quick record, starting from what the staff form starts from: today,
    30 minutes, in the advisor's usual place (that of the key's last record, else the first
    place of the team); from an appointment (`appointment_id`), its day, length, place and
    team and its person. Every value sent wins over these. Without a person, the record is
    anonymous (then gender, age band and social status are asked, "non_communique" allowed)."""
    require(request, Scope.ACCOMPANIMENTS_WRITE)
    _mediation_staff(request)
    user = _user(request)
    try:
        initial, links = mediation_selectors.accompaniment_defaults(user=user, appointment_id=payload.appointment_id)
    except OutOfReach:
        raise ValidationError({"appointment_id": _("Aucun rendez-vous de l'équipe n'a cet identifiant.")}) from None
    given = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None or k in _CLEARABLE}
    values = {**_DEFAULTS, **_from_initial(initial)}
    if given.get("place_type", values["place_type"]) != c.PlaceType.PLACE:
        values.pop("place_id", None)  # at home or remote: the usual place does not apply
    values.update(given)
    appointment, person = links["appointment"], links["person"]
    if person is not None:
        if payload.person_id is not None and payload.person_id != person.pk:
            raise ValidationError({"person_id": _("Le rendez-vous est celui d'une autre personne.")})
    elif payload.person_id is not None:
        # No person given by an appointment (none, or one whose person retention emptied):
        # the person sent, as the web form takes it from the page's address.
        person = Person.objects.active().filter(pk=payload.person_id).first()
        if person is None or not may_see_person(user, person):
            raise ValidationError({"person_id": _("Aucune personne n'a cet identifiant.")})
    # The appointment's team (the form checks it is one of the key's), else the application's.
    team_id = initial.get("team") or _team(request).pk
    form = mediation_forms.AccompanimentForm(_form_data(values, team_id), user=user, person=person)
    _checked(form)

    def create(submission_key):
        data = form.model_data()
        data.update({"person": person, "appointment": appointment, "workshop_session": None})
        try:
            record = accompaniment_services.accompaniment_create(
                advisor=user,
                team=form.cleaned_data["team"],
                data=data,
                submission_key=submission_key,
                request=request,
            )
        except ValidationError as error:
            raise _renamed(error, _FORM_NAMES) from None
        return 201, _accompaniment_out(
            Accompaniment.objects.select_related("team", "advisor", "place", "person", "case").get(pk=record.pk)
        )

    return Reply(*idempotency.once(request, response, "POST /staff/accompaniments", payload.dict(), create))


@router.patch(
    "/staff/accompaniments/{int:pk}",
    response={200: AccompanimentOut, **WRITE_ERRORS},
    summary="Corriger un accompagnement",
)
def accompaniment_correct(request, pk: Path[Id], payload: AccompanimentChange):
    require(request, Scope.ACCOMPANIMENTS_WRITE)
    _mediation_staff(request)
    user = _user(request)
    record = _visible_accompaniment(request, pk)
    values = _current(record)
    for name, value in payload.dict(exclude_unset=True).items():
        if value is not None or name in _CLEARABLE:  # null elsewhere: left as it is
            values[name] = value
    participants = None
    data = _form_data(values, record.team_id)
    if record.kind == c.AccompanimentKind.COLLECTIVE or record.participants.exists():
        participants = Person.objects.filter(collective_accompaniments=record)
        data["participants"] = [str(p) for p in participants.values_list("pk", flat=True)]
    form = mediation_forms.AccompanimentForm(
        data, instance=record, user=user, person=record.person, participant_choices=participants
    )
    _checked(form)
    model_data = form.model_data()
    model_data["team"] = form.cleaned_data["team"]
    try:
        accompaniment_services.accompaniment_update(
            accompaniment=Accompaniment.objects.get(pk=record.pk),
            data=model_data,
            participants=form.cleaned_data.get("participants") if "participants" in form.fields else None,
            actor=user,
            request=request,
        )
    except ValidationError as error:
        raise _renamed(error, _FORM_NAMES) from None
    return _accompaniment_out(_visible_accompaniment(request, pk))
