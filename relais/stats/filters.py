"""Whose figures, over which days: the reader's scope (their role) and the filters they chose.

`Query` is what every selector receives. It is built only here, from a reader's role
(`scope_for`) and a validated `FiltersForm`, so that no page can ask for another team's
figures: a team, place or advisor outside the reader's scope is not among the form's
choices and gets a plain French message, never figures.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime
from dataclasses import dataclass

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from relais.accounts.models import Role, Team, User
from relais.accounts.permissions import memberships_of
from relais.core.models import Channel
from relais.directory.models import Place

# Relais records nothing older; a date outside [FIRST_YEAR, next year] is a typo.
FIRST_YEAR = 2000
# The longest period a page computes: a council compares a few mandates, not half a century.
MAX_YEARS = 10

# What each audience's page is about, and who may open it (besides administrators and
# officials, who read the whole town). An advisor reads their own figures only.
AUDIENCES = {
    "mediation": {
        "title": _("Médiation numérique"),
        "roles": (Role.ADVISOR, Role.MANAGER),
    },
    "demandes": {"title": _("Demandes"), "roles": (Role.MANAGER,)},
    "entraide": {"title": _("Entraide"), "roles": (Role.MANAGER,)},
    "envois": {"title": _("Envois aux habitants"), "roles": (Role.MANAGER,)},
    "frequentation": {"title": _("Fréquentation des lieux"), "roles": (Role.ADVISOR, Role.MANAGER)},
    "demarches": {"title": _("Démarches à simplifier"), "roles": (Role.MANAGER,)},
}
TOWN_ROLES = (Role.ADMINISTRATOR, Role.OFFICIAL)
# Audiences whose filters are the period and the team only.
PERIOD_AND_TEAM_ONLY = ("demarches", "demarches-a-simplifier")


@dataclass(frozen=True)
class Period:
    """Days from `start` to `end`, both included."""

    start: datetime.date
    end: datetime.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period to compare with: from the first of a month, the same dates as many
        months earlier as the period spans (this month so far: the same days of last month;
        this year so far: the same dates last year); otherwise the as many days just before."""
        start, end = self.start, self.end
        if start.day == 1:
            months = (end.year - start.year) * 12 + end.month - start.month + 1
            first = _add_months(start, -months)
            last_month = _add_months(end.replace(day=1), -months)
            last = (
                _month_end(last_month)
                if end == _month_end(end)
                else last_month.replace(day=min(end.day, _month_end(last_month).day))
            )
            return Period(first, last)
        return Period(start - datetime.timedelta(days=self.days), start - datetime.timedelta(days=1))

    def label(self) -> str:
        if self.start == self.end:
            return formats.date_format(self.start, "j F Y")
        return _("du %(start)s au %(end)s") % {
            "start": formats.date_format(self.start, "j F Y"),
            "end": formats.date_format(self.end, "j F Y"),
        }

    def months(self) -> list[datetime.date]:
        """The first day of every month the period touches."""
        months, month = [], self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = _add_months(month, 1)
        return months

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """[start, end + 1 day) as aware datetimes in the town's time zone."""
        zone = timezone.get_current_timezone()
        start = datetime.datetime.combine(self.start, datetime.time.min, tzinfo=zone)
        end = datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
        return start, end


def _month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


PRESETS = {
    "this_month": _("Ce mois-ci"),
    "last_month": _("Le mois dernier"),
    "this_year": _("Cette année"),
    "last_year": _("L'année dernière"),
    "custom": _("D'une date à une autre"),
}


def preset(name: str, today: datetime.date | None = None) -> Period:
    today = today or timezone.localdate()
    if name == "this_month":
        return Period(today.replace(day=1), today)
    if name == "last_month":
        first = _add_months(today.replace(day=1), -1)
        return Period(first, _month_end(first))
    if name == "last_year":
        return Period(datetime.date(today.year - 1, 1, 1), datetime.date(today.year - 1, 12, 31))
    return Period(datetime.date(today.year, 1, 1), today)


@dataclass(frozen=True)
class Scope:
    """What a reader may see: the whole town (`team_ids` None), some teams, or an
    advisor's own records (`advisor_id`). Someone who manages one team and advises in
    another reads the first whole and, in the teams of `own_only`, their own records
    (`reader` is then their id): choosing such a team in the filters narrows to them."""

    team_ids: tuple[int, ...] | None
    advisor_id: int | None = None
    own_only: tuple[int, ...] = ()
    reader: int | None = None

    @property
    def town(self) -> bool:
        return self.team_ids is None


def scope_for(user, audience: str) -> Scope | None:
    """The reader's scope for one audience, or None when they may not open it."""
    if audience not in AUDIENCES or not user.is_authenticated:
        return None
    memberships = memberships_of(user)
    roles = {m.role for m in memberships}
    if roles & set(TOWN_ROLES):
        return Scope(team_ids=None)
    allowed = AUDIENCES[audience]["roles"]
    managed = tuple(sorted(m.team_id for m in memberships if m.role == Role.MANAGER)) if Role.MANAGER in allowed else ()
    advising = (
        tuple(sorted(m.team_id for m in memberships if m.role == Role.ADVISOR)) if Role.ADVISOR in allowed else ()
    )
    if managed:
        own_only = tuple(t for t in advising if t not in managed)
        return Scope(team_ids=tuple(sorted(managed + own_only)), own_only=own_only, reader=user.pk)
    if advising:
        return Scope(team_ids=advising, advisor_id=user.pk)
    return None


def audiences_for(user) -> list[str]:
    return [name for name in AUDIENCES if scope_for(user, name) is not None]


@dataclass(frozen=True)
class Query:
    """Everything a selector needs: whose records, which days, which filters."""

    period: Period
    team_ids: tuple[int, ...] | None = None  # None: every team
    advisor_id: int | None = None
    place_id: int | None = None
    channel: str = ""
    commune: str = ""

    def previous(self) -> Query:
        return dataclasses.replace(self, period=self.period.previous())

    def narrow(
        self,
        qs,
        *,
        when: str,
        team: str = "team",
        advisor: str | None = None,
        place: str | None = None,
        channel: str | None = None,
        day: bool = False,
    ):
        """`qs` narrowed to this query: `when` (a date if `day`, else a datetime) in the
        period, then the teams, the advisor, the place and its commune, the channel, each
        through the path given for this kind of record. Records with no advisor (`advisor`
        None) are none of an advisor's figures; a place filter keeps only records with a
        place."""
        if day:
            qs = qs.filter(**{f"{when}__gte": self.period.start, f"{when}__lte": self.period.end})
        else:
            start, end = self.period.bounds()
            qs = qs.filter(**{f"{when}__gte": start, f"{when}__lt": end})
        if self.team_ids is not None:
            qs = qs.filter(**{f"{team}__in": self.team_ids})
        if self.advisor_id:
            qs = qs.filter(**{advisor: self.advisor_id}) if advisor else qs.none()
        if self.place_id:
            qs = qs.filter(**{place: self.place_id}) if place else qs.none()
        if self.commune:
            qs = qs.filter(**{f"{place}__commune": self.commune}) if place else qs.none()
        if self.channel and channel:
            qs = qs.filter(**{channel: self.channel})
        return qs

    def describe(self) -> dict:
        """The filters as plain values (journal entries, share links, exports)."""
        return {
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
            "teams": list(self.team_ids) if self.team_ids is not None else None,
            "advisor": self.advisor_id,
            "place": self.place_id,
            "channel": self.channel,
            "commune": self.commune,
        }

    @classmethod
    def from_description(cls, data: dict) -> Query:
        teams = data.get("teams")
        return cls(
            period=Period(datetime.date.fromisoformat(data["start"]), datetime.date.fromisoformat(data["end"])),
            team_ids=tuple(teams) if teams is not None else None,
            advisor_id=data.get("advisor"),
            place_id=data.get("place"),
            channel=data.get("channel") or "",
            commune=data.get("commune") or "",
        )


INVALID_CHOICES = {
    "period": _("Choisissez une période de la liste."),
    "team": _("Choisissez une de vos équipes dans la liste."),
    "place": _("Choisissez un lieu de la liste : seuls ceux de vos équipes y sont."),
    "commune": _("Choisissez une commune de la liste."),
    "advisor": _("Choisissez un conseiller de la liste."),
    "channel": _("Choisissez un canal de la liste."),
}


class FiltersForm(forms.Form):
    """The filters above every statistics page (a GET form: the address can be bookmarked)."""

    period = forms.ChoiceField(label=_("Période"), choices=list(PRESETS.items()), initial="this_year", required=False)
    start = forms.DateField(label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    team = forms.ChoiceField(label=_("Équipe"), required=False)
    place = forms.ChoiceField(label=_("Lieu"), required=False)
    commune = forms.ChoiceField(label=_("Commune"), required=False)
    advisor = forms.ChoiceField(label=_("Conseiller"), required=False)
    channel = forms.ChoiceField(
        label=_("Canal"), required=False, choices=[("", _("Tous les canaux")), *Channel.choices]
    )

    def __init__(self, data=None, *, scope: Scope, audience: str, today: datetime.date | None = None):
        super().__init__(data)
        for name, message in INVALID_CHOICES.items():
            self.fields[name].error_messages["invalid_choice"] = message
        self.scope, self.audience = scope, audience
        self.today = today or timezone.localdate()
        teams = Team.objects.filter(is_active=True)
        if not scope.town:
            teams = teams.filter(pk__in=scope.team_ids)
        self.teams = {t.pk: t for t in teams}
        places = Place.objects.all() if scope.town else Place.objects.filter(teams__in=scope.team_ids).distinct()
        self.places = {p.pk: p for p in places.order_by("nom")}
        self.fields["team"].choices = [("", _("Toutes les équipes") if scope.town else _("Vos équipes"))] + [
            (str(t.pk), t.name) for t in self.teams.values()
        ]
        self.fields["place"].choices = [("", _("Tous les lieux"))] + [(str(p.pk), p.nom) for p in self.places.values()]
        communes = sorted({p.commune for p in self.places.values() if p.commune})
        self.fields["commune"].choices = [("", _("Toutes les communes"))] + [(c, c) for c in communes]
        if scope.advisor_id is None and audience in ("mediation", "frequentation"):
            advisors = User.objects.filter(memberships__role__in=(Role.ADVISOR, Role.MANAGER)).distinct()
            if not scope.town:
                whole = [t for t in scope.team_ids if t not in scope.own_only]
                advisors = advisors.filter(memberships__team__in=whole)
            self.fields["advisor"].choices = [("", _("Tous les conseillers"))] + [
                (str(u.pk), u.get_full_name()) for u in advisors.order_by("full_name", "email")
            ]
        else:
            del self.fields["advisor"]
        if audience not in ("demandes", "frequentation", "entraide"):
            del self.fields["channel"]
        if audience in PERIOD_AND_TEAM_ONLY:
            # Figures per form: a place or a commune does not narrow them.
            del self.fields["place"]
            self.fields.pop("commune", None)
        elif len(communes) < 2:
            del self.fields["commune"]

    def clean(self):
        data = super().clean()
        name = data.get("period") or "this_year"
        if name != "custom":
            period = preset(name, self.today)
        else:
            start, end = data.get("start"), data.get("end")
            if self.errors:
                return data
            if not start:
                self.add_error("start", _("Indiquez le premier jour de la période."))
            if not end:
                self.add_error("end", _("Indiquez le dernier jour de la période."))
            if not (start and end):
                return data
            if end < start:
                self.add_error("end", _("Le dernier jour est avant le premier : vérifiez les deux dates."))
                return data
            if (end - start).days > MAX_YEARS * 366:
                self.add_error("start", _("Choisissez une période de %(years)s ans au plus.") % {"years": MAX_YEARS})
                return data
            first, last = datetime.date(FIRST_YEAR, 1, 1), datetime.date(self.today.year + 1, 12, 31)
            for name, day in (("start", start), ("end", end)):
                if not first <= day <= last:
                    self.add_error(
                        name,
                        _("Choisissez une date entre %(first)s et %(last)s.")
                        % {"first": first.strftime("%d/%m/%Y"), "last": last.strftime("%d/%m/%Y")},
                    )
            if self.errors:
                return data
            period = Period(start, end)
        data["period_value"] = period
        return data

    def query(self) -> Query:
        """The validated filters, inside the reader's scope (call after is_valid())."""
        data = self.cleaned_data
        team_ids, advisor = self.scope.team_ids, self.scope.advisor_id
        if self.scope.own_only:
            # Managed teams whole; a team where the reader only advises, their own records.
            team_ids = tuple(t for t in team_ids if t not in self.scope.own_only)
        if data.get("team"):
            team_ids = (int(data["team"]),)
            if team_ids[0] in self.scope.own_only:
                advisor = self.scope.reader
        if data.get("advisor") and advisor is None:
            advisor = int(data["advisor"])
        return Query(
            period=data["period_value"],
            team_ids=team_ids,
            advisor_id=advisor,
            place_id=int(data["place"]) if data.get("place") else None,
            channel=data.get("channel") or "",
            commune=data.get("commune") or "",
        )
