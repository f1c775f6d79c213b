"""The board's message texts render with their sample values and use only declared variables."""

import pytest

from relais.mutualaid.messages import TEMPLATES
from relais.notifications import texts


@pytest.mark.parametrize("default", TEMPLATES, ids=lambda d: d.code)
def test_each_text_uses_only_its_declared_variables(default):
    allowed = texts.allowed_variables(default)
    for source in (default.subject, default.body, default.sms):
        assert texts.variables_used(str(source)) <= allowed


@pytest.mark.parametrize("default", TEMPLATES, ids=lambda d: d.code)
def test_each_text_renders_with_its_sample(default, db):
    context = {**texts.base_context(None), "person": {"display_name": "Jeanne Martin"}, **default.sample}
    rendered = texts.render(default.code, context, "fr")
    assert rendered.subject and "Jeanne Martin" in rendered.body
    assert "{{" not in rendered.body and "{%" not in rendered.body
    assert len(rendered.sms) <= 480


def test_every_text_is_known_to_the_outbox(db):
    assert {d.code for d in TEMPLATES} <= set(texts.all_defaults())
