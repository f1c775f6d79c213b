"""Statistics pages for staff, their exports, the council report, share links and open data.

Every figure comes from `registry.section()`; what leaves the staff area (files, the
report, share links, open data, JSON) goes through `figures.published()` first."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from relais.accounts.permissions import requires
from relais.core.audit import audit_log
from relais.core.exports import to_csv, to_ods_book
from relais.core.http import download
from relais.stats import registry, serialize, services
from relais.stats.figures import published
from relais.stats.filters import AUDIENCES, FiltersForm, Query, audiences_for, scope_for
from relais.stats.forms import ShareForm
from relais.stats.journal import Action
from relais.stats.selectors import opendata
from relais.stats.views_simplify import reads_simplify


def _reads_figures(user) -> bool:
    return bool(audiences_for(user))


# The rules of these pages, kept on the views for the menus and links (accounts.navigation).
figures_required = requires(_reads_figures)
sharing_required = requires(services.may_share)


def _scope_or_404(request, audience):
    scope = scope_for(request.user, audience)
    if scope is None:
        raise Http404
    return scope


def _filters(request, audience, scope) -> FiltersForm:
    data = request.GET if request.GET else None
    form = FiltersForm(data, scope=scope, audience=audience)
    if data is None:
        # No filter chosen yet: this year, the reader's whole scope.
        form = FiltersForm({"period": "this_year"}, scope=scope, audience=audience)
    return form


def _filters_query(request) -> str:
    keys = ("period", "start", "end", "team", "place", "commune", "advisor", "channel")
    return urlencode([(k, request.GET[k]) for k in keys if request.GET.get(k)])


def _journal(request, action, audience, query, **details):
    audit_log(
        actor=request.user,
        action=action,
        request=request,
        details={"audience": audience, **query.describe(), **details},
    )


@require_GET
@figures_required
def home(request):
    audiences = audiences_for(request.user)
    return render(
        request,
        "stats/home.html",
        {
            "audiences": [(name, AUDIENCES[name]["title"]) for name in audiences],
            "may_share": services.may_share(request.user),
            "may_simplify": reads_simplify(request.user),
        },
    )


@require_GET
@figures_required
def page(request, audience):
    scope = _scope_or_404(request, audience)
    form = _filters(request, audience, scope)
    section = query = None
    if form.is_valid():
        query = form.query()
        section = registry.section(audience, query)
        _journal(request, Action.PAGE_VIEWED, audience, query)
    return render(
        request,
        "stats/page.html",
        {
            "audience": audience,
            "audiences": [(name, AUDIENCES[name]["title"]) for name in audiences_for(request.user)],
            "title": AUDIENCES[audience]["title"],
            "form": form,
            "query": query,
            "section": section,
            "filters": _filters_query(request),
            "share_form": ShareForm() if services.may_share(request.user) else None,
        },
    )


@require_GET
@figures_required
def export(request, audience, fmt):
    """The page's figures as a file (ODS: every table; CSV: one table, or all of them as
    lines) or as JSON, small counts suppressed."""
    if fmt not in ("ods", "csv", "json"):
        raise Http404
    scope = _scope_or_404(request, audience)
    form = _filters(request, audience, scope)
    if not form.is_valid():
        messages.error(request, _("Les filtres choisis ne permettent pas d'exporter : corrigez-les ci-dessous."))
        return redirect(reverse("stats:page", args=[audience]) + "?" + _filters_query(request))
    query = form.query()
    section = published(registry.section(audience, query))
    table_slug = request.GET.get("tableau", "")
    _journal(request, Action.EXPORTED, audience, query, format=fmt, table=table_slug)
    name = f"statistiques-{audience}-{query.period.start:%Y%m%d}-{query.period.end:%Y%m%d}"
    if fmt == "json":
        return JsonResponse(serialize.section_json(section, query), json_dumps_params={"ensure_ascii": False})
    if fmt == "ods":
        return download(
            to_ods_book(serialize.sheets([section])), "application/vnd.oasis.opendocument.spreadsheet", f"{name}.ods"
        )
    if table_slug:
        table = next((t for t in section.tables if t.slug == table_slug), None)
        if table is None:
            raise Http404
        header, rows = serialize.table_rows(table)
        return download(to_csv(header, rows), "text/csv; charset=utf-8", f"{name}-{table.slug}.csv")
    header, rows = serialize.long_rows([section])
    return download(to_csv(header, rows), "text/csv; charset=utf-8", f"{name}.csv")


@require_GET
@figures_required
def report(request):
    """The council report: the reader picks the period (and team, place); the PDF holds
    every audience the reader may see, each read through its own filters form, so that a
    team or place one audience allows never reaches another's figures."""
    audiences = audiences_for(request.user)
    form = FiltersForm(request.GET or None, scope=scope_for(request.user, audiences[0]), audience="rapport")
    if request.GET.get("format") == "pdf" and form.is_valid():
        from relais.stats.report import council_pdf

        query = form.query()
        sections, left_out = [], []
        for name in audiences:
            own = FiltersForm(request.GET, scope=scope_for(request.user, name), audience=name)
            if own.is_valid():
                sections.append(published(registry.section(name, own.query())))
            else:
                left_out.append(name)
        _journal(request, Action.REPORT_PRINTED, "rapport", query, audiences=audiences, left_out=left_out)
        pdf = council_pdf(
            sections=sections,
            query=query,
            town_name=settings.RELAIS["TOWN_NAME"],
            title=_("Rapport d'activité"),
        )
        name = f"rapport-activite-{query.period.start:%Y%m%d}-{query.period.end:%Y%m%d}.pdf"
        return download(pdf, "application/pdf", name)
    return render(
        request,
        "stats/report.html",
        {"form": form, "audiences": [(name, AUDIENCES[name]["title"]) for name in audiences]},
    )


# ---------------------------------------------------------------- share links


@require_GET
@sharing_required
def shares(request):
    links = services.links_visible_to(request.user).select_related("created_by")
    return render(
        request,
        "stats/shares.html",
        {"links": links, "audiences": {name: AUDIENCES[name]["title"] for name in AUDIENCES}, "now": timezone.now()},
    )


@require_POST
@sharing_required
def share_create(request, audience):
    scope = _scope_or_404(request, audience)
    filters = FiltersForm(request.GET or {"period": "this_year"}, scope=scope, audience=audience)
    form = ShareForm(request.POST)
    if not filters.is_valid() or not form.is_valid():
        return render(
            request,
            "stats/share_form.html",
            {
                "form": form,
                "filters_form": filters,
                "audience": audience,
                "title": AUDIENCES[audience]["title"],
                "filters": _filters_query(request),
            },  # fmt: skip
            status=400,
        )
    link, secret = services.share_create(
        actor=request.user,
        audience=audience,
        query=filters.query(),
        label=form.cleaned_data["label"],
        days=form.cleaned_data["days"],
        submission_key=form.cleaned_data.get("submission_key"),
        request=request,
    )
    url = request.build_absolute_uri(reverse("stats:shared", args=[secret]))
    return render(request, "stats/share_created.html", {"link": link, "url": url})


@require_POST
@sharing_required
def share_revoke(request, pk):
    link = get_object_or_404(services.links_visible_to(request.user), pk=pk)
    services.share_revoke(link=link, actor=request.user, request=request)
    messages.success(request, _("Le lien « %(label)s » ne s'ouvre plus.") % {"label": link.label})
    return redirect("stats:shares")


def _shared_section(request, secret):
    link = services.share_open(secret, request=request)
    if link is None or link.audience not in AUDIENCES:
        raise Http404
    query = Query.from_description(link.query)
    return link, query, published(registry.section(link.audience, query))


@require_GET
def shared(request, secret):
    """A partner's read-only view of the figures a manager shared: small counts suppressed."""
    link, query, section = _shared_section(request, secret)
    response = render(
        request,
        "stats/shared.html",
        {
            "link": link,
            "query": query,
            "section": section,
            "title": AUDIENCES[link.audience]["title"],
            "secret": secret,
        },
    )
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def shared_json(request, secret):
    link, query, section = _shared_section(request, secret)
    response = JsonResponse(serialize.section_json(section, query), json_dumps_params={"ensure_ascii": False})
    response["X-Robots-Tag"] = "noindex"
    return response


# ---------------------------------------------------------------- open data

# The file's columns (French names, as open data in France is published).
OPEN_DATA_FIELDS = [
    ("mois", "string", gettext_lazy("Mois, au format AAAA-MM.")),
    ("lieu_id", "string", gettext_lazy("Identifiant du lieu dans le fichier des lieux de médiation numérique.")),
    ("lieu_nom", "string", gettext_lazy("Nom du lieu.")),
    ("commune", "string", gettext_lazy("Commune du lieu.")),
    ("code_insee", "string", gettext_lazy("Code INSEE de la commune du lieu.")),
    ("thematique", "string", gettext_lazy("Code de la thématique (référentiel de La Coop de la médiation numérique).")),
    ("thematique_libelle", "string", gettext_lazy("Libellé de la thématique.")),
    (
        "accompagnements",
        "string",
        gettext_lazy(
            "Nombre d'activités d'accompagnement notées ce mois-là, dans ce lieu, sur cette thématique "
            "(une activité peut en aborder plusieurs) ; « moins de 5 » quand il y en a de 1 à 4."
        ),
    ),
]


def _open_data_rows():
    return [
        [r["month"], r["place_id"], r["place_name"], r["commune"], r["code_insee"], r["theme"], r["theme_label"],
         str(r["count"])]
        for r in opendata.published_rows()
    ]  # fmt: skip


@require_GET
def open_data(request):
    start, end = opendata.period()
    return render(
        request,
        "stats/open_data.html",
        {"fields": OPEN_DATA_FIELDS, "start": start, "end": end, "months": opendata.MONTHS},
    )


@require_GET
def open_data_csv(request):
    body = to_csv([name for name, _kind, _description in OPEN_DATA_FIELDS], _open_data_rows())
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="statistiques-mensuelles.csv"'
    response["Access-Control-Allow-Origin"] = "*"
    response["Link"] = f'<{reverse("stats:open_data_schema")}>; rel="describedby"'
    return response


@require_GET
def open_data_schema(request):
    """The CSV's description in the Table Schema format (frictionless data)."""
    with translation.override("fr"):
        return _schema_response()


def _schema_response():
    schema = {
        "$schema": "https://specs.frictionlessdata.io/schemas/table-schema.json",
        "name": "statistiques-mensuelles-mediation-numerique",
        "title": "Accompagnements au numérique par mois, lieu et thématique",
        "description": (
            "Activités d'accompagnement au numérique notées par les conseillers numériques de "
            f"{settings.RELAIS['TOWN_NAME']}, par mois, lieu et thématique, pour les {opendata.MONTHS} derniers mois "
            "complets. Les nombres de 1 à 4 sont remplacés par « moins de 5 » pour qu'aucune personne ne puisse "
            "être reconnue. Les lieux sont décrits dans le fichier des lieux au schéma national."
        ),
        "fields": [{"name": n, "type": k, "description": str(d)} for n, k, d in OPEN_DATA_FIELDS],
        "missingValues": [""],
        "dialect": {"delimiter": ";", "encoding": "utf-8-sig"},
    }
    response = HttpResponse(json.dumps(schema, ensure_ascii=False, indent=1), content_type="application/json")
    response["Access-Control-Allow-Origin"] = "*"
    return response
