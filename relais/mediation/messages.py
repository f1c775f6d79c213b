"""Messages about appointments and workshops (texts editable by administrators)."""

from django.utils.translation import gettext_lazy as _

from relais.notifications.texts import MessageDefault

APPOINTMENT_SAMPLE = {
    "when": "mardi 3 décembre à 14 h 30",
    "place": "Relais citoyen Nord – Saint-Martin",
    "address": "3 place Saint-Martin, 37500 Valbrenne",
    "topic": "Créer mon compte Ameli",
    "link": "https://relais.example.fr/rendez-vous/suivi/abc/",
    "notice": "Le conseiller est en formation ce jour-là.",
    "kind": "Carte d'identité et passeport",
    "bring": "Une photo d'identité de moins de 6 mois\nVotre ancienne carte, si vous en avez une",
}
WORKSHOP_SAMPLE = {
    "title": "Premiers pas avec le smartphone",
    "sessions": "- mardi 3 décembre, de 14 h à 16 h\n- mardi 10 décembre, de 14 h à 16 h",
    "first": "mardi 3 décembre à 14 h",
    "place": "Médiathèque François-Rabelais",
    "address": "12 rue des Tanneurs, 37500 Valbrenne",
    "link": "https://relais.example.fr/ateliers/inscription/abc/",
    "position": 3,
}

TEMPLATES = [
    MessageDefault(
        code="mediation_appointment_code",
        name=_("Rendez-vous : code de confirmation"),
        subject=_("Votre code pour le rendez-vous du {{ when }}"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "Pour réserver le rendez-vous « {{ kind }} » du {{ when }}, tapez ce code sur la page de réservation : "
            "{{ code }}\n\n"
            "Il est valable {{ minutes }} minutes. Si vous n'avez rien demandé, ignorez ce message."
        ),
        sms=_("{{ town.TOWN_NAME }} : code {{ code }} pour votre RDV du {{ when }}. Valable {{ minutes }} min."),
        sample={
            "when": "mardi 3 décembre à 14 h 30",
            "kind": "Carte d'identité et passeport",
            "code": "123456",
            "minutes": 10,
        },
    ),
    MessageDefault(
        code="mediation_appointment_confirmed",
        name=_("Rendez-vous numérique : confirmation"),
        subject=_("Votre rendez-vous du {{ when }}"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "Votre rendez-vous {% if kind %}« {{ kind }} »{% else %}avec un conseiller numérique{% endif %} est bien noté :\n"
            "- le {{ when }}\n"
            "- à : {{ place }}, {{ address }}\n"
            "{% if topic %}- pour : {{ topic }}\n{% endif %}\n"
            "{% if bring %}À apporter :\n{{ bring }}\n\n{% else %}Apportez vos identifiants, vos papiers et, si vous en avez un, votre "
            "téléphone.\n\n{% endif %}"
            "Pour changer ou annuler ce rendez-vous : {{ link }}\n"
            "ou appelez la mairie au {{ town.TOWN_PHONE }}."
        ),
        sms=_(
            "{{ town.TOWN_NAME }} : RDV{% if kind %} {{ kind }}{% else %} numérique{% endif %} le {{ when }}, {{ place }}. Changer ou annuler : {{ link }}"
        ),
        sample=APPOINTMENT_SAMPLE,
    ),
    MessageDefault(
        code="mediation_appointment_reminder",
        name=_("Rendez-vous numérique : rappel"),
        subject=_("Rappel : votre rendez-vous du {{ when }}"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "Nous vous rappelons votre rendez-vous {% if kind %}« {{ kind }} »{% else %}avec un conseiller numérique{% endif %} "
            "le {{ when }}, à : {{ place }}, {{ address }}.\n\n"
            "Si vous ne pouvez pas venir, prévenez-nous : {{ link }}\n"
            "ou appelez la mairie au {{ town.TOWN_PHONE }}."
        ),
        sms=_(
            "{{ town.TOWN_NAME }} : rappel, RDV{% if kind %} {{ kind }}{% else %} numérique{% endif %} le {{ when }}, {{ place }}. Annuler : {{ link }}"
        ),
        sample=APPOINTMENT_SAMPLE,
    ),
    MessageDefault(
        code="mediation_appointment_cancelled",
        name=_("Rendez-vous numérique : annulé à votre demande"),
        subject=_("Votre rendez-vous du {{ when }} est annulé"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "Votre rendez-vous du {{ when }} ({{ place }}) est annulé.\n\n"
            "Pour prendre un autre rendez-vous : {{ site_url }}/rendez-vous/\n"
            "ou appelez la mairie au {{ town.TOWN_PHONE }}."
        ),
        sms=_(
            "{{ town.TOWN_NAME }} : votre RDV{% if kind %} {{ kind }}{% else %} numérique{% endif %} du {{ when }} est annulé."
        ),
        sample=APPOINTMENT_SAMPLE,
    ),
    MessageDefault(
        code="mediation_appointment_revoked",
        name=_("Rendez-vous numérique : annulé par le service"),
        subject=_("Nous devons annuler votre rendez-vous du {{ when }}"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "Nous sommes désolés : votre rendez-vous du {{ when }} ({{ place }}) ne pourra pas avoir lieu.\n"
            "{% if notice %}{{ notice }}\n{% endif %}\n"
            "Pour prendre un autre rendez-vous : {{ site_url }}/rendez-vous/\n"
            "ou appelez la mairie au {{ town.TOWN_PHONE }}."
        ),
        sms=_(
            "{{ town.TOWN_NAME }} : désolé, votre RDV{% if kind %} {{ kind }}{% else %} numérique{% endif %} du {{ when }} est annulé. "
            "Reprendre RDV : {{ site_url }}/rendez-vous/"
        ),
        sample=APPOINTMENT_SAMPLE,
    ),
    MessageDefault(
        code="mediation_appointment_moved",
        name=_("Rendez-vous numérique : nouvel horaire"),
        subject=_("Votre rendez-vous est déplacé au {{ when }}"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "Votre rendez-vous {% if kind %}« {{ kind }} »{% else %}avec un conseiller numérique{% endif %} est maintenant :\n"
            "- le {{ when }}\n"
            "- à : {{ place }}, {{ address }}\n\n"
            "Pour le changer ou l'annuler : {{ link }}\n"
            "ou appelez la mairie au {{ town.TOWN_PHONE }}."
        ),
        sms=_(
            "{{ town.TOWN_NAME }} : votre RDV{% if kind %} {{ kind }}{% else %} numérique{% endif %} est déplacé au {{ when }}, {{ place }}. {{ link }}"
        ),
        sample=APPOINTMENT_SAMPLE,
    ),
    MessageDefault(
        code="mediation_registration_confirmed",
        name=_("Atelier : inscription confirmée"),
        subject=_("Vous êtes inscrit(e) à l'atelier « {{ title }} »"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "Vous êtes inscrit(e) à l'atelier « {{ title }} », à : {{ place }}, {{ address }}.\n"
            "Les rendez-vous :\n{{ sessions }}\n\n"
            "Si vous ne pouvez pas venir, libérez votre place pour quelqu'un d'autre : {{ link }}\n"
            "ou appelez la mairie au {{ town.TOWN_PHONE }}."
        ),
        sms=_(
            "{{ town.TOWN_NAME }} : inscrit(e) à l'atelier « {{ title }} », 1er RDV le {{ first }}, {{ place }}. "
            "Annuler : {{ link }}"
        ),
        sample=WORKSHOP_SAMPLE,
    ),
    MessageDefault(
        code="mediation_registration_waitlisted",
        name=_("Atelier : sur liste d'attente"),
        subject=_("Atelier « {{ title }} » : vous êtes sur la liste d'attente"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "L'atelier « {{ title }} » est complet. Vous êtes sur la liste d'attente, en position {{ position }}.\n"
            "Si une place se libère, vous serez inscrit(e) automatiquement et nous vous préviendrons.\n\n"
            "Pour voir votre place ou quitter la liste : {{ link }}"
        ),
        sms=_(
            "{{ town.TOWN_NAME }} : atelier « {{ title }} » complet, vous êtes n° {{ position }} sur la liste "
            "d'attente. Nous vous préviendrons. {{ link }}"
        ),
        sample=WORKSHOP_SAMPLE,
    ),
    MessageDefault(
        code="mediation_registration_promoted",
        name=_("Atelier : une place s'est libérée"),
        subject=_("Bonne nouvelle : une place pour l'atelier « {{ title }} »"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "Une place s'est libérée : vous êtes maintenant inscrit(e) à l'atelier « {{ title }} », "
            "à : {{ place }}, {{ address }}.\n"
            "Les rendez-vous :\n{{ sessions }}\n\n"
            "Si vous ne pouvez plus venir, libérez la place : {{ link }}\n"
            "ou appelez la mairie au {{ town.TOWN_PHONE }}."
        ),
        sms=_(
            "{{ town.TOWN_NAME }} : une place s'est libérée, vous êtes inscrit(e) à « {{ title }} », "
            "1er RDV le {{ first }}. Annuler : {{ link }}"
        ),
        sample=WORKSHOP_SAMPLE,
    ),
    MessageDefault(
        code="mediation_registration_cancelled",
        name=_("Atelier : inscription annulée"),
        subject=_("Votre inscription à l'atelier « {{ title }} » est annulée"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "Votre inscription à l'atelier « {{ title }} » est annulée. Merci d'avoir libéré votre place.\n\n"
            "Les autres ateliers : {{ site_url }}/ateliers/"
        ),
        sms=_("{{ town.TOWN_NAME }} : votre inscription à l'atelier « {{ title }} » est annulée."),
        sample=WORKSHOP_SAMPLE,
    ),
    MessageDefault(
        code="mediation_workshop_cancelled",
        name=_("Atelier : annulé par le service"),
        subject=_("L'atelier « {{ title }} » est annulé"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "Nous sommes désolés : l'atelier « {{ title }} » ({{ place }}) n'aura pas lieu.\n"
            "{% if notice %}{{ notice }}\n{% endif %}\n"
            "Vous n'avez rien à faire. Les autres ateliers : {{ site_url }}/ateliers/\n"
            "ou appelez la mairie au {{ town.TOWN_PHONE }}."
        ),
        sms=_("{{ town.TOWN_NAME }} : désolé, l'atelier « {{ title }} » est annulé. {{ notice }}"),
        sample={**WORKSHOP_SAMPLE, "notice": "L'animatrice est malade."},
    ),
    MessageDefault(
        code="mediation_workshop_reminder",
        name=_("Atelier : rappel de la séance"),
        subject=_("Rappel : atelier « {{ title }} » le {{ first }}"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "Nous vous attendons à l'atelier « {{ title }} » le {{ first }}, à : {{ place }}, {{ address }}.\n\n"
            "Si vous ne pouvez pas venir, libérez votre place : {{ link }}\n"
            "ou appelez la mairie au {{ town.TOWN_PHONE }}."
        ),
        sms=_(
            "{{ town.TOWN_NAME }} : rappel, atelier « {{ title }} » le {{ first }}, {{ place }}. Annuler : {{ link }}"
        ),
        sample=WORKSHOP_SAMPLE,
    ),
]
