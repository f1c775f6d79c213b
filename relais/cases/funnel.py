"""The funnel of online requests: how many drafts of a form reached each step, per day of
their start and device class, and how long they stayed on each step.

Step names, in the order a resident meets them: "start" (the draft is created), then one
"q:<field key>" per question (forms with one question per page) or "questions" (all on one
page), "location" (forms that ask where), "contact" (visitors without an account), "check"
("Vérifiez vos réponses"), "sent". "resumed" counts drafts reopened from their link after a
pause; it is not a step of the path.

Counting is in FunnelDay rows (numbers only); nothing here reads a draft's answers.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from relais.cases.models import Form

START, QUESTIONS, LOCATION, CONTACT, CHECK, SENT, RESUMED = (
    "start",
    "questions",
    "location",
    "contact",
    "check",
    "sent",
    "resumed",
)
QUESTION_PREFIX = "q:"


def steps_of(form: Form, *, signed_in: bool = False, fields=None) -> list[str]:
    """The funnel steps of `form` for a visitor with or without an account, in order."""
    fields = list(form.fields.all()) if fields is None else fields
    names = [START]
    if form.one_question_per_page:
        names += [QUESTION_PREFIX + f.key for f in fields]
    else:
        names.append(QUESTIONS)
    if form.asks_location:
        names.append(LOCATION)
    if not signed_in:
        names.append(CONTACT)
    return names + [CHECK, SENT]


def step_label(step: str, fields_by_key: dict | None = None) -> str:
    """How a step is named on staff pages: the question itself for "q:<key>"."""
    if step.startswith(QUESTION_PREFIX):
        field = (fields_by_key or {}).get(step[len(QUESTION_PREFIX) :])
        return _("Question « %(label)s »") % {"label": field.label} if field else _("Question retirée depuis")
    return {
        START: _("Demande commencée"),
        QUESTIONS: _("Questions"),
        LOCATION: _("Lieu du problème"),
        CONTACT: _("Coordonnées"),
        CHECK: _("Vérification des réponses"),
        SENT: _("Demande envoyée"),
        RESUMED: _("Reprise depuis le lien"),
    }.get(step, step)
