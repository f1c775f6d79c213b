from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from relais.accounts import oidc, services
from relais.accounts.adapter import INVITATION_SESSION_KEY, invitation_redeemed, is_staff_login
from relais.accounts.forms import InvitationCodeForm, MembershipForm, StaffUserForm, TeamForm
from relais.accounts.models import (
    IdentityLinkRequest,
    IdentityLinkStatus,
    Membership,
    Role,
    StaffInvitation,
    Team,
    User,
)
from relais.accounts.permissions import staff_required
from relais.core.forms import add_refusal
from relais.core.http import post_data
from relais.core.models import Person
from relais.core.services import person_viewed


def admin_login(request, extra_context=None):
    """The Django admin's login page (`admin.site.login`): no password form of its own.

    Everyone logs in through allauth's page, with its rate limits and the second factor
    that StaffTwoFactorMiddleware then requires before any /admin/ page.
    """
    if request.user.is_authenticated:
        # Logged in but not allowed in the admin (a resident, an agent without
        # is_staff): sending them to the login page would only bring them back here.
        raise Http404
    return redirect_to_login(
        request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index"), login_url=reverse("account_login")
    )


def agents():
    """Staff accounts: people with a role in a team, never a partner application's account."""
    return User.objects.filter(memberships__isnull=False, is_application=False)


@staff_required(Role.ADMINISTRATOR)
def team_list(request):
    teams = Team.objects.annotate(n=Count("memberships")).order_by("name")
    return render(request, "accounts/team_list.html", {"teams": teams})


@staff_required(Role.ADMINISTRATOR)
def team_edit(request, slug=None):
    team = get_object_or_404(Team, slug=slug) if slug else None
    form = TeamForm(post_data(request), instance=team)
    if request.method == "POST" and form.is_valid():
        team = services.team_save(form=form, actor=request.user, request=request)
        messages.success(request, _("L'équipe « %(name)s » est enregistrée.") % {"name": team.name})
        return redirect(team)
    return render(request, "accounts/team_form.html", {"form": form, "team": team})


@staff_required(Role.ADMINISTRATOR)
def team_detail(request, slug):
    team = get_object_or_404(Team.objects.prefetch_related("places"), slug=slug)
    # Partner applications holding a role here are listed apart, as applications (they are
    # managed on their own screens, never as agents).
    memberships = team.memberships.select_related("user").order_by("user__full_name")
    members = memberships.filter(user__is_application=False)
    applications = memberships.filter(user__is_application=True).select_related("user__api_application")
    form = MembershipForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        services.membership_set(
            user=form.cleaned_data["user"],
            team=team,
            role=form.cleaned_data["role"],
            actor=request.user,
            request=request,
        )
        messages.success(request, _("Le rôle est enregistré."))
        return redirect(team)
    return render(
        request,
        "accounts/team_detail.html",
        {"team": team, "members": members, "applications": applications, "form": form},
    )


@staff_required(Role.ADMINISTRATOR)
@require_POST
def membership_remove(request, pk):
    membership = get_object_or_404(
        Membership.objects.filter(user__is_application=False).select_related("team", "user"), pk=pk
    )
    team = membership.team
    services.membership_remove(membership=membership, actor=request.user, request=request)
    messages.success(request, _("%(user)s ne fait plus partie de l'équipe.") % {"user": membership.user})
    return redirect(team)


@staff_required(Role.ADMINISTRATOR)
def user_list(request):
    factors = Authenticator.objects.filter(user=OuterRef("pk")).exclude(type=Authenticator.Type.RECOVERY_CODES)
    open_invitation = StaffInvitation.objects.filter(
        user=OuterRef("pk"), used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).values("expires_at")[:1]
    users = (
        agents()
        .distinct()
        .annotate(has_factor=Exists(factors), invitation_expires_at=Subquery(open_invitation))
        .prefetch_related(Prefetch("memberships", queryset=Membership.objects.select_related("team")))
        .order_by("full_name", "email")
    )
    return render(request, "accounts/user_list.html", {"users": users})


@staff_required(Role.ADMINISTRATOR)
@never_cache
def user_create(request):
    form = StaffUserForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        user, code = services.staff_user_create(actor=request.user, request=request, **form.cleaned_data)
        return render(request, "accounts/invitation_issued.html", {"agent": user, "code": code, "created": True})
    return render(request, "accounts/user_form.html", {"form": form})


@staff_required(Role.ADMINISTRATOR)
@require_POST
@never_cache
def user_invitation(request, pk):
    """Issue (or re-issue, revoking the previous one) an agent's invitation code, shown once."""
    user = get_object_or_404(agents().distinct(), pk=pk)
    try:
        _invitation, code = services.staff_invitation_issue(user=user, actor=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("accounts:user_list")
    return render(request, "accounts/invitation_issued.html", {"agent": user, "code": code})


@login_required
def invitation(request):
    """A new agent types the invitation code before enrolling a first second factor."""
    user = request.user
    if not is_staff_login(user):
        raise Http404
    if services.has_second_factor(user):
        return redirect("people:staff_home")
    if invitation_redeemed(request):
        return redirect("mfa_activate_totp")
    form = InvitationCodeForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_invitation_redeem(user=user, code=form.cleaned_data["code"], request=request)
        except ValidationError as error:
            add_refusal(form, error)
        else:
            request.session[INVITATION_SESSION_KEY] = str(user.pk)
            messages.success(request, _("Le code est bon. Activez maintenant la double authentification."))
            return redirect("mfa_activate_totp")
    return render(request, "accounts/invitation.html", {"form": form})


@staff_required(Role.ADMINISTRATOR)
@require_POST
def user_toggle_active(request, pk):
    user = get_object_or_404(agents().distinct(), pk=pk)
    if user == request.user:
        messages.error(request, _("Vous ne pouvez pas désactiver votre propre compte."))
    else:
        services.user_set_active(user=user, active=not user.is_active, actor=request.user, request=request)
        messages.success(request, _("Le compte est mis à jour."))
    return redirect("accounts:user_list")


# --- FranceConnect identities waiting for a reception agent (relais/accounts/oidc.py) -------


@staff_required(Role.RECEPTION)
def identity_link_list(request):
    pending = (
        IdentityLinkRequest.objects.filter(status=IdentityLinkStatus.PENDING)
        .select_related("user", "user__person")
        .order_by("created_at")
    )
    return render(request, "accounts/identity_link_list.html", {"pending": pending})


@staff_required(Role.RECEPTION)
@never_cache
def identity_link(request, pk):
    """Both sets of names side by side; the agent confirms after seeing an identity document."""
    link = get_object_or_404(IdentityLinkRequest.objects.select_related("user", "user__person", "decided_by"), pk=pk)
    person = Person.objects.active().filter(user=link.user).first()
    if request.method == "POST":
        decision = request.POST.get("decision")
        try:
            if decision == "confirm":
                oidc.identity_link_confirm(link_request=link, actor=request.user, request=request)
                messages.success(request, _("L'identité FranceConnect est reliée au compte."))
            elif decision == "refuse":
                oidc.identity_link_refuse(link_request=link, actor=request.user, request=request)
                messages.success(request, _("Le rapprochement est refusé : rien n'a été relié."))
            else:
                messages.error(request, _("Choisissez : confirmer ou refuser."))
                return redirect(link)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(link)
        return redirect("accounts:identity_link_list")
    if person is not None:
        person_viewed(person=person, actor=request.user, request=request, reason="identity_link")
    return render(request, "accounts/identity_link.html", {"link": link, "person": person})
