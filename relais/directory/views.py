import json

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from relais.accounts.models import Role
from relais.accounts.permissions import staff_required
from relais.core import content_language, pagecache
from relais.core.forms import TranslationForm
from relais.core.http import post_data
from relais.core.pagecache import public_page
from relais.directory import datainclusion, export, selectors, services
from relais.directory import search as catalogue_search
from relais.directory.forms import (
    AcronymForm,
    OrganisationForm,
    PlaceForm,
    PlacesFilterForm,
    ProcedureForm,
    SearchForm,
    ThemeForm,
    acronym_warnings,
)
from relais.directory.models import Acronym, Organisation, Place, Procedure, Theme

# ---------------------------------------------------------------- resident pages


@require_GET
@public_page
def home(request):
    # Read only when the page's parts are not kept rendered (public_cache in the template).
    places = SimpleLazyObject(lambda: selectors.places_near()[:4])
    return render(
        request,
        "directory/home.html",
        {"form": SearchForm(), "themes": selectors.themes_with_counts(), "places": places},
    )


def _search_results(request, query: str) -> tuple[str, int, str]:
    """The results list's HTML, how many, and the query as corrected: the same for everyone,
    kept per search-index generation (replaced as soon as anything searchable changes)."""

    def compute():
        results, corrected = selectors.search_everything(query)
        html = render_to_string("directory/_search_results.html", {"results": results}, request=request)
        return html, len(results), corrected

    return pagecache.remember(
        "directory:search-results",
        compute,
        content_language.requested_language(request),
        query,
        version=catalogue_search.generation(),
    )


@require_GET
@public_page
def search(request):
    form = SearchForm(request.GET or None)
    results_html, count, corrected, query = "", 0, "", ""
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
        if query:
            results_html, count, corrected = _search_results(request, query)
    return render(
        request,
        "directory/search.html",
        {
            "form": form,
            "query": query,
            "results_html": results_html,
            "count": count,
            "corrected": corrected,
            "themes": selectors.themes_with_counts(),
        },
    )


@require_GET
@public_page
def themes(request):
    return render(request, "directory/themes.html", {"themes": selectors.themes_with_counts()})


@require_GET
@public_page
def theme(request, code):
    theme = get_object_or_404(Theme, code=code)
    procedures = selectors.procedures_for_list().filter(themes=theme)
    return render(request, "directory/theme.html", {"theme": theme, "procedures": procedures})


def _procedure_or_404(slug):
    try:
        return selectors.procedure_detail(slug)
    except Procedure.DoesNotExist:
        raise Http404 from None


@require_GET
@public_page
def procedure(request, slug):
    proc = _procedure_or_404(slug)
    return render(request, "directory/procedure.html", {"procedure": proc, "places": list(proc.places.all())})


@require_GET
@public_page
def procedure_print(request, slug):
    proc = _procedure_or_404(slug)
    return render(request, "directory/procedure_print.html", {"procedure": proc, "places": list(proc.places.all())})


@require_GET
@public_page
def places(request):
    # The form and the list are made only when the page's content is not kept rendered
    # (public_cache in the template, under the address with its filters).
    form = SimpleLazyObject(lambda: PlacesFilterForm(request.GET or None, neighbourhoods=selectors.neighbourhoods()))

    def found():
        filters = form.cleaned_data if form.is_valid() else {}
        return selectors.places_near(
            quartier=filters.get("quartier", ""),
            service=filters.get("service", ""),
            lat=filters.get("lat"),
            lon=filters.get("lon"),
            open_now=filters.get("open_now", False),
        )

    return render(request, "directory/places.html", {"form": form, "places": SimpleLazyObject(found)})


@require_GET
@public_page
def place(request, slug):
    place = get_object_or_404(Place.objects.published(), slug=slug)
    procedures = place.procedures.published().order_by("title")
    return render(request, "directory/place.html", {"place": place, "procedures": procedures})


@require_GET
def places_export(request, fmt):
    """Open data: every published place in the national standard, CSV or JSON."""
    if fmt not in ("csv", "json"):
        raise Http404
    records = export.places_records(source=settings.RELAIS["TOWN_NAME"])
    if fmt == "csv":
        response = HttpResponse(export.to_csv(records), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="lieux-mediation-numerique.csv"'
    else:
        response = HttpResponse(
            json.dumps(records, ensure_ascii=False, indent=1), content_type="application/json; charset=utf-8"
        )
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def datainclusion_export(request, part=""):
    """Open data: the town's places and what they offer in the data·inclusion schema
    (structures and services): one JSON document, or one CSV file per part."""
    if part not in ("", "structures", "services"):
        raise Http404
    data = datainclusion.export()
    if part:
        kind = part
        fields = datainclusion.STRUCTURE_FIELDS if kind == "structures" else datainclusion.SERVICE_FIELDS
        response = HttpResponse(datainclusion.to_csv(data[kind], fields), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="data-inclusion-{kind}.csv"'
    else:
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=1), content_type="application/json; charset=utf-8"
        )
    response["Access-Control-Allow-Origin"] = "*"
    return response


# ---------------------------------------------------------------- administrators

CATALOGUE = {
    "lieux": {
        "model": Place,
        "form": PlaceForm,
        "title": gettext_lazy("Lieux"),
        "columns": ["nom", "quartier", "published"],
    },
    "fiches": {
        "model": Procedure,
        "form": ProcedureForm,
        "title": gettext_lazy("Fiches pratiques"),
        "columns": ["title", "organisation", "published"],
    },
    "themes": {
        "model": Theme,
        "form": ThemeForm,
        "title": gettext_lazy("Thèmes"),
        "columns": ["label", "code", "position"],
    },
    "organismes": {
        "model": Organisation,
        "form": OrganisationForm,
        "title": gettext_lazy("Organismes"),
        "columns": ["name", "short_name", "website"],
    },
    "sigles": {
        "model": Acronym,
        "form": AcronymForm,
        "title": gettext_lazy("Sigles"),
        "columns": ["abbreviation", "expansion"],
    },
}


def _catalogue_kind(kind):
    if kind not in CATALOGUE:
        raise Http404
    return CATALOGUE[kind]


@staff_required(Role.ADMINISTRATOR)
def catalogue_list(request, kind):
    spec = _catalogue_kind(kind)
    qs = spec["model"].objects.all()
    if spec["model"] is Procedure:
        qs = qs.select_related("organisation")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    headers = [spec["model"]._meta.get_field(c).verbose_name for c in spec["columns"]]
    rows = [(obj, [getattr(obj, c) for c in spec["columns"]]) for obj in page]
    return render(
        request,
        "directory/staff/catalogue_list.html",
        {"kind": kind, "spec": spec, "page_obj": page, "headers": headers, "rows": rows, "kinds": CATALOGUE},
    )


@staff_required(Role.ADMINISTRATOR)
def catalogue_edit(request, kind, pk=None):
    spec = _catalogue_kind(kind)
    instance = get_object_or_404(spec["model"], pk=pk) if pk else None
    form = spec["form"](post_data(request), instance=instance)
    warnings = acronym_warnings(form) if spec["model"] is Procedure else {}
    if request.method == "POST" and form.is_valid():
        obj = services.catalogue_save(form=form, actor=request.user, request=request)
        if warnings:
            # Saved all the same: the warnings are shown again beside the fields.
            messages.warning(
                request,
                _("« %(name)s » est enregistré. Des sigles sont écrits sans leur forme complète : voir ci-dessous.")
                % {"name": obj},
            )
            return redirect("directory:catalogue_edit", kind=kind, pk=obj.pk)
        messages.success(request, _("« %(name)s » est enregistré.") % {"name": obj})
        return redirect("directory:catalogue_list", kind=kind)
    return render(
        request,
        "directory/staff/catalogue_form.html",
        {
            "kind": kind,
            "spec": spec,
            "form": form,
            "object": instance,
            "warnings": warnings,
            "translatable": instance is not None and hasattr(instance, "TRANSLATED_FIELDS"),
            "languages": content_language.translation_languages(),
        },
    )


@staff_required(Role.ADMINISTRATOR)
def catalogue_translate(request, kind, pk, lang):
    """The translation of a place, procedure or theme in one offered language."""
    spec = _catalogue_kind(kind)
    obj = get_object_or_404(spec["model"], pk=pk)
    if not hasattr(obj, "TRANSLATED_FIELDS") or lang == "fr" or not content_language.is_offered(lang):
        raise Http404
    form = TranslationForm(post_data(request), obj=obj, lang=lang, fields=obj.TRANSLATED_FIELDS)
    if request.method == "POST" and form.is_valid():
        services.catalogue_translate(obj=obj, lang=lang, texts=form.texts(), actor=request.user, request=request)
        messages.success(
            request,
            _("La traduction de « %(name)s » (%(language)s) est enregistrée.")
            % {"name": obj, "language": content_language.language_name(lang)},
        )
        return redirect("directory:catalogue_edit", kind=kind, pk=obj.pk)
    return render(
        request,
        "directory/staff/catalogue_translate.html",
        {
            "kind": kind,
            "spec": spec,
            "form": form,
            "object": obj,
            "lang": lang,
            "language": content_language.language_name(lang),
            "languages": content_language.translation_languages(),
        },
    )


@staff_required(Role.ADMINISTRATOR)
def acronym_delete(request, pk):
    """Remove an acronym from the list, after a confirmation page (GET); POST removes it."""
    acronym = get_object_or_404(Acronym, pk=pk)
    if request.method == "POST":
        services.acronym_delete(acronym=acronym, actor=request.user, request=request)
        messages.success(request, _("Le sigle « %(name)s » est retiré de la liste.") % {"name": acronym})
        return redirect("directory:catalogue_list", kind="sigles")
    return render(request, "directory/staff/acronym_delete.html", {"acronym": acronym})


@staff_required(Role.ADMINISTRATOR)
def acronym_check(request):
    """The procedures whose texts use a listed acronym without its full form."""
    label = {f.name: f.verbose_name for f in Procedure._meta.get_fields() if hasattr(f, "verbose_name")}
    found = [
        (proc, [(label[name], entries) for name, entries in missing.items()])
        for proc, missing in selectors.procedures_with_unexpanded_acronyms()
    ]
    return render(request, "directory/staff/acronym_check.html", {"found": found})
