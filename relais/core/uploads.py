"""Checks on uploaded files: size, and a type proven by the content, not by the name.

A file is accepted only when its first bytes (and, for images, a full decode) prove it
is a PDF, a JPEG or a PNG, and its name's extension agrees. Messages are plain French,
shown beside the field.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

KINDS = {
    "pdf": ("application/pdf", {".pdf"}),
    "jpeg": ("image/jpeg", {".jpg", ".jpeg"}),
    "png": ("image/png", {".png"}),
}


@dataclass
class CheckedFile:
    name: str
    content_type: str
    size: int
    sha256: str


def max_upload_bytes() -> int:
    return settings.RELAIS["MAX_UPLOAD_MB"] * 1024 * 1024


def _sniff(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    return None


def _image_is_whole(data: bytes, kind: str) -> bool:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format.lower() != kind:
                return False
            image.verify()
    except Exception:
        return False
    return True


def check_upload(upload, *, max_bytes: int | None = None) -> CheckedFile:
    """Validate an UploadedFile; raise ValidationError with a message for the resident."""
    limit = max_bytes or max_upload_bytes()
    name = PurePath(upload.name or "document").name
    if upload.size > limit:
        raise ValidationError(
            _("Le fichier « %(name)s » pèse %(size)s : la taille maximale est de %(max)s.")
            % {"name": name, "size": filesizeformat(upload.size), "max": filesizeformat(limit)},
            code="too_big",
        )
    if upload.size == 0:
        raise ValidationError(_("Le fichier « %(name)s » est vide.") % {"name": name}, code="empty")
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    kind = _sniff(data[:16])
    extension = PurePath(name).suffix.lower()
    allowed = _("PDF, JPEG (photo) ou PNG")
    if kind is None:
        raise ValidationError(
            _("Le fichier « %(name)s » n'est pas d'un type accepté. Types acceptés : %(allowed)s.")
            % {"name": name, "allowed": allowed},
            code="forbidden_type",
        )
    content_type, extensions = KINDS[kind]
    whole = b"%%EOF" in data[-2048:] if kind == "pdf" else _image_is_whole(data, kind)
    if extension not in extensions or not whole:
        raise ValidationError(
            _(
                "Le fichier « %(name)s » ne correspond pas à son type ou est abîmé. "
                "Envoyez un PDF, une photo JPEG ou une image PNG."
            )
            % {"name": name},
            code="type_mismatch",
        )
    return CheckedFile(
        name=get_valid_filename(name)[:200] or f"document{extension}",
        content_type=content_type,
        size=upload.size,
        sha256=hashlib.sha256(data).hexdigest(),
    )
