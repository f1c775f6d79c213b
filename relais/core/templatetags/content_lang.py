"""Town-written content in the reader's language, marked with the language it is in.

{% content procedure "title" %}          inline: the text (translated when there is a
                                         translation), in <span lang="fr"> when it is not
                                         in the page's language
{% content listing.title %}              a plain string the town (or a resident) wrote in French
{% content_of procedure "easy_read" as falc %}
<section{{ falc.lang_attr }}>{% for line in falc.lines %}<p>{{ line }}</p>{% endfor %}</section>
                                         block: the Localized text, its `lang_attr` put on the
                                         element that holds it
{% content_text procedure "title" %}     the text alone, unmarked (<title>, attributes)
{% french_only_note procedure %}         "Cette page n'existe qu'en français." when the page's
                                         main content has no translation in its language

The content language is the page's, or `?langue=xx` (core.content_language.requested_language).
"""

from django import template
from django.template.loader import render_to_string

from relais.core import content_language as cl

register = template.Library()


def _lang(context) -> str:
    return cl.requested_language(context.get("request"))


@register.simple_tag(takes_context=True)
def content_of(context, obj, field=None):
    return cl.localized(obj, field, _lang(context))


@register.simple_tag(takes_context=True)
def content(context, obj, field=None):
    return cl.localized(obj, field, _lang(context)).html


@register.simple_tag(takes_context=True)
def content_text(context, obj, field=None):
    return cl.localized(obj, field, _lang(context)).text


@register.filter
def text_direction(code):
    """ "rtl" or "ltr": the direction of a language (content_language.direction)."""
    return cl.direction(code or cl.FRENCH)


@register.simple_tag
def written(text):
    """Text a resident wrote, in a span with dir="auto" and no language (it is theirs)."""
    return cl.Written("" if text is None else str(text)).html


@register.simple_tag
def written_of(text):
    """The same, for `{{ x.lang_attr }}` on an element of one's own and `{{ x.text }}`."""
    return cl.Written("" if text is None else str(text))


@register.simple_tag(takes_context=True)
def language_query(context):
    """ "?langue=tr" when the page shows its content in another language than its own, so that a
    link to the next page (the request form of a fiche) keeps it."""
    request = context.get("request")
    return cl.language_query(request) if request is not None else ""


@register.simple_tag(takes_context=True)
def french_only_note(context, obj, field="title"):
    lang = _lang(context)
    if cl.base(lang) == cl.FRENCH or cl.has_translation(obj, lang, field):
        return ""
    return render_to_string("components/french_only.html", {"content_lang": lang})


@register.simple_tag(takes_context=True)
def content_languages_links(context, obj, field="title"):
    """ "Lire cette fiche en : Türkçe · English": the other languages `obj` exists in."""
    request = context.get("request")
    current = _lang(context)
    others = [(code, name) for code, name in cl.available_languages(obj, field) if code != current]
    if not others or request is None:
        return ""
    return render_to_string(
        "components/content_languages.html",
        {"languages": others, "path": request.path, "parameter": cl.QUERY_PARAMETER, "page": cl.page_language()},
    )
