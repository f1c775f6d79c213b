"""Message texts: defaults declared by each app, versions edited by administrators.

An app declares its messages in a module `<app>.messages` holding
`TEMPLATES = [MessageDefault(...)]`. Default texts are French marked for translation, so
a resident who chose English or Arabic reads them in that language; an administrator may
replace the text of any message in any language (MessageTemplate). Texts use Django
template syntax with a few variables (`{{ person.first_name }}`, `{{ reference }}`…).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.template import Context, Engine
from django.template.base import FilterExpression, Node, NodeList
from django.template.smartif import TokenBase
from django.utils import translation
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)
ENGINE = Engine(autoescape=False)  # plain text; the HTML e-mail escapes the result itself


@dataclass(frozen=True)
class MessageDefault:
    code: str
    name: str
    subject: str
    body: str
    sms: str = ""
    sample: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    sms: str


GENERIC = MessageDefault(
    code="generic",
    name=_("Message libre d'un agent"),
    subject=_("{{ subject }}"),
    body=_("Bonjour {{ person.display_name }},\n\n{{ text }}\n\nLa mairie de {{ town.TOWN_NAME }}"),
    sms=_("{{ town.TOWN_NAME }} : {{ text }}"),
    sample={"subject": "Votre rendez-vous", "text": "Merci de rappeler la mairie."},
)

TEMPLATES = [GENERIC]


@cache
def all_defaults() -> dict[str, MessageDefault]:
    found = {}
    for config in apps.get_app_configs():
        name = f"{config.name}.messages"
        if config.name.startswith("relais.") and find_spec(name):
            for default in import_module(name).TEMPLATES:
                found[default.code] = default
    for default in TEMPLATES:
        found[default.code] = default
    return found


def person_context(person) -> dict:
    """The only facts about a person that message texts may use."""
    if person is None:
        return {}
    return {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "display_name": " ".join(p for p in [person.first_name, person.last_name] if p) or person.display_name,
    }


def base_context(person) -> dict:
    return {"person": person_context(person), "town": settings.RELAIS, "site_url": settings.SITE_URL}


def render_text(source: str, context: dict) -> str:
    return ENGINE.from_string(source).render(Context(context, autoescape=False)).strip()


# What an administrator's text may use: variables, a few harmless filters, and {% if %}.
ALLOWED_FILTERS = {"default", "upper", "lower", "capfirst", "title", "date", "yesno", "length", "linebreaksbr"}
ALLOWED_TAGS = {"if", "elif", "else", "endif"}
_TAG = re.compile(r"{%-?\s*(\w+)(.*?)-?%}", re.S)


class UnsafeText(ValueError):
    """An administrator's text uses something a message text may not."""


def check_source(source: str) -> None:
    """Raise TemplateSyntaxError or UnsafeText if an administrator's text cannot be used."""
    for tag, _args in _TAG.findall(source):
        if tag not in ALLOWED_TAGS:
            raise UnsafeText(_("la balise « %(tag)s » n'est pas permise") % {"tag": tag})
    for expression in _filter_expressions(ENGINE.from_string(source).nodelist):
        for func, _args in expression.filters:
            if func.__name__ not in ALLOWED_FILTERS:
                raise UnsafeText(_("le filtre « %(name)s » n'est pas permis") % {"name": func.__name__})


def _filter_expressions(nodelist) -> list[FilterExpression]:
    """Every filter expression of a template, wherever it sits: {{ … }}, the conditions of
    {% if %} and {% elif %} (inside and, or, not, comparisons), and any other tag's
    arguments ({% for … in x|f %}, {% with a=x|f %}), so that no filter escapes the check."""
    found = []

    def collect(value, depth=0):
        if depth > 50:
            return
        if isinstance(value, FilterExpression):
            found.append(value)
        elif isinstance(value, TokenBase):  # a condition of {% if %}: operators and literals
            for part in ("first", "second", "value"):
                collect(getattr(value, part, None), depth + 1)
        elif isinstance(value, list | tuple | set):
            for item in value:
                collect(item, depth + 1)
        elif isinstance(value, dict):
            for item in value.values():
                collect(item, depth + 1)

    for node in nodelist.get_nodes_by_type(Node):
        for name, value in vars(node).items():
            if name not in ("token", "origin") and not isinstance(value, NodeList):
                collect(value)
    return found


def variables_used(source: str) -> set[str]:
    """First names of the variables a text uses ("person" for {{ person.first_name }}),
    wherever they are: printed, in {% if %} conditions, or as a filter's argument."""
    check_source(source)
    names = set()
    for expression in _filter_expressions(ENGINE.from_string(source).nodelist):
        variables = [expression.var] + [arg for is_lookup, arg in
                                        (a for _func, args in expression.filters for a in args) if is_lookup]  # fmt: skip
        for variable in variables:
            lookups = getattr(variable, "lookups", None)
            if lookups:
                names.add(lookups[0])
    return names


def allowed_variables(default: MessageDefault) -> set[str]:
    return {"person", "town", "site_url", *default.sample}


def message_language(code: str, preferred: str | None) -> str:
    """The language a message goes in to someone who prefers `preferred`: theirs when Relais
    speaks it, or when the town wrote this message in it (a content-only language), else the
    interface language they fall back to (French)."""
    from relais.core.content_language import interface_language, is_offered
    from relais.notifications.models import MessageTemplate

    language = interface_language(preferred)
    # A language the town no longer offers (removed from RELAIS_CONTENT_LANGUAGES) is not sent in.
    if (
        preferred
        and preferred != language
        and is_offered(preferred)
        and MessageTemplate.objects.filter(code=code, language=preferred).exists()
    ):
        return preferred
    return language


def texts_for(code: str, language: str) -> tuple[str, str, str]:
    """(subject, body, sms) sources: the administrator's version, else the translated default."""
    from relais.notifications.models import MessageTemplate

    override = MessageTemplate.objects.filter(code=code, language=language).first()
    if override:
        return override.subject, override.body, override.sms
    default = all_defaults()[code]
    with translation.override(language):
        return str(default.subject), str(default.body), str(default.sms)


def render(code: str, context: dict, language: str) -> Rendered:
    subject, body, sms = texts_for(code, language)
    with translation.override(language):
        try:
            return Rendered(
                subject=" ".join(render_text(subject, context).split())[:200],
                body=render_text(body, context),
                sms=render_text(sms, context) if sms else "",
            )
        except Exception:
            # An administrator's text that does not render must never stop a message (nor
            # the request filed with it): log it and use the default text.
            logger.exception("message text %s/%s does not render; default text used", code, language)
            default = all_defaults()[code]
            return Rendered(
                subject=render_text(str(default.subject), context)[:200],
                body=render_text(str(default.body), context),
                sms=render_text(str(default.sms), context) if default.sms else "",
            )
