"""Uploaded files: stored by a random key, never by the name the user gave, on the local disk
(UPLOAD_DIR, the default) or in an S3-compatible object store (UPLOAD_BACKEND=s3), which several
app servers can share (docs/deploy.md).

Only the database row knows the original name; downloads go through a view that checks
permission first, so no file is reachable by guessing a URL. The object store is private: its
objects are streamed through that view, never linked to.

A stored file belongs to the transaction that stored it: kept when that transaction commits,
discarded when it ends otherwise (a refusal, a collision, a database that failed), so the store
never keeps a file that no row names because of us.
"""
import hashlib
import logging
import secrets
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import abort, current_app, has_app_context, send_file
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.session import Session
from sqlalchemy import event

from app.common.errors import DomainError
from app.common.forms import clean_line
from app.extensions import db

log = logging.getLogger(__name__)
PDF_MAGIC = b"%PDF-"
BACKENDS = ("disk", "s3")
_EXTENSION = "kakehashi.uploads"
_UNCOMMITTED = "kakehashi.uploads.uncommitted"  # keys stored in the session's transaction


class InvalidUpload(DomainError):
    default_message = _l("Please choose a PDF file.")


class StorageUnavailable(Exception):
    """The file store cannot be reached, or failed: nothing was saved, and trying again in a moment
    may work. The application answers 503 with this message."""

    message = _l("Files cannot be stored at the moment, so nothing was saved. Please try again in a few "
                 "minutes.")


class FileUnavailable(StorageUnavailable):
    """A download the store could not answer: nothing was being saved, so the page says only that."""

    message = _l("This file cannot be fetched at the moment. Please try again in a few minutes.")


@dataclass(frozen=True)
class StoredFile:
    key: str
    filename: str
    size: int
    sha256: str


class Storage(Protocol):
    """Where the bytes live, by key. A key that is not there: FileNotFoundError; a store that cannot
    answer: StorageUnavailable."""

    def put(self, key: str, content: bytes) -> None: ...
    def open(self, key: str) -> tuple[BinaryIO, int]: ...  # a readable stream and its size
    def delete(self, key: str) -> None: ...  # a key that is not there is no error
    def exists(self, key: str) -> bool: ...


class DiskStorage:
    """Files in UPLOAD_DIR, read when used (the tests give each test a folder of its own)."""

    def folder(self) -> Path:
        folder = Path(current_app.config["UPLOAD_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def put(self, key: str, content: bytes) -> None:
        (self.folder() / key).write_bytes(content)

    def open(self, key: str) -> tuple[BinaryIO, int]:
        path = self.folder() / key
        stream = path.open("rb")
        return stream, path.stat().st_size

    def delete(self, key: str) -> None:
        (self.folder() / key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return (self.folder() / key).is_file()


class S3Storage:
    """Objects in one bucket of any S3-compatible store, under the key itself, private (no ACL is
    sent: objects are readable only with the bucket owner's credentials). Credentials come from
    boto3's usual chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, an instance role)."""

    def __init__(self, client, bucket: str):
        self.client, self.bucket = client, bucket

    @classmethod
    def from_config(cls, config) -> "S3Storage":
        import boto3
        from botocore.config import Config as BotoConfig

        timeout = float(config["S3_TIMEOUT"])
        options = BotoConfig(
            region_name=config.get("S3_REGION") or None,
            connect_timeout=timeout, read_timeout=timeout,
            # A person waits for the page: one retry, then the clear 503 page, not a minute of backoff.
            retries={"max_attempts": 2, "mode": "standard"},
            s3={"addressing_style": config.get("S3_ADDRESSING_STYLE") or "auto"},
            # Checksums only where S3 requires them: stores that copy the S3 API (MinIO, Ceph, R2…)
            # do not all know the CRC32 headers that recent boto3 sends by default.
            request_checksum_calculation="when_required", response_checksum_validation="when_required",
        )
        # One client per app, made once: boto3 clients are thread-safe and slow to make.
        client = boto3.session.Session().client("s3", endpoint_url=config.get("S3_ENDPOINT_URL") or None,
                                                config=options)
        return cls(client, config["S3_BUCKET"])

    @contextmanager
    def _answering(self, key: str):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code in {"NoSuchKey", "404", "NotFound"}:
                raise FileNotFoundError(key) from error
            log.error("the object store refused %s on %s: %s", key, self.bucket, error)
            raise StorageUnavailable() from error
        except BotoCoreError as error:  # no connection, a time-out, no credentials
            log.error("the object store is out of reach (%s on %s): %s", key, self.bucket, error)
            raise StorageUnavailable() from error

    def put(self, key: str, content: bytes) -> None:
        with self._answering(key):
            self.client.put_object(Bucket=self.bucket, Key=key, Body=content, ContentType="application/pdf")

    def open(self, key: str) -> tuple[BinaryIO, int]:
        with self._answering(key):
            stored = self.client.get_object(Bucket=self.bucket, Key=key)
        return stored["Body"], stored["ContentLength"]

    def delete(self, key: str) -> None:
        with self._answering(key):
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def exists(self, key: str) -> bool:
        try:
            with self._answering(key):
                self.client.head_object(Bucket=self.bucket, Key=key)
        except FileNotFoundError:
            return False
        return True


def make_storage(config) -> Storage:
    backend = config["UPLOAD_BACKEND"]
    if backend == "s3":
        return S3Storage.from_config(config)
    if backend == "disk":
        return DiskStorage()
    raise RuntimeError(f"UPLOAD_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}.")


def init_app(app) -> None:
    """Choose the store once, from the configuration; tie stored files to their transaction."""
    app.extensions[_EXTENSION] = make_storage(app.config)
    if not event.contains(Session, "after_commit", _keep_committed):
        event.listen(Session, "after_commit", _keep_committed)
        event.listen(Session, "after_transaction_end", _discard_uncommitted)


def storage() -> Storage:
    return current_app.extensions[_EXTENSION]


def use_storage(app, chosen: Storage) -> Storage:
    """Put ``chosen`` in place of the app's store; returns the one it replaces (tests)."""
    previous, app.extensions[_EXTENSION] = app.extensions[_EXTENSION], chosen
    return previous


def clean_filename(name: str) -> str:
    """The name to show and to offer on download: no folders, no control characters."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = clean_line(name.replace("\t", ""))  # as one-line text fields: no line breaks, bidi or zero-width
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    return name[:200] or "document.pdf"


def store_pdf(upload) -> StoredFile:
    """Keep a werkzeug FileStorage if it is a PDF (by its first bytes, not by its name). Call it before
    adding the row that names it: a store that fails raises StorageUnavailable and nothing is added;
    a transaction that does not commit discards the file again."""
    if upload is None or not getattr(upload, "filename", ""):
        raise InvalidUpload()
    content = upload.read()
    if not content.startswith(PDF_MAGIC):
        raise InvalidUpload(_l("“%(name)s” is not a PDF file.", name=clean_filename(upload.filename)))
    key = secrets.token_hex(20)
    storage().put(key, content)
    db.session.info.setdefault(_UNCOMMITTED, []).append(key)
    return StoredFile(key=key, filename=clean_filename(upload.filename), size=len(content),
                      sha256=hashlib.sha256(content).hexdigest())


def _checked(key: str) -> str:
    if not key.isalnum():  # keys are ours (hex); anything else is not a stored file
        raise FileNotFoundError(key)
    return key


def read(key: str) -> bytes:
    """The stored bytes (FileNotFoundError if there are none)."""
    stream, _size = storage().open(_checked(key))
    with stream:
        return stream.read()


def exists(key: str) -> bool:
    return key.isalnum() and storage().exists(key)


def discard(key: str) -> None:
    """Remove a file once no committed row names it. A store out of reach leaves it there, logged:
    a file that no row names is never served, and the person's change is already saved."""
    try:
        storage().delete(_checked(key))
    except FileNotFoundError:
        pass
    except StorageUnavailable:
        log.error("stored file %s could not be removed; no row names it any more", key)


def download(key: str, filename: str):
    """The stored PDF as a download under its original name, never cached; 404 if the file is gone,
    StorageUnavailable (503) if the store cannot be reached. Streamed from the store through this
    response, never loaded whole. Call it only after the permission check."""
    try:
        stream, size = storage().open(_checked(key))
    except FileNotFoundError:
        abort(404)
    except StorageUnavailable as error:
        raise FileUnavailable() from error
    response = send_file(stream, mimetype="application/pdf", as_attachment=True, download_name=filename,
                         max_age=0, conditional=False)
    response.content_length = size
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _keep_committed(session) -> None:
    if not session.in_nested_transaction():  # a savepoint released is not yet a commit
        session.info.pop(_UNCOMMITTED, None)


def _discard_uncommitted(session, transaction) -> None:
    """The session's transaction ended without a commit (a commit already forgot its files)."""
    if transaction.parent is not None or not session.info.get(_UNCOMMITTED):
        return
    keys = session.info.pop(_UNCOMMITTED)
    if not has_app_context():
        log.error("stored files %s were not committed and could not be removed (no app context)", keys)
        return
    for key in keys:
        discard(key)
