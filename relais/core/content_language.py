"""Town-written content in several languages, and the language each text is in.

The town writes its content (procedures, themes, places, request forms and their questions)
in French. Administrators may give a translation of it in any language offered for content:
the interface's languages (settings.LANGUAGES) plus the languages the town adds for content
only (RELAIS_CONTENT_LANGUAGES, e.g. "tr,uk"). A translatable model keeps them in one JSON
field, ``translations = {"en": {"title": "…", "summary": "…"}, "tr": {…}}``.

`localized(obj, "title")` answers the text to show and the language it is in: the translation
in the asked language when it is there and not empty, else the French text. Templates show it
through the ``content`` tags (core/templatetags/content_lang.py), which mark the text with
``lang`` (and ``dir``) whenever its language is not the page's, so that a screen reader reads
French with a French voice on an English or Arabic page.

A resident reads a content-only language from links on the page ("Lire cette fiche en :
Türkçe") that add ``?langue=tr``: the page stays in the interface language, the content comes
in Turkish and is marked ``lang="tr"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.deconstruct import deconstructible
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext_lazy as _

FRENCH = "fr"
# The query parameter that asks for the content in another language than the page's.
QUERY_PARAMETER = "langue"
RTL_LANGUAGES = {"ar", "fa", "he", "ur", "ps", "ku", "yi", "dv"}
# Names of languages a town may add, in themselves (shown in the links "Lire cette fiche en").
_NAMES = {
    "tr": "Türkçe",
    "uk": "Українська",
    "ru": "Русский",
    "es": "Español",
    "pt": "Português",
    "it": "Italiano",
    "de": "Deutsch",
    "ro": "Română",
    "pl": "Polski",
    "zh": "中文",
    "vi": "Tiếng Việt",
    "fa": "فارسی",
    "ps": "پښتو",
    "ta": "தமிழ்",
    "wo": "Wolof",
    "bm": "Bamanankan",
    "sq": "Shqip",
    "ka": "ქართული",
    "hy": "Հայերեն",
}


def base(code: str | None) -> str:
    """ "en-gb" → "en"; None → French."""
    return (code or FRENCH).split("-")[0].lower()


def offered_languages() -> list[tuple[str, str]]:
    """Every language content can be written in, (code, name in itself): the interface's
    languages first, then the town's content-only ones."""
    languages = [(code, name) for code, name in settings.LANGUAGES]
    known = {code for code, _name in languages}
    for code in getattr(settings, "RELAIS_CONTENT_LANGUAGES", []):
        if code not in known:
            languages.append((code, language_name(code)))
            known.add(code)
    return languages


def language_choices() -> list[tuple[str, str]]:
    """Choices of a model field holding a language (a person's, a message text's): callable, so
    that the town's languages are read when needed, not written into a migration."""
    return offered_languages()


def interface_language(code: str | None) -> str:
    """The interface language for someone who prefers `code`: itself when the interface speaks
    it, else French (a content-only language has no translation of Relais's own words)."""
    return code if code in {c for c, _n in settings.LANGUAGES} else settings.LANGUAGE_CODE


def content_only_languages() -> list[tuple[str, str]]:
    interface = {code for code, _name in settings.LANGUAGES}
    return [(code, name) for code, name in offered_languages() if code not in interface]


def translation_languages() -> list[tuple[str, str]]:
    """The languages an administrator may translate into (every offered one but French)."""
    return [(code, name) for code, name in offered_languages() if code != FRENCH]


def is_offered(code: str | None) -> bool:
    return bool(code) and code in {c for c, _n in offered_languages()}


def language_name(code: str) -> str:
    """The language's name in itself: "Türkçe", "English", "العربية"."""
    for known, name in settings.LANGUAGES:
        if known == code:
            return name
    if code in _NAMES:
        return _NAMES[code]
    try:
        return get_language_info(code)["name_local"]
    except KeyError:
        return code


def direction(code: str) -> str:
    return "rtl" if base(code) in RTL_LANGUAGES else "ltr"


@deconstructible
class TranslationsValidator:
    """A `translations` value: {offered language (not French): {translatable field: text}}."""

    def __init__(self, fields: tuple[str, ...] = ()):
        self.fields = tuple(fields)

    def __call__(self, value):
        if not isinstance(value, dict):
            raise ValidationError(_("Valeur attendue : un dictionnaire de traductions."))
        for code, texts in value.items():
            if code == FRENCH or not is_offered(code):
                raise ValidationError(
                    _("La langue « %(code)s » n'est pas proposée pour le contenu."), params={"code": code}
                )
            if not isinstance(texts, dict) or not all(_is_text(v) for v in texts.values()):
                raise ValidationError(_("Valeur attendue : un texte par champ."))
            unknown = sorted(set(texts) - set(self.fields)) if self.fields else []
            if unknown:
                raise ValidationError(_("Champ non traduisible : %(names)s."), params={"names": ", ".join(unknown)})

    def __eq__(self, other):
        return isinstance(other, TranslationsValidator) and other.fields == self.fields


def _is_text(value) -> bool:
    """A translated field: a text, or choices keyed by their French text ({french: translated})."""
    if isinstance(value, str):
        return True
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def keyed_choices(french: list[str], text: str) -> dict[str, str]:
    """The translation of choices typed one per line in the French order, keyed by the French
    choice it translates: {"Aide alimentaire": "Food aid"}. A translation is kept with the choice
    it was made for, so reordering or rewording the French choices never pairs a translation with
    another choice. Empty lines (kept in place) leave their choice in French."""
    lines = [line.strip() for line in (text or "").splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    if len(lines) != len(french):
        lines = [line for line in lines if line]
    return {fr: tr for fr, tr in zip(french, lines, strict=False) if tr}


def choices_as_lines(french: list[str], translated: dict[str, str]) -> str:
    """The keyed translation of choices written back one per line in the French order (the
    translation page's box); a choice without translation is an empty line."""
    if not translated:
        return ""
    return "\n".join(translated.get(fr, "") for fr in french)


def choice_translations(obj, lang: str, field: str = "choices") -> dict[str, str]:
    """{French choice: its translation in `lang`} (only choices still offered in French)."""
    if base(lang) == FRENCH:
        return {}
    value = ((getattr(obj, "translations", None) or {}).get(lang) or {}).get(field)
    if not isinstance(value, dict):
        return {}
    french = set(lines_of(getattr(obj, field, "") or ""))
    return {fr: tr.strip() for fr, tr in value.items() if fr in french and isinstance(tr, str) and tr.strip()}


def translations_field(*fields: str):
    """The JSON field holding a model's translations (`fields`: the ones that may be translated)."""
    from django.db import models

    return models.JSONField(
        _("traductions"), default=dict, blank=True, editable=False, validators=[TranslationsValidator(fields)]
    )


def page_language() -> str:
    return base(get_language())


@dataclass(frozen=True)
class Localized:
    """A text and the language it is in, as shown on a page in `page` language."""

    text: str
    lang: str
    page: str

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)

    @property
    def foreign(self) -> bool:
        """The text is not in the page's language: it must be marked."""
        return base(self.lang) != base(self.page)

    @property
    def lang_attr(self) -> SafeString:
        """` lang="fr"` (and `dir`) to put on the element holding the text, or nothing."""
        if not self.foreign:
            return mark_safe("")  # noqa: S308 - constant
        attrs = format_html(' lang="{}"', self.lang)
        if direction(self.lang) != direction(self.page):
            attrs += format_html(' dir="{}"', direction(self.lang))
        return attrs

    @property
    def html(self) -> SafeString:
        """The text, escaped, in a span marking its language when it is not the page's."""
        if not self.foreign:
            return format_html("{}", self.text)
        return format_html("<span{}>{}</span>", self.lang_attr, self.text)

    @property
    def lines(self) -> list[str]:
        return [line.strip() for line in self.text.splitlines() if line.strip()]


@dataclass(frozen=True)
class Written:
    """A text a resident wrote (a mutual-aid listing, a message): in whatever language they
    wrote it, so it is not marked as French; `dir="auto"` lets an Arabic listing read right to
    left on a French page and a French one left to right on an Arabic page."""

    text: str

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)

    foreign = False
    lang = ""

    @property
    def lang_attr(self) -> SafeString:
        return mark_safe(' dir="auto"')  # noqa: S308 - constant

    @property
    def html(self) -> SafeString:
        return format_html('<span dir="auto">{}</span>', self.text)

    @property
    def lines(self) -> list[str]:
        return [line.strip() for line in self.text.splitlines() if line.strip()]


def translation_of(obj, field: str, lang: str) -> str:
    """The translation of `obj.field` in `lang`, or "" when there is none."""
    if base(lang) == FRENCH:
        return ""
    texts = (getattr(obj, "translations", None) or {}).get(lang) or {}
    value = texts.get(field)
    return value.strip() if isinstance(value, str) else ""


def localized(obj, field: str | None = None, lang: str | None = None, *, page: str | None = None) -> Localized:
    """The text of `obj.field` in `lang` (the page's language by default) and the language it
    is in: the translation when present and not empty, else the French text. A plain string
    (`field` None) is town-written French: listings, answers' questions kept with a request."""
    page = base(page or get_language())
    lang = lang or page
    if field is None:
        return Localized(text="" if obj is None else str(obj), lang=FRENCH, page=page)
    translated = translation_of(obj, field, lang)
    if translated:
        return Localized(text=translated, lang=lang, page=page)
    value = getattr(obj, field, "")
    return Localized(text="" if value is None else str(value), lang=FRENCH, page=page)


class InRenderingLanguage:
    """`obj.field` shown in the language active when it is turned into text: a message's
    variable ({{ form }}) reads in the language the message is written in."""

    def __init__(self, obj, field: str):
        self.obj, self.field = obj, field

    def __str__(self) -> str:
        return localized(self.obj, self.field, page_language()).text

    def __eq__(self, other):
        return str(self) == str(other)

    def __hash__(self):
        return hash(str(self))


def has_translation(obj, lang: str, field: str = "title") -> bool:
    """Whether `obj` has its main text (`field`) in `lang` (French always)."""
    return base(lang) == FRENCH or bool(translation_of(obj, field, lang))


def available_languages(obj, field: str = "title") -> list[tuple[str, str]]:
    """The offered languages `obj` can be read in (French first)."""
    return [(code, name) for code, name in offered_languages() if has_translation(obj, code, field)]


def requested_language(request) -> str:
    """The content language a page shows: the one a view kept for it (`request.content_language`,
    e.g. a request's draft started in Turkish), else `?langue=xx` when offered, else the page's."""
    kept = getattr(request, "content_language", None) if request is not None else None
    if is_offered(kept):
        return kept
    asked = request.GET.get(QUERY_PARAMETER, "") if request is not None else ""
    if is_offered(asked):
        return asked
    return page_language()


def language_query(request) -> str:
    """ "?langue=tr" to carry a content language asked for on a page to the next one, or ""."""
    lang = requested_language(request)
    if base(lang) == page_language():
        return ""
    return "?" + urlencode({QUERY_PARAMETER: lang})


def set_translations(obj, lang: str, texts: dict[str, str]) -> list[str]:
    """Replace `obj`'s translation in `lang` by `texts` (empty texts dropped); returns the names
    of the fields whose translation changed. Does not save."""
    if lang == FRENCH or not is_offered(lang):
        raise ValidationError(_("La langue « %(code)s » n'est pas proposée pour le contenu."), params={"code": lang})
    if obj.pk is not None and transaction.get_connection().in_atomic_block:
        # The row as it is now, locked: two administrators translating into English and into
        # Arabic at the same time both keep theirs.
        obj.translations = (
            type(obj).objects.select_for_update().filter(pk=obj.pk).values_list("translations", flat=True).first() or {}
        )
    all_texts = dict(obj.translations or {})
    before = all_texts.get(lang, {})
    after = {}
    for name, value in texts.items():
        if isinstance(value, dict):
            value = {k: v.strip() for k, v in value.items() if isinstance(v, str) and v.strip()}
            if value:
                after[name] = value
        elif value and value.strip():
            after[name] = value.strip()
    changed = sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))
    if after:
        all_texts[lang] = after
    else:
        all_texts.pop(lang, None)
    obj.translations = all_texts
    return changed
