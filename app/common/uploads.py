"""Uploaded files: stored under UPLOAD_DIR by a random key, never by the name the user gave.

Only the database row knows the original name; downloads go through a view that checks
permission first, so no file is reachable by guessing a URL.
"""
import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import abort, current_app, send_file
from flask_babel import lazy_gettext as _l

from app.common.errors import DomainError
from app.common.forms import clean_line

PDF_MAGIC = b"%PDF-"


class InvalidUpload(DomainError):
    default_message = _l("Please choose a PDF file.")


@dataclass(frozen=True)
class StoredFile:
    key: str
    filename: str
    size: int
    sha256: str


def upload_dir() -> Path:
    folder = Path(current_app.config["UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def clean_filename(name: str) -> str:
    """The name to show and to offer on download: no folders, no control characters."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = clean_line(name.replace("\t", ""))  # as one-line text fields: no line breaks, bidi or zero-width
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    return name[:200] or "document.pdf"


def store_pdf(upload) -> StoredFile:
    """Keep a werkzeug FileStorage if it is a PDF (by its first bytes, not by its name)."""
    if upload is None or not getattr(upload, "filename", ""):
        raise InvalidUpload()
    content = upload.read()
    if not content.startswith(PDF_MAGIC):
        raise InvalidUpload(_l("“%(name)s” is not a PDF file.", name=clean_filename(upload.filename)))
    key = secrets.token_hex(20)
    (upload_dir() / key).write_bytes(content)
    return StoredFile(key=key, filename=clean_filename(upload.filename), size=len(content),
                      sha256=hashlib.sha256(content).hexdigest())


def path_of(key: str) -> Path:
    if not key.isalnum():  # keys are ours (hex); anything else is not a stored file
        raise FileNotFoundError(key)
    return upload_dir() / key


def discard(key: str) -> None:
    path_of(key).unlink(missing_ok=True)


def download(key: str, filename: str):
    """The stored PDF as a download under its original name, never cached; 404 if the file is gone.
    Call it only after the permission check."""
    try:
        response = send_file(path_of(key), mimetype="application/pdf", as_attachment=True,
                             download_name=filename, max_age=0)
    except FileNotFoundError:
        abort(404)
    response.headers["Cache-Control"] = "private, no-store"
    return response
