"""Parts of a page that are the same for every visitor, kept rendered (relais.core.pagecache).

    {% load public_cache %}
    {% public_cache "places" request.get_full_path %} … {% endpublic_cache %}
    {% public_cache "list" procedures|pks %} … {% endpublic_cache %}

The part is rendered once, then served from the "pages" cache for at most 60 s (or
`timeout=N`) under the version of public content (forgotten as soon as a change made
through Relais is committed), the page's language, the template, the name given and the
values after it (what the part varies with: the address with its filters, a page number…),
and the language the catalogue's texts are shown in (`?langue=`).

Never around anything personal: a name, a message, a booking, a CSRF token (a part
holding one is not kept), what a resident blocked (give it as a value to vary with).
"""

from __future__ import annotations

from django import template
from django.core.cache import caches
from django.db import DatabaseError

from relais.core import content_language, pagecache

register = template.Library()

CSRF_FIELD = 'name="csrfmiddlewaretoken"'


class PublicCacheNode(template.Node):
    def __init__(self, nodelist, name, vary_on, timeout):
        self.nodelist = nodelist
        self.name = name
        self.vary_on = vary_on
        self.timeout = timeout

    def render(self, context):
        where = getattr(self.origin, "template_name", "") or ""
        try:
            key = pagecache.fragment_key(
                f"{where}:{self.name.resolve(context)}",
                # Texts of the catalogue may be shown in another language than the page's (?langue=tr).
                content_language.requested_language(context.get("request")),
                *(value.resolve(context) for value in self.vary_on),
            )
        except DatabaseError:  # the version is out of reach: an error page must still render
            return self.nodelist.render(context)
        pages = caches["pages"]
        kept = pages.get(key)
        if kept is not None:
            return kept
        rendered = self.nodelist.render(context)
        if CSRF_FIELD not in rendered:
            pages.set(key, rendered, self.timeout.resolve(context) if self.timeout else pagecache.FRAGMENT_TIMEOUT)
        return rendered


@register.filter
def pks(objects) -> tuple:
    """The ids of a list of records, to vary a part with the records it shows."""
    return tuple(getattr(obj, "pk", obj) for obj in objects)


@register.tag("public_cache")
def public_cache(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("'public_cache' needs a name.")
    nodelist = parser.parse(("endpublic_cache",))
    parser.delete_first_token()
    timeout = None
    vary_on = []
    for bit in bits[2:]:
        if bit.startswith("timeout="):
            timeout = parser.compile_filter(bit.removeprefix("timeout="))
        else:
            vary_on.append(parser.compile_filter(bit))
    return PublicCacheNode(nodelist, parser.compile_filter(bits[1]), vary_on, timeout)
