"""Messages of the mutual-aid board to residents (sent through the outbox on their channel).

No text ever carries another resident's contact details: only their public name
("Marie D."), the listing's title and what they wrote (which cannot hold a phone
number, an e-mail or an address: forms refuse them).
"""

from django.utils.translation import gettext_lazy as _

from relais.notifications.texts import MessageDefault

TEMPLATES = [
    MessageDefault(
        code="mutualaid_listing_received",
        name=_("Entraide : annonce reçue"),
        subject=_("Votre annonce d'entraide est bien reçue"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "Votre annonce « {{ listing_title }} » est bien reçue. L'équipe d'entraide la relit avant de la "
            "publier, en général sous deux jours ouvrés. Vous recevrez un message quand elle sera en ligne."
            "\n\nL'équipe d'entraide de la mairie de {{ town.TOWN_NAME }}"
        ),
        sms=_(
            "{{ town.TOWN_NAME }} : votre annonce « {{ listing_title }} » est reçue, elle sera relue avant publication."
        ),
        sample={"listing_title": "Courses le samedi matin"},
    ),
    MessageDefault(
        code="mutualaid_listing_published",
        name=_("Entraide : annonce publiée"),
        subject=_("Votre annonce d'entraide est publiée"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "Votre annonce « {{ listing_title }} » est maintenant visible sur le tableau d'entraide"
            "{% if expires_on %}, jusqu'au {{ expires_on }}{% endif %}.\n\n"
            "Les voisins qui veulent vous répondre vous écrivent par le tableau : vos coordonnées ne sont jamais "
            "montrées, sauf si vous acceptez tous les deux de les échanger."
            "{% if listing_url %}\n\nVotre annonce : {{ listing_url }}{% else %}\n\nQuand quelqu'un vous répond, "
            "l'équipe d'entraide vous appelle ou vous écrit.{% endif %}"
            "\n\nL'équipe d'entraide de la mairie de {{ town.TOWN_NAME }}"
        ),
        sms=_("{{ town.TOWN_NAME }} : votre annonce « {{ listing_title }} » est publiée sur le tableau d'entraide."),
        sample={"listing_title": "Courses le samedi matin", "expires_on": "12 mars 2026", "listing_url": ""},
    ),
    MessageDefault(
        code="mutualaid_listing_rejected",
        name=_("Entraide : annonce refusée"),
        subject=_("Votre annonce d'entraide n'a pas été publiée"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "L'équipe d'entraide n'a pas publié votre annonce « {{ listing_title }} », pour la raison suivante :\n\n"
            "{{ reason }}\n\n"
            "Vous pouvez déposer une nouvelle annonce, ou appeler la mairie au {{ town.TOWN_PHONE }} pour en parler."
            "\n\nL'équipe d'entraide de la mairie de {{ town.TOWN_NAME }}"
        ),
        sms=_(
            "{{ town.TOWN_NAME }} : votre annonce « {{ listing_title }} » n'a pas été publiée. Raison : {{ reason }}"
        ),
        sample={
            "listing_title": "Cours de guitare",
            "reason": "Les cours payants n'ont pas leur place sur le tableau.",
        },
    ),
    MessageDefault(
        code="mutualaid_listing_hidden",
        name=_("Entraide : annonce masquée"),
        subject=_("Votre annonce d'entraide a été retirée du tableau"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "L'équipe d'entraide a retiré votre annonce « {{ listing_title }} » du tableau, pour la raison "
            "suivante :\n\n{{ reason }}\n\n"
            "Si vous pensez qu'il s'agit d'une erreur, appelez la mairie au {{ town.TOWN_PHONE }}."
            "\n\nL'équipe d'entraide de la mairie de {{ town.TOWN_NAME }}"
        ),
        sms=_("{{ town.TOWN_NAME }} : votre annonce « {{ listing_title }} » a été retirée. Raison : {{ reason }}"),
        sample={
            "listing_title": "Cours de guitare",
            "reason": "Plusieurs voisins nous ont signalé une demande d'argent.",
        },
    ),
    MessageDefault(
        code="mutualaid_listing_restored",
        name=_("Entraide : annonce rétablie"),
        subject=_("Votre annonce d'entraide est de nouveau visible"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "Votre annonce « {{ listing_title }} » est de nouveau visible sur le tableau d'entraide.\n\n{{ reason }}"
            "\n\nL'équipe d'entraide de la mairie de {{ town.TOWN_NAME }}"
        ),
        sms=_("{{ town.TOWN_NAME }} : votre annonce « {{ listing_title }} » est de nouveau visible."),
        sample={"listing_title": "Courses le samedi matin", "reason": "Après vérification, tout est en ordre."},
    ),
    MessageDefault(
        code="mutualaid_listing_edited",
        name=_("Entraide : annonce modifiée par la modération"),
        subject=_("Votre annonce d'entraide a été modifiée"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "L'équipe d'entraide a modifié votre annonce « {{ listing_title }} » :\n\n{{ reason }}\n\n"
            "Un avis indique la modification sur l'annonce. Pour en parler, appelez la mairie au "
            "{{ town.TOWN_PHONE }}."
            "\n\nL'équipe d'entraide de la mairie de {{ town.TOWN_NAME }}"
        ),
        sms=_("{{ town.TOWN_NAME }} : votre annonce « {{ listing_title }} » a été modifiée. {{ reason }}"),
        sample={"listing_title": "Courses le samedi matin", "reason": "Nous avons retiré votre numéro de téléphone."},
    ),
    MessageDefault(
        code="mutualaid_expiry_reminder",
        name=_("Entraide : l'annonce expire bientôt"),
        subject=_("Votre annonce d'entraide expire le {{ expires_on }}"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "Votre annonce « {{ listing_title }} » ne sera plus visible après le {{ expires_on }}.\n\n"
            "{% if renew_url %}Pour la garder 30 jours de plus, ouvrez ce lien et appuyez sur « Prolonger » :\n"
            "{{ renew_url }}\n\n{% endif %}"
            "Vous pouvez aussi appeler la mairie au {{ town.TOWN_PHONE }}. Si vous n'en avez plus besoin, "
            "il n'y a rien à faire."
            "\n\nL'équipe d'entraide de la mairie de {{ town.TOWN_NAME }}"
        ),
        sms=_(
            "{{ town.TOWN_NAME }} : votre annonce « {{ listing_title }} » expire le {{ expires_on }}. "
            "Pour la prolonger : {{ renew_url }}"
        ),
        sample={
            "listing_title": "Courses le samedi matin",
            "expires_on": "12 mars 2026",
            "renew_url": "https://example.org/entraide/prolonger/abc/",
        },
    ),
    MessageDefault(
        code="mutualaid_listing_expired",
        name=_("Entraide : annonce expirée"),
        subject=_("Votre annonce d'entraide n'est plus visible"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "Votre annonce « {{ listing_title }} » a atteint sa date de fin et n'est plus visible.\n\n"
            "{% if renew_url %}Si vous en avez encore besoin, remettez-la en ligne pour 30 jours :\n"
            "{{ renew_url }}\n\n{% endif %}"
            "Vous pouvez aussi appeler la mairie au {{ town.TOWN_PHONE }}."
            "\n\nL'équipe d'entraide de la mairie de {{ town.TOWN_NAME }}"
        ),
        sms=_("{{ town.TOWN_NAME }} : votre annonce « {{ listing_title }} » n'est plus visible. {{ renew_url }}"),
        sample={"listing_title": "Courses le samedi matin", "renew_url": "https://example.org/entraide/prolonger/abc/"},
    ),
    MessageDefault(
        code="mutualaid_new_message",
        name=_("Entraide : nouveau message"),
        subject=_("{{ sender_name }} vous a écrit au sujet de « {{ listing_title }} »"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "{{ sender_name }} vous a écrit au sujet de l'annonce « {{ listing_title }} » :\n\n"
            "{{ text }}\n\n"
            "Pour répondre, ouvrez la conversation : {{ conversation_url }}\n\n"
            "Vos coordonnées ne sont pas transmises : ne répondez pas à ce courriel."
            "\n\nL'équipe d'entraide de la mairie de {{ town.TOWN_NAME }}"
        ),
        sms=_(
            "{{ town.TOWN_NAME }} : {{ sender_name }} vous a écrit au sujet de « {{ listing_title }} ». "
            "Lire et répondre : {{ conversation_url }}"
        ),
        sample={
            "sender_name": "Marie D.",
            "listing_title": "Courses le samedi matin",
            "text": "Bonjour, je peux vous aider samedi.",
            "conversation_url": "https://example.org/entraide/conversations/1/",
        },
    ),
    MessageDefault(
        code="mutualaid_relayed_messages",
        name=_("Entraide : réponses transmises par la mairie"),
        subject=_("Des voisins ont répondu à l'entraide"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "Voici les messages que vous avez reçus sur le tableau d'entraide :\n\n"
            "{{ messages_text }}\n\n"
            "Pour répondre, appelez l'équipe d'entraide à la mairie au {{ town.TOWN_PHONE }} ({{ town.TOWN_HOURS }}) : "
            "nous écrirons votre réponse pour vous. Vos coordonnées ne sont pas transmises, sauf si vous nous "
            "dites que vous êtes d'accord.\n\n"
            "Avant une première rencontre : donnez rendez-vous dans un lieu public ou en journée, prévenez un "
            "proche, et ne donnez jamais d'argent ni vos papiers."
            "\n\nL'équipe d'entraide de la mairie de {{ town.TOWN_NAME }}"
        ),
        sms=_(
            "{{ town.TOWN_NAME }} : vous avez reçu des messages sur le tableau d'entraide. Appelez le {{ town.TOWN_PHONE }}."
        ),
        sample={"messages_text": "« Courses le samedi matin » – Marie D., le 3 mars :\nJe peux vous aider samedi."},
    ),
    MessageDefault(
        code="mutualaid_listings_letter",
        name=_("Entraide : annonces envoyées par courrier"),
        subject=_("Des annonces d'entraide près de chez vous"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "Comme convenu, voici des annonces du tableau d'entraide qui pourraient vous intéresser :\n\n"
            "{{ listings_text }}\n\n"
            "Pour répondre à l'une d'elles, appelez l'équipe d'entraide à la mairie au {{ town.TOWN_PHONE }} "
            "en donnant son numéro : nous transmettrons votre message."
            "\n\nL'équipe d'entraide de la mairie de {{ town.TOWN_NAME }}"
        ),
        sms=_("{{ town.TOWN_NAME }} : des annonces d'entraide vous attendent. Appelez le {{ town.TOWN_PHONE }}."),
        sample={"listings_text": "N° 12 – Je propose – Courses (Les Tilleuls) : Courses le samedi matin"},
    ),
    MessageDefault(
        code="mutualaid_contacts_shared",
        name=_("Entraide : coordonnées échangées"),
        subject=_("Vous pouvez maintenant vous contacter avec {{ other_name }}"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "{{ other_name }} et vous avez accepté d'échanger vos coordonnées (annonce « {{ listing_title }} »).\n\n"
            "{% if conversation_url %}Vous les trouverez sur la page de la conversation : {{ conversation_url }}"
            "{% else %}Appelez la mairie au {{ town.TOWN_PHONE }} : l'équipe d'entraide vous les donnera.{% endif %}"
            "\n\nAvant une première rencontre : donnez rendez-vous dans un lieu public ou en journée, prévenez un "
            "proche, et ne donnez jamais d'argent ni vos papiers."
            "\n\nL'équipe d'entraide de la mairie de {{ town.TOWN_NAME }}"
        ),
        sms=_(
            "{{ town.TOWN_NAME }} : {{ other_name }} et vous avez accepté d'échanger vos coordonnées. "
            "{% if conversation_url %}{{ conversation_url }}{% else %}Appelez le {{ town.TOWN_PHONE }}.{% endif %}"
        ),
        sample={
            "other_name": "Marie D.",
            "listing_title": "Courses le samedi matin",
            "conversation_url": "https://example.org/entraide/conversations/1/",
        },
    ),
    MessageDefault(
        code="mutualaid_message_hidden",
        name=_("Entraide : message masqué"),
        subject=_("Un de vos messages d'entraide a été masqué"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "L'équipe d'entraide a masqué un message que vous avez écrit au sujet de l'annonce "
            "« {{ listing_title }} », pour la raison suivante :\n\n{{ reason }}\n\n"
            "Pour en parler, appelez la mairie au {{ town.TOWN_PHONE }}."
            "\n\nL'équipe d'entraide de la mairie de {{ town.TOWN_NAME }}"
        ),
        sms=_("{{ town.TOWN_NAME }} : un de vos messages d'entraide a été masqué. {{ reason }}"),
        sample={"listing_title": "Courses le samedi matin", "reason": "Ce message contenait des propos blessants."},
    ),
    MessageDefault(
        code="mutualaid_suspended",
        name=_("Entraide : participation suspendue"),
        subject=_("Votre participation au tableau d'entraide est suspendue"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "L'équipe d'entraide a suspendu votre participation au tableau"
            "{% if ends_on %} jusqu'au {{ ends_on }}{% endif %}, pour la raison suivante :\n\n{{ reason }}\n\n"
            "Pendant ce temps, vos annonces ne sont pas visibles et vous ne pouvez pas écrire aux autres "
            "habitants. Pour en parler, appelez la mairie au {{ town.TOWN_PHONE }}."
            "\n\nL'équipe d'entraide de la mairie de {{ town.TOWN_NAME }}"
        ),
        sms=_("{{ town.TOWN_NAME }} : votre participation au tableau d'entraide est suspendue. {{ reason }}"),
        sample={"reason": "Vous avez demandé de l'argent à plusieurs voisins.", "ends_on": "12 mars 2026"},
    ),
    MessageDefault(
        code="mutualaid_thanks_received",
        name=_("Entraide : un voisin vous remercie"),
        subject=_("{{ sender_name }} vous remercie"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "{{ sender_name }} vous a laissé un mot après l'annonce « {{ listing_title }} » :\n\n"
            "« {{ text }} »\n\n"
            "Ce mot est privé. {% if account_url %}Si vous le souhaitez, vous pouvez l'afficher sur vos annonces : "
            "{{ account_url }}{% else %}Si vous souhaitez qu'il soit affiché sur vos annonces, dites-le à l'équipe "
            "d'entraide au {{ town.TOWN_PHONE }}.{% endif %}"
            "\n\nL'équipe d'entraide de la mairie de {{ town.TOWN_NAME }}"
        ),
        sms=_("{{ town.TOWN_NAME }} : {{ sender_name }} vous remercie : « {{ text }} »"),
        sample={
            "sender_name": "Marie D.",
            "listing_title": "Courses le samedi matin",
            "text": "Merci pour votre aide !",
            "account_url": "https://example.org/entraide/mes-annonces/",
        },
    ),
    MessageDefault(
        code="mutualaid_report_handled",
        name=_("Entraide : signalement traité"),
        subject=_("Votre signalement a été examiné"),
        body=_(
            "Bonjour {{ person.display_name }},\n\n"
            "Merci d'avoir signalé l'annonce « {{ listing_title }} ». L'équipe d'entraide l'a examinée"
            "{% if acted %} et a pris les mesures nécessaires{% else %} et n'a pas relevé de problème{% endif %}.\n\n"
            "Si vous vous sentez en danger, appelez le 17 (police) ou le 112."
            "\n\nL'équipe d'entraide de la mairie de {{ town.TOWN_NAME }}"
        ),
        sms=_("{{ town.TOWN_NAME }} : merci pour votre signalement, l'équipe d'entraide l'a examiné."),
        sample={"listing_title": "Courses le samedi matin", "acted": True},
    ),
]
