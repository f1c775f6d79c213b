import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from relais.cases.models import Form

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def pdf_file(name="piece.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def png_file(name="photo.png"):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def electoral_form(db):
    return Form.objects.get(slug="listes-electorales")


@pytest.fixture
def ccas_form(db):
    """No file question: quick to fill."""
    return Form.objects.get(slug="rendez-vous-ccas")


@pytest.fixture
def street_form(db):
    return Form.objects.get(slug="signalement-voirie")
