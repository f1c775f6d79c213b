import datetime

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from relais.accounts.adapter import invitation_redeemed, is_staff_login
from relais.accounts.oidc import session_used_provider_factor
from relais.accounts.services import has_second_factor

STAFF_PREFIXES = ("/gestion/", "/admin/")


def session_used_second_factor(request) -> bool:
    """A second factor was used in this session, or enrolled since this session's login.

    Enrolling a factor proves possession of it. Checking the enrolment date (rather than
    relying on the enrolment signal alone) keeps this true however the enrolment was
    committed.
    """
    records = get_authentication_records(request, request.user)
    if any(r.get("method") == "mfa" for r in records):
        return True
    if not records:
        return False
    logged_in_at = datetime.datetime.fromtimestamp(records[0]["at"], tz=datetime.UTC)
    return (
        Authenticator.objects.filter(user=request.user, created_at__gte=logged_in_at)
        .exclude(type=Authenticator.Type.RECOVERY_CODES)
        .exists()
    )


class StaffTwoFactorMiddleware:
    """No staff page without a second factor enrolled and used in this session, and no
    first enrolment of a staff login without the invitation code an administrator issued.

    A staff login without a factor goes: invitation code, then enrolment (TOTP or security
    key), then staff pages. Residents (no team) enrol, or not, as they like.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        staff_page = request.path.startswith(STAFF_PREFIXES)
        enrolment_page = request.path.startswith(reverse("mfa_index"))
        if (staff_page or enrolment_page) and is_staff_login(request.user):
            # A ProConnect login with a factor the town accepts (relais/accounts/oidc.py)
            # stands for the second factor, enrolled here or not.
            if not has_second_factor(request.user) and not session_used_provider_factor(request):
                if not invitation_redeemed(request):
                    if staff_page:
                        messages.info(
                            request,
                            _(
                                "Pour accéder aux pages des agents, entrez d'abord le code d'invitation "
                                "remis par l'administrateur, puis activez la double authentification."
                            ),
                        )
                    return redirect("accounts:invitation")
                if staff_page:
                    messages.info(
                        request, _("Pour accéder aux pages des agents, activez d'abord la double authentification.")
                    )
                    return redirect("mfa_activate_totp")
            elif staff_page and not session_used_second_factor(request):
                logout(request)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)
