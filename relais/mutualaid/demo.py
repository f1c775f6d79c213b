"""Demo board of Valbrenne: six neighbourhoods, about thirty listings (some posted by staff for
residents without internet), conversations waiting to be relayed, a report, a closed listing
with a thank-you note.

Rows are written directly, without the services, so that loading the demo queues no
letter, SMS or e-mail. Idempotent: every row is found again by a stable key.
"""

import datetime
import uuid

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import slugify

from relais.accounts.models import Team
from relais.core.models import Channel, ContactChannel, Person
from relais.mutualaid.models import (
    LISTING_DAYS,
    Badge,
    BadgeKind,
    BoardSettings,
    Category,
    Conversation,
    ConversationMessage,
    Kind,
    Listing,
    ListingStatus,
    Neighbourhood,
    Outcome,
    Report,
    ReportReason,
    ThankYou,
)

DEMO_PASSWORD = "relais-demo"
NAMESPACE = uuid.UUID("5b0f3c1e-6a57-4f1e-9d55-2f8f6d6b0a11")
NEIGHBOURHOODS = ["Centre-ville", "Les Tilleuls", "Bellevue", "Le Port", "Saint-Martin", "La Garenne"]

# Residents of the board beyond those of core.demo. "account": they use the site themselves.
PEOPLE = {
    "thomas": dict(
        first_name="Thomas",
        last_name="Garnier",
        birth_year=2001,
        email="thomas.garnier@example.org",
        phone="0611223344",
        preferred_channel=ContactChannel.EMAIL,
        account=True,
    ),
    "amina": dict(
        first_name="Amina",
        last_name="Diallo",
        birth_year=1987,
        email="amina.diallo@example.org",
        preferred_channel=ContactChannel.EMAIL,
        account=True,
    ),
    "helene": dict(
        first_name="Hélène",
        last_name="Rousseau",
        birth_year=1956,
        email="helene.rousseau@example.org",
        phone="0247334455",
        preferred_channel=ContactChannel.EMAIL,
        account=True,
    ),
    "robert": dict(
        first_name="Robert",
        last_name="Lemoine",
        birth_year=1938,
        address="7 rue du Lavoir",
        postal_code="37500",
        commune="Valbrenne",
        preferred_channel=ContactChannel.LETTER,
        created_via=Channel.COUNTER,
    ),
    "yvette": dict(
        first_name="Yvette",
        last_name="Fabre",
        birth_year=1945,
        phone="0247445566",
        preferred_channel=ContactChannel.PHONE,
        created_via=Channel.PHONE,
    ),
    "simone": dict(
        first_name="Simone",
        last_name="Perrin",
        birth_year=1950,
        phone="0247556677",
        preferred_channel=ContactChannel.PHONE,
        created_via=Channel.PHONE,
    ),
}

OFFER, REQUEST = Kind.OFFER, Kind.REQUEST
C = Category
PUB, PEND, CLOSED, EXP = ListingStatus.PUBLISHED, ListingStatus.PENDING, ListingStatus.CLOSED, ListingStatus.EXPIRED
ONLINE, COUNTER, PHONE = Channel.ONLINE, Channel.COUNTER, Channel.PHONE

# key, author, kind, category, neighbourhood, title, text, availability, ongoing, via, status, days ago
LISTINGS = [
    (1, "marie", OFFER, C.SHOPPING, "Les Tilleuls", "Courses le samedi matin",
     "Je fais mes courses au marché et au supermarché du centre le samedi matin. Je peux prendre les vôtres au "
     "passage si vous avez du mal à vous déplacer. Donnez-moi votre liste, je vous les dépose en revenant.",
     "Le samedi matin", False, ONLINE, PUB, 3),
    (2, "jeanne", REQUEST, C.COMPANY, "Centre-ville", "Une visite de temps en temps",
     "J'ai 84 ans et je vis seule depuis le décès de mon mari. J'aimerais qu'une personne du quartier passe prendre "
     "un café avec moi une fois par semaine, pour parler un peu.",
     "L'après-midi, sauf le mercredi", False, COUNTER, PUB, 6),
    (3, "jeanne", REQUEST, C.SHOPPING, "Centre-ville", "Porter mes courses depuis le marché",
     "Je vais au marché le mardi mais les sacs sont trop lourds pour moi. Quelqu'un pourrait-il m'accompagner "
     "au retour et porter le panier jusque chez moi ?",
     "Le mardi vers 10 h", False, PHONE, PUB, 25),
    (4, "thomas", OFFER, C.COMPUTER, "Bellevue", "Aide pour l'ordinateur et le téléphone",
     "Étudiant en informatique, je peux vous aider à installer une application, faire un appel vidéo avec vos "
     "petits-enfants, ranger vos photos ou sauvegarder vos fichiers. Je ne répare pas le matériel.",
     "Le mercredi après-midi et le week-end", True, ONLINE, PUB, 12),
    (5, "amina", OFFER, C.LENDING, "Le Port", "Je prête perceuse, escabeau et tondeuse",
     "Outils en bon état, à venir chercher et à rapporter dans la semaine. Je vous montre comment ils "
     "fonctionnent si besoin.",
     "En soirée et le samedi", True, ONLINE, PUB, 40),
    (6, "karim", REQUEST, C.TRANSPORT, "Saint-Martin", "Aller à l'hôpital de Tours et revenir",
     "J'ai un examen à l'hôpital de Tours un matin de la semaine prochaine et je ne pourrai pas conduire après. "
     "Je cherche quelqu'un pour m'y conduire et me ramener.",
     "Un matin en semaine", False, PHONE, PUB, 4),
    (7, "helene", OFFER, C.GARDEN, "La Garenne", "Coup de main au jardin",
     "Retraitée, j'aime jardiner : taille des haies, désherbage, plantations. Je peux aussi donner des plants de "
     "tomates et de courgettes au printemps.",
     "En semaine, le matin", False, ONLINE, PUB, 9),
    (8, "robert", REQUEST, C.REPAIRS, "Les Tilleuls", "Réparer une petite fuite sous l'évier",
     "Il y a une petite fuite sous l'évier de la cuisine. J'ai acheté le joint mais je ne peux plus me baisser. "
     "Il faudrait une demi-heure à quelqu'un d'un peu bricoleur.",
     "Tous les jours sauf le dimanche", False, COUNTER, PUB, 5),
    (9, "amina", OFFER, C.CHILDCARE, "Bellevue", "Sortie d'école le mardi",
     "Maman de deux enfants à l'école Jules-Ferry, je peux ramener un enfant de plus le mardi à 16 h 30 et le "
     "garder jusqu'au retour de ses parents. On se rencontre d'abord avec les parents.",
     "Le mardi de 16 h 30 à 18 h 30", False, ONLINE, PUB, 8),
    (10, "yvette", REQUEST, C.COMPUTER, "Le Port", "Apprendre à envoyer des photos",
     "Mes enfants m'ont offert une tablette. J'aimerais apprendre à recevoir et envoyer des photos, "
     "doucement, en une ou deux visites.",
     "L'après-midi", False, PHONE, PUB, 10),
    (11, "helene", OFFER, C.ACCOMPANIMENT, "Centre-ville", "Accompagner à un rendez-vous",
     "Je peux accompagner une personne à un rendez-vous (médecin, banque, mairie) pour qu'elle ne soit pas "
     "seule, à pied ou en bus.",
     "En semaine", False, ONLINE, PUB, 15),
    (12, "thomas", OFFER, C.COMPANY, "Saint-Martin", "Promenade et discussion le dimanche",
     "J'aime marcher le long de la Brenne le dimanche. Si vous aimez aussi marcher et discuter, même "
     "lentement, je serais content de vous accompagner.",
     "Le dimanche après-midi", False, ONLINE, PUB, 2),
    (13, "simone", REQUEST, C.HOME_HELP, "La Garenne", "Changer une ampoule au plafond",
     "L'ampoule du couloir est grillée et je ne monte plus sur un escabeau. Il me faudrait quelqu'un pour "
     "la changer, j'ai l'ampoule.",
     "Le matin", False, PHONE, PUB, 1),
    (14, "marie", OFFER, C.TRANSPORT, "Les Tilleuls", "Trajet vers le centre commercial le jeudi",
     "Je vais au centre commercial de la route de Tours chaque jeudi en fin d'après-midi. Il reste trois places "
     "dans ma voiture pour l'aller et le retour.",
     "Le jeudi vers 17 h", False, ONLINE, PUB, 26),
    (15, "karim", REQUEST, C.LENDING, "Saint-Martin", "Emprunter un diable",
     "Je dois descendre une machine à laver de mon appartement samedi. Quelqu'un aurait-il un diable à me "
     "prêter pour la journée ?",
     "Samedi prochain", False, PHONE, PUB, 7),
    (16, "thomas", OFFER, C.REPAIRS, "Bellevue", "Petites réparations de vélo",
     "Crevaison, freins, chaîne, réglages : je répare les vélos des voisins avec mes outils. Vous apportez "
     "les pièces s'il en faut.",
     "Le samedi", True, ONLINE, PUB, 30),
    (17, "robert", REQUEST, C.GARDEN, "Les Tilleuls", "Tondre une petite pelouse",
     "Ma pelouse est petite mais je n'ai plus la force de passer la tondeuse. Une fois par mois au printemps "
     "et en été.",
     "Le samedi ou le dimanche", False, COUNTER, PUB, 11),
    (18, "helene", OFFER, C.SHOPPING, "La Garenne", "Pharmacie et boulangerie pour un voisin",
     "Je passe à la pharmacie et à la boulangerie chaque matin. Je peux prendre du pain ou une ordonnance "
     "pour un voisin de la Garenne.",
     "Tous les matins", False, ONLINE, PUB, 13),
    (19, "amina", REQUEST, C.CHILDCARE, "Bellevue", "Garde ponctuelle d'un enfant de 8 ans",
     "J'ai un rendez-vous médical un mercredi après-midi. Je cherche une personne de confiance pour garder "
     "mon fils de 8 ans pendant deux heures. Nous nous rencontrerons avant.",
     "Un mercredi de 14 h à 16 h", False, ONLINE, PEND, 0),
    (20, "helene", OFFER, C.OTHER, "Centre-ville", "Lecture à voix haute",
     "Ancienne institutrice, je peux lire le journal ou un livre à une personne qui voit mal, chez elle ou "
     "à la médiathèque.",
     "Le lundi et le jeudi après-midi", True, ONLINE, PUB, 20),
    (21, "yvette", REQUEST, C.COMPANY, "Le Port", "Partenaire pour jouer aux cartes",
     "J'aime la belote et le rami. Je cherche une ou deux personnes pour jouer l'après-midi, chez moi ou au "
     "club des anciens.",
     "Le vendredi après-midi", False, PHONE, PUB, 14),
    (22, "thomas", OFFER, C.COMPUTER, "Saint-Martin", "Installer une imprimante",
     "Votre imprimante ne marche pas avec votre ordinateur ? Je peux l'installer et vous montrer comment "
     "imprimer ou scanner un document.",
     "Le mercredi après-midi", False, ONLINE, PUB, 6),
    (23, "marie", OFFER, C.HOME_HELP, "Les Tilleuls", "Monter un meuble",
     "J'ai l'habitude de monter les meubles en kit. Je peux venir avec ma visseuse pour vous aider.",
     "Le dimanche matin", False, ONLINE, PUB, 17),
    (24, "simone", REQUEST, C.ACCOMPANIMENT, "La Garenne", "M'accompagner à la médiathèque",
     "Je voudrais m'inscrire à la médiathèque et emprunter des livres en gros caractères, mais je ne connais "
     "pas le chemin en bus. Quelqu'un pourrait-il venir avec moi la première fois ?",
     "Un après-midi de semaine", False, PHONE, PUB, 3),
    (25, "amina", OFFER, C.LENDING, "Le Port", "Livres pour enfants à prêter",
     "Une cinquantaine d'albums et de romans pour les 3 à 12 ans. Empruntez-en quelques-uns, rendez-les "
     "quand vous voulez.",
     "En soirée", True, ONLINE, PUB, 45),
    (26, "robert", REQUEST, C.TRANSPORT, "Les Tilleuls", "Aller au marché le samedi",
     "Je ne conduis plus. J'aimerais aller au marché du centre-ville le samedi matin avec quelqu'un qui y va "
     "en voiture.",
     "Le samedi matin", False, COUNTER, PEND, 0),
    (27, "karim", REQUEST, C.REPAIRS, "Saint-Martin", "Fixer des étagères",
     "J'ai trois étagères à fixer au mur du salon. J'ai les chevilles et les vis, il me manque une perceuse et "
     "un peu d'aide.",
     "En fin de journée", False, PHONE, PEND, 1),
    (28, "helene", OFFER, C.GARDEN, "Les Tilleuls", "Graines et boutures à partager",
     "Je garde les graines de mon potager (haricots, tomates anciennes, fleurs) et je fais des boutures. "
     "Servez-vous pour votre balcon ou votre jardin.",
     "Toute l'année", True, ONLINE, PUB, 60),
    (29, "marie", REQUEST, C.OTHER, "Les Tilleuls", "Ranger une cave avant l'hiver",
     "Ma cave est encombrée de cartons. Je cherche une ou deux personnes pour m'aider à tout remonter un "
     "samedi. Café et gâteau offerts !",
     "Un samedi", False, ONLINE, PUB, 9),
    (30, "thomas", OFFER, C.OTHER, "Bellevue", "Vends salon de jardin",
     "Salon de jardin complet, table et quatre chaises, très bon état. Prix à débattre, livraison possible "
     "dans le quartier.",
     "", False, ONLINE, PUB, 2),
    (31, "robert", REQUEST, C.OTHER, "Les Tilleuls", "Porter un colis à la poste",
     "J'ai un colis lourd à envoyer à ma petite-fille. Il faudrait quelqu'un pour le porter jusqu'à la poste.",
     "Cette semaine", False, COUNTER, CLOSED, 20),
    (32, "marie", REQUEST, C.HOME_HELP, "Les Tilleuls", "Déplacer un canapé",
     "Je voudrais déplacer mon canapé du salon à la chambre. Il faut être deux.",
     "Le week-end", False, ONLINE, CLOSED, 35),
    (33, "yvette", OFFER, C.OTHER, "Le Port", "Apprendre à tricoter",
     "Je tricote depuis soixante ans. Je peux apprendre les bases à qui veut, avec mes aiguilles et ma laine.",
     "Le mardi après-midi", False, PHONE, EXP, 40),
]  # fmt: skip

CONVERSATIONS = [
    # key, listing key, responder, messages: (sender: "author" | "responder", text, by staff, relayed)
    (1, 2, "marie", [
        ("responder", "Bonjour Jeanne, j'habite aux Tilleuls, pas loin du centre. Je serais ravie de venir prendre "
                      "un café le jeudi après-midi. Qu'en pensez-vous ?", False, False),
    ]),
    (2, 6, "thomas", [
        ("responder", "Bonjour, je peux vous conduire et vous ramener, j'ai ma matinée libre mardi et jeudi. "
                      "À quelle heure est le rendez-vous ?", False, True),
        ("author", "Merci beaucoup ! C'est jeudi à 9 h 30, je serai prêt à 8 h 45 devant l'église Saint-Martin.",
         True, False),
    ]),
    (3, 4, "amina", [
        ("responder", "Bonjour Thomas, ma mère voudrait faire des appels vidéo avec ses petits-enfants au Sénégal. "
                      "Pourriez-vous lui montrer, un mercredi ?", False, False),
        ("author", "Avec plaisir ! Mercredi prochain à 15 h, cela vous irait ?", False, False),
    ]),
    (4, 31, "thomas", [
        ("responder", "Bonjour, je passe devant la poste demain matin, je peux prendre votre colis.", False, True),
        ("author", "C'est parfait, merci. Je vous attends à 10 h devant la mairie, avec le colis.", True, False),
    ]),
    (5, 10, "helene", [
        ("responder", "Bonjour Yvette, j'ai appris à mes petits-enfants à se servir d'une tablette, je peux vous "
                      "montrer. Un jeudi après-midi ?", False, False),
    ]),
]  # fmt: skip


def _key(kind: str, n: int) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"demo-{kind}-{n}")


def _people(stdout) -> dict:
    User = get_user_model()
    people = {
        "marie": Person.objects.filter(email="marie.dupont@example.org").first(),
        "jeanne": Person.objects.filter(first_name="Jeanne", last_name="Martin").first(),
        "karim": Person.objects.filter(first_name="Karim", last_name="Benali").first(),
    }
    for key, data in PEOPLE.items():
        data = dict(data)
        wants_account = data.pop("account", False)
        person = Person.objects.filter(first_name=data["first_name"], last_name=data["last_name"]).first()
        user = None
        if wants_account:
            user, created = User.objects.get_or_create(
                email=data["email"], defaults={"full_name": f"{data['first_name']} {data['last_name']}"}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            EmailAddress.objects.update_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )
        if person is None:
            person = Person(**data, user=user)
            person.full_clean()
            person.save()
        people[key] = person
    return people


def load(stdout):
    User = get_user_model()
    team = Team.objects.filter(slug="entraide").first()
    if team is None:
        return
    moderator = User.objects.get(email="moderation@valbrenne.fr")
    counter = User.objects.get(email="accueil@valbrenne.fr")
    BoardSettings.objects.get_or_create(team=team)
    places = {}
    for position, name in enumerate(NEIGHBOURHOODS):
        places[name], _ = Neighbourhood.objects.get_or_create(
            slug=slugify(name),
            defaults={"name": name, "team": team, "position": position},
        )
    people = _people(stdout)
    if any(p is None for p in people.values()):
        return  # core demo residents missing: nothing to attach listings to

    now = timezone.now()
    listings = {}
    for key, author, kind, category, place, title, text, availability, ongoing, via, status, days in LISTINGS:
        listing = Listing.objects.filter(submission_key=_key("listing", key)).first()
        if listing is None:
            created_at = now - datetime.timedelta(days=days, hours=2)
            listing = Listing(
                team=team,
                kind=kind,
                category=category,
                neighbourhood=places[place],
                title=title,
                text=text,
                availability=availability,
                ongoing=ongoing,
                posted_by=people[author],
                posted_via=via,
                recorded_by=None if via == ONLINE else (counter if via == COUNTER else moderator),
                consent_at=created_at,
                submission_key=_key("listing", key),
                status=ListingStatus.PENDING,
            )
            listing.full_clean()  # the demo texts obey the rules too (no contact details)
            if status != PEND:
                listing.publish(now=created_at + datetime.timedelta(hours=1), reviewed_by=moderator)
            if status == CLOSED:
                listing.close(now=now - datetime.timedelta(days=1), outcome=Outcome.WORKED)
                if key == 32:
                    listing.outcome = Outcome.DID_NOT_WORK
            elif status == EXP:
                listing.expires_at = now - datetime.timedelta(days=10)
                listing.status = ListingStatus.EXPIRED
            listing.save()
            Listing.objects.filter(pk=listing.pk).update(created_at=created_at)
        listings[key] = listing

    for key, listing_key, responder, lines in CONVERSATIONS:
        listing = listings[listing_key]
        conversation, _ = Conversation.objects.get_or_create(listing=listing, responder=people[responder])
        author = listing.posted_by
        when = listing.published_at + datetime.timedelta(hours=5)
        for n, (side, text, by_staff, relayed) in enumerate(lines):
            sender = author if side == "author" else people[responder]
            recipient = people[responder] if side == "author" else author
            ConversationMessage.objects.get_or_create(
                submission_key=_key(f"message-{key}", n),
                defaults={
                    "conversation": conversation,
                    "sender": sender,
                    "recipient": recipient,
                    "body": text,
                    "created_at": when + datetime.timedelta(hours=3 * n),
                    "entered_by": moderator if by_staff else None,
                    "needs_relay": recipient.user_id is None,
                    "relayed_at": when + datetime.timedelta(hours=3 * n + 1) if relayed else None,
                    "relayed_by": moderator if relayed else None,
                    "relayed_how": "phone" if relayed else "",
                },
            )
        last = when + datetime.timedelta(hours=3 * (len(lines) - 1))
        Conversation.objects.filter(pk=conversation.pk).update(
            last_message_at=last,
            responder_safety_at=when,
            author_safety_at=when if len(lines) > 1 else None,
            **{f"{lines[-1][0]}_read_at": last},
        )
    amina_thomas = Conversation.objects.get(listing=listings[4], responder=people["amina"])
    if amina_thomas.responder_shares_at is None:
        Conversation.objects.filter(pk=amina_thomas.pk).update(responder_shares_at=now)

    closed = Conversation.objects.get(listing=listings[31], responder=people["thomas"])
    ThankYou.objects.get_or_create(
        conversation=closed,
        sender=people["robert"],
        defaults={
            "recipient": people["thomas"],
            "text": "Merci Thomas, vous m'avez rendu un grand service, et avec le sourire.",
            "shown": True,
        },
    )
    for key in ("jeanne", "robert", "helene"):
        if not Badge.objects.filter(person=people[key], kind=BadgeKind.MET, revoked_at__isnull=True).exists():
            Badge.objects.create(person=people[key], kind=BadgeKind.MET, given_by=moderator)
    Report.objects.get_or_create(
        submission_key=_key("report", 1),
        defaults={
            "team": team,
            "listing": listings[30],
            "reporter": people["marie"],
            "reason": ReportReason.COMMERCIAL,
            "details": "C'est une vente, pas de l'entraide.",
        },
    )
    stdout.write(
        f"  mutual aid: {Listing.objects.count()} listings, {Conversation.objects.count()} conversations"
        f" (listings last {LISTING_DAYS} days)"
    )
