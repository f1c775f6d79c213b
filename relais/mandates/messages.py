"""Messages about mandates (texts editable by administrators)."""

from django.utils.translation import gettext_lazy as _

from relais.notifications.texts import MessageDefault

SAMPLE = {
    "team": "Médiation numérique",
    "scopes": "Papiers – Citoyenneté, Logement",
    "expires": "23 décembre 2026",
    "link": "https://relais.example.fr/mandats/abc/",
}

TEMPLATES = [
    MessageDefault(
        code="mandate_code",
        name=_("Mandat : code de consentement"),
        subject=_("Votre code pour autoriser {{ team }}"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "Un conseiller de « {{ team }} » vous propose de faire des démarches à votre place ({{ scopes }}).\n"
            "Si vous êtes d'accord, donnez-lui ce code : {{ code }}\n"
            "Ce code est valable 30 minutes.\n\n"
            "Si vous n'avez rien demandé, ne donnez ce code à personne et appelez la mairie."
        ),
        sms=_(
            "{{ town.TOWN_NAME }} : code {{ code }} pour autoriser {{ team }} à faire vos démarches. Ne le donnez que si vous êtes d'accord."
        ),
        sample={**SAMPLE, "code": "482913"},
    ),
    MessageDefault(
        code="mandate_created",
        name=_("Mandat : confirmation à la personne"),
        subject=_("Vous avez autorisé {{ team }} à faire des démarches pour vous"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "Vous avez donné un mandat à « {{ team }} ».\n"
            "Ses conseillers peuvent faire pour vous les démarches de : {{ scopes }}.\n"
            "Ce mandat prend fin le {{ expires }}.\n\n"
            "Vous pouvez le voir et l'arrêter à tout moment :\n"
            "- sur internet : {{ link }}\n"
            "- ou en venant à l'accueil de la mairie, ou en appelant le {{ town.TOWN_PHONE }}."
        ),
        sms=_(
            "{{ town.TOWN_NAME }} : vous avez autorisé {{ team }} à faire vos démarches ({{ scopes }}) jusqu'au {{ expires }}. Pour l'arrêter : {{ link }}"
        ),
        sample=SAMPLE,
    ),
    MessageDefault(
        code="mandate_revoked",
        name=_("Mandat : fin à la demande"),
        subject=_("Votre mandat à {{ team }} est arrêté"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "Le mandat que vous aviez donné à « {{ team }} » est arrêté. "
            "Ses conseillers ne peuvent plus faire de démarches pour vous.\n\n"
            "Si vous n'avez pas demandé cet arrêt, appelez la mairie au {{ town.TOWN_PHONE }}."
        ),
        sms=_("{{ town.TOWN_NAME }} : votre mandat à {{ team }} est arrêté."),
        sample=SAMPLE,
    ),
    MessageDefault(
        code="mandate_expiring",
        name=_("Mandat : bientôt terminé"),
        subject=_("Votre mandat à {{ team }} se termine le {{ expires }}"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "Le mandat que vous avez donné à « {{ team }} » ({{ scopes }}) se termine le {{ expires }}.\n"
            "Après cette date, ses conseillers ne pourront plus faire de démarches pour vous.\n"
            "Pour le renouveler, venez les voir ou appelez la mairie au {{ town.TOWN_PHONE }}. "
            "Vous n'avez rien à faire si vous ne voulez pas le renouveler."
        ),
        sms=_("{{ town.TOWN_NAME }} : votre mandat à {{ team }} se termine le {{ expires }}."),
        sample=SAMPLE,
    ),
]
