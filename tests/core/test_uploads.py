"""Uploaded files are proven by their content: images are decoded whole, within a pixel limit."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from relais.core.uploads import check_upload


def _png(size, mode="1") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _jpeg(size=(400, 300)) -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_small_file_claiming_a_huge_picture_is_refused_with_a_clear_message():
    data = _png((10_000, 10_000))
    assert len(data) < 20_000  # a few kilobytes on disk, 100 million pixels once decoded
    with pytest.raises(ValidationError) as refused:
        check_upload(SimpleUploadedFile("plan.png", data, content_type="image/png"))
    assert refused.value.code == "too_many_pixels"
    message = refused.value.messages[0]
    assert "trop grande" in message and "10000 × 10000" in message and "40 millions de pixels" in message


def test_the_pixel_limit_follows_the_setting(settings):
    settings.RELAIS = {**settings.RELAIS, "MAX_IMAGE_MEGAPIXELS": 1}
    with pytest.raises(ValidationError, match="1 millions de pixels"):
        check_upload(SimpleUploadedFile("photo.png", _png((1200, 1000)), content_type="image/png"))
    assert check_upload(SimpleUploadedFile("photo.png", _png((1000, 1000)), content_type="image/png")).size


def test_a_jpeg_cut_in_half_is_refused():
    import weasyprint  # noqa: F401 - it tells Pillow to accept cut images, process-wide (PDFs are made here too)

    whole = _jpeg()
    assert check_upload(SimpleUploadedFile("photo.jpg", whole, content_type="image/jpeg")).content_type == "image/jpeg"
    half = whole[: len(whole) // 2]
    with Image.open(io.BytesIO(half)) as image:
        image.verify()  # what the check used to rely on: it does not notice
    with pytest.raises(ValidationError) as refused:
        check_upload(SimpleUploadedFile("photo.jpg", half, content_type="image/jpeg"))
    assert refused.value.code == "type_mismatch" and "abîmé" in refused.value.messages[0]


def test_a_png_cut_in_half_is_refused():
    import weasyprint  # noqa: F401

    whole = _png((300, 200), mode="RGB")
    noisy = io.BytesIO()
    Image.effect_noise((300, 200), 60).convert("RGB").save(noisy, format="PNG")
    data = noisy.getvalue()
    assert check_upload(SimpleUploadedFile("image.png", whole, content_type="image/png"))
    with pytest.raises(ValidationError, match="abîmé"):
        check_upload(SimpleUploadedFile("image.png", data[: len(data) // 2], content_type="image/png"))
