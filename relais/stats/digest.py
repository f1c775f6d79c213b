"""The monthly "démarches à simplifier" digest: to each team manager (their teams' forms
and fiches) and each administrator (the whole town), the three forms or fiches that most
need work over the month, with their figures and a link to the page. Sent through the
outbox; one e-mail per recipient and month (a dedupe key), nothing to whoever has nothing
to report.

Cron, on the 1st of each month for the month just ended:
    15 7 1 * *  relais feedback_digest
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from relais.accounts.models import Membership, Role
from relais.notifications.services import send_email
from relais.stats.figures import PERCENT
from relais.stats.filters import Period, Query
from relais.stats.formatting import value_text
from relais.stats.selectors import feedback

TOP = 3


@dataclass
class Digest:
    user_id: int
    email: str
    subject: str
    body: str
    items: list


def month_period(month: str | None = None, today: datetime.date | None = None) -> Period:
    """The month "YYYY-MM", by default the one before `today`."""
    if month:
        first = datetime.datetime.strptime(month, "%Y-%m").date()
    else:
        today = today or timezone.localdate()
        last = today.replace(day=1) - datetime.timedelta(days=1)
        first = last.replace(day=1)
    return Period(first, first.replace(day=calendar.monthrange(first.year, first.month)[1]))


def recipients() -> dict[int, tuple[str, tuple[int, ...] | None]]:
    """{user id: (e-mail, team ids or None for the whole town)} of every active
    administrator and manager of an active team."""
    out: dict[int, tuple[str, set | None]] = {}
    rows = Membership.objects.filter(
        role__in=(Role.ADMINISTRATOR, Role.MANAGER), team__is_active=True, user__is_active=True
    ).values_list("user_id", "user__email", "role", "team_id")
    for user_id, email, role, team_id in rows:
        _email, teams = out.get(user_id, (email, set()))
        if role == Role.ADMINISTRATOR or teams is None:
            teams = None
        else:
            teams.add(team_id)
        out[user_id] = (email, teams)
    return {pk: (email, None if teams is None else tuple(sorted(teams))) for pk, (email, teams) in out.items()}


def _line(item: feedback.Item) -> str:
    ev = item.now
    parts = [_("indice %(score)s sur 100") % {"score": value_text(ev.score)}]
    if ev.need_share is not None:
        parts.append(
            _("%(share)s des demandes faites avec une personne (%(part)s sur %(whole)s)")
            % {"share": value_text(ev.need_share, PERCENT), "part": ev.helped, "whole": ev.cases}
        )
    if ev.dropoff is not None:
        parts.append(
            _("%(share)s des brouillons jamais envoyés (%(started)s commencés)")
            % {"share": value_text(ev.dropoff, PERCENT), "started": ev.started}
        )
    if ev.not_useful is not None:
        parts.append(
            _("%(share)s de réponses « page pas utile » (%(answers)s réponses)")
            % {"share": value_text(ev.not_useful, PERCENT), "answers": ev.answers}
        )
    reasons = ", ".join(label for label, _n in ev.top_reasons(2))
    if reasons:
        parts.append(_("raisons : %(reasons)s") % {"reasons": reasons})
    url = settings.SITE_URL + reverse("stats:simplify_detail", args=[item.kind, item.pk])
    return f"- {item.title} : " + " ; ".join(parts) + f".\n  {url}"


def build(period: Period) -> list[Digest]:
    """Who gets a digest for `period`, and what it says (recipients with nothing to report
    get none). A fixed number of queries per distinct scope."""
    out = []
    cache: dict = {}
    label = formats.date_format(period.start, "F Y")
    for user_id, (email, teams) in sorted(recipients().items()):
        if not email:
            continue
        if teams not in cache:
            cache[teams] = feedback.ranking(Query(period=period, team_ids=teams), include_unscored=False)[:TOP]
        items = cache[teams]
        if not items:
            continue
        link = (
            settings.SITE_URL + reverse("stats:simplify") + "?" + f"period=custom&start={period.start}&end={period.end}"
        )
        body = "\n\n".join(
            [
                _("Bonjour,"),
                _("Voici les démarches qui ont le plus posé problème aux habitants en %(month)s, dans votre périmètre :")
                % {"month": label},
                "\n".join(_line(item) for item in items),
                # Only administrators may edit fiches and forms (stats.views_simplify "may_edit").
                (_("Tous les chiffres, les commentaires des habitants et les liens pour modifier les fiches et les "
                   "formulaires : %(link)s") if teams is None else
                 _("Tous les chiffres et les commentaires des habitants : %(link)s. Pour modifier une fiche ou un "
                   "formulaire, adressez-vous à un administrateur.")) % {"link": link},
            ]
        )  # fmt: skip
        subject = _("Démarches à simplifier : %(month)s") % {"month": label}
        out.append(Digest(user_id, email, subject, body, items))
    return out


def feedback_digest(*, month: str | None = None, dry_run: bool = False) -> list[Digest]:
    """Queue the month's digests (idempotent: one per recipient and month)."""
    with translation.override(settings.LANGUAGE_CODE):
        period = month_period(month)
        digests = build(period)
        if not dry_run:
            for digest in digests:
                send_email(
                    to=digest.email,
                    subject=digest.subject,
                    body=digest.body,
                    template="stats_feedback_digest",
                    dedupe_key=f"feedback-digest-{period.start:%Y-%m}-{digest.user_id}",
                )
    return digests
