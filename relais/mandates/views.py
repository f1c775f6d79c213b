from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from relais.accounts.models import Role, Team
from relais.accounts.permissions import HELPER_ROLES, staff_person_or_404, staff_required, team_ids
from relais.core.audit import audit_log
from relais.core.forms import add_refusal
from relais.core.http import files_data, post_data
from relais.core.paging import paginate
from relais.core.pdf import large_print_asked, render_pdf, wants_large_print
from relais.mandates import services
from relais.mandates.forms import CodeForm, MandateForm, PaperForm, ResidentStopForm, RevokeForm
from relais.mandates.journal import Action
from relais.mandates.models import Mandate, RevokedVia
from relais.mandates.selectors import list_sections, mandates_visible_to


def _mandate_or_404(user, pk) -> Mandate:
    return get_object_or_404(mandates_visible_to(user), pk=pk)


# ---------------------------------------------------------------- staff


# The list's sections: the overview shows the first rows of each, "?etat=" one whole section, by pages.
LIST_SECTIONS = ("attente", "actifs", "termines")
OVERVIEW_ROWS = 20


@staff_required(*HELPER_ROLES)
def mandate_list(request):
    sections = list_sections(request.user, team_ids(request.user, *HELPER_ROLES))
    state = request.GET.get("etat")
    if state in sections:
        page = paginate(request, sections[state], 50)
        shown = [m.person_id for m in page]
        context = {"state": state, "page_obj": page}
    else:
        context = {}
        for key, rows in sections.items():
            first = list(rows[: OVERVIEW_ROWS + 1])  # one more: whether "see all" is needed
            context[key] = first[:OVERVIEW_ROWS]
            context[f"{key}_more"] = len(first) > OVERVIEW_ROWS
        shown = [m.person_id for key in sections for m in context[key]]
    audit_log(actor=request.user, action=Action.MANDATE_LIST_VIEWED, people=shown, request=request)
    return render(request, "mandates/staff/list.html", context)


@staff_required(*HELPER_ROLES)
def mandate_create(request, person_pk):
    person = staff_person_or_404(request, person_pk, purpose="prepare a mandate")
    teams = Team.objects.filter(pk__in=team_ids(request.user, *HELPER_ROLES))
    form = MandateForm(post_data(request), teams=teams)
    if request.method == "POST" and form.is_valid():
        try:
            mandate = services.mandate_create(person=person, actor=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("Le mandat est préparé : recueillez maintenant l'accord de la personne."))
            return redirect(mandate)
    return render(request, "mandates/staff/create.html", {"person": person, "form": form})


@staff_required(*HELPER_ROLES, Role.RECEPTION)
def mandate_detail(request, pk):
    mandate = _mandate_or_404(request.user, pk)
    is_helper = mandate.team_id in team_ids(request.user, *HELPER_ROLES)
    # Each form on the page names its action: the refusal goes beside the form that was sent.
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action == "code" and "resend" in request.POST:
        action = "resend"
    code_form = CodeForm(post_data(request) if action == "code" else None)
    paper_form = PaperForm(
        post_data(request) if action == "paper" else None, files_data(request) if action == "paper" else None
    )
    revoke_form = RevokeForm(post_data(request) if action == "revoke" else None, scopes=mandate.active_scopes())
    if request.method == "POST":
        try:
            if action == "resend" and is_helper:
                services.mandate_send_code(mandate=mandate, actor=request.user, request=request)
                messages.success(request, _("Un nouveau code est envoyé à la personne."))
                return redirect(mandate)
            if action == "code" and is_helper and code_form.is_valid():
                services.mandate_confirm_code(
                    mandate=mandate, code=code_form.cleaned_data["code"], actor=request.user, request=request
                )
                messages.success(request, _("Le code est bon : le mandat est actif. La personne en est informée."))
                return redirect(mandate)
            if action == "paper" and is_helper and paper_form.is_valid():
                services.mandate_record_paper(
                    mandate=mandate, actor=request.user, scan=paper_form.cleaned_data["scan"], request=request
                )
                messages.success(request, _("Le mandat est actif. La personne en est informée."))
                return redirect(mandate)
            if action == "revoke" and revoke_form.is_valid():
                services.mandate_revoke(
                    mandate=mandate,
                    actor=request.user,
                    via=revoke_form.cleaned_data["via"],
                    reason=revoke_form.cleaned_data["reason"],
                    scope=revoke_form.cleaned_data["scope"] or None,
                    request=request,
                )
                messages.success(request, _("C'est arrêté. La personne en est informée."))
                return redirect(mandate)
        except ValidationError as error:
            mandate.refresh_from_db()  # a wrong code is counted, and may have locked consent by code
            target = {"code": code_form, "paper": paper_form, "revoke": revoke_form}.get(action)
            if target is not None:
                add_refusal(target, error)
            else:  # a new code refused: said at the top of the page
                messages.error(request, " ".join(error.messages))
    else:
        audit_log(actor=request.user, action=Action.MANDATE_VIEWED, obj=mandate, person=mandate.person, request=request)
    return render(
        request,
        "mandates/staff/detail.html",
        {
            "mandate": mandate,
            "is_helper": is_helper,
            "code_form": code_form,
            "paper_form": paper_form,
            "revoke_form": revoke_form,
            "uses": mandate.cases.select_related("form").order_by("-submitted_at")[:20],
        },
    )


@staff_required(*HELPER_ROLES)
def mandate_form_pdf(request, pk):
    mandate = _mandate_or_404(request.user, pk)
    audit_log(
        actor=request.user, action=Action.MANDATE_FORM_PRINTED, obj=mandate, person=mandate.person, request=request
    )
    large_print = wants_large_print(mandate.person, asked=large_print_asked(request))
    pdf = render_pdf("mandates/pdf/form.html", {"mandate": mandate, "large_print": large_print}, language="fr")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="mandat-{mandate.pk}.pdf"'
    return response


# ---------------------------------------------------------------- residents


@never_cache
def resident_mandate(request, token):
    """What a resident sees from the link in their notice: the mandate, and a way to end it."""
    mandate = Mandate.objects.select_related("team", "person").prefetch_related("scopes").filter(token=token).first()
    if mandate is None:
        raise Http404
    scopes = mandate.active_scopes() if mandate.state == "active" else []
    form = ResidentStopForm(post_data(request), scopes=scopes)
    if request.method == "POST" and mandate.state in ("active", "pending"):
        if not form.is_valid():
            return render(request, "mandates/resident.html", {"mandate": mandate, "form": form}, status=400)
        scope = form.cleaned_data.get("scope") or None
        services.mandate_revoke(
            mandate=mandate, actor=request.user, via=RevokedVia.ONLINE, scope=scope, request=request
        )
        mandate.refresh_from_db()
        if mandate.state == "revoked":
            messages.success(
                request, _("Votre mandat est arrêté. Plus personne ne peut faire de démarche pour vous avec.")
            )
        else:
            messages.success(request, _("C'est fait : ce domaine est retiré de votre mandat."))
        return redirect("mandates:resident", token=token)
    return render(request, "mandates/resident.html", {"mandate": mandate, "form": form})
