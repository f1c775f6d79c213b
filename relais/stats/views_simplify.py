""" "Démarches à simplifier": the forms and fiches residents struggle with, ranked by the
evidence (selectors.feedback), and one page per form or fiche with its figures over time.

Administrators (who edit the catalogue and the forms) read every form and fiche; managers
read their teams' forms and the fiches those forms belong to; anyone else gets a 404."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from relais.accounts.models import Role
from relais.accounts.permissions import is_administrator, requires, team_ids
from relais.core.audit import audit_log
from relais.stats.filters import FiltersForm, Scope
from relais.stats.journal import Action
from relais.stats.selectors import feedback

AUDIENCE = "demarches-a-simplifier"


def simplify_scope(user) -> Scope | None:
    """The whole town for administrators, their managed teams for managers, else None."""
    if not user.is_authenticated:
        return None
    if is_administrator(user):
        return Scope(team_ids=None)
    managed = tuple(sorted(set(team_ids(user, Role.MANAGER))))
    return Scope(team_ids=managed) if managed else None


def reads_simplify(user) -> bool:
    return simplify_scope(user) is not None


simplify_required = requires(reads_simplify)


def _filters(request, scope) -> FiltersForm:
    data = request.GET if request.GET else {"period": "this_year"}
    return FiltersForm(data, scope=scope, audience=AUDIENCE)


def _filters_query(request) -> str:
    keys = ("period", "start", "end", "team")
    return urlencode([(k, request.GET[k]) for k in keys if request.GET.get(k)])


@require_GET
@simplify_required
def simplify(request):
    scope = simplify_scope(request.user)
    form = _filters(request, scope)
    items = query = None
    if form.is_valid():
        query = form.query()
        items = feedback.ranking(query)
        audit_log(
            actor=request.user,
            action=Action.SIMPLIFY_VIEWED,
            request=request,
            details={"audience": AUDIENCE, **query.describe()},
        )
    return render(
        request,
        "stats/simplify.html",
        {
            "form": form,
            "query": query,
            "items": items,
            "scored": [i for i in items or [] if i.now.score is not None],
            "unscored": [i for i in items or [] if i.now.score is None],
            "filters": _filters_query(request),
            "may_edit": is_administrator(request.user),
            "min_volume": feedback.MIN_VOLUME,
        },
    )


@require_GET
@simplify_required
def simplify_detail(request, kind, pk):
    scope = simplify_scope(request.user)
    form = _filters(request, scope)
    query = form.query() if form.is_valid() else None
    base = FiltersForm({"period": "this_year"}, scope=scope, audience=AUDIENCE)
    base.is_valid()
    item = feedback.item_for(kind, pk, query or base.query())
    if item is None:
        raise Http404
    if (item.kind, item.pk) != (kind, pk):
        # A fiche with a form: its figures are the form's.
        url = redirect("stats:simplify_detail", kind=item.kind, pk=item.pk).url
        filters = _filters_query(request)
        return redirect(f"{url}?{filters}" if filters else url)
    detail = None
    if query is not None:
        detail = feedback.detail(query, item)
        audit_log(
            actor=request.user,
            action=Action.FEEDBACK_VIEWED,
            request=request,
            details={
                "audience": AUDIENCE,
                "item": item.key,
                "comments": [pk for pk, *_rest in detail.comments],
                **query.describe(),
            },
        )
    return render(
        request,
        "stats/simplify_detail.html",
        {
            "form": form,
            "query": query,
            "item": item,
            "detail": detail,
            "filters": _filters_query(request),
            "may_edit": is_administrator(request.user),
        },
    )
