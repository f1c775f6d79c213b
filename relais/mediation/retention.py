"""Retention of digital mediation (core.retention): appointments, registrations and
records of accompaniment keep their statistics, lose what names a person (the people
themselves go with the rule `people`, once nothing points at them)."""

from datetime import timedelta

from django.db.models import Count, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relais.core.retention import ANONYMISE, Rule


def appointments_due(cutoff):
    """Appointments over before `cutoff` that still name a person (or were never anonymised)."""
    from relais.mediation.models import Appointment

    named = Q(anonymised_at__isnull=True) | Q(person__isnull=False)
    return Appointment.objects.filter(named, ends_at__lt=cutoff).exclude(starts_at__gte=cutoff)


def registrations_due(cutoff):
    """Registrations made before `cutoff` to a workshop with no session after it, still named."""
    from relais.mediation.models import Registration

    named = Q(anonymised_at__isnull=True) | Q(person__isnull=False)
    return Registration.objects.filter(named, created_at__lt=cutoff).exclude(workshop__sessions__ends_at__gte=cutoff)


def accompaniments_due(cutoff):
    """Records of accompaniment dated before `cutoff` that still hold more than their statistics."""
    from relais.mediation.models import Accompaniment

    return Accompaniment.objects.filter(date__lt=cutoff.date()).filter(
        Q(person__isnull=False)
        | ~Q(notes="")
        | Q(case__isnull=False)
        | Q(pk__in=Accompaniment.participants.through.objects.values("accompaniment_id"))
    )


def purge(*, cutoff, days, dry_run) -> int:
    """Anonymise what ended before `cutoff` (idempotent; a dry run counts only); returns how
    many appointments, registrations and records. Run through `core.retention.purge`, in its
    transaction: the rule's floor refuses a period too short, its journal entry says what was done.

    - appointments and registrations keep their times, place, status and outcome but lose
      their person, their free text (topic, reason) and their private link: anonymous, they
      keep the statistics and the workshops' seat counters true;
    - accompaniment records keep only their statistical fields: the person, the notes and
      the link to a case are removed (the case itself is the rule `cases.closed`'s: only this
      record's link to it goes); named participants of a workshop are counted among its
      anonymous ones; the link to the (anonymised) appointment stays.

    Only mediation's own rows change. The people themselves are deleted by the rule `people`
    once nothing points at them.
    """
    from relais.mediation.choices import AccompanimentKind
    from relais.mediation.models import Accompaniment, Appointment, BookingCode, Registration, new_token

    now = timezone.now()
    appointments = appointments_due(cutoff)
    registrations = registrations_due(cutoff)
    accompaniments = accompaniments_due(cutoff)
    count = appointments.count() + registrations.distinct().count() + accompaniments.count()
    if dry_run:
        return count
    anonymised_at = Coalesce(F("anonymised_at"), Value(now))
    for pk in appointments.values_list("pk", flat=True):
        Appointment.objects.filter(pk=pk).update(
            person=None, topic="", cancel_reason="", token=new_token(), anonymised_at=anonymised_at
        )
    for pk in registrations.values_list("pk", flat=True).distinct():
        Registration.objects.filter(pk=pk).update(person=None, token=new_token(), anonymised_at=anonymised_at)
    # Codes asked for before booking live minutes: a day later, none is of any use.
    BookingCode.objects.filter(created_at__lt=now - timedelta(days=1)).delete()
    through = Accompaniment.participants.through
    # Named participants of a workshop become anonymous ones: the statistics keep counting them.
    named = (
        through.objects.filter(accompaniment_id=OuterRef("pk"))
        .order_by()
        .values("accompaniment_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Accompaniment.objects.filter(pk__in=accompaniments.values("pk"), kind=AccompanimentKind.COLLECTIVE).update(
        anonymous_count=F("anonymous_count") + Coalesce(Subquery(named), Value(0))
    )
    through.objects.filter(accompaniment__in=accompaniments.values("pk")).delete()
    # The link to the appointment stays (the appointment is anonymised above): the statistics
    # tell a drop-in visit from an appointment by it.
    accompaniments.update(person=None, notes="", case=None)
    return count


RULES = [
    Rule(
        kind="mediation",
        label=_("Rendez-vous, inscriptions aux ateliers et accompagnements"),
        setting="RELAIS_MEDIATION_RETENTION_DAYS",
        default_days=365,
        floor_days=30,
        action=ANONYMISE,
        purge=purge,
        order=30,
        starts=_("depuis la date du rendez-vous, de l'atelier ou de l'accompagnement"),
        keeps=_(
            "Dates, lieux, durées, thèmes et résultats, sans personne : les statistiques de fréquentation "
            "et les places des ateliers restent justes. La fiche de la personne est effacée ensuite, "
            "si plus rien ne s'y rapporte."
        ),
        purpose=_(
            "Prendre et rappeler des rendez-vous, inscrire aux ateliers, garder une trace des accompagnements "
            "au numérique et en établir les statistiques."
        ),
        legal_basis=_("Mission d'intérêt public (article 6-1-e du RGPD) : inclusion numérique."),
        data=_("Identité et coordonnées, objet du rendez-vous, présence, thèmes abordés, notes du conseiller."),
        people=_("Habitants accompagnés ; conseillers numériques."),
        recipients=_("Conseillers de l'équipe de médiation ; statistiques anonymes pour le conseil municipal."),
        floor_reason=_("sinon les rendez-vous de la semaine perdraient leur objet"),
    )
]
