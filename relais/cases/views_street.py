"""Street reports in public: the list and map of reviewed reports, "moi aussi", the
"Déjà signalé ?" step of a location form, and the team's review and duplicate links."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from relais.accounts.models import Role
from relais.accounts.permissions import staff_required
from relais.cases import services, street_map, street_selectors, street_services
from relais.cases.models import StreetReport
from relais.cases.selectors import WORKER_ROLES, can_work, worker_team_ids
from relais.cases.street_forms import DuplicateForm, ModerationForm, PublicFilterForm, TownPlanForm
from relais.cases.views_public import _draft_or_404, _form_or_404, _next_url, _sent
from relais.cases.views_staff import _visible_case_or_404
from relais.core.forms import add_refusal
from relais.core.http import files_data, post_data, safe_next

PER_PAGE = 20


def _plan_url(plan) -> str:
    """The plan's address, versioned by the plan itself: a new upload is a new address, so
    the old one may stay cached for long."""
    return f"{reverse('cases:street_plan')}?v={plan.pk}" if plan else ""


def _map(reports) -> street_map.Map | None:
    plan = street_selectors.town_plan()
    return street_map.build(street_selectors.public_points(reports), plan=plan, plan_url=_plan_url(plan))


@require_GET
def street_list(request):
    forms_qs = street_selectors.public_forms()  # none when the town turned public reports off
    filters = PublicFilterForm(request.GET or None, forms_qs=forms_qs)
    chosen = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    reports = street_selectors.public_reports(form=chosen.get("categorie"), status=chosen.get("etat") or "")
    page = Paginator(reports, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/street/list.html",
        {"filters": filters, "page_obj": page, "map": _map(page.object_list), "forms": forms_qs},
    )


def _report_or_404(pk) -> StreetReport:
    report = street_selectors.public_report(pk)
    if report is None:
        raise Http404
    return report


@require_GET
def street_report(request, pk):
    report = _report_or_404(pk)
    said = street_services.me_too_said(report=report, session_key=request.session.session_key)
    return render(
        request,
        "cases/street/report.html",
        {"report": report, "map": _map([report]), "said": said, "open": report.case.is_open},
    )


@require_POST
def street_me_too(request, pk):
    """ "Moi aussi" on a published report: counted once per browser session, no case made."""
    report = _report_or_404(pk)
    if not request.session.session_key:
        request.session.save()
    try:
        counted = street_services.me_too_add(report=report, session_key=request.session.session_key, request=request)
    except street_services.MeTooRefused as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        if counted:
            messages.success(
                request, _("Merci : c'est compté. Inutile d'envoyer une nouvelle demande pour ce problème.")
            )
        else:
            messages.info(request, _("Vous l'aviez déjà dit pour ce signalement : c'est compté une fois."))
    return redirect(safe_next(request, request.POST.get("next"), report.get_absolute_url()))


@require_GET
def street_plan(request):
    plan = street_selectors.town_plan()
    if plan is None:
        raise Http404
    response = FileResponse(plan.file.open("rb"), content_type=plan.content_type)
    # Drawn as an image; opened on its own, an SVG runs nothing and loads nothing.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    if request.GET.get("v") == str(plan.pk):  # the versioned address (`_plan_url`): never changes
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response["Cache-Control"] = "no-cache"
    return response


@never_cache
def street_nearby(request, slug, key):
    """ "Déjà signalé ?": after the location step, the published reports near the place
    typed, each with "moi aussi"; or straight on when there is none."""
    form = _form_or_404(request, slug)
    draft = _draft_or_404(request, form, key)
    if not form.asks_location:
        raise Http404
    if (sent := _sent(draft)) is not None:
        return sent
    next_url = _next_url(request, form, draft, ("location", 0))
    reports = street_selectors.reports_near(form=form, location=draft.data.get("location") or {})
    if not reports:
        return redirect(next_url)
    return render(
        request,
        "cases/street/nearby.html",
        {
            "form": form,
            "draft": draft,
            "reports": reports,
            "next_url": next_url,
            "back_url": reverse("cases:location", args=[form.slug, draft.key]),
            "here": request.get_full_path(),
        },
    )


# ---------------------------------------------------------------- staff


def _worker_case_or_404(request, reference):
    case = _visible_case_or_404(request, reference)
    if not can_work(request.user, case) or not case.form.asks_location:
        raise Http404
    return case


def _preview_map(case) -> street_map.Map | None:
    """Where the public point of `case` would be drawn (rounded, as on the public map)."""
    point = street_selectors.public_point(case.latitude, case.longitude)
    if point is None:
        return None
    plan = street_selectors.town_plan()
    return street_map.build([(*point, case.get_absolute_url(), _("Point public"))], plan=plan, plan_url=_plan_url(plan))


@staff_required(*WORKER_ROLES)
def street_moderate(request, reference):
    """Publish a report with the words the agent reviewed, or keep it off the public list."""
    case = _worker_case_or_404(request, reference)
    report = StreetReport.objects.filter(case=case).first()
    initial = {}
    if report is None:
        report = StreetReport(case=case)
        # The public place is written by the agent (a street, no number): the resident's
        # words are shown beside the form, never proposed as the public text.
        initial = {"title": street_services.report_default_title(case)}
    action = request.POST.get("action") if request.method == "POST" else None
    form = ModerationForm(post_data(request) if action == "publish" else None, instance=report, initial=initial)
    if action == "unpublish":
        street_services.report_unpublish(case=case, actor=request.user, request=request)
        messages.success(request, _("Ce signalement n'est pas publié."))
        return redirect(case.get_absolute_url() + "#signalement")
    if action == "publish" and form.is_valid():
        try:
            street_services.report_publish(
                case=case,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                location_text=form.cleaned_data["location_text"],
                on_map=not form.cleaned_data["hide_point"],
                actor=request.user,
                request=request,
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("Le signalement est publié, avec le texte relu."))
            return redirect(case.get_absolute_url() + "#signalement")
    if action is None:
        services.case_opened_by_worker(case=case, actor=request.user, request=request)
    return render(
        request,
        "cases/street/moderate.html",
        {
            "case": case,
            "report": report,
            "form": form,
            "answers": case.answers,
            "point": street_selectors.public_point(case.latitude, case.longitude),
            "map": _preview_map(case),
        },
        status=400 if action and form.errors else 200,
    )


@staff_required(*WORKER_ROLES)
def street_duplicate(request, reference):
    """Link a case to the first report of the same problem, or undo it."""
    case = _worker_case_or_404(request, reference)
    teams = worker_team_ids(request.user)
    form = DuplicateForm(
        post_data(request) if request.POST.get("action") != "unlink" else None,
        choices_qs=street_selectors.duplicate_choices(case, teams),
        find_reference=lambda reference: street_selectors.duplicate_by_reference(case, reference, teams),
    )
    if request.method == "POST" and request.POST.get("action") == "unlink":
        street_services.case_unmark_duplicate(case=case, actor=request.user, request=request)
        messages.success(request, _("Ce signalement n'est plus rattaché à un autre."))
        return redirect(case.get_absolute_url() + "#signalement")
    if request.method == "POST" and form.is_valid():
        try:
            street_services.case_mark_duplicate(
                case=case, original=form.cleaned_data["original"], actor=request.user, request=request
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("Le signalement est rattaché au premier ; son auteur en est informé."))
            return redirect(case.get_absolute_url() + "#signalement")
    if request.method != "POST":
        services.case_opened_by_worker(case=case, actor=request.user, request=request)
    close = street_services.close_cases_seen(case=case, actor=request.user, request=request)
    return render(
        request,
        "cases/street/duplicate.html",
        {"case": case, "form": form, "close": close},
        status=400 if form.errors else 200,
    )


@staff_required(Role.ADMINISTRATOR)
def town_plan(request):
    """The town's plan under the public map of street reports (administrators)."""
    current = street_selectors.town_plan()
    initial = {k: getattr(current, k) for k in ("west", "south", "east", "north")} if current else {}
    form = TownPlanForm(post_data(request), files_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data, content_type = form.plan
        bounds = tuple(form.cleaned_data[k] for k in ("west", "south", "east", "north"))
        try:
            street_services.town_plan_set(
                data=data, content_type=content_type, bounds=bounds, actor=request.user, request=request
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("Le plan de la commune est enregistré."))
            return redirect("cases:town_plan")
    return render(
        request,
        "cases/street/town_plan.html",
        {"form": form, "current": current, "plan_url": _plan_url(current), "public": street_selectors.public_enabled()},
        status=400 if form.errors else 200,
    )
