"""Visitors: who is asking, without accounts.

An anonymous visitor carries a token in browser storage: a random id plus an
HMAC-SHA256 signature made with the server secret, so an id can be neither
guessed nor forged. The secret comes from ``LITE_SECRET`` or is generated once
and kept in the data folder, readable by the owner only. Running as a Hugging
Face Space, a signed-in Hugging Face user is the visitor ``hf:<name>`` instead.

Anonymous ids never contain ``:``, so they cannot collide with ``hf:`` ids.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from lite_app.config import settings
from lite_app.errors import LiteError

logger = logging.getLogger(__name__)

TOKEN_VERSION = "v1"
SECRET_FILE_NAME = "visitor-secret"
SECRET_ENV = "LITE_SECRET"
MIN_SECRET_CHARS = 32
MAX_TOKEN_CHARS = 200
HF_PREFIX = "hf:"

_ANONYMOUS_ID = re.compile(r"[A-Za-z0-9_-]{22}")
_HF_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}")


class VisitorRefused(LiteError):
    """A visitor token that this server did not sign, or a malformed id."""


@dataclass(frozen=True)
class Visitor:
    """The visitor behind a request.

    ``token`` is what the browser keeps (empty for Hugging Face users);
    ``is_new`` says a fresh anonymous id was issued, and ``refused`` that the
    browser offered a token this server did not sign, which was replaced.
    """

    visitor_id: str
    token: str
    is_new: bool = False
    refused: bool = False


def new_visitor(data_dir: Path | None = None) -> str:
    """A token for a new anonymous visitor, to keep in browser storage."""
    visitor_id = secrets.token_urlsafe(16)
    return f"{TOKEN_VERSION}.{visitor_id}.{_signature(visitor_id, data_dir)}"


def verify(token: str, data_dir: Path | None = None) -> str:
    """The visitor id inside a token this server signed; refuses anything else."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
        raise _refused("token is not text of a sensible length")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != TOKEN_VERSION:
        raise _refused("token has the wrong shape")
    _, visitor_id, signature = parts
    if not _ANONYMOUS_ID.fullmatch(visitor_id):
        raise _refused("token carries a malformed id")
    expected = _signature(visitor_id, data_dir)
    if not hmac.compare_digest(signature.encode("ascii", "replace"), expected.encode()):
        raise _refused("token signature does not match")
    return visitor_id


def hf_visitor(username: str) -> str:
    """The visitor id of a signed-in Hugging Face user."""
    if not isinstance(username, str) or not _HF_NAME.fullmatch(username):
        raise _refused("Hugging Face user name is malformed")
    return f"{HF_PREFIX}{username}"


def identify(
    token: str | None,
    hf_username: str | None = None,
    data_dir: Path | None = None,
) -> Visitor:
    """The visitor for a page load: Hugging Face user, stored token, or a new id.

    A token this server did not sign is never honoured: the visitor gets a
    fresh id (with its own trial), exactly as if the browser had kept nothing,
    and ``refused`` is set so the page can say so.
    """
    if hf_username:
        return Visitor(visitor_id=hf_visitor(hf_username), token="")
    if token:
        try:
            return Visitor(visitor_id=verify(token, data_dir), token=token)
        except VisitorRefused:
            logger.warning("a visitor token was refused; issuing a new one")
            fresh = new_visitor(data_dir)
            return Visitor(verify(fresh, data_dir), fresh, is_new=True, refused=True)
    fresh = new_visitor(data_dir)
    return Visitor(visitor_id=verify(fresh, data_dir), token=fresh, is_new=True)


def is_visitor_id(text: str) -> bool:
    """Whether ``text`` has the shape of a visitor id (anonymous or ``hf:``)."""
    if not isinstance(text, str):
        return False
    if text.startswith(HF_PREFIX):
        return bool(_HF_NAME.fullmatch(text[len(HF_PREFIX) :]))
    return bool(_ANONYMOUS_ID.fullmatch(text))


def visitor_id_from(text: str, data_dir: Path | None = None) -> str:
    """A visitor id given either the id itself or a whole token (for operators)."""
    text = text.strip()
    if text.startswith(f"{TOKEN_VERSION}."):
        return verify(text, data_dir)
    if not is_visitor_id(text):
        raise _refused("not a visitor id or token")
    return text


def server_secret(data_dir: Path | None = None) -> bytes:
    """The signing secret: ``LITE_SECRET``, or the one kept in the data folder."""
    from_env = os.environ.get(SECRET_ENV, "")
    if from_env:
        if len(from_env.strip()) < MIN_SECRET_CHARS:
            raise ValueError(
                f"{SECRET_ENV} must be at least {MIN_SECRET_CHARS} characters "
                f"besides spaces, got {len(from_env.strip())}"
            )
        return from_env.encode("utf-8")
    path = (data_dir or settings().data_dir) / SECRET_FILE_NAME
    if not path.exists():
        _create_secret_file(path)
    return _read_secret_file(path)


def _signature(visitor_id: str, data_dir: Path | None) -> str:
    message = f"sporky-lite visitor {TOKEN_VERSION} {visitor_id}".encode()
    digest = hmac.new(server_secret(data_dir), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _create_secret_file(path: Path) -> None:
    """Write a new secret so that two processes starting at once agree on one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
        os.write(descriptor, secrets.token_hex(32).encode("ascii"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    try:
        # A hard link never replaces an existing file: the first writer wins.
        os.link(draft, path)
        logger.info("generated a new visitor signing secret")
    except FileExistsError:
        pass
    finally:
        draft.unlink()


def _read_secret_file(path: Path) -> bytes:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        logger.warning("visitor secret file was readable by others; restricting it")
        path.chmod(0o600)
    secret = path.read_bytes().strip()
    if len(secret) < MIN_SECRET_CHARS:
        raise ValueError(f"the visitor secret file holds only {len(secret)} bytes")
    return secret


def _refused(detail: str) -> VisitorRefused:
    return VisitorRefused(
        "방문자 정보를 확인할 수 없습니다. 페이지를 새로 고쳐 주세요.",
        "Your visitor id could not be confirmed. Please reload the page.",
        detail=detail,
    )
