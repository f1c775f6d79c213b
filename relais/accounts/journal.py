"""What the journal records about staff accounts, teams and roles (see core.journal)."""

from django.utils.translation import gettext_lazy as _

from relais.core.journal import AuditAction


class Action(AuditAction):
    USER_CREATED = "accounts.user.created", _("Compte d'agent créé")
    USER_ACTIVATED = "accounts.user.activated", _("Compte d'agent réactivé")
    USER_DEACTIVATED = "accounts.user.deactivated", _("Compte d'agent désactivé")
    INVITATION_ISSUED = "accounts.invitation.issued", _("Invitation envoyée à un agent")
    INVITATION_USED = "accounts.invitation.used", _("Invitation utilisée")
    INVITATION_FAILED = "accounts.invitation.failed", _("Invitation refusée (lien faux ou expiré)")
    SECOND_FACTOR_ENROLLED = "accounts.second_factor.enrolled", _("Double authentification activée")
    MEMBERSHIP_ADDED = "accounts.membership.added", _("Rôle donné dans une équipe")
    MEMBERSHIP_CHANGED = "accounts.membership.changed", _("Rôle changé dans une équipe")
    MEMBERSHIP_REMOVED = "accounts.membership.removed", _("Rôle retiré dans une équipe")
    TEAM_CREATED = "accounts.team.created", _("Équipe créée")
    TEAM_UPDATED = "accounts.team.updated", _("Équipe modifiée")
    # FranceConnect and ProConnect (relais/accounts/oidc.py)
    IDENTITY_LOGIN = "accounts.identity.login", _("Connexion par FranceConnect ou ProConnect")
    IDENTITY_LINKED = "accounts.identity.linked", _("Identité FranceConnect ou ProConnect reliée à un compte")
    IDENTITY_ACCOUNT_CREATED = "accounts.identity.account_created", _("Compte créé par FranceConnect")
    IDENTITY_HELD = (
        "accounts.identity.held",
        _("Connexion FranceConnect retenue : les noms diffèrent de ceux du compte"),
    )
    IDENTITY_REFUSED = "accounts.identity.refused", _("Connexion par FranceConnect ou ProConnect refusée")
    IDENTITY_CONFIRMED = "accounts.identity.confirmed", _("Identité FranceConnect confirmée par un agent")
    IDENTITY_REJECTED = "accounts.identity.rejected", _("Rapprochement d'identité refusé par un agent")


RENAMED = {
    "user.created": Action.USER_CREATED,
    "user.activated": Action.USER_ACTIVATED,
    "user.deactivated": Action.USER_DEACTIVATED,
    "account.invitation_issued": Action.INVITATION_ISSUED,
    "account.invitation_used": Action.INVITATION_USED,
    "account.invitation_failed": Action.INVITATION_FAILED,
    "account.mfa_enrolled": Action.SECOND_FACTOR_ENROLLED,
    "membership.added": Action.MEMBERSHIP_ADDED,
    "membership.changed": Action.MEMBERSHIP_CHANGED,
    "membership.removed": Action.MEMBERSHIP_REMOVED,
    "team.created": Action.TEAM_CREATED,
    "team.updated": Action.TEAM_UPDATED,
}
