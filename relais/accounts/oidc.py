"""FranceConnect (residents) and ProConnect (staff): who an identity is, in Relais.

allauth runs the OpenID Connect exchange (settings: SOCIALACCOUNT_PROVIDERS, one app per
provider configured in the environment); `identity_arrived` decides, from the identity the
provider asserted, which account it opens. It is called by SocialAccountAdapter
(relais/accounts/adapter.py) before allauth logs anyone in:

- FranceConnect, identity already linked: that account.
- FranceConnect, e-mail of an existing account: linked when the names agree (accents, case
  and hyphens aside; the birth name or the usage name); otherwise nothing is merged, the
  login is held and an `IdentityLinkRequest` waits for a reception agent, who has seen an
  identity document, to confirm (`identity_link_confirm`).
- FranceConnect, unknown e-mail: a new resident account (allauth's signup); a Person with
  the same e-mail and names and no account becomes its Person (`account_created`).
- ProConnect: only an existing staff login (team member or admin), matched by e-mail, never
  created. It still asks for the staff second factor, unless the provider asserted an `acr`
  (or `amr`) listed in PROCONNECT_ACCEPTED_ACR: then the session counts as having passed
  it (`SecondFactorStage`, and the "mfa" authentication record the middleware reads).

Every link, refusal and login by a provider is in the journal.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass, field

from allauth.account.internal.flows.login import get_authentication_records, record_authentication
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.stages import AuthenticateStage
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from relais.accounts.journal import Action
from relais.accounts.models import IdentityLinkRequest, IdentityLinkStatus, User
from relais.accounts.permissions import has_role
from relais.core.audit import audit_log
from relais.core.journal import Action as CoreAction
from relais.core.models import Channel, Person

FRANCECONNECT = "franceconnect"
PROCONNECT = "proconnect"
PROVIDER_NAMES = {FRANCECONNECT: "FranceConnect", PROCONNECT: "ProConnect"}
# Kept in the redirect state; the ID token must carry it back.
NONCE_STATE_KEY = "relais_nonce"
# Set on the social login when ProConnect asserted a factor the town accepts.
STRONG_STATE_KEY = "relais_idp_second_factor"


# --- the identity asserted ------------------------------------------------------------------


def normalise_name(value: str) -> str:
    """A name as compared: no accents, no case, hyphens and apostrophes as spaces."""
    text = unicodedata.normalize("NFKD", value or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return re.sub(r"[\s\-\u2010\u2011'\u2019.]+", " ", text).strip()


@dataclass
class Identity:
    provider: str
    uid: str
    email: str = ""
    email_verified: bool = False
    given_name: str = ""
    family_name: str = ""  # FranceConnect: birth name; ProConnect: usual_name
    usage_name: str = ""  # FranceConnect's preferred_username (nom d'usage)
    birthdate: str = ""
    nonce: str = ""
    acr: str = ""
    amr: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, sociallogin) -> Identity:
        extra = sociallogin.account.extra_data or {}
        token = extra.get("id_token") or {}
        claims = {**token, **(extra.get("userinfo") or {})}
        email = (claims.get("email") or "").strip().lower()
        verified = claims.get("email_verified")
        if verified is None:  # not said: the provider's setting (allauth's "verified_email")
            verified = any(a.verified for a in sociallogin.email_addresses if a.email.lower() == email)
        amr = token.get("amr") or []
        return cls(
            provider=sociallogin.account.provider,
            uid=str(sociallogin.account.uid),
            email=email,
            email_verified=bool(verified),
            given_name=(claims.get("given_name") or "").strip(),
            family_name=(claims.get("family_name") or claims.get("usual_name") or "").strip(),
            usage_name=(claims.get("preferred_username") or "").strip(),
            birthdate=(claims.get("birthdate") or "")[:10],
            nonce=token.get("nonce") or "",
            acr=str(token.get("acr") or ""),
            amr=[str(a) for a in amr] if isinstance(amr, list) else [str(amr)],
        )

    @property
    def full_name(self) -> str:
        return " ".join(n for n in (self.given_name, self.usage_name or self.family_name) if n)

    def strong_factor(self) -> str:
        """The acr or amr value the town accepts in place of its second factor, or ""."""
        accepted = set(settings.PROCONNECT_ACCEPTED_ACR)
        if self.acr in accepted:
            return self.acr
        return next((a for a in self.amr if a in accepted), "")

    def names_match(self, first_name: str, last_name: str) -> bool:
        """Same person by name: the family name (birth or usage name), and the first name
        as the given names start (FranceConnect gives them all: "Marie Anne" is Marie)."""
        first, last = normalise_name(first_name), normalise_name(last_name)
        families = {normalise_name(self.family_name), normalise_name(self.usage_name)} - {""}
        given = normalise_name(self.given_name)
        if not first or not last or not given or last not in families:
            return False
        return given == first or given.startswith(first + " ")

    def matches_account(self, user: User) -> bool:
        """Names of the account's Person, or else of the account itself."""
        person = Person.objects.active().filter(user=user).first()
        if person is not None and (person.first_name or person.last_name):
            return self.names_match(person.first_name, person.last_name)
        full = normalise_name(user.full_name)
        for family in {normalise_name(self.family_name), normalise_name(self.usage_name)} - {""}:
            if full.endswith(" " + family) and self.names_match(full[: -len(family) - 1], family):
                return True
        return False


# --- what a login by a provider opens -------------------------------------------------------


def is_staff_account(user) -> bool:
    return bool(user.is_active and (user.is_staff or user.is_superuser or has_role(user)))


def _journal(action, *, request, user=None, identity: Identity, **details):
    person = Person.objects.active().filter(user=user).first() if user is not None else None
    audit_log(
        actor=user,
        action=action,
        obj=user,
        person=person,
        request=request,
        details={"provider": identity.provider, **details},
    )


def _stop(request, template: str, context: dict, status: int):
    context = {"provider_name": PROVIDER_NAMES.get(context.get("provider", ""), ""), **context}
    raise ImmediateHttpResponse(render(request, template, context, status=status))


def _refuse(request, identity: Identity, reason: str, message: str, *, user=None, **details):
    _journal(Action.IDENTITY_REFUSED, request=request, user=user, identity=identity, reason=reason, **details)
    _stop(
        request,
        "accounts/oidc_refused.html",
        {"provider": identity.provider, "message": message, "town": settings.RELAIS},
        status=403,
    )


def _accounts_with_email(email: str) -> list[User]:
    from allauth.account.utils import filter_users_by_email

    return [u for u in filter_users_by_email(email, prefer_verified=True) if not u.is_application]


def _address_verified(user: User, email: str) -> None:
    """The provider vouched for the address: it needs no confirmation link (allauth's
    mandatory verification would otherwise stop the login)."""
    from allauth.account.models import EmailAddress

    updated = EmailAddress.objects.filter(user=user, email__iexact=email).update(verified=True)
    if not updated and user.email.lower() == email.lower():
        EmailAddress.objects.create(
            user=user, email=user.email, verified=True, primary=not EmailAddress.objects.filter(user=user).exists()
        )


def identity_arrived(*, request: HttpRequest, sociallogin) -> None:
    """Decide what a provider's identity opens; raises ImmediateHttpResponse to stop the login."""
    identity = Identity.of(sociallogin)
    expected_nonce = sociallogin.state.get(NONCE_STATE_KEY)
    if not expected_nonce or not secrets.compare_digest(identity.nonce, expected_nonce):
        _refuse(
            request,
            identity,
            "nonce",
            _("La connexion n'a pas pu être vérifiée. Recommencez depuis la page de connexion."),
        )
    if identity.provider == PROCONNECT:
        _proconnect(request, sociallogin, identity)
    elif identity.provider == FRANCECONNECT:
        _franceconnect(request, sociallogin, identity)
    else:
        _refuse(request, identity, "provider", _("Ce service d'identification n'est pas accepté ici."))


def _proconnect(request, sociallogin, identity: Identity) -> None:
    user = sociallogin.user if sociallogin.is_existing else None
    if user is None and identity.email and identity.email_verified:
        user = next(iter(_accounts_with_email(identity.email)), None)
    if user is None or not is_staff_account(user):
        _refuse(
            request,
            identity,
            "no_staff_account",
            _(
                "Aucun compte d'agent de la mairie ne correspond à l'adresse transmise par ProConnect. "
                "ProConnect ouvre seulement un compte d'agent existant : demandez à l'administrateur de "
                "Relais de créer le vôtre avec cette adresse."
            ),
            user=user,
            email=identity.email,
        )
    strong = identity.strong_factor()
    if strong:
        sociallogin.state[STRONG_STATE_KEY] = strong
    if not sociallogin.is_existing:
        with transaction.atomic():
            sociallogin.connect(request, user)
            _address_verified(user, identity.email)
            _journal(Action.IDENTITY_LINKED, request=request, user=user, identity=identity)
    _journal(
        Action.IDENTITY_LOGIN,
        request=request,
        user=user,
        identity=identity,
        acr=identity.acr,
        second_factor="provider" if strong else "relais",
    )


def _franceconnect(request, sociallogin, identity: Identity) -> None:
    if sociallogin.is_existing:
        if identity.email and identity.email_verified:
            _address_verified(sociallogin.user, identity.email)
        _journal(Action.IDENTITY_LOGIN, request=request, user=sociallogin.user, identity=identity, acr=identity.acr)
        return
    if not identity.email or not identity.email_verified:
        _refuse(
            request,
            identity,
            "no_email",
            _(
                "FranceConnect n'a pas transmis d'adresse électronique vérifiée. Connectez-vous avec votre "
                "adresse, ou venez à l'accueil de la mairie."
            ),
        )
    accounts = _accounts_with_email(identity.email)
    if not accounts:
        return  # a new resident: allauth's signup, then SocialAccountAdapter.save_user
    user = accounts[0]
    if len(accounts) == 1 and user.is_active and identity.matches_account(user):
        with transaction.atomic():
            sociallogin.connect(request, user)
            _address_verified(user, identity.email)
            _journal(Action.IDENTITY_LINKED, request=request, user=user, identity=identity)
            _journal(Action.IDENTITY_LOGIN, request=request, user=user, identity=identity, acr=identity.acr)
        return
    link = identity_link_hold(identity=identity, user=user)
    _journal(Action.IDENTITY_HELD, request=request, user=user, identity=identity, link_request=link.pk)
    _stop(request, "accounts/oidc_held.html", {"provider": identity.provider, "town": settings.RELAIS}, status=403)


def identity_link_hold(*, identity: Identity, user: User) -> IdentityLinkRequest:
    """The pending request for this identity (one per identity, refreshed at each try)."""
    values = {
        "user": user,
        "email": identity.email,
        "given_name": identity.given_name[:150],
        "family_name": identity.family_name[:150],
        "usage_name": identity.usage_name[:150],
        "birthdate": identity.birthdate,
    }
    pending = IdentityLinkRequest.objects.filter(
        provider=identity.provider, uid=identity.uid, status=IdentityLinkStatus.PENDING
    )
    try:
        with transaction.atomic():
            link, _created = pending.update_or_create(provider=identity.provider, uid=identity.uid, defaults=values)
    except IntegrityError:  # the same identity, twice at once
        link = pending.get()
    return link


def account_created(*, request: HttpRequest, sociallogin) -> None:
    """A new account from FranceConnect: its Person is the one with the same e-mail and names
    and no account (if exactly one), else a new one with the names the State certified."""
    identity = Identity.of(sociallogin)
    user = sociallogin.user
    candidates = [
        p
        for p in Person.objects.active().filter(user__isnull=True, email__iexact=identity.email)
        if identity.names_match(p.first_name, p.last_name)
    ]
    if len(candidates) == 1:
        person = candidates[0]
        person.user = user
        person.save(update_fields=["user", "updated_at"])
        _journal(Action.IDENTITY_LINKED, request=request, user=user, identity=identity, person=person.pk)
    else:
        person = Person(
            email=identity.email,
            user=user,
            first_name=identity.given_name[:100],
            last_name=(identity.usage_name or identity.family_name)[:100],
            birth_year=int(identity.birthdate[:4]) if identity.birthdate[:4].isdigit() else None,
            created_via=Channel.ONLINE,
            preferred_channel="email",
        )
        person.full_clean()
        person.save()
        audit_log(actor=user, action=CoreAction.PERSON_CREATED, obj=person, details={"channel": Channel.ONLINE})
    _journal(Action.IDENTITY_ACCOUNT_CREATED, request=request, user=user, identity=identity)


# --- the second factor ----------------------------------------------------------------------


class SecondFactorStage(AuthenticateStage):
    """allauth.mfa's login stage, passed when ProConnect asserted a factor the town accepts."""

    def handle(self) -> tuple:
        sociallogin = (self.login.signal_kwargs or {}).get("sociallogin")
        strong = sociallogin.state.get(STRONG_STATE_KEY) if sociallogin is not None else ""
        if strong and self.login.user is not None:
            record_authentication(
                self.request, self.login.user, "mfa", type="provider", provider=PROCONNECT, acr=strong
            )
            return None, True
        return super().handle()


def session_used_provider_factor(request) -> bool:
    """This session's login came with a factor asserted by ProConnect that the town accepts."""
    return any(
        r.get("method") == "mfa" and r.get("type") == "provider"
        for r in get_authentication_records(request, request.user)
    )


# --- staff confirmation ---------------------------------------------------------------------


@transaction.atomic
def identity_link_confirm(*, link_request: IdentityLinkRequest, actor, request=None) -> IdentityLinkRequest:
    """A reception agent saw an identity document: the FranceConnect identity opens the account."""
    from allauth.socialaccount.models import SocialAccount

    link = IdentityLinkRequest.objects.select_for_update().get(pk=link_request.pk)
    if link.status != IdentityLinkStatus.PENDING:
        return link  # already decided (the form sent twice)
    account = SocialAccount.objects.filter(provider=link.provider, uid=link.uid).first()
    if account is not None and account.user_id != link.user_id:
        raise ValidationError(_("Cette identité est déjà reliée à un autre compte."))
    if account is None:
        SocialAccount.objects.create(user=link.user, provider=link.provider, uid=link.uid, extra_data={})
    link.status = IdentityLinkStatus.CONFIRMED
    link.decided_at = timezone.now()
    link.decided_by = actor
    link.save(update_fields=["status", "decided_at", "decided_by"])
    person = Person.objects.active().filter(user=link.user).first()
    audit_log(
        actor=actor,
        action=Action.IDENTITY_CONFIRMED,
        obj=link.user,
        person=person,
        request=request,
        details={"provider": link.provider, "link_request": link.pk},
    )
    return link


@transaction.atomic
def identity_link_refuse(*, link_request: IdentityLinkRequest, actor, request=None) -> IdentityLinkRequest:
    """Not the same person: nothing is linked; the identity may log in again and be asked again."""
    link = IdentityLinkRequest.objects.select_for_update().get(pk=link_request.pk)
    if link.status != IdentityLinkStatus.PENDING:
        return link
    link.status = IdentityLinkStatus.REFUSED
    link.decided_at = timezone.now()
    link.decided_by = actor
    link.save(update_fields=["status", "decided_at", "decided_by"])
    person = Person.objects.active().filter(user=link.user).first()
    audit_log(
        actor=actor,
        action=Action.IDENTITY_REJECTED,
        obj=link.user,
        person=person,
        request=request,
        details={"provider": link.provider, "link_request": link.pk},
    )
    return link


def providers_configured() -> list[str]:
    """Provider ids configured in the environment (FranceConnect, ProConnect)."""
    apps = settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", [])
    return [app["provider_id"] for app in apps]
