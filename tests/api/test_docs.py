"""The API's documentation page: generated from the schema, plain HTML, no CDN, page checks."""

import re

import pytest

from relais.api.v1 import api
from tests.pagecheck import problems, record_missing_translation_variables

pytestmark = pytest.mark.django_db

DOCS = "/api/v1/docs/"


@pytest.fixture
def page(client):
    with record_missing_translation_variables():
        response = client.get(DOCS)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


def test_the_page_passes_the_page_checks(page):
    assert problems(page) == []
    assert '<html lang="fr"' in page


def test_every_operation_of_the_schema_is_on_the_page_with_its_method_and_path(page):
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert f'id="op-{operation["operationId"]}"' in page
            assert f"{method.upper()} {path}" in page


def test_every_problem_type_leads_to_its_explanation(page, client):
    for code in ("validation", "format", "taille", "introuvable", "cle", "droits", "limite", "erreur"):
        assert f'id="{code}"' in page
    problem = client.get("/api/v1/procedures/pas-une-fiche").json()
    assert problem["type"].startswith(DOCS + "#")
    assert f'id="{problem["type"].split("#")[1]}"' in page


def test_nothing_is_loaded_from_another_site(page):
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', page)


def test_the_schema_link_on_the_page_works(page, client):
    href = re.search(r'href="(/api/v1/openapi\.json)"', page).group(1)
    schema = client.get(href).json()
    assert schema["info"]["title"] == "Relais"
    assert "Problem" in schema["components"]["schemas"]


def test_every_problem_code_used_by_the_api_is_explained_on_the_page(page):
    from pathlib import Path

    import relais.api

    codes = set()
    for source in Path(relais.api.__file__).parent.glob("*.py"):
        codes |= set(re.findall(r'code="([a-z]+)"', source.read_text()))
    assert codes
    assert {code for code in codes if f'id="{code}"' not in page} == set()
