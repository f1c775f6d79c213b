"""Checks on uploaded files: size, and a type proven by the content, not by the name.

A file is accepted only when its first bytes (and, for images, a full decode) prove it
is a PDF, a JPEG or a PNG, and its name's extension agrees. Messages are plain French,
shown beside the field.

Images are decoded, not merely `verify()`-ed: Pillow's verify() reads the structure but
not the compressed pixels, so it accepts a JPEG cut in half. Their size in pixels is
checked before decoding: a 12 KB PNG can claim 10 000 × 10 000 pixels and would take
hundreds of megabytes to decode (a "decompression bomb").
"""

from __future__ import annotations

import hashlib
import io
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import transaction
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


def max_image_pixels() -> int:
    return settings.RELAIS["MAX_IMAGE_MEGAPIXELS"] * 1_000_000


def _sniff(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    return None


class _TooManyPixels(Exception):
    def __init__(self, size: tuple[int, int] | None = None):
        super().__init__(size)
        self.size = size


_strict_lock = threading.Lock()


@contextmanager
def _truncated_images_refused():
    """WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES on import (it would
    rather draw half a picture than fail a PDF); a check of uploads must see the cut. The
    flag is global, so it is turned off only for the time of one decode, one at a time."""
    from PIL import ImageFile

    with _strict_lock:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


def _image_is_whole(data: bytes, kind: str) -> bool:
    """Decode the whole image (raises _TooManyPixels above the limit, before decoding)."""
    from PIL import Image

    try:
        with _truncated_images_refused(), Image.open(io.BytesIO(data)) as image:
            if image.format.lower() != kind:
                return False
            width, height = image.size
            if width * height > max_image_pixels():
                raise _TooManyPixels((width, height))
            if kind == "jpeg":
                # Decode at 1/8 scale: every compressed byte is still read (a cut file still
                # fails), with 64 times less memory than the full picture.
                image.draft(image.mode, (max(width // 8, 1), max(height // 8, 1)))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own guard (its limit may be below ours if the setting was raised).
        raise _TooManyPixels() from None
    except _TooManyPixels:
        raise
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
    try:
        whole = b"%%EOF" in data[-2048:] if kind == "pdf" else _image_is_whole(data, kind)
    except _TooManyPixels as error:
        size = _(" (%(w)s × %(h)s pixels)") % {"w": error.size[0], "h": error.size[1]} if error.size else ""
        raise ValidationError(
            _(
                "L'image « %(name)s » est trop grande%(size)s : la limite est de %(max)s millions de pixels. "
                "Envoyez une photo prise en taille normale, ou un PDF."
            )
            % {"name": name, "size": size, "max": f"{max_image_pixels() / 1_000_000:g}"},
            code="too_many_pixels",
        ) from None
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


# ---------------------------------------------------------------- files of a failed request

_written = threading.local()


class PrivateStorage(FileSystemStorage):
    """The private storage (outside the web root) that forgets a file whose transaction
    does not commit: a file saved inside a transaction is kept once it commits; if the
    request ends without that commit (an error, a rollback), the file is removed
    (`remove_uncommitted_files`, on `request_finished`). A process killed in between
    leaves a file that the retention purge sweeps later (`core.retention.orphan_files`)."""

    def _save(self, name, content):
        name = super()._save(name, content)
        connection = transaction.get_connection()
        if connection.in_atomic_block:
            pending = _pending()
            entry = (self, name)
            pending.append(entry)
            transaction.on_commit(lambda: entry in pending and pending.remove(entry))
        return name


def _pending() -> list:
    if not hasattr(_written, "files"):
        _written.files = []
    return _written.files


def remove_uncommitted_files(**kwargs) -> int:
    """At the end of a request: remove the files it saved whose transaction never committed."""
    if transaction.get_connection().in_atomic_block:
        return 0  # still inside a transaction (a test case): its outcome is not known yet
    return remove_files_never_committed()


def remove_files_never_committed() -> int:
    """Remove the files saved in this thread, inside a transaction, that did not commit
    (on commit, a file leaves this list); returns how many."""
    pending = _pending()
    count = 0
    while pending:
        storage, name = pending.pop()
        storage.delete(name)
        count += 1
    return count
