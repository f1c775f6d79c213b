from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relais.accounts import services
from relais.accounts.forms import MembershipForm, StaffUserForm, TeamForm
from relais.accounts.models import Membership, Role, Team, User
from relais.accounts.permissions import staff_required
from relais.core.http import post_data


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
    members = team.memberships.select_related("user").order_by("user__full_name")
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
    return render(request, "accounts/team_detail.html", {"team": team, "members": members, "form": form})


@staff_required(Role.ADMINISTRATOR)
@require_POST
def membership_remove(request, pk):
    membership = get_object_or_404(Membership.objects.select_related("team", "user"), pk=pk)
    team = membership.team
    services.membership_remove(membership=membership, actor=request.user, request=request)
    messages.success(request, _("%(user)s ne fait plus partie de l'équipe.") % {"user": membership.user})
    return redirect(team)


@staff_required(Role.ADMINISTRATOR)
def user_list(request):
    users = (
        User.objects.filter(memberships__isnull=False)
        .distinct()
        .prefetch_related(Prefetch("memberships", queryset=Membership.objects.select_related("team")))
        .order_by("full_name", "email")
    )
    return render(request, "accounts/user_list.html", {"users": users})


@staff_required(Role.ADMINISTRATOR)
def user_create(request):
    form = StaffUserForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        user = services.staff_user_create(actor=request.user, request=request, **form.cleaned_data)
        messages.success(
            request,
            _("Le compte de %(name)s est créé. Un lien pour choisir son mot de passe a été envoyé à %(email)s.")
            % {"name": user.full_name, "email": user.email},
        )
        return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form})


@staff_required(Role.ADMINISTRATOR)
@require_POST
def user_toggle_active(request, pk):
    user = get_object_or_404(User.objects.filter(memberships__isnull=False).distinct(), pk=pk)
    if user == request.user:
        messages.error(request, _("Vous ne pouvez pas désactiver votre propre compte."))
    else:
        services.user_set_active(user=user, active=not user.is_active, actor=request.user, request=request)
        messages.success(request, _("Le compte est mis à jour."))
    return redirect("accounts:user_list")
