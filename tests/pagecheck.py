"""What automatic accessibility checkers miss on a page, read from its HTML.

`problems(html)` returns readable sentences (empty list: nothing found):

- an id given to two elements (a label, a fragment link or a script then reaches the first);
- a `<label for=X>` whose X does not exist, is not a control a label can name, or sits in
  another form than the label (two forms of a page rendering the same field ids: the label
  "Note interne" naming the message sent to the resident);
- `aria-labelledby`, `aria-describedby` and `href="#x"` naming an id that does not exist
  (a link to the error summary `#inscription` that leads nowhere);
- a translated sentence that lost one of its variables: `record_missing_translation_variables()`
  (a context manager, for tests rendering pages in this process) writes the marker
  `MISSING_MARK` in place of a `{% blocktranslate %}` variable absent from the context, and
  `problems()` reports the marker, naming the variable.

Only the standard library's html.parser: tests and the browser fixture both feed it a page.
"""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser

# What a blocktranslate variable missing from the context renders as, while recording.
MISSING_MARK = "\u27e6missing:{}\u27e7"
_MISSING_RE = re.compile("\u27e6missing:([^\u27e7]*)\u27e7")

# Elements a <label for> may name (HTML "labelable elements"); <input type=hidden> is not one.
LABELABLE = {"button", "input", "meter", "output", "progress", "select", "textarea"}
# Fragments a browser understands without an element of that id.
FREE_FRAGMENTS = {"", "top"}


@dataclass
class _Element:
    tag: str
    attrs: dict
    form: int | None  # index of the <form> it sits in (or names with form="…"), None outside any
    line: int


class _Page(HTMLParser):
    """Every start tag of a page, with the form it sits in."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[_Element] = []
        self.form_ids: dict[int, str | None] = {}  # form index -> its id attribute
        self._forms: list[int] = []  # open <form> indexes
        self._form_count = 0

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            index = self._form_count
            self._form_count += 1
            self.form_ids[index] = a.get("id")
            self._forms.append(index)
        form = self._forms[-1] if self._forms else None
        self.elements.append(_Element(tag, a, form, self.getpos()[0]))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "form" and self._forms:
            self._forms.pop()

    def handle_endtag(self, tag):
        if tag == "form" and self._forms:
            self._forms.pop()


def _describe(element: _Element) -> str:
    name = element.attrs.get("name")
    return f"<{element.tag}{f' name={name!r}' if name else ''}> (line {element.line})"


def _form_of(element: _Element, form_by_id: dict) -> int | None:
    """The form a control belongs to: its form="…" attribute, else the enclosing form."""
    owner = element.attrs.get("form")
    if owner and owner in form_by_id:
        return form_by_id[owner]
    return element.form


def problems(html: str) -> list[str]:
    """Readable problems of one HTML page (see the module docstring)."""
    page = _Page()
    page.feed(html)
    page.close()
    found: list[str] = []

    by_id: dict[str, _Element] = {}
    counts = Counter()
    for element in page.elements:
        element_id = element.attrs.get("id")
        if element_id is None:
            continue
        counts[element_id] += 1
        by_id.setdefault(element_id, element)
    for element_id, count in sorted(counts.items()):
        if count > 1:
            where = ", ".join(_describe(e) for e in page.elements if e.attrs.get("id") == element_id)
            found.append(f"id {element_id!r} is given to {count} elements: {where}")
        if element_id == "":
            found.append("an element has an empty id")
    names = {e.attrs["name"] for e in page.elements if e.tag == "a" and e.attrs.get("name")}
    form_by_id = {form_id: index for index, form_id in page.form_ids.items() if form_id}

    labels_of: dict[str, list[_Element]] = {}
    for element in page.elements:
        attrs = element.attrs
        if element.tag == "label" and "for" in attrs:
            target = by_id.get(attrs["for"])
            if target is None:
                found.append(f"<label for={attrs['for']!r}> (line {element.line}) names no element")
            elif target.tag not in LABELABLE or (target.tag == "input" and target.attrs.get("type") == "hidden"):
                found.append(
                    f"<label for={attrs['for']!r}> (line {element.line}) names {_describe(target)}, "
                    "which a label cannot name"
                )
            elif _form_of(target, form_by_id) != element.form and element.form is not None:
                found.append(
                    f"<label for={attrs['for']!r}> (line {element.line}) names {_describe(target)} of another form"
                )
            else:
                labels_of.setdefault(attrs["for"], []).append(element)
        for attr in ("aria-labelledby", "aria-describedby"):
            for ref in attrs.get(attr, "").split():
                if ref not in by_id:
                    found.append(f"{attr}={ref!r} on {_describe(element)} names no element")
        href = attrs.get("href") if element.tag in ("a", "area") else None
        if href and href.startswith("#"):
            fragment = href[1:]
            if fragment not in FREE_FRAGMENTS and fragment not in by_id and fragment not in names:
                found.append(f'link href="{href}" (line {element.line}) leads to no element of the page')
    for target, labels in labels_of.items():
        forms = {label.form for label in labels}
        if len(forms) > 1:
            found.append(f"the control {target!r} is named by labels of {len(forms)} different forms")

    for variable in sorted(set(_MISSING_RE.findall(html))):
        found.append(f"a translated sentence renders the variable {variable!r} empty (missing from its context)")
    return found


# ---------------------------------------------------------------- recording at render time


def missing_variables(node, context) -> list[str]:
    """The variables of a {% blocktranslate %} node that `context` lacks (with/count ones given)."""
    from django.template.base import TokenType

    tokens = list(node.singular) + list(node.plural or [])
    used = [t.contents for t in tokens if t.token_type == TokenType.VAR]
    provided = set(node.extra_context) | ({node.countervar} if node.countervar else set())
    return [name for name in dict.fromkeys(used) if name not in provided and name not in context]


@contextlib.contextmanager
def record_missing_translation_variables():
    """While active, every {% blocktranslate %} variable missing from its context is listed
    (the yielded list holds (template name, variable) pairs) and rendered as `MISSING_MARK`."""
    from django.templatetags.i18n import BlockTranslateNode

    original = BlockTranslateNode.render
    recorded: list[tuple[str, str]] = []

    def render(self, context, nested=False):
        missing = missing_variables(self, context)
        if not missing:
            return original(self, context, nested)
        origin = getattr(getattr(self, "origin", None), "template_name", None) or "?"
        recorded.extend((origin, name) for name in missing)
        with context.push({name: MISSING_MARK.format(name) for name in missing}):
            return original(self, context, nested)

    BlockTranslateNode.render = render
    try:
        yield recorded
    finally:
        BlockTranslateNode.render = original
