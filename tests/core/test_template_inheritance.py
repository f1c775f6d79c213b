"""`{% extends %}` (relais.core.templatetags.ui): Django's, with the root page's blocks listed
once per compiled template instead of at every render. Same pages, block for block."""

from unittest import mock

from django.template import Context, Engine, loader_tags
from django.template.base import NodeList
from django.template.loaders.locmem import Loader

TEMPLATES = {
    "root.html": "<title>{% block title %}Relais{% endblock %}</title>{% block body %}<p>racine</p>{% endblock %}"
    "{% block foot %}pied{% endblock %}",
    "middle.html": '{% extends "root.html" %}{% block body %}<main>{% block content %}vide{% endblock %}</main>'
    "{% endblock %}",
    "page.html": '{% extends "middle.html" %}{% block title %}{{ name }} – {{ block.super }}{% endblock %}'
    "{% block content %}{% for n in numbers %}{{ n }}{% endfor %}{% endblock %}",
    "direct.html": '{% extends "root.html" %}{% block foot %}{{ block.super }} et plus{% endblock %}',
}


def _engine(*, relais: bool) -> Engine:
    return Engine(
        loaders=[("django.template.loaders.cached.Loader", [(f"{Loader.__module__}.Loader", TEMPLATES)])],
        builtins=["relais.core.templatetags.ui"] if relais else [],
    )


def test_pages_render_as_with_djangos_own_extends_every_time():
    ours, django = _engine(relais=True), _engine(relais=False)
    for name, context in (("page.html", {"name": "Atelier", "numbers": [1, 2, 3]}), ("direct.html", {})):
        expected = django.get_template(name).render(Context(context))
        assert [ours.get_template(name).render(Context(context)) for _ in range(3)] == [expected] * 3
    assert expected == "<title>Relais</title><p>racine</p>pied et plus"


def test_the_root_pages_blocks_are_listed_once_not_at_every_render():
    ours = _engine(relais=True)
    page = ours.get_template("page.html")
    assert type(page.nodelist[0]).__name__ == "_ExtendsNode"
    root = ours.get_template("root.html").nodelist
    walks, real = [], NodeList.get_nodes_by_type

    def counted(self, nodetype):
        walks.extend([1] if self is root and nodetype is loader_tags.BlockNode else [])
        return real(self, nodetype)

    with mock.patch.object(NodeList, "get_nodes_by_type", counted):
        rendered = {page.render(Context({"name": "x", "numbers": []})) for _ in range(5)}
    assert len(walks) == 1 and len(rendered) == 1


def test_the_project_templates_use_it(client, db):
    from django.template.loader import get_template

    assert type(get_template("mediation/registration_manage.html").template.nodelist[0]).__name__ == "_ExtendsNode"
