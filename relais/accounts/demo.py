"""Demo teams and staff. Every staff login but one has a second factor already enrolled
with a fixed secret, so that `relais demo_totp` can print the current code. The new agent
has none yet, and an invitation code printed in the README (and by `relais demo_totp`)."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP

from relais.accounts import services
from relais.accounts.models import Membership, Role, StaffInvitation, Team, TeamKind, User

DEMO_PASSWORD = "relais-demo"
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # demo only; never used outside `make demo`
DEMO_INVITATION_CODE = "DEMO-AGEN-T2FA"  # demo only, like the secret above

TEAMS = [
    ("accueil", "Accueil de la mairie", TeamKind.RECEPTION, "Accueil physique et téléphonique de l'hôtel de ville."),
    ("etat-civil", "État civil", TeamKind.SERVICE, "Actes, papiers d'identité, élections, cimetière."),
    ("urbanisme", "Urbanisme", TeamKind.SERVICE, "Permis de construire, déclarations de travaux, voirie."),
    ("scolaire", "Affaires scolaires", TeamKind.SERVICE, "Inscriptions scolaires, cantine, périscolaire."),
    ("ccas", "CCAS", TeamKind.SERVICE, "Centre communal d'action sociale."),
    ("mediation", "Médiation numérique", TeamKind.MEDIATION, "Conseillers numériques et volontaires."),
    ("entraide", "Entraide Valbrenne", TeamKind.MUTUAL_AID, "Modération du tableau d'entraide."),
    ("numerique", "Direction du numérique", TeamKind.ADMINISTRATION, "Administration de Relais."),
    ("direction", "Élus et direction générale", TeamKind.ADMINISTRATION, "Lecture des statistiques de la commune."),
]

# email, full name, team slug, role, second factor enrolled
STAFF = [
    ("admin@valbrenne.fr", "Claire Admin", "numerique", Role.ADMINISTRATOR, True),
    ("accueil@valbrenne.fr", "Sophie Accueil", "accueil", Role.RECEPTION, True),
    ("etat-civil@valbrenne.fr", "Paul Étatcivil", "etat-civil", Role.CASE_WORKER, True),
    ("urbanisme@valbrenne.fr", "Lucie Urbanisme", "urbanisme", Role.CASE_WORKER, True),
    ("conseiller@valbrenne.fr", "Yanis Conseiller", "mediation", Role.ADVISOR, True),
    ("moderation@valbrenne.fr", "Nadia Moderation", "entraide", Role.MODERATOR, True),
    ("responsable@valbrenne.fr", "Marc Responsable", "mediation", Role.MANAGER, True),
    ("nouvel.agent@valbrenne.fr", "Nouvel Agent", "accueil", Role.RECEPTION, False),
    ("elu@valbrenne.fr", "Hélène Adjointe", "direction", Role.OFFICIAL, True),
]


def load(stdout):
    teams = {}
    for slug, name, kind, description in TEAMS:
        teams[slug], _ = Team.objects.update_or_create(
            slug=slug, defaults={"name": name, "kind": kind, "description": description}
        )
    for email, full_name, team_slug, role, enrolled in STAFF:
        user, created = User.objects.get_or_create(email=email, defaults={"full_name": full_name})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        Membership.objects.update_or_create(user=user, team=teams[team_slug], defaults={"role": role})
        if enrolled and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)
            RecoveryCodes.activate(user)
        # A fresh invitation on each run once the previous one was used or expired (72 h).
        if (
            not enrolled
            and not services.has_second_factor(user)
            and not any(invitation.is_open() for invitation in StaffInvitation.objects.filter(user=user))
        ):
            services.staff_invitation_issue(user=user, actor=None, code=DEMO_INVITATION_CODE)
    # The administrator also works the counter on Saturdays: a second team, a second role.
    Membership.objects.update_or_create(
        user=User.objects.get(email="admin@valbrenne.fr"), team=teams["accueil"], defaults={"role": Role.MANAGER}
    )
    stdout.write(f"  teams: {Team.objects.count()}, staff: {Membership.objects.values('user').distinct().count()}")
