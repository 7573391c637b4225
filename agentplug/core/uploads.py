"""``upload_files``: what each entry is (image, PDF document, audio, video; a path or a URL)
and the attachment parts sent with the first prompt."""

from __future__ import annotations

import base64
import mimetypes
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from .messages import FilePart
from .params import UploadFile

DOCUMENT_TYPES = ("application/pdf",)


def mime_type(up: UploadFile) -> str:
    name = urlsplit(up.location).path if up.is_url else up.location
    guessed = mimetypes.guess_type(name)[0]
    if guessed:
        return guessed
    return {"image": "image/png", "audio": "audio/mpeg", "video": "video/mp4"}.get(
        up.kind, "application/pdf")


def category(up: UploadFile) -> str:
    """``image``, ``document``, ``audio`` or ``video``, with ``_url`` for a URL: the keys of a
    params model's ``upload_support``."""
    mime = mime_type(up)
    kind = mime.split("/")[0] if mime.split("/")[0] in ("image", "audio", "video") else (
        "document")
    return kind + ("_url" if up.is_url else "")


def to_part(up: UploadFile) -> FilePart:
    """The attachment (a local file read now; ``path`` already resolved by the loader)."""
    mime = mime_type(up)
    if up.is_url:
        return FilePart(mime, PurePosixPath(urlsplit(up.location).path).name or "file",
                        url=up.location)
    with open(up.location, "rb") as f:
        data = base64.b64encode(f.read()).decode("ascii")
    return FilePart(mime, PurePosixPath(up.location).name, data=data)
