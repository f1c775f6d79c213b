"""No translated sentence of any template shows an empty hole where a value should be.

A variable inside `{% blocktranslate %}` is looked up as a plain name in the context:
`{{ workshop.capacity }}` is never resolved, and the page reads "12 places libres sur ".
Every template of the project is parsed by Django's engine and its nodes walked; a
blocktranslate variable must be a plain name (given by `with`/`count`, or by the view).
The run-time half (a plain name the view forgot) is checked on every page by tests/test_pages.py.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.template import engines
from django.template.base import Node, TokenType
from django.templatetags.i18n import BlockTranslateNode

from tests.pagecheck import missing_variables, problems, record_missing_translation_variables


def project_templates() -> list[str]:
    """Names of every template of the project (templates/ and each Relais app's own)."""
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    roots += sorted((Path(settings.BASE_DIR) / "relais").glob("*/templates"))
    names = set()
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and path.suffix in (".html", ".txt", ".xml", ".svg", ".ics", ".md"):
                names.add(str(path.relative_to(root)))
    return sorted(names)


def _nodes(nodelist):
    for node in nodelist:
        yield node
        for attr in getattr(node, "child_nodelists", ()):
            yield from _nodes(getattr(node, attr, None) or [])
        if isinstance(node, Node) and hasattr(node, "conditions_nodelists"):  # {% if %}
            for _condition, child in node.conditions_nodelists:
                yield from _nodes(child)


def blocktranslate_problems(template_name: str) -> list[str]:
    template = engines["django"].engine.get_template(template_name)
    found = []
    for node in _nodes(template.nodelist):
        if not isinstance(node, BlockTranslateNode):
            continue
        provided = set(node.extra_context) | ({node.countervar} if node.countervar else set())
        for token in list(node.singular) + list(node.plural or []):
            name = token.contents
            if token.token_type != TokenType.VAR or name in provided:
                continue
            if not name.isidentifier():
                found.append(
                    f"{template_name}: {{{{ {name} }}}} inside blocktranslate always renders empty "
                    f"(give it a name: {{% blocktranslate with x={name} %}}…{{{{ x }}}})"
                )
    return found


def test_the_walk_finds_the_project_templates():
    names = project_templates()
    assert "base.html" in names
    assert any(name.startswith("mediation/") for name in names)


def test_no_blocktranslate_uses_a_dotted_or_filtered_variable():
    found = [problem for name in project_templates() for problem in blocktranslate_problems(name)]
    assert found == [], "\n".join(found)


def test_a_dotted_variable_is_reported_statically_and_at_render_time():
    """The checks themselves: the shape of the known defect is caught by both halves."""
    from django.template import Context, Template

    source = "{% load i18n %}<p>{% blocktranslate %}{{ free }} places libres sur {{ workshop.capacity }}{% endblocktranslate %}</p>"
    template = Template(source)
    node = next(n for n in _nodes(template.nodelist) if isinstance(n, BlockTranslateNode))
    assert missing_variables(node, Context({"free": 3, "workshop": {"capacity": 12}})) == ["workshop.capacity"]
    with record_missing_translation_variables() as recorded:
        html = template.render(Context({"free": 3, "workshop": {"capacity": 12}}))
    assert [name for _template, name in recorded] == ["workshop.capacity"]
    assert problems(html) == [
        "a translated sentence renders the variable 'workshop.capacity' empty (missing from its context)"
    ]
    fixed = Template(
        "{% load i18n %}{% blocktranslate with capacity=workshop.capacity %}{{ free }} places libres sur "
        "{{ capacity }}{% endblocktranslate %}"
    )
    with record_missing_translation_variables() as recorded:
        assert fixed.render(Context({"free": 3, "workshop": {"capacity": 12}})) == "3 places libres sur 12"
    assert recorded == []
