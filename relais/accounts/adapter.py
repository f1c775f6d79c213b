import time
from urllib.parse import quote

from allauth.account import app_settings as allauth_account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from relais.accounts.permissions import has_role
from relais.core import ratelimit

# Failed logins on one account from one address block (a library's or the town hall's
# shared connection counts as one). The limits per account from anywhere and per address
# block are allauth's, in ACCOUNT_RATE_LIMITS["login_failed"].
LOGIN_FAILURES_SCOPE = "accounts:login_failed"
LOGIN_FAILURES_PER_ADDRESS_AND_ACCOUNT = 5
LOGIN_FAILURES_WINDOW = 5 * 60


def is_staff_login(user) -> bool:
    """Logins that must use a second factor: team members and Django-admin users."""
    return bool(user.is_authenticated and (user.is_staff or user.is_superuser or has_role(user)))


# Set in the session once its user has entered a valid invitation code (see
# services.staff_invitation_redeem): only then may a staff login enrol its first factor.
INVITATION_SESSION_KEY = "relais_invitation_redeemed_by"


def invitation_redeemed(request) -> bool:
    """This session's user entered their invitation code in this session."""
    return request.session.get(INVITATION_SESSION_KEY) == str(request.user.pk)


def _login_of(credentials: dict) -> str:
    return (credentials.get("email") or credentials.get("username") or "").strip().lower()


class AccountAdapter(DefaultAccountAdapter):
    def get_from_email(self):
        return settings.DEFAULT_FROM_EMAIL

    def validation_error(self, code, *args) -> ValidationError:
        if code == "too_many_login_attempts":
            return ValidationError(
                _("Trop d'essais pour ce compte. Réessayez dans quelques minutes, ou appelez la mairie au %(phone)s.")
                % {"phone": settings.RELAIS["TOWN_PHONE"]},
                code=code,
            )
        return super().validation_error(code, *args)

    # Failed logins are counted three ways. allauth counts per account from every address
    # and per address block (ACCOUNT_RATE_LIMITS["login_failed"]); this adapter adds a
    # tighter count per account *and* address block, so that typos on one account never
    # lock out the other people behind the same shared connection.

    def _login_attempts_who(self, request, credentials) -> str:
        return f"{ratelimit.visitor(request)} {_login_of(credentials)}"

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """allauth's per-account key, without the Host the request named (each host name
        that ALLOWED_HOSTS accepts would otherwise get its own count)."""
        return "login:" + _login_of(credentials)

    def pre_authenticate(self, request, **credentials) -> None:
        who = self._login_attempts_who(request, credentials)
        if ratelimit.count(LOGIN_FAILURES_SCOPE, who) >= LOGIN_FAILURES_PER_ADDRESS_AND_ACCOUNT:
            raise self.validation_error("too_many_login_attempts")
        super().pre_authenticate(request, **credentials)

    def authentication_failed(self, request, **credentials) -> None:
        ratelimit.hit(
            LOGIN_FAILURES_SCOPE,
            self._login_attempts_who(request, credentials),
            limit=LOGIN_FAILURES_PER_ADDRESS_AND_ACCOUNT,
            window=LOGIN_FAILURES_WINDOW,
        )
        super().authentication_failed(request, **credentials)

    def pre_login(self, request, user, **kwargs):
        # A partner application's technical account acts only through its API keys.
        if getattr(user, "is_application", False):
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            return self.respond_user_inactive(request, user)
        return super().pre_login(request, user, **kwargs)

    def get_login_stages(self) -> list[str]:
        """allauth's stages, with a second-factor stage that a strong ProConnect login passes."""
        stages = super().get_login_stages()
        return [
            "relais.accounts.oidc.SecondFactorStage" if path == "allauth.mfa.stages.AuthenticateStage" else path
            for path in stages
        ]

    def send_mail(self, template_prefix: str, email, context: dict) -> None:
        """Account e-mails (codes, password links) go through the outbox like every message."""
        from allauth.core import context as allauth_context
        from django.contrib.sites.shortcuts import get_current_site

        from relais.accounts.mail import send_account_email

        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        rendered = self.render_mail(template_prefix, email, ctx)
        html = next((content for content, mime in getattr(rendered, "alternatives", []) if mime == "text/html"), "")
        for to in [email] if isinstance(email, str) else email:
            send_account_email(
                to=to,
                subject=rendered.subject,
                body=rendered.body,
                html_body=html,
                template="account:" + template_prefix.rsplit("/", 1)[-1],
                # Login codes, password and confirmation links: wiped from the outbox once sent.
                sensitive=True,
            )

    def get_reset_password_from_key_url(self, key: str) -> str:
        """Links in e-mails point at SITE_URL, never at whatever Host a request claimed."""
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return settings.SITE_URL + path.replace("UID-KEY", quote(key))

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return settings.SITE_URL + reverse("account_confirm_email", args=[emailconfirmation.key])

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """A first second factor, enrolled just after logging in, needs no second password prompt.

        Replacing or removing an existing factor still asks for reauthentication.
        """
        request = self.request
        if (
            app == "allauth.mfa"
            and request is not None
            and request.user.is_authenticated
            and not Authenticator.objects.filter(user=request.user).exists()
        ):
            records = get_authentication_records(request, request.user)
            timeout = allauth_account_settings.REAUTHENTICATION_TIMEOUT
            if records and time.time() - records[-1]["at"] < timeout:
                return False
        return super().is_reauthentication_required(app=app, **kwargs)


class MFAAdapter(DefaultMFAAdapter):
    def get_totp_issuer(self) -> str:
        return f"Relais {settings.RELAIS['TOWN_NAME']}"

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Staff may replace a second factor but never remove the last one."""
        if not is_staff_login(authenticator.user):
            return True
        others = Authenticator.objects.filter(user=authenticator.user).exclude(pk=authenticator.pk)
        return others.exclude(type=Authenticator.Type.RECOVERY_CODES).exists()
