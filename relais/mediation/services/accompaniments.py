"""Records of accompaniment (individual or collective), written by advisors in one of
their mediation teams."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relais.core.audit import audit_log, people_viewed
from relais.core.idempotency import create_once
from relais.core.models import refuse_erased
from relais.mediation import choices as c
from relais.mediation import selectors
from relais.mediation.journal import Action
from relais.mediation.models import Accompaniment
from relais.mediation.services._common import actor_or_none
from relais.mediation.services.appointments import appointment_record_outcome


def _check_team(user, team) -> None:
    """Accompaniments are recorded in one of the user's mediation teams (a refusal is shown
    next to the team field, never a server error)."""
    if team is None or team.pk not in selectors.mediation_team_ids(user):
        raise ValidationError({"team": _("Choisissez une de vos équipes de médiation numérique.")})


INDIVIDUAL_WITH_PARTICIPANTS = gettext_lazy(
    "Un accompagnement individuel n'a pas de participants nommés : décochez-les, ou gardez « atelier collectif »."
)


@transaction.atomic
def accompaniment_create(
    *,
    advisor,
    team,
    data: dict,
    participants=(),
    submission_key: uuid.UUID | None = None,
    request: HttpRequest | None = None,
) -> Accompaniment:
    """Record an accompaniment. Linked to an appointment not yet marked, it marks it "seen"."""
    _check_team(advisor, team)

    def create() -> Accompaniment:
        accompaniment = Accompaniment(team=team, advisor=advisor, submission_key=submission_key, **data)
        refuse_erased(accompaniment.person)
        if accompaniment.kind == c.AccompanimentKind.COLLECTIVE:
            accompaniment.person = None
            accompaniment.autonomy = ""
        elif participants:
            raise ValidationError({"participants": INDIVIDUAL_WITH_PARTICIPANTS})
        accompaniment.full_clean()
        accompaniment.save()
        if accompaniment.kind == c.AccompanimentKind.COLLECTIVE:
            accompaniment.participants.set(participants)
        appointment = accompaniment.appointment
        if appointment and appointment.is_active and appointment.is_past and appointment.outcome == c.Outcome.UNKNOWN:
            appointment_record_outcome(appointment=appointment, outcome=c.Outcome.SEEN, actor=advisor, request=request)
        audit_log(
            actor=advisor,
            action=Action.ACCOMPANIMENT_RECORDED,
            obj=accompaniment,
            person=accompaniment.person,
            request=request,
            details={"kind": accompaniment.kind, "anonymous": accompaniment.is_anonymous},
        )
        return accompaniment

    accompaniment, _created = create_once(Accompaniment, submission_key, create)
    return accompaniment


@transaction.atomic
def accompaniment_update(
    *, accompaniment: Accompaniment, data: dict, participants=None, actor, request: HttpRequest | None = None
) -> list[str]:
    """Correct a record; returns the names of the fields that changed. A record made
    individual keeps no named participants (the national rules: they belong to a group)."""
    if "team" in data and data["team"] != accompaniment.team:
        # Whoever corrects the record moves it only into one of their own teams; its author
        # may have left the team since.
        _check_team(actor, data["team"])
    changed = [name for name, value in data.items() if getattr(accompaniment, name) != value]
    for name in changed:
        setattr(accompaniment, name, data[name])
    if accompaniment.kind == c.AccompanimentKind.INDIVIDUAL:
        kept = list(participants) if participants is not None else list(accompaniment.participants.all())
        if kept:
            raise ValidationError({"participants": INDIVIDUAL_WITH_PARTICIPANTS})
    accompaniment.full_clean()
    accompaniment.updated_by = actor_or_none(actor)
    accompaniment.save(update_fields=[*changed, "updated_by", "updated_at"])
    if participants is not None:
        before = set(accompaniment.participants.values_list("pk", flat=True))
        after = {p.pk for p in participants}
        if before != after:
            accompaniment.participants.set(participants)
            changed.append("participants")
    audit_log(
        actor=actor,
        action=Action.ACCOMPANIMENT_CORRECTED,
        obj=accompaniment,
        person=accompaniment.person,
        request=request,
        details={"fields": changed},
    )
    return changed


def accompaniments_listed(*, actor, accompaniments, request: HttpRequest | None = None) -> None:
    """A page of records was shown (the staff list, the API's): each person named on it is
    journaled (a collective record shows a count, not its participants)."""
    shown = [a.person_id for a in accompaniments]
    people_viewed(actor=actor, action=Action.ACCOMPANIMENT_LIST_VIEWED, person_ids=shown, request=request)


def accompaniment_shown(
    *, actor, accompaniment: Accompaniment, person_ids=None, request: HttpRequest | None = None
) -> None:
    """One record was shown, with the people it names (`person_ids`: those the page lists,
    by default its person and its named participants)."""
    if person_ids is None:
        person_ids = [accompaniment.person_id, *(p.pk for p in accompaniment.participants.all())]
    people_viewed(
        actor=actor, action=Action.ACCOMPANIMENT_VIEWED, person_ids=person_ids, obj=accompaniment, request=request
    )
