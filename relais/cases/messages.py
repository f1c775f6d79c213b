"""Messages about requests (texts editable by administrators)."""

from django.utils.translation import gettext_lazy as _

from relais.notifications.texts import MessageDefault

SAMPLE = {
    "reference": "2026-00123",
    "form": "Attestation d'accueil",
    "team": "État civil",
    "link": "https://relais.example.fr/suivi/2026-00123/abc/",
    "delay": 15,
}

TEMPLATES = [
    MessageDefault(
        code="case_receipt",
        name=_("Demande : récépissé"),
        subject=_("Nous avons bien reçu votre demande {{ reference }}"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "La mairie a bien reçu votre demande « {{ form }} » le {{ date }}.\n"
            "Son numéro est : {{ reference }}. Gardez-le : il sert si vous nous appelez.\n\n"
            "Le service « {{ team }} » la traite en {{ delay }} jours environ. "
            "Nous vous écrirons s'il manque quelque chose, puis pour vous donner la réponse.\n\n"
            "Pour suivre votre demande sur internet : {{ link }}"
        ),
        sms=_("{{ town.TOWN_NAME }} : demande « {{ form }} » reçue, n° {{ reference }}. Suivi : {{ link }}"),
        sample={**SAMPLE, "date": "23/11/2026"},
    ),
    MessageDefault(
        code="case_status",
        name=_("Demande : changement d'état"),
        subject=_("Votre demande {{ reference }} : {{ status }}"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "Votre demande « {{ form }} » (n° {{ reference }}) est maintenant : {{ status }}.\n"
            "{% if message %}\nMessage du service « {{ team }} » :\n{{ message }}\n{% endif %}\n"
            "Pour suivre votre demande ou nous répondre : {{ link }}\n"
            "Vous pouvez aussi venir à l'accueil de la mairie ou appeler le {{ town.TOWN_PHONE }}."
        ),
        sms=_("{{ town.TOWN_NAME }} : votre demande {{ reference }} est : {{ status }}. {{ link }}"),
        sample={
            **SAMPLE,
            "status": "En attente de votre réponse",
            "message": "Il manque votre justificatif de domicile.",
        },
    ),
    MessageDefault(
        code="case_message",
        name=_("Demande : message d'un agent"),
        subject=_("Un message à propos de votre demande {{ reference }}"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "Le service « {{ team }} » vous écrit à propos de votre demande « {{ form }} » (n° {{ reference }}) :\n\n"
            "{{ message }}\n\n"
            "Pour répondre : {{ link }}, ou à l'accueil de la mairie, ou au {{ town.TOWN_PHONE }}."
        ),
        sms=_("{{ town.TOWN_NAME }} : un message sur votre demande {{ reference }} : {{ link }}"),
        sample={**SAMPLE, "message": "Votre rendez-vous pour signer est mardi à 10 h."},
    ),
]
