"""With an application key: file requests, add documents, follow them; book, register.

Every operation calls the service the web calls, with the application's technical account
as the actor (`request.user`) and `Channel.API`: the same validation (the web's own forms
check the answers and the contact details), the same receipt and confirmations, the same
mandate rule, seat guarantee and journal entries. An application sees only what it filed,
booked or registered: anything else is "not found", never its data.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from pydantic import Field, field_validator

from relais.accounts.permissions import may_see_person
from relais.api import idempotency
from relais.api.auth import application_key, require
from relais.api.models import Scope
from relais.cases import selectors as case_selectors
from relais.cases import services as case_services
from relais.cases.forms import AnswerForm, LocationForm, person_from_contact
from relais.cases.forms import ContactForm as RequestContactForm
from relais.cases.models import Case, EventKind, FieldKind, Form, normalize_reference
from relais.cases.models import Status as CaseStatus
from relais.core.models import Channel, Person
from relais.core.services import person_create
from relais.mandates.services import MandateRequired
from relais.mediation import selectors as mediation_selectors
from relais.mediation.exceptions import AlreadyRegistered, RegistrationRefused, SlotTaken
from relais.mediation.forms import ContactForm as BookingContactForm
from relais.mediation.models import Appointment, DropIn, Registration, Workshop
from relais.mediation.services import appointments, workshops

router = Router(tags=["Applications partenaires"], auth=application_key)


# ---------------------------------------------------------------- schemas


# Ids beyond a database integer find nothing (rather than overflow the query).
MAX_ID = 2**31 - 1
SLOT_REACH = datetime.timedelta(days=2 * 366)


def _no_nul(value):
    """Refuse the NUL character anywhere in what was sent (PostgreSQL cannot store it)."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("NUL")
    if isinstance(value, dict):
        for key, item in value.items():
            _no_nul(key)
            _no_nul(item)
    elif isinstance(value, list):
        for item in value:
            _no_nul(item)
    return value


class In(Schema):
    """What a partner sends: no NUL character in any text."""

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_nul(cls, value):
        return _no_nul(value)


class Problem(Schema):
    """An error (RFC 9457), in French, with the fields in error."""

    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[dict] | None = None


def _errors(*codes: int) -> dict:
    """The problems a write may answer (and `codes`)."""
    return dict.fromkeys((400, 401, 403, 404, 413, 415, 422, 429, *codes), Problem)


READ_ERRORS = dict.fromkeys((401, 403, 404, 429), Problem)

# Every create takes this header (relais.api.idempotency): said in the schema, for partners
# and for the clients and fuzzers generated from it.
IDEMPOTENCY_KEY = {
    "parameters": [
        {
            "in": "header",
            "name": "Idempotency-Key",
            "required": True,
            "description": "Une valeur unique par création (1 à 255 caractères visibles), reprise telle quelle "
            "pour un nouvel essai : la création n'est faite qu'une fois et la même réponse revient.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
        }
    ]
}


class Resident(In):
    """The resident, as the web form asks: a name, how they want to be answered, and the
    contact detail that way needs (an e-mail, a phone, or a postal address)."""

    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    preferred_channel: str = Field("", description="email, sms, phone ou letter", max_length=20)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=30)
    address: str = Field("", max_length=300)
    postal_code: str = Field("", max_length=10)
    commune: str = Field("", max_length=100)


class Location(In):
    address: str = Field("", max_length=300, description="Une adresse ou un repère.")
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)


class OnBehalf(In):
    person: int = Field(
        ge=1, le=MAX_ID, description="La fiche de la personne pour qui l'application agit (mandat actif exigé)."
    )


class RequestIn(In):
    form: str = Field(max_length=80, description="Identifiant de la démarche (slug).")
    answers: dict[str, Any] = Field(default_factory=dict, description="Réponses, par identifiant de question.")
    resident: Resident | None = None
    location: Location | None = None
    on_behalf: OnBehalf | None = Field(
        None, description="Pour une personne absente, sous mandat de l'équipe de l'application (au lieu de resident)."
    )


class RequestOut(Schema):
    reference: str
    form: str
    status: str
    status_label: str
    channel: str
    submitted_at: datetime.datetime
    lookup_url: str = Field(
        description="La page publique où l'habitant retrouve sa demande avec son numéro (sans lien privé : "
        "le lien de suivi personnel ne part qu'à l'habitant, avec son récépissé)."
    )
    under_mandate: bool


class EventOut(Schema):
    at: datetime.datetime
    kind: str
    label: str
    status: str | None = None
    text: str = ""


class DocumentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    added_at: datetime.datetime


class RequestDetail(RequestOut):
    closed_at: datetime.datetime | None = None
    timeline: list[EventOut]
    documents: list[DocumentOut]


class AppointmentIn(In):
    dropin: int = Field(ge=1, le=MAX_ID, description="La permanence (ou l'ouverture) dont le créneau est libre.")
    starts_at: datetime.datetime
    topic: str = Field("", max_length=300)
    resident: Resident


class AppointmentOut(Schema):
    id: int
    dropin: int
    place: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    cancelled: bool


class RegistrationIn(In):
    workshop: str = Field(max_length=100, description="L'atelier : son identifiant (slug) ou son numéro.")
    resident: Resident


class RegistrationOut(Schema):
    id: int
    workshop: str
    status: str
    status_label: str
    waitlist_position: int | None = None


# ---------------------------------------------------------------- helpers


def _form_refusal(form, prefix: str) -> ValidationError:
    """A Django form's errors, each under `prefix.field` (as the problem's `errors`)."""
    return ValidationError(
        {
            (f"{prefix}.{name}" if name != "__all__" else prefix): list(messages)
            for name, messages in form.errors.items()
        }
    )


def _prefixed(error: ValidationError, keys: dict[str, str]) -> ValidationError:
    """A service's refusal, its fields renamed as the API names them."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError({keys.get(name, name): [m for e in errs for m in e.messages]
                            for name, errs in error.error_dict.items()})  # fmt: skip


def _contact(form_class, resident: Resident | None):
    """The web's own contact form, filled with `resident` and valid (else its errors)."""
    if resident is None:
        raise ValidationError({"resident": _("Indiquez qui fait la demande : nom et moyen de contact.")})
    form = form_class(data=resident.model_dump())
    if not form.is_valid():
        raise _form_refusal(form, "resident")
    return form


def _site(path: str) -> str:
    return settings.SITE_URL + path


def _request_out(case: Case) -> dict:
    return {
        "reference": case.reference,
        "form": case.form.slug,
        "status": case.status,
        "status_label": str(CaseStatus(case.status).label),
        "channel": case.channel,
        "submitted_at": case.submitted_at,
        "lookup_url": _site(reverse("cases:lookup")),
        "under_mandate": case.acting_under_id is not None,
    }


def _once(request, response, operation: str, payload, create) -> Status:
    """idempotency.once (one create per Idempotency-Key, the reply kept), as ninja's Status."""
    return Status(*idempotency.once(request, response, operation, payload, create))


def _id(number: int) -> int:
    """An id as sent, or 0 (which finds nothing) when no row can have it."""
    return number if 0 < number <= MAX_ID else 0


def _own_case(request, reference: str) -> Case:
    """A request this application filed (and may still follow, as the web says), else 404."""
    normalized = normalize_reference(reference)
    qs = case_selectors.cases_visible_to(request.user).filter(recorded_by=request.user)
    return get_object_or_404(qs.select_related("form", "person", "team"), reference=normalized or "-")


# ---------------------------------------------------------------- requests


@router.post(
    "/requests",
    response={201: RequestOut, **_errors(409)},
    summary="Déposer une demande",
    openapi_extra=IDEMPOTENCY_KEY,
)
def request_file(request: HttpRequest, response: HttpResponse, payload: RequestIn):
    """Dépose une demande pour une démarche, comme le formulaire en ligne : mêmes questions,
    même contrôle, même récépissé envoyé à l'habitant ; le canal est « application partenaire ».
    En-tête `Idempotency-Key` obligatoire."""
    require(request, Scope.REQUESTS_WRITE)
    return _once(
        request, response, "POST /requests", payload.model_dump(mode="json"),
        lambda key: (201, _request_out(_file(request, payload, key))),
    )  # fmt: skip


def _file(request, payload: RequestIn, submission_key: uuid.UUID) -> Case:
    form = Form.objects.published().filter(slug=payload.form).first()
    if form is None:
        raise ValidationError({"form": _("Aucune démarche publiée ne porte cet identifiant.")})
    if form.requires_account:
        raise ValidationError(
            {"form": _("Cette démarche demande un compte : l'habitant la dépose lui-même, connecté à son compte.")}
        )
    questions = list(form.fields.all())
    # The web's rule, not the counter's: a document the form requires cannot be left for later
    # (nobody at a desk has seen it). This JSON request carries no file: such a form is refused.
    missing = {
        f"answers.{q.key}": _(
            "Cette démarche demande ce document au dépôt, et une application ne peut pas encore l'envoyer avec la "
            "demande : l'habitant la dépose sur le site de la mairie, ou au guichet."
        )
        for q in questions
        if q.kind == FieldKind.FILE and q.required
    }
    if missing:
        raise ValidationError(missing)
    answers = AnswerForm(data=_answer_data(questions, payload.answers), questions=questions)
    if not answers.is_valid():
        raise _form_refusal(answers, "answers")
    location = None
    if form.asks_location:
        where = payload.location or Location()
        text = where.address.strip()
        if not text and where.latitude is not None and where.longitude is not None:
            text = _("Position GPS : %(lat).5f, %(lon).5f") % {"lat": where.latitude, "lon": where.longitude}
        located = LocationForm(data={"location_text": text, "latitude": where.latitude, "longitude": where.longitude})
        if not located.is_valid():
            raise ValidationError(
                {f"location.{'address' if k == 'location_text' else k}": list(v) for k, v in located.errors.items()}
            )
        location = located.cleaned_data
    if payload.on_behalf is not None:
        if request.application.team_id is None:
            raise PermissionDenied(
                _(
                    "Agir pour une personne sous mandat demande une application rattachée à une équipe d'aidants, "
                    "avec un rôle d'aidant : demandez-le à l'administrateur de la mairie."
                )
            )
        person = Person.objects.active().filter(pk=payload.on_behalf.person).first()
        if person is None or not may_see_person(request.user, person):
            raise Http404
        on_behalf = True
    else:
        contact = person_from_contact(_contact(RequestContactForm, payload.resident).cleaned_data)

        def person():
            return _person_create(request, contact)

        on_behalf = False
    renamed = {q.key: f"answers.{q.key}" for q in questions} | {"location_text": "location.address"}
    try:
        return case_services.case_submit(
            form=form, person=person, answers=answers.json_answers(), channel=Channel.API, recorded_by=request.user,
            on_behalf=on_behalf, submission_key=submission_key, location=location, request=request,
        )  # fmt: skip
    except MandateRequired as refused:
        raise PermissionDenied(refused.message) from None
    except ValidationError as error:
        raise _prefixed(error, renamed) from None


def _answer_data(questions, answers: dict) -> dict:
    """The answers as the web form's fields read them (texts; a list for a multiple choice;
    true/false as oui/non), or a 422 naming each answer that cannot be one."""
    kinds = {q.key: q.kind for q in questions}
    data, errors = {}, {}
    for key, value in answers.items():
        if key not in kinds:
            errors[f"answers.{key}"] = _("Cette démarche n'a pas de question « %(key)s ».") % {"key": key}
        elif value is None:
            data[key] = ""
        elif isinstance(value, bool):
            data[key] = "oui" if value else "non"
        elif isinstance(value, int | float):
            data[key] = str(value)
        elif isinstance(value, str) or (
            isinstance(value, list) and kinds[key] == FieldKind.MULTI_CHOICE and all(isinstance(v, str) for v in value)
        ):
            data[key] = value
        else:
            errors[f"answers.{key}"] = _("Cette réponse n'a pas la forme attendue pour cette question.")
    if errors:
        raise ValidationError(errors)
    return data


def _person_create(request, contact: dict) -> Person:
    return person_create(actor=request.user, data=contact, channel=Channel.API, request=request)


@router.get("/requests/{reference}", response={200: RequestDetail, **READ_ERRORS}, summary="Suivre une demande")
def request_follow(request: HttpRequest, reference: str):
    """L'état et l'historique d'une demande déposée par l'application, comme l'habitant les voit
    sur sa page de suivi (jamais les notes internes). La lecture est inscrite au journal."""
    require(request, Scope.REQUESTS_READ)
    case = _own_case(request, reference)
    case_services.case_followed_by_application(case=case, actor=request.user, request=request)
    timeline = [
        {
            "at": event.created_at,
            "kind": event.kind,
            "label": event.resident_label,  # the resident's words, as on their tracking page
            "status": event.new_status or None,
            "text": "" if event.kind == EventKind.SUBMITTED else event.text,
        }
        for event in case_selectors.resident_timeline(case)
    ]
    return Status(
        200,
        {
            **_request_out(case),
            "closed_at": case.closed_at,
            "timeline": timeline,
            "documents": [_document_out(d) for d in case_selectors.resident_documents(case)],
        },
    )


def _document_out(document) -> dict:
    return {
        "id": document.pk,
        "name": document.name,
        "size": document.size,
        "content_type": document.content_type,
        "added_at": document.created_at,
    }


@router.post(
    "/requests/{reference}/documents",
    response={201: DocumentOut, **_errors(409)},
    summary="Ajouter une pièce",
    openapi_extra=IDEMPOTENCY_KEY,
)
def request_add_document(request: HttpRequest, response: HttpResponse, reference: str, file: UploadedFile = File(...)):  # noqa: B008 - ninja declares parameters so
    """Ajoute une pièce (PDF, JPEG ou PNG, vérifiée par son contenu) à une demande déposée par
    l'application, comme l'habitant depuis sa page de suivi : une demande en attente de sa réponse
    reprend, le service voit qu'il a répondu. Refusé (409) pour une demande close. Envoi
    `multipart/form-data`, champ `file`. En-tête `Idempotency-Key` obligatoire."""
    require(request, Scope.REQUESTS_WRITE)
    case = _own_case(request, reference)
    payload = {"reference": case.reference, "name": file.name, "size": file.size}

    def add(key: uuid.UUID):
        if not case.is_open:  # as the tracking page: a closed request takes no more replies
            raise HttpError(
                409, _("Cette demande est close : elle ne reçoit plus de pièces. Déposez une nouvelle demande.")
            )
        try:
            event = case_services.case_resident_reply(
                case=case, upload=file, actor=request.user, submission_key=key, request=request
            )
        except MandateRequired as refused:  # filed under a mandate that has ended since
            raise PermissionDenied(refused.message) from None
        except ValidationError as error:
            if getattr(error, "code", None) == "too_big":  # core.uploads: over the size a file may have
                raise HttpError(413, error.messages[0]) from None
            if not hasattr(error, "error_dict"):
                raise ValidationError({"file": error.messages}) from None
            raise _prefixed(error, {"document": "file"}) from None
        return 201, _document_out(event.documents.get())

    return _once(request, response, f"POST /requests/{case.reference}/documents", payload, add)


# ---------------------------------------------------------------- appointments


def _appointment_out(appointment: Appointment) -> dict:
    return {
        "id": appointment.pk,
        "dropin": appointment.dropin_id,
        "place": appointment.place.nom,
        "starts_at": appointment.starts_at,
        "ends_at": appointment.ends_at,
        "cancelled": appointment.cancelled_at is not None,
    }


@router.post(
    "/appointments",
    response={201: AppointmentOut, **_errors(409)},
    summary="Prendre un rendez-vous",
    openapi_extra=IDEMPOTENCY_KEY,
)
def appointment_book(request: HttpRequest, response: HttpResponse, payload: AppointmentIn):
    """Prend un rendez-vous pour un habitant, avec la règle du site de la mairie (pas celle du
    guichet) : un créneau proposé en ligne, d'un genre de rendez-vous ouvert aux habitants, dans la
    limite de rendez-vous à venir par moyen de contact ; un genre confirmé par un code envoyé à
    l'habitant est refusé (422, l'habitant le prend lui-même). La confirmation, avec le lien privé
    pour déplacer ou annuler, part à l'habitant par son moyen de contact. 409 si le créneau n'est pas
    libre ou vient d'être pris. En-tête `Idempotency-Key` obligatoire."""
    require(request, Scope.BOOKINGS_WRITE)

    def book(key: uuid.UUID):
        data = _contact(BookingContactForm, payload.resident).contact()
        # Only what the town's pages offer: an opening of a type kept for the agents is not.
        dropins = (
            DropIn.objects.bookable().exclude(appointment_type__published=False).select_related("appointment_type")
        )
        dropin = dropins.filter(pk=payload.dropin).first()
        if dropin is None:
            raise ValidationError({"dropin": _("Aucune permanence ne prend de rendez-vous sous ce numéro.")})
        starts_at = payload.starts_at
        if timezone.is_naive(starts_at):  # a local time, as the town's pages show it
            starts_at = timezone.make_aware(starts_at)
        if abs(starts_at - timezone.now()) > SLOT_REACH:  # no slot so far off (nor date arithmetic overflowing)
            raise HttpError(409, _("Ce créneau n'est pas libre (ou vient d'être pris) : choisissez-en un autre."))
        try:
            appointment = appointments.appointment_book_for_contact(
                dropin=dropin, starts_at=starts_at, contact=data, channel=Channel.API, actor=request.user,
                topic=payload.topic, submission_key=key, request=request,
            )  # fmt: skip
        except ValidationError as error:  # a type needing the resident's code, or a cap reached
            if not hasattr(error, "error_dict"):
                raise ValidationError({"resident": error.messages}) from None
            raise
        except SlotTaken:
            raise HttpError(
                409, _("Ce créneau n'est pas libre (ou vient d'être pris) : choisissez-en un autre.")
            ) from None
        return 201, _appointment_out(appointment)

    return _once(request, response, "POST /appointments", payload.model_dump(mode="json"), book)


@router.post(
    "/appointments/{appointment_id}/cancel",
    response={200: AppointmentOut, **_errors()},
    summary="Annuler un rendez-vous",
)
def appointment_cancel(request: HttpRequest, appointment_id: int):
    """Annule un rendez-vous pris par l'application, à la demande de l'habitant ; il est prévenu."""
    require(request, Scope.BOOKINGS_WRITE)
    appointment = get_object_or_404(
        Appointment.objects.select_related("place"), pk=_id(appointment_id), booked_by=request.user
    )
    appointment = appointments.appointment_cancel(appointment=appointment, actor=request.user, request=request)
    return Status(200, _appointment_out(appointment))


# ---------------------------------------------------------------- workshop registrations


def _registration_out(registration: Registration) -> dict:
    return {
        "id": registration.pk,
        "workshop": registration.workshop.slug,
        "status": registration.status,
        "status_label": str(registration.get_status_display()),
        "waitlist_position": registration.waitlist_position(),
    }


def _public_workshop(ref: str) -> Workshop:
    workshop = None
    try:
        workshop = mediation_selectors.workshop_public(ref)
    except Workshop.DoesNotExist:
        if ref.isascii() and ref.isdigit():
            workshop = Workshop.objects.published().filter(pk=_id(int(ref))).first()
    if workshop is None:
        raise ValidationError({"workshop": _("Aucun atelier publié ne porte cet identifiant.")})
    return workshop


@router.post(
    "/registrations",
    response={201: RegistrationOut, **_errors(409)},
    summary="Inscrire à un atelier",
    openapi_extra=IDEMPOTENCY_KEY,
)
def registration_create(request: HttpRequest, response: HttpResponse, payload: RegistrationIn):
    """Inscrit un habitant à un atelier : une place s'il en reste, sinon la liste d'attente (même
    garantie que le formulaire en ligne, même sous une ruée). 409 si la personne est déjà inscrite.
    En-tête `Idempotency-Key` obligatoire."""
    require(request, Scope.BOOKINGS_WRITE)

    def register(key: uuid.UUID):
        data = _contact(BookingContactForm, payload.resident).contact()
        workshop = _public_workshop(payload.workshop)
        try:
            registration = workshops.registration_create_for_contact(
                workshop=workshop, contact=data, channel=Channel.API, actor=request.user, submission_key=key,
                request=request,
            )  # fmt: skip
        except AlreadyRegistered:
            raise HttpError(409, _("Cette personne est déjà inscrite à cet atelier.")) from None
        except RegistrationRefused as refused:
            raise ValidationError({"workshop": refused.message}) from None
        return 201, _registration_out(registration)

    return _once(request, response, "POST /registrations", payload.model_dump(mode="json"), register)


@router.post(
    "/registrations/{registration_id}/cancel",
    response={200: RegistrationOut, **_errors()},
    summary="Annuler une inscription",
)
def registration_cancel(request: HttpRequest, registration_id: int):
    """Annule une inscription faite par l'application ; la première personne en attente reçoit la
    place et en est prévenue."""
    require(request, Scope.BOOKINGS_WRITE)
    registration = get_object_or_404(
        Registration.objects.select_related("workshop"), pk=_id(registration_id), registered_by=request.user
    )
    registration, _promoted = workshops.registration_cancel(
        registration=registration, actor=request.user, request=request
    )
    return Status(200, _registration_out(registration))
