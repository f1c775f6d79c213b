"""Demo request forms of Valbrenne, and a few requests from every channel."""

import datetime
import uuid

from django.db import transaction
from django.utils import timezone

from relais.accounts.models import Team, User
from relais.cases import street_services
from relais.cases.models import Case, Form, FormField, MeToo, StreetReport
from relais.cases.services import (
    case_assign,
    case_change_status,
    case_submit,
    correction_answer,
    correction_request,
)
from relais.core.content_language import keyed_choices, lines_of
from relais.core.models import Channel, Person
from relais.directory.models import Place, Procedure

F = FormField  # short alias for the definitions below

FORMS = [
    {
        "slug": "attestation-accueil",
        "title": "Demander une attestation d'accueil",
        "team": "etat-civil",
        "procedure": "attestation-accueil",
        "mandate_scope": "etranger",
        "expected_days": 30,
        "intro": "Vous voulez recevoir chez vous une personne étrangère pour moins de 3 mois.\n"
        "La mairie vérifie que vous pouvez l'accueillir, puis vous remet l'attestation à signer.",
        "required_documents": "Votre pièce d'identité\nUn justificatif de domicile de moins de 3 mois\n"
        "Le passeport de la personne accueillie (copie)",
        "fields": [
            ("nom_invite", "Nom et prénom de la personne que vous accueillez", "text", True, "", ""),
            ("nationalite", "Sa nationalité", "text", True, "", ""),
            ("date_arrivee", "Date d'arrivée prévue", "date", True, "", ""),
            ("duree_jours", "Durée du séjour (en jours)", "number", True, "90 jours au plus.", ""),
            ("lien", "Quel est votre lien avec cette personne ?", "choice", True, "", "Famille\nAmi\nAutre"),
            ("passeport", "Copie du passeport de la personne", "file", True, "PDF ou photo lisible.", ""),
        ],
    },
    {
        "slug": "inscription-scolaire",
        "title": "Inscrire un enfant à l'école",
        "team": "scolaire",
        "procedure": "inscription-scolaire",
        "mandate_scope": "famille",
        "expected_days": 10,
        "intro": "Pour une première inscription en maternelle ou en élémentaire, ou après un déménagement.",
        "required_documents": "Le livret de famille ou un acte de naissance de l'enfant\n"
        "Un justificatif de domicile\nLe carnet de santé (vaccins)",
        "fields": [
            ("enfant", "Nom et prénom de l'enfant", "text", True, "", ""),
            ("naissance", "Date de naissance de l'enfant", "date", True, "", ""),
            (
                "niveau",
                "Classe à la rentrée",
                "choice",
                True,
                "",
                "Petite section\nMoyenne section\nGrande section\nCP\nCE1\nCE2\nCM1\nCM2",
            ),
            ("cantine", "L'enfant mangera-t-il à la cantine ?", "yes_no", True, "", ""),
            (
                "periscolaire",
                "Accueil avant ou après l'école",
                "multi_choice",
                False,
                "",
                "Le matin\nLe soir\nLe mercredi",
            ),
            ("justificatif", "Justificatif de domicile", "file", False, "Vous pouvez aussi l'apporter à l'école.", ""),
        ],
    },
    {
        "slug": "signalement-voirie",
        "title": "Signaler un problème sur la voie publique",
        "team": "urbanisme",
        "procedure": None,
        "mandate_scope": "logement",
        "expected_days": 7,
        "asks_location": True,
        "public_reports": True,
        "intro": "Un nid-de-poule, un lampadaire éteint, un dépôt sauvage, un panneau tombé : dites-le-nous.",
        "required_documents": "",
        "fields": [
            (
                "type",
                "De quoi s'agit-il ?",
                "choice",
                True,
                "",
                "Trou dans la chaussée\nÉclairage\nDéchets\nPanneau ou mobilier\nAutre",
            ),
            ("description", "Décrivez le problème", "long_text", True, "", ""),
            ("photo", "Une photo", "file", False, "Si vous pouvez, elle nous aide.", ""),
        ],
    },
    {
        "slug": "rendez-vous-ccas",
        "title": "Demander un rendez-vous au CCAS",
        "team": "ccas",
        "procedure": "aide-alimentaire",
        "mandate_scope": "social",
        "expected_days": 5,
        "intro": "Le Centre communal d'action sociale vous reçoit pour une aide, un conseil ou une démarche.",
        "required_documents": "",
        # Translated by the town (core.content_language): the form and its questions.
        "translations": {
            "en": {
                "title": "Ask for an appointment at the CCAS",
                "intro": "The town's social welfare centre (CCAS) sees you for help, advice or a procedure.",
            },
            "ar": {
                "title": "طلب موعد في المركز البلدي للعمل الاجتماعي",
                "intro": "يستقبلك المركز البلدي للعمل الاجتماعي (CCAS) من أجل مساعدة أو نصيحة أو إجراء إداري.",
            },
        },
        "field_translations": {
            "motif": {
                "en": {
                    "label": "Why do you want an appointment?",
                    "choices": "Food aid\nBills hard to pay\nHousing\nHelp for an elderly person\nOther",
                },
                "ar": {
                    "label": "لماذا تريد موعدًا؟",
                    "choices": "مساعدة غذائية\nفواتير يصعب دفعها\nالسكن\nمساعدة لشخص مسنّ\nشيء آخر",
                },
            },
            "precisions": {"en": {"label": "Tell us in a few words"}, "ar": {"label": "أخبرنا ببضع كلمات"}},
            "moments": {
                "en": {
                    "label": "When are you available?",
                    "choices": "In the morning\nIn the afternoon\nOn Saturday morning",
                },
                "ar": {"label": "متى تكون متاحًا؟", "choices": "في الصباح\nبعد الظهر\nيوم السبت صباحًا"},
            },
        },
        "fields": [
            (
                "motif",
                "Pourquoi voulez-vous un rendez-vous ?",
                "choice",
                True,
                "",
                "Aide alimentaire\nFactures difficiles à payer\nLogement\nAide pour une personne âgée\nAutre",
            ),
            ("precisions", "Dites-nous en quelques mots", "long_text", False, "", ""),
            (
                "moments",
                "Quand êtes-vous disponible ?",
                "multi_choice",
                True,
                "",
                "Le matin\nL'après-midi\nLe samedi matin",
            ),
        ],
    },
    {
        "slug": "listes-electorales",
        "title": "S'inscrire sur les listes électorales",
        "team": "etat-civil",
        "procedure": "listes-electorales",
        "mandate_scope": "papiers",
        "expected_days": 15,
        "intro": "Pour voter à Valbrenne, il faut être inscrit sur la liste électorale de la commune.",
        "required_documents": "Votre pièce d'identité\nUn justificatif de domicile de moins de 3 mois",
        "fields": [
            ("naissance", "Votre date de naissance", "date", True, "", ""),
            ("lieu_naissance", "Votre commune de naissance", "text", True, "", ""),
            ("nationalite", "Vous êtes", "choice", True, "", "Français\nCitoyen d'un autre pays de l'Union européenne"),
            ("piece", "Votre pièce d'identité", "file", True, "PDF ou photo recto verso.", ""),
            ("domicile", "Votre justificatif de domicile", "file", True, "", ""),
        ],
    },
    {
        "slug": "occupation-domaine-public",
        "title": "Demander une autorisation d'occuper la voie publique",
        "team": "urbanisme",
        "procedure": None,
        "mandate_scope": "logement",
        "expected_days": 21,
        "requires_account": True,
        "intro": "Pour un échafaudage, une benne, un déménagement ou une terrasse sur le trottoir ou la rue.",
        "required_documents": "Un plan ou une photo de l'emplacement",
        "fields": [
            ("objet", "Pour quoi faire ?", "choice", True, "", "Déménagement\nBenne\nÉchafaudage\nTerrasse\nAutre"),
            ("adresse", "Adresse", "address", True, "", ""),
            ("debut", "Premier jour", "date", True, "", ""),
            ("fin", "Dernier jour", "date", True, "", ""),
            ("surface", "Surface occupée (m²)", "number", False, "", ""),
            ("telephone", "Un numéro pour vous joindre ce jour-là", "phone", True, "", ""),
        ],
    },
]


def load(stdout):
    teams = {t.slug: t for t in Team.objects.all()}
    for spec in FORMS:
        procedure = Procedure.objects.filter(slug=spec["procedure"]).first() if spec["procedure"] else None
        form, created = Form.objects.get_or_create(
            slug=spec["slug"],
            defaults={
                "title": spec["title"],
                "team": teams[spec["team"]],
                "intro": spec["intro"],
                "required_documents": spec["required_documents"],
                "expected_days": spec["expected_days"],
                "mandate_scope": spec["mandate_scope"],
                "asks_location": spec.get("asks_location", False),
                "public_reports": spec.get("public_reports", False),
                "requires_account": spec.get("requires_account", False),
                "procedure": procedure,
                "published": True,
                "translations": spec.get("translations", {}),
            },
        )
        if created:
            for position, (key, label, kind, required, help_text, choices) in enumerate(spec["fields"]):
                F.objects.create(
                    form=form,
                    key=key,
                    label=label,
                    kind=kind,
                    required=required,
                    help_text=help_text,
                    choices=choices,
                    position=position,
                    translations=_keyed(choices, spec.get("field_translations", {}).get(key, {})),
                )
    if not Case.objects.exists():
        _demo_cases()
    if not StreetReport.objects.exists():
        _demo_street()
    stdout.write(f"  request forms: {Form.objects.count()}, requests: {Case.objects.count()}")


def _keyed(choices: str, translations: dict) -> dict:
    """The demo's choice translations (one per line, in the French order) keyed by French choice."""
    french = lines_of(choices)
    return {
        lang: {**texts, "choices": keyed_choices(french, texts["choices"])} if "choices" in texts else texts
        for lang, texts in translations.items()
    }


@transaction.atomic
def _demo_cases():
    agent = User.objects.get(email="accueil@valbrenne.fr")
    worker = User.objects.get(email="etat-civil@valbrenne.fr")
    town_hall = Place.objects.filter(slug="hotel-de-ville").first()
    marie = Person.objects.get(email="marie.dupont@example.org")
    jeanne = Person.objects.get(first_name="Jeanne", last_name="Martin")
    karim = Person.objects.filter(first_name="Karim").first()
    forms = {f.slug: f for f in Form.objects.all()}
    # Jeanne phoned the town hall: no e-mail, everything by letter. She brings her papers to the counter.
    case_submit(
        form=forms["listes-electorales"],
        person=jeanne,
        channel=Channel.PHONE,
        recorded_by=agent,
        place=town_hall,
        submission_key=uuid.uuid5(uuid.NAMESPACE_URL, "demo-jeanne"),
        answers={"naissance": "1941-04-02", "lieu_naissance": "Tours", "nationalite": "Français"},
    )
    school = case_submit(
        form=forms["inscription-scolaire"],
        person=marie,
        channel=Channel.ONLINE,
        submission_key=uuid.uuid5(uuid.NAMESPACE_URL, "demo-marie-ecole"),
        answers={
            "enfant": "Léo Dupont",
            "naissance": "2021-06-14",
            "niveau": "Moyenne section",
            "cantine": "oui",
            "periscolaire": ["Le soir"],
        },
    )
    case_submit(
        form=forms["rendez-vous-ccas"],
        person=jeanne,
        channel=Channel.PHONE,
        recorded_by=agent,
        place=town_hall,
        submission_key=uuid.uuid5(uuid.NAMESPACE_URL, "demo-jeanne-ccas"),
        answers={
            "motif": "Aide pour une personne âgée",
            "precisions": "Aide pour le ménage et les courses.",
            "moments": ["Le matin"],
        },
    )
    street = case_submit(
        form=forms["signalement-voirie"],
        person=karim or marie,
        channel=Channel.COUNTER,
        recorded_by=agent,
        place=town_hall,
        submission_key=uuid.uuid5(uuid.NAMESPACE_URL, "demo-voirie"),
        answers={"type": "Éclairage", "description": "Le lampadaire devant l'école est éteint depuis une semaine."},
        location={"location_text": "Rue Jules-Ferry, devant l'école", "latitude": 47.2533, "longitude": 0.6861},
    )
    case_change_status(case=street, status="in_progress", actor=User.objects.get(email="urbanisme@valbrenne.fr"))
    case_assign(case=school, assignee=None, actor=agent)
    # A few older requests of État civil, one late, one waiting for the resident.
    for index, (status, days_ago) in enumerate([("in_progress", 40), ("waiting_for_resident", 12), ("accepted", 60)]):
        case = case_submit(
            form=forms["attestation-accueil"],
            person=marie,
            channel=Channel.COUNTER,
            recorded_by=agent,
            place=town_hall,
            submission_key=uuid.uuid5(uuid.NAMESPACE_URL, f"demo-accueil-{index}"),
            answers={
                "nom_invite": "Amina Diallo",
                "nationalite": "Sénégalaise",
                "date_arrivee": "2026-12-20",
                "duree_jours": "21",
                "lien": "Famille",
            },
            uploads={"passeport": _demo_pdf()},
        )
        submitted = timezone.now() - datetime.timedelta(days=days_ago)
        Case.objects.filter(pk=case.pk).update(
            submitted_at=submitted, due_date=(submitted + datetime.timedelta(days=30)).date()
        )
        case_assign(case=case, assignee=worker, actor=worker)
        message = (
            "Il manque la copie du passeport de votre invitée : pouvez-vous l'envoyer ?"
            if status == "waiting_for_resident"
            else ""
        )
        case_change_status(case=case, status=status, actor=worker, message=message)
        if status == "in_progress":
            # One answer to correct, corrected by Marie: "correction reçue" in the queue.
            correction = correction_request(
                case=case,
                field_key="date_arrivee",
                reason="Cette date est déjà passée : indiquez la nouvelle date d'arrivée.",
                actor=worker,
            )
            correction_answer(correction=correction, value="2027-01-10")
        if status == "waiting_for_resident":
            # …and one still to do: her follow-up page opens just that question.
            correction_request(
                case=case,
                field_key="passeport",
                reason="La copie du passeport est illisible : envoyez une photo plus nette.",
                actor=worker,
            )


def _demo_pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return SimpleUploadedFile("passeport-invitee.pdf", body, content_type="application/pdf")


# Valbrenne's streets, for the street reports' demo: (latitude, longitude) around the school.
# West, south, east, north: the 900 × 600 plan below, in Web Mercator (3:2 at this latitude).
PLAN_BOUNDS = (0.6790, 47.2501, 0.6930, 47.2565)
STREET_REPORTS = [
    # (answer, description, where the resident said, published words or None, lat, lon, status, days ago)
    ("Trou dans la chaussée", "Un gros trou devant chez moi au 20, mon fils a failli tomber à vélo.",
     "20 avenue de la République", ("Trou dans la chaussée", "Avenue de la République, près de la boulangerie",
     "Un trou profond sur la voie de droite, dangereux pour les vélos."), 47.2551, 0.6858, "submitted", 2),
    ("Déchets", "Des sacs et un vieux matelas à l'entrée du parc.", "Parc des Tilleuls, entrée nord",
     ("Dépôt sauvage", "Parc des Tilleuls, entrée nord", "Sacs et matelas déposés à l'entrée du parc."),
     47.2512, 0.6828, "accepted", 9),
    ("Éclairage", "Le lampadaire devant l'école ne marche toujours pas, c'est tout noir le soir.",
     "rue Jules Ferry devant l'école", None, 47.25335, 0.68618, "submitted", 1),
    ("Panneau ou mobilier", "Le panneau stop est tombé, je l'ai mis contre le mur.", "Angle rue des Lilas",
     None, 47.2555, 0.6901, "submitted", 0),
]  # fmt: skip


def town_plan_svg() -> bytes:
    """A plan of Valbrenne's centre drawn for the demo (the town would upload its own)."""
    streets = [
        ("M0 300 L900 290", "Rue Jules-Ferry", 40, 280),
        ("M430 0 L445 600", "Avenue de la République", 455, 60),
        ("M520 120 L900 60", "Rue des Lilas", 640, 80),
        ("M0 470 L900 520", "Rue du Moulin", 600, 486),
    ]
    paths = "".join(
        f'<path d="{d}" stroke="#ffffff" stroke-width="22" fill="none"/>'
        f'<path d="{d}" stroke="#c8ccd2" stroke-width="2" fill="none"/>'
        f'<text x="{x}" y="{y}" font-family="sans-serif" font-size="18" fill="#3c3c3c">{name}</text>'
        for d, name, x, y in streets
    )
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 900 600" width="900" height="600">'
        '<rect width="900" height="600" fill="#f1efe9"/>'
        '<rect x="120" y="400" width="220" height="170" rx="12" fill="#cfe6c4"/>'
        '<text x="150" y="440" font-family="sans-serif" font-size="18" fill="#2f5d27">Parc des Tilleuls</text>'
        '<rect x="470" y="310" width="120" height="70" fill="#e4d6c1"/>'
        '<text x="478" y="350" font-family="sans-serif" font-size="16" fill="#5a4322">École Jules-Ferry</text>'
        '<path d="M0 160 C200 120 300 200 420 170" stroke="#9cc3e6" stroke-width="14" fill="none"/>'
        '<text x="60" y="130" font-family="sans-serif" font-size="16" fill="#285a85">La Brenne</text>'
        f"{paths}</svg>"
    )
    return svg.encode()


@transaction.atomic
def _demo_street():
    agent = User.objects.get(email="accueil@valbrenne.fr")
    worker = User.objects.get(email="urbanisme@valbrenne.fr")
    form = Form.objects.get(slug="signalement-voirie")
    if not form.public_reports:
        Form.objects.filter(pk=form.pk).update(public_reports=True)
        form.refresh_from_db()
    street_services.town_plan_set(data=town_plan_svg(), content_type="image/svg+xml", bounds=PLAN_BOUNDS)
    # The lamp reported at the counter (_demo_cases), published in the team's words.
    lamp = Case.objects.filter(form=form).order_by("pk").first()
    if lamp is not None:
        report = street_services.report_publish(
            case=lamp,
            title="Lampadaire éteint",
            description="Le lampadaire devant l'école ne s'allume plus. Le service de l'éclairage est prévenu.",
            location_text="Rue Jules-Ferry, devant l'école",
            actor=worker,
        )
        MeToo.objects.bulk_create([MeToo(report=report, digest=f"demo-{i}") for i in range(3)])
    people = list(Person.objects.filter(first_name__in=["Jeanne", "Karim", "Jean"]).order_by("pk"))
    for index, (answer, text, where, public, lat, lon, status, days) in enumerate(STREET_REPORTS):
        case = case_submit(
            form=form,
            person=people[index % len(people)],
            channel=Channel.PHONE,
            recorded_by=agent,
            submission_key=uuid.uuid5(uuid.NAMESPACE_URL, f"demo-voirie-{index}"),
            answers={"type": answer, "description": text},
            location={"location_text": where, "latitude": lat, "longitude": lon},
        )
        Case.objects.filter(pk=case.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=days))
        if status != "submitted":
            case_change_status(case=case, status="in_progress", actor=worker)
            case_change_status(case=case, status=status, actor=worker)
        if public:
            title, public_place, description = public
            street_services.report_publish(
                case=case, title=title, description=description, location_text=public_place, actor=worker
            )
