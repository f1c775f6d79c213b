"""Demo figures for "Démarches à simplifier": daily funnel counts of the demo forms over
the last four months, and residents' answers to "Cette page vous a-t-elle été utile ?"
(comments already masked, as they are stored), so that the page is not empty.

Counts only: nothing here is about a person. Deterministic (a seeded generator)."""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from relais.cases.funnel import RESUMED, SENT, steps_of
from relais.cases.models import STEP_TIME_FIELDS, Device, FeedbackReason, Form, FunnelDay, PageFeedback

DAYS = 120
# How hard each demo form is online: the share of drafts lost at each step.
LOSS = {"attestation-accueil": 0.12, "occupation-domaine-public": 0.09}
COMMENTS = [
    (FeedbackReason.NOT_UNDERSTOOD, "Je ne sais pas quel justificatif de domicile est accepté."),
    (FeedbackReason.MISSING_DOCUMENT, "Il faut le titre de séjour de la personne invitée, je ne l'ai pas encore."),
    (FeedbackReason.SITE_BROKEN, "La photo du document ne passait pas depuis mon téléphone."),
    (FeedbackReason.NEED_SOMEONE, "Je préfère venir en mairie, rappelez-moi au [numéro masqué]."),
    (FeedbackReason.OTHER, "Trop de questions pour une simple attestation."),
]


def load(stdout):
    if FunnelDay.objects.exists():
        return
    with transaction.atomic():
        rows, answers = _funnel(), _answers()
        FunnelDay.objects.bulk_create(rows, batch_size=2000)
        PageFeedback.objects.bulk_create(answers, batch_size=500)
    stdout.write(f"  funnel days: {len(rows)}, page answers: {len(answers)}")


def _funnel() -> list[FunnelDay]:
    rng = random.Random(16)
    today = timezone.localdate()
    rows = []
    for form in Form.objects.published().prefetch_related("fields").order_by("pk"):
        steps = steps_of(form)
        loss = LOSS.get(form.slug, 0.04)
        for offset in range(DAYS):
            day = today - datetime.timedelta(days=offset)
            for device, weight in ((Device.PHONE, 3), (Device.LARGE, 2), (Device.UNKNOWN, 1)):
                reached = rng.randint(0, 2 * weight)
                if not reached:
                    continue
                for step in steps:
                    if step != steps[0]:
                        reached = sum(1 for _i in range(reached) if rng.random() > loss)
                    if not reached:
                        break
                    buckets = dict.fromkeys(STEP_TIME_FIELDS, 0)
                    if step != SENT:
                        for _i in range(reached):
                            buckets[STEP_TIME_FIELDS[min(len(STEP_TIME_FIELDS) - 1, int(rng.expovariate(0.35)))]] += 1
                    rows.append(FunnelDay(form=form, day=day, device=device, step=step, reached=reached, **buckets))
                if rng.random() < 0.1:
                    rows.append(FunnelDay(form=form, day=day, device=device, step=RESUMED, reached=1))
    return rows


def _answers() -> list[PageFeedback]:
    rng = random.Random(61)
    today = timezone.localdate()
    out = []
    for form in Form.objects.published().select_related("procedure").order_by("pk"):
        difficult = form.slug in LOSS
        for i in range(rng.randint(25, 40)):
            day = today - datetime.timedelta(days=rng.randint(0, DAYS - 1))
            useful = rng.random() > (0.55 if difficult else 0.2)
            reason, comment = "", ""
            if not useful:
                reason, comment = rng.choice(COMMENTS)
                comment = comment if rng.random() < 0.4 else ""
            on_fiche = form.procedure is not None and rng.random() < 0.5
            out.append(
                PageFeedback(
                    page_key=f"fiche:{form.procedure_id}" if on_fiche else f"form:{form.pk}",
                    procedure=form.procedure if on_fiche else None,
                    form=None if on_fiche else form,
                    day=day,
                    useful=useful,
                    reason=reason,
                    comment=comment,
                    visitor_digest=f"demo-{form.pk}-{i}" if day == today else "",
                    created_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(12))),
                )
            )
    return out
