"""Mandates: a resident's recorded, revocable consent that a helping team acts for them.

Creating one records the text shown; it becomes active only when consent is proven — the
printed form signed by the resident (recorded by the agent), or a code sent to the
resident and given back. The resident is told by their channel each time, and can see
and revoke it. Every use of a mandate is written to the audit journal.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from relais.accounts.permissions import HELPER_ROLES, team_ids
from relais.core import ratelimit
from relais.core.audit import audit_log
from relais.core.http import OutOfReach
from relais.core.idempotency import create_once
from relais.core.models import ContactChannel, refuse_erased
from relais.core.vocabularies import MANDATE_SCOPES
from relais.mandates.journal import Action
from relais.mandates.models import CODE_MAX_ATTEMPTS, ConsentMethod, Duration, Mandate, MandateScope
from relais.notifications import channels
from relais.notifications.services import notify

CONSENT_TEXT_VERSION = "2026-11"
CODE_VALIDITY = datetime.timedelta(minutes=30)
# Codes sent to one phone number or e-mail address in an hour, all mandates together: an
# agent cannot flood a resident (or the SMS bill) by preparing mandate after mandate.
CODES_PER_DESTINATION_HOUR = 3
EXPIRY_NOTICE = datetime.timedelta(days=7)


class MandateRequired(Exception):
    """Acting for this person needs an active mandate that covers the request."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _scope_labels(codes) -> str:
    labels = dict(MANDATE_SCOPES)
    return ", ".join(str(labels.get(code, code)) for code in codes)


def _date(value) -> str:
    return formats.date_format(timezone.localtime(value), "j F Y")


def consent_text(*, person, team, scopes, duration) -> str:
    return render_to_string(
        "mandates/consent.txt",
        {
            "person": person,
            "team": team,
            "scopes": _scope_labels(scopes),
            "duration": Duration(duration).label,
            "town": settings.RELAIS,
        },
    ).strip()


def _hash(mandate: Mandate, code: str) -> str:
    key = f"{settings.SECRET_KEY}:mandate:{mandate.pk}".encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def _context(mandate: Mandate) -> dict:
    return {
        "team": mandate.team.name,
        "scopes": _scope_labels(mandate.active_scopes()),
        "expires": _date(mandate.expires_at) if mandate.expires_at else "",
        "link": settings.SITE_URL + mandate.get_resident_url(),
    }


def code_channel(person) -> str | None:
    """E-mail or SMS that can carry a consent code right now, or None."""
    for preferred in (person.preferred_channel, ContactChannel.SMS, ContactChannel.EMAIL):
        channel, where = channels.choose(person, preferred)
        if channel in (ContactChannel.SMS, ContactChannel.EMAIL) and where:
            return channel
    return None


def mandate_create(
    *,
    person,
    team,
    scopes: list[str],
    duration: str,
    consent_method: str,
    actor,
    submission_key=None,
    request: HttpRequest | None = None,
) -> Mandate:
    """A mandate waiting for the resident's consent (and the code sent, for that method).

    The form sent twice (same `submission_key`) prepares one mandate and sends one code."""
    if team.pk not in team_ids(actor, *HELPER_ROLES):
        raise OutOfReach("Only advisors and managers of a team create its mandates.")
    refuse_erased(person)
    if not scopes:
        raise ValidationError({"scopes": _("Choisissez au moins un domaine.")})
    channel = code_channel(person) if consent_method == ConsentMethod.CODE else None
    if consent_method == ConsentMethod.CODE and channel is None:
        raise ValidationError(
            {
                "consent_method": _(
                    "Cette personne n'a ni téléphone portable ni adresse électronique pour recevoir un code : "
                    "imprimez le formulaire et faites-le signer."
                )
            }
        )

    def create() -> Mandate:
        mandate = Mandate(
            person=person,
            team=team,
            duration=duration,
            consent_method=consent_method,
            consent_text=consent_text(person=person, team=team, scopes=scopes, duration=duration),
            consent_text_version=CONSENT_TEXT_VERSION,
            created_by=actor,
            submission_key=submission_key,
        )
        mandate.full_clean()
        mandate.save()
        MandateScope.objects.bulk_create([MandateScope(mandate=mandate, scope=s) for s in dict.fromkeys(scopes)])
        audit_log(
            actor=actor,
            action=Action.MANDATE_CREATED,
            obj=mandate,
            person=person,
            request=request,
            details={"team": team.slug, "scopes": scopes, "duration": duration, "method": consent_method},
        )
        if consent_method == ConsentMethod.CODE:
            mandate_send_code(mandate=mandate, actor=actor, request=request)
        return mandate

    mandate, _created = create_once(Mandate, submission_key, create)
    return mandate


def _code_locked_message() -> str:
    return _(
        "%(n)s codes faux ont été donnés pour ce mandat : l'accord par code est bloqué. "
        "Imprimez le formulaire papier et faites-le signer par la personne."
    ) % {"n": CODE_MAX_ATTEMPTS}


@transaction.atomic
def mandate_send_code(*, mandate: Mandate, actor, request: HttpRequest | None = None) -> None:
    """Send (again) a fresh 6-digit code to the resident by SMS or e-mail.

    Wrong tries are not forgotten by a new code (they count across every code of the
    mandate), new codes are limited per mandate, and codes per phone or e-mail per hour.
    """
    mandate = Mandate.objects.select_for_update(of=("self",)).select_related("person").get(pk=mandate.pk)
    if mandate.state != "pending" or mandate.consent_method != ConsentMethod.CODE:
        raise ValidationError({"code": _("Ce mandat n'attend pas de code.")})
    if mandate.code_locked:
        raise ValidationError({"code": _code_locked_message()})
    if mandate.code_sends and not mandate.code_resends_left:
        raise ValidationError(
            {
                "code": _(
                    "%(n)s codes ont déjà été envoyés pour ce mandat : on ne peut plus en envoyer. "
                    "Si la personne ne les reçoit pas, imprimez le formulaire papier et faites-le signer."
                )
                % {"n": mandate.code_sends}
            }
        )
    channel = code_channel(mandate.person)
    if channel is None:
        raise ValidationError(
            {
                "code": _(
                    "Cette personne n'a plus ni téléphone portable ni adresse électronique pour recevoir un code : "
                    "imprimez le formulaire et faites-le signer."
                )
            }
        )
    destination = channels.destination(mandate.person, channel)
    if not ratelimit.hit(
        "mandates:code", f"{channel}:{destination.lower()}", limit=CODES_PER_DESTINATION_HOUR, window=3600
    ):
        raise ValidationError(
            {
                "code": _(
                    "Plusieurs codes sont déjà partis vers ce téléphone ou cette adresse dans l'heure. "
                    "Attendez un peu avant d'en demander un autre, ou faites signer le formulaire papier."
                )
            }
        )
    code = f"{secrets.randbelow(1_000_000):06d}"
    mandate.code_hash = _hash(mandate, code)
    mandate.code_expires_at = timezone.now() + CODE_VALIDITY
    mandate.code_sends += 1
    mandate.save(update_fields=["code_hash", "code_expires_at", "code_sends"])
    notify(
        person=mandate.person,
        template="mandate_code",
        context={**_context(mandate), "code": code},
        related=mandate,
        actor=actor,
        channel=channel,
        sensitive=True,  # the helper must not be able to read the code
    )
    audit_log(
        actor=actor,
        action=Action.MANDATE_CODE_SENT,
        obj=mandate,
        person=mandate.person,
        request=request,
        details={"channel": channel, "sends": mandate.code_sends},
    )


def _activate(mandate: Mandate, actor, request, how: str) -> Mandate:
    now = timezone.now()
    mandate.activated_at, mandate.activated_by = now, actor
    mandate.expires_at = mandate.expiry_for(now)
    mandate.code_hash = ""
    mandate.save(update_fields=["activated_at", "activated_by", "expires_at", "code_hash"])
    audit_log(
        actor=actor,
        action=Action.MANDATE_ACTIVATED,
        obj=mandate,
        person=mandate.person,
        request=request,
        details={"how": how},
    )
    notify(
        person=mandate.person,
        template="mandate_created",
        context=_context(mandate),
        related=mandate,
        actor=actor,
        dedupe_key=f"mandate-{mandate.pk}-created",
    )
    return mandate


def mandate_confirm_code(*, mandate: Mandate, code: str, actor, request: HttpRequest | None = None) -> Mandate:
    """The resident gave the code back: consent is proven. Wrong tries are counted across
    every code sent (CODE_MAX_ATTEMPTS in all); then only the paper form activates it."""
    with transaction.atomic():
        mandate = Mandate.objects.select_for_update().get(pk=mandate.pk)
        if mandate.state != "pending" or mandate.consent_method != ConsentMethod.CODE:
            raise ValidationError({"code": _("Ce mandat n'attend pas de code.")})
        if mandate.code_locked:
            raise ValidationError({"code": _code_locked_message()})
        if not mandate.code_expires_at or mandate.code_expires_at < timezone.now():
            if not mandate.code_resends_left:
                raise ValidationError(
                    {
                        "code": _(
                            "Ce code n'est plus valable et on ne peut plus en envoyer : "
                            "imprimez le formulaire papier et faites-le signer."
                        )
                    }
                )
            raise ValidationError({"code": _("Ce code n'est plus valable : envoyez un nouveau code.")})
        if hmac.compare_digest(mandate.code_hash, _hash(mandate, code.strip().replace(" ", ""))):
            return _activate(mandate, actor, request, "code")
        # The wrong try is committed before the error is raised, so it counts.
        mandate.code_attempts += 1
        mandate.save(update_fields=["code_attempts"])
        left = CODE_MAX_ATTEMPTS - mandate.code_attempts
        if not left:
            mandate.code_hash = ""
            mandate.save(update_fields=["code_hash"])
            audit_log(
                actor=actor,
                action=Action.MANDATE_CODE_LOCKED,
                obj=mandate,
                person=mandate.person,
                request=request,
                details={"attempts": mandate.code_attempts},
            )
    if not left:
        raise ValidationError({"code": _code_locked_message()})
    raise ValidationError({"code": _("Ce code ne correspond pas. Il reste %(n)s essai(s).") % {"n": left}})


@transaction.atomic
def mandate_record_paper(*, mandate: Mandate, actor, scan=None, request: HttpRequest | None = None) -> Mandate:
    """The agent has the printed form, signed by the resident (optionally scanned)."""
    mandate = Mandate.objects.select_for_update().get(pk=mandate.pk)
    if mandate.state != "pending":
        raise ValidationError(_("Ce mandat n'attend plus de consentement."))
    if scan is not None:
        mandate.paper_scan.save(f"mandat-{mandate.pk}.{scan.name.rsplit('.', 1)[-1].lower()}", scan, save=False)
        mandate.save(update_fields=["paper_scan"])
    if mandate.consent_method != ConsentMethod.PAPER:
        # Codes did not reach the person (or were locked): the paper form is how they agreed.
        mandate.consent_method = ConsentMethod.PAPER
        mandate.save(update_fields=["consent_method"])
    return _activate(mandate, actor, request, "paper")


@transaction.atomic
def mandate_revoke(
    *, mandate: Mandate, actor, via: str, reason: str = "", scope: str | None = None, request: HttpRequest | None = None
) -> Mandate:
    """End the mandate (or one of its scopes), at the resident's request or the helper's."""
    mandate = Mandate.objects.select_for_update().get(pk=mandate.pk)
    if mandate.state in ("revoked", "expired"):
        return mandate
    now = timezone.now()
    actor = actor if actor is not None and actor.is_authenticated else None
    if scope:
        MandateScope.objects.filter(mandate=mandate, scope=scope, revoked_at__isnull=True).update(revoked_at=now)
        remaining = mandate.active_scopes()
        audit_log(
            actor=actor,
            action=Action.MANDATE_SCOPE_REVOKED,
            obj=mandate,
            person=mandate.person,
            request=request,
            details={"scope": scope, "via": via},
        )
        if remaining:
            notify(
                person=mandate.person,
                template="generic",
                context={
                    "subject": _("Votre mandat à %(team)s est modifié") % {"team": mandate.team.name},
                    "text": _("Le domaine « %(scope)s » est retiré de votre mandat. Il reste : %(rest)s.")
                    % {"scope": _scope_labels([scope]), "rest": _scope_labels(remaining)},
                },
                related=mandate,
                actor=actor,
            )
            return mandate
    mandate.revoked_at, mandate.revoked_by, mandate.revoked_via = now, actor, via
    mandate.revoke_reason = reason[:300]
    mandate.save(update_fields=["revoked_at", "revoked_by", "revoked_via", "revoke_reason"])
    mandate.scopes.filter(revoked_at__isnull=True).update(revoked_at=now)
    audit_log(
        actor=actor,
        action=Action.MANDATE_REVOKED,
        obj=mandate,
        person=mandate.person,
        request=request,
        details={"via": via, "reason": reason[:100]},
    )
    if mandate.activated_at:
        notify(
            person=mandate.person, template="mandate_revoked", context=_context(mandate), related=mandate, actor=actor
        )
    return mandate


def mandate_for(*, person, user, scope: str) -> Mandate | None:
    """An active mandate of one of the user's helping teams covering `scope` for `person`."""
    return (
        Mandate.objects.active()
        .filter(
            person=person,
            team_id__in=team_ids(user, *HELPER_ROLES),
            scopes__scope=scope,
            scopes__revoked_at__isnull=True,
        )
        .order_by("-expires_at")
        .first()
    )


def mandate_refusal(*, person, user, scope: str) -> str | None:
    """Why `user` may not act for `person` on `scope` (None when an active mandate allows it)."""
    if mandate_for(person=person, user=user, scope=scope) is not None:
        return None
    pending = Mandate.objects.pending().filter(person=person, team_id__in=team_ids(user, *HELPER_ROLES)).exists()
    if pending:
        return _(
            "Le mandat de cette personne attend encore son accord (code ou formulaire signé). "
            "Vous ne pouvez pas agir pour elle avant."
        )
    return _(
        "Vous ne pouvez pas agir pour cette personne : votre équipe n'a pas de mandat en cours "
        "qui couvre le domaine « %(scope)s ». Créez un mandat avec son accord, ou faites la démarche "
        "avec elle, en sa présence."
    ) % {"scope": _scope_labels([scope])}


def mandate_require(*, person, user, scope: str, action: str, obj=None, request: HttpRequest | None = None) -> Mandate:
    """The mandate allowing `user` to act for `person` on `scope`; logs the use, or explains the refusal."""
    mandate = mandate_for(person=person, user=user, scope=scope)
    if mandate is None:
        raise MandateRequired(mandate_refusal(person=person, user=user, scope=scope))
    mandate_use(mandate=mandate, actor=user, action=action, obj=obj, request=request)
    return mandate


def mandate_use(*, mandate: Mandate, actor, action: str, obj=None, request: HttpRequest | None = None) -> None:
    audit_log(
        actor=actor,
        action=Action.MANDATE_USED,
        obj=mandate,
        person=mandate.person,
        request=request,
        details={"for": action, **({"object": f"{obj._meta.label_lower}:{obj.pk}"} if obj is not None else {})},
    )


def mandates_remind(*, dry_run: bool = False, now=None) -> int:
    """Tell residents whose mandate (of a month or more) ends within a week. Idempotent."""
    now = now or timezone.now()
    due = (
        Mandate.objects.active(now)
        .filter(expires_at__lte=now + EXPIRY_NOTICE, reminder_sent_at__isnull=True)
        .exclude(duration=Duration.DAY)
    )
    count = 0
    for mandate in due.select_related("person", "team"):
        count += 1
        if dry_run:
            continue
        with transaction.atomic():
            notify(
                person=mandate.person,
                template="mandate_expiring",
                context=_context(mandate),
                related=mandate,
                dedupe_key=f"mandate-{mandate.pk}-expiring",
            )
            Mandate.objects.filter(pk=mandate.pk).update(reminder_sent_at=now)
    return count
