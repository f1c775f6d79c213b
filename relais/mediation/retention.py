"""Retention of digital mediation (core.retention): appointments, registrations and
records of accompaniment keep their statistics, lose what names a person (the people
themselves go with the rule `people`, once nothing points at them)."""

from django.utils.translation import gettext_lazy as _

from relais.core.retention import ANONYMISE, Rule


def purge(*, cutoff, days, dry_run) -> int:
    from relais.mediation.services import mediation_purge

    return sum(mediation_purge(cutoff=cutoff, dry_run=dry_run).values())


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
