"""Demo residents: people with and without an account, e-mail or phone."""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from relais.core.models import Channel, ContactChannel, Person

DEMO_PASSWORD = "relais-demo"

RESIDENTS = [
    # A resident with an account and an e-mail address.
    dict(
        first_name="Marie",
        last_name="Dupont",
        birth_year=1984,
        email="marie.dupont@example.org",
        phone="0612345678",
        address="4 rue des Tilleuls",
        postal_code="37500",
        commune="Valbrenne",
        preferred_channel=ContactChannel.EMAIL,
        created_via=Channel.ONLINE,
        account=True,
    ),
    # No e-mail, no phone: everything by letter.
    dict(
        first_name="Jeanne",
        last_name="Martin",
        birth_year=1941,
        address="12 impasse du Moulin",
        postal_code="37500",
        commune="Valbrenne",
        preferred_channel=ContactChannel.LETTER,
        accessibility_needs="Malvoyante : courriers en gros caractères.",
        large_print=True,
        created_via=Channel.COUNTER,
    ),
    # A phone and SMS only.
    dict(
        first_name="Karim",
        last_name="Benali",
        birth_year=1990,
        phone="0698765432",
        preferred_channel=ContactChannel.SMS,
        preferred_language="ar",
        created_via=Channel.PHONE,
    ),
    # Two records of the same man, one from the counter and one from a phone call: to merge.
    dict(
        first_name="Jean",
        last_name="Moreau",
        birth_year=1952,
        phone="0247123456",
        address="3 place du Marché",
        postal_code="37500",
        commune="Valbrenne",
        preferred_channel=ContactChannel.PHONE,
        created_via=Channel.COUNTER,
    ),
    dict(
        first_name="Jean",
        last_name="MOREAU",
        phone="02 47 12 34 56",
        preferred_channel=ContactChannel.PHONE,
        created_via=Channel.PHONE,
    ),
]


def load(stdout):
    User = get_user_model()
    for data in RESIDENTS:
        data = dict(data)
        wants_account = data.pop("account", False)
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
        lookup = {k: data[k] for k in ("first_name", "last_name", "created_via")}
        person = Person.objects.filter(**lookup).first()
        if person is None:
            person = Person(**data, user=user)
            person.full_clean()
            person.save()
    stdout.write(f"  residents: {Person.objects.count()}")
    load_accessibility_statement(stdout)


# The demo's statement is honest about what was checked. No RGAA audit has been made, so by
# the RGAA model the site is "non conforme" and no rate is given. Relais's own checks (issue
# 15's review: axe-core runs over every page and role with Playwright and Chromium, then
# keyboard, 320 px, no JavaScript, zoom and text spacing by hand) found the defects listed
# as non-conformities, each with its RGAA criterion; those fixed since (French marked
# lang="fr", language names, tagged PDF/UA documents) are no longer listed. Only the tools
# actually used are named; the feedback form stays empty (Relais has no contact form yet).
ACCESSIBILITY_STATEMENT = dict(
    entity="Mairie de Valbrenne",
    site_name="Relais – Valbrenne",
    rate=None,
    auditor="",
    non_conformities="\n".join(
        [
            "8.7 – Sur les pages en arabe, certaines dates gardent le mot français « à » "
            "(« le 3 décembre à midi ») sans que le changement de langue soit indiqué.",
            "8.7 – Les annonces d'entraide sont écrites par les habitants dans la langue de leur choix : "
            "leur sens de lecture est déduit du texte, mais leur langue n'est pas indiquée.",
        ]
    ),
    disproportionate_burden="",
    exempt_content="\n".join(
        [
            "Les cartes des signalements de rue : les mêmes informations sont données en liste, sous la carte.",
            "Les documents déposés par les habitants avec leurs demandes.",
        ]
    ),
    improvement_plan="\n".join(
        [
            "Aucun audit de conformité RGAA n'a encore été réalisé. Les défauts ci-dessus ont été trouvés "
            "par les vérifications de l'équipe Relais (tests automatiques et vérifications à la main) ; "
            "ils sont en cours de correction.",
            "Un audit complet, avec des lecteurs d'écran, sera demandé ; la déclaration sera alors mise à jour.",
        ]
    ),
    technologies="HTML\nCSS\nJavaScript (facultatif : chaque page fonctionne sans)",
    test_tools="axe-core (règles WCAG 2.1 A et AA, et bonnes pratiques), lancé avec Playwright\n"
    "Navigation au clavier\nÉcran de 320 pixels de large\nZoom à 200 % et espacement du texte\nPages sans JavaScript",
    test_environment="Chromium (Debian)",
    pages_audited="\n".join(
        [
            "Accueil – /",
            "Recherche d'une démarche – /recherche/",
            "Une fiche pratique – /fiches/carte-identite/",
            "Les lieux d'aide – /lieux/",
            "Faire une demande en ligne – /demandes/",
            "Suivre une demande – /suivi/",
            "Les ateliers – /ateliers/",
            "Déclaration d'accessibilité – /accessibilite/",
            "Connexion – /comptes/login/",
            "Les pages des agents (dossiers, personnes, rendez-vous) pour 8 rôles",
        ]
    ),
    contact_email="accessibilite@valbrenne.fr",
    contact_form_url="",
)


def load_accessibility_statement(stdout):
    import datetime

    from relais.core.models import AccessibilityStatement

    if AccessibilityStatement.objects.filter(pk=1).exists():
        return  # a statement already filled in is never overwritten by the demo
    statement = AccessibilityStatement(pk=1)
    for name, value in ACCESSIBILITY_STATEMENT.items():
        setattr(statement, name, value)
    statement.statement_date = min(datetime.date(2026, 11, 30), datetime.date.today())
    statement.full_clean()
    statement.save()
    stdout.write(f"  accessibility statement: {statement.get_state_display()}")
