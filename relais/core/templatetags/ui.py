"""Template components of the Relais design system (loaded as builtins).

{% field form.name %}            label, hint, error beside the field, accessible attributes
{% field form.name warning=text %}   a non-blocking warning beside the field (text inputs)
{% field form.name heading=True %}   the label (or legend) is the page's heading (one question per page)
{% error_summary form %}         the summary at the top, linking to each field in error
{% page_has_errors as errors %}  whether any form of the page shows an error (the title's "Erreur :")
{% pagination page_obj %}        previous / next with page numbers, keeps the query string
{% breadcrumb "Accueil" "/" "Fiches" "" %}
{% tag case.get_status_display case.status_tone %}   a status tag; tones: "ok", "warn", "closed", "" (neutral)
{{ value|ltr }}  {{ text|ltr_within }}   values that read left to right on Arabic pages (core.bidi)
{% arrow "next" %}               → or ← by the reading direction
{% choice_labels listings "kind" "status" as listings %}   rows with `kind_label`, `status_label`
{% extends "base.html" %}         Django's, the root page's blocks listed once, not at every render
"""

from django import forms, template
from django.template import loader_tags
from django.template.base import TextNode
from django.template.loader import render_to_string
from django.utils.functional import LazyObject
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

register = template.Library()

_CHOICE_WIDGETS = (forms.RadioSelect, forms.CheckboxSelectMultiple)


class _ExtendsNode(loader_tags.ExtendsNode):
    """Django's ExtendsNode, except that the blocks of the root page (base.html) are listed
    once per compiled template, kept with it: Django walks the whole base page for them at
    every render (~0.09 ms of the ~0.7 a page's rendering takes). The same blocks, in the
    same order: the compiled template never changes once loaded."""

    def render(self, context):
        compiled_parent = self.get_parent(context)
        if loader_tags.BLOCK_CONTEXT_KEY not in context.render_context:
            context.render_context[loader_tags.BLOCK_CONTEXT_KEY] = loader_tags.BlockContext()
        block_context = context.render_context[loader_tags.BLOCK_CONTEXT_KEY]
        block_context.add_blocks(self.blocks)
        root_blocks = compiled_parent.__dict__.get("relais_root_blocks")
        if root_blocks is None:
            root_blocks = {}
            for node in compiled_parent.nodelist:
                # The ExtendsNode has to be the first non-text node: none, the parent is the root.
                if not isinstance(node, TextNode):
                    if not isinstance(node, loader_tags.ExtendsNode):
                        blocks = compiled_parent.nodelist.get_nodes_by_type(loader_tags.BlockNode)
                        root_blocks = {block.name: block for block in blocks}
                    break
            compiled_parent.relais_root_blocks = root_blocks
        block_context.add_blocks(root_blocks)
        with context.render_context.push_state(compiled_parent, isolated_context=False):
            return compiled_parent._render(context)


@register.tag("extends")
def extends(parser, token):
    node = loader_tags.do_extends(parser, token)
    node.__class__ = _ExtendsNode
    return node


@register.simple_tag
def field(bound_field, **options):
    """Render one form field: label, hint, error message and widget, linked by ids. A
    hidden field (one team to choose from) is only its input: no label names it."""
    widget = bound_field.field.widget
    if bound_field.is_hidden:
        return bound_field.as_widget()
    describedby = []
    hint_id = f"{bound_field.auto_id}-hint"
    error_id = f"{bound_field.auto_id}-error"
    warning_id = f"{bound_field.auto_id}-warning"
    warning = options.get("warning") or ""
    if bound_field.help_text:
        describedby.append(hint_id)
    if warning:
        describedby.append(warning_id)
    if bound_field.errors:
        describedby.append(error_id)
    attrs = {}
    if describedby:
        attrs["aria-describedby"] = " ".join(describedby)
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
    if options.get("autocomplete"):
        attrs["autocomplete"] = options["autocomplete"]
    if options.get("inputmode"):
        attrs["inputmode"] = options["inputmode"]
    grouped = isinstance(widget, _CHOICE_WIDGETS)
    return render_to_string(
        "components/field.html",
        {
            "field": bound_field,
            "widget_html": bound_field.as_widget(attrs=attrs),
            "hint_id": hint_id,
            "error_id": error_id,
            "warning": warning,
            "warning_id": warning_id,
            "grouped": grouped,
            "is_checkbox": isinstance(widget, forms.CheckboxInput),
            "label": options.get("label") or bound_field.label,
            "hide_optional": options.get("hide_optional", False),
            "heading": options.get("heading", False),
        },
    )


@register.simple_tag
def error_summary(*forms_, id=""):  # noqa: A002 - the HTML attribute
    """A summary of every error on the page, each linking to its field. `id`: the fragment
    a form's action names (action="#inscription"), so that the answer lands on the summary
    and focuses it (it takes focus: tabindex="-1"), without JavaScript."""
    items = []
    for form in forms_:
        if form is None or not form.is_bound or not form.errors:
            continue
        for error in form.non_field_errors():
            items.append({"message": error, "href": ""})
        for bound in form:
            # A group of radios or checkboxes is reached through its first option.
            grouped = isinstance(bound.field.widget, _CHOICE_WIDGETS)
            href = f"#{bound.auto_id}_0" if grouped else f"#{bound.auto_id}"
            for error in bound.errors:
                items.append({"message": error, "href": href, "label": bound.label})
    if not items:
        return ""
    return render_to_string("components/error_summary.html", {"items": items, "id": id})


def _has_errors(value) -> bool:
    if isinstance(value, forms.BaseForm):
        return value.is_bound and bool(value.errors)
    if isinstance(value, forms.BaseFormSet):
        return value.is_bound and (bool(value.non_form_errors()) or any(value.errors))
    if isinstance(value, dict):  # a view's forms by name: {"note": NoteForm(…), …}
        return any(_has_errors(v) for v in value.values() if isinstance(v, forms.BaseForm | forms.BaseFormSet))
    return False


@register.simple_tag(takes_context=True)
def page_has_errors(context) -> bool:
    """Whether a form (or formset) of the page, whatever its name, shows an error: the
    title of such a page starts with "Erreur :" (templates/staff/base.html). Values read
    only when shown (the footer's accessibility state, the CSRF token) are left unread: no
    form is one, and asking what they are would read them (so a view must not hand its
    form to the template wrapped in one)."""
    return any(_has_errors(value) for value in context.flatten().values() if not isinstance(value, LazyObject))


@register.simple_tag(takes_context=True)
def pagination(context, page_obj, param="page"):
    """Links to the pages of a list (`param`: the query parameter of its page number, when
    a page has two lists). A list counted past its cap (relais.core.paging) has no last page."""
    if page_obj is None or page_obj.paginator.num_pages <= 1:
        return ""
    request = context["request"]
    params = request.GET.copy()

    def url_for(number):
        params[param] = number
        return "?" + params.urlencode()

    pages = [
        {"number": n, "url": url_for(n), "current": n == page_obj.number}
        for n in page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=1, on_ends=1)
    ]
    return render_to_string(
        "components/pagination.html",
        {
            "page_obj": page_obj,
            "pages": pages,
            "previous_url": url_for(page_obj.previous_page_number()) if page_obj.has_previous() else "",
            "next_url": url_for(page_obj.next_page_number()) if page_obj.has_next() else "",
        },
    )


@register.simple_tag
def breadcrumb(*pairs):
    """Pairs of (label, url); the last one is the current page (its url is ignored)."""
    crumbs = [{"label": pairs[i], "url": pairs[i + 1]} for i in range(0, len(pairs) - 1, 2)]
    return render_to_string("components/breadcrumb.html", {"crumbs": crumbs})


@register.simple_tag
def tag(label, tone=""):
    """A short coloured label. The tone of a status is the model's (`Case.status_tone`…), never
    decided in a template."""
    html = render_to_string("components/tag.html", {"label": label, "tone": tone})
    # The tag sits inside a line of text: the file's final newline would add a space.
    return mark_safe(html.rstrip("\n"))  # noqa: S308 - the component escapes the label


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (empty value removes)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    params.pop("page", None)
    return "?" + urlencode(sorted(params.lists()), doseq=True) if params else "?"


@register.simple_tag
def choice_labels(rows, *fields):
    """`rows` as a list, each with `<field>_label` (relais.core.text.label_choices)."""
    from relais.core.text import label_choices

    return label_choices(rows, *fields)


@register.filter
def lines(text):
    """Split a text into its non-empty lines (for lists typed one per line)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (None when missing)."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def qr_code(text):
    """A QR code of `text` as an SVG data URI, drawn here (for letters and receipts)."""
    import segno

    return segno.make(str(text), error="m").svg_data_uri(scale=4, border=2)


@register.filter
def spaced_code(code):
    """A paper code as printed and read aloud: 4821 7730 9512."""
    from relais.core.access import spaced

    return spaced(str(code))


@register.simple_tag
def code_address():
    """Where a paper code is typed (the short address printed on letters)."""
    from relais.core.access import entry_address

    return entry_address()


@register.filter
def ltr(value):
    """A value that reads left to right on every page (phone number, reference, date, code,
    postcode, e-mail address, link, amount), isolated for Arabic pages: `{{ case.reference|ltr }}`.
    HTML only: in an attribute or a plain-text message, print the value itself."""
    from relais.core.bidi import isolate

    return isolate(value)


@register.filter
def ltr_within(text):
    """A sentence whose phone numbers, dates, times, references, postcodes and links are each
    isolated for Arabic pages (opening hours, "mardi 3 décembre, de 14 h à 17 h")."""
    from relais.core.bidi import isolate_within

    return isolate_within(text)


@register.simple_tag
def arrow(kind="next"):
    """An arrow pointing the way of reading, outside translated strings: `{% arrow "next" %}`
    is → on a French page and ← on an Arabic one ("previous", "forward" › too)."""
    from django.utils.translation import get_language_bidi

    from relais.core.bidi import arrow as glyph

    return glyph(kind, rtl=get_language_bidi())


@register.filter
def bdi(value):
    """A value isolated from the text around it, laid out in its own direction: a date
    with a month name ("5 décembre 2026" / "5 ديسمبر 2026"), a name typed by someone."""
    from relais.core.bidi import isolate_auto

    return isolate_auto(value)


@register.filter
def ltr_plain(value):
    """`value` between the Unicode marks that isolate it left to right, for text that cannot
    hold an element: a page's <title>, an <option>. Never in an SMS (the marks are not in
    the GSM alphabet)."""
    from relais.core.bidi import isolate_plain

    return isolate_plain(value)


@register.filter
def ltr_within_plain(text):
    """`ltr_within` for text that cannot hold an element (a page's <title>): each value
    between the Unicode marks LRI and PDI."""
    from relais.core.bidi import isolate_within_plain

    return isolate_within_plain(text)


@register.simple_tag
def languages_in_themselves():
    """The languages of the site, each named in itself as settings.LANGUAGES writes it
    (Français, English, العربية, never translated into the page's language), with its
    direction: [{"code", "name", "bidi"}]."""
    from django.conf import settings
    from django.utils.translation import get_language_info

    return [{"code": code, "name": name, "bidi": get_language_info(code)["bidi"]} for code, name in settings.LANGUAGES]
