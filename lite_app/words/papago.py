"""A client for the Naver Cloud Papago text-translation API.

Keys come from ``PAPAGO_CLIENT_ID`` and ``PAPAGO_CLIENT_SECRET`` in the
environment or in a git-ignored ``.env`` file in the project root (the
environment wins; ``LITE_ENV_FILE`` points at another file). ``PAPAGO_URL``
overrides the endpoint, either in full or as a base address.

Every call has a timeout. Throttling (HTTP 429 with code 410 or 420) and server
errors (5xx) are tried again with backoff, at most three tries and ten seconds
in all; authentication errors, an exhausted quota and request errors
(``N2MT01``-``N2MT08``) are not. An answer is bounded: a translation longer
than ten times the text (and than 200 characters) is refused like any other
failure, and a body over 1 MB is not read. Keys never leave this module except
in the two request headers: not in logs, errors or ``repr``.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from lite_app.config import PROJECT_ROOT, setting_invalid
from lite_app.errors import TranslationFailed

logger = logging.getLogger(__name__)

DEFAULT_URL = "https://papago.apigw.ntruss.com/nmt/v1/translation"
TRANSLATION_PATH = "/nmt/v1/translation"
MAX_TEXT_CHARS = 5000
# A translation longer than this is no translation of the text: it is refused
# (and never cached). Bodies over MAX_ANSWER_BYTES are not read at all.
MIN_ANSWER_LIMIT_CHARS = 200
ANSWER_CHARS_PER_TEXT_CHAR = 10
MAX_ANSWER_BYTES = 1_000_000
THROTTLED_CODES = frozenset({"410", "420"})

# What each kind of failure means for the seller, Korean first.
_MESSAGES: dict[str, tuple[str, str]] = {
    "auth": (
        "Papago 키가 거부되었습니다. 키를 확인해 주세요.",
        "The Papago keys were refused; please check them.",
    ),
    "quota": (
        "Papago 사용 한도를 모두 썼습니다.",
        "The Papago usage quota is used up.",
    ),
    "busy": (
        "Papago가 바빠서 답하지 못했습니다.",
        "Papago was busy and did not answer.",
    ),
    "timeout": (
        "Papago가 제시간에 답하지 않았습니다.",
        "Papago did not answer in time.",
    ),
    "unreachable": (
        "Papago에 연결할 수 없습니다.",
        "Papago could not be reached.",
    ),
    "too_long": (
        f"글이 너무 깁니다. {MAX_TEXT_CHARS:,}자까지 번역할 수 있습니다.",
        f"The text is too long; at most {MAX_TEXT_CHARS:,} characters.",
    ),
    "refused": (
        "Papago가 이 번역 요청을 받지 않았습니다.",
        "Papago did not accept this translation request.",
    ),
    "unreadable": (
        "Papago의 답을 읽을 수 없습니다.",
        "Papago's answer could not be read.",
    ),
    "overlong": (
        "Papago의 답이 글에 비해 지나치게 깁니다.",
        "Papago's answer was far longer than the text.",
    ),
}


class PapagoError(TranslationFailed):
    """Papago failed; ``status`` is the HTTP status (None if no answer)."""

    def __init__(self, kind: str, *, status: int | None, code: str) -> None:
        message_ko, message_en = _MESSAGES[kind]
        super().__init__(message_ko, message_en, status=status, code=code, kind=kind)
        self.kind = kind
        self.status = status
        self.code = code

    @property
    def retryable(self) -> bool:
        return self.kind == "busy"

    def __repr__(self) -> str:
        return (
            f"PapagoError(kind={self.kind!r}, status={self.status}, code={self.code!r})"
        )


@dataclass(frozen=True)
class PapagoKeys:
    """Credentials and endpoint; the secret parts never show in ``repr``."""

    client_id: str = field(repr=False)
    client_secret: str = field(repr=False)
    url: str = DEFAULT_URL


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines of a ``.env`` file; comments and ``export`` allowed."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return {}
    values: dict[str, str] = {}
    for line in lines:
        line = line.strip()
        if line.startswith("export "):
            line = line[len("export ") :].strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = (part.strip() for part in line.split("=", 1))
        values[key] = _env_value(value)
    return values


def _env_value(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    # An unquoted value ends where a comment starts.
    return value.split(" #", 1)[0].strip()


def env_file() -> Path:
    chosen = os.environ.get("LITE_ENV_FILE", "").strip()
    return Path(chosen).expanduser() if chosen else PROJECT_ROOT / ".env"


def papago_keys(environ: Mapping[str, str] | None = None) -> PapagoKeys | None:
    """Keys from the environment, else from the ``.env`` file; None if absent."""
    environ = os.environ if environ is None else environ
    from_file = read_env_file(env_file())

    def value(name: str) -> str:
        if name in environ:
            return environ[name].strip()
        return from_file.get(name, "").strip()

    client_id, secret = value("PAPAGO_CLIENT_ID"), value("PAPAGO_CLIENT_SECRET")
    if not client_id or not secret:
        return None
    return PapagoKeys(client_id, secret, endpoint(value("PAPAGO_URL")))


def endpoint(url: str) -> str:
    """The translation endpoint for ``PAPAGO_URL`` (a full URL or a base)."""
    if not url:
        return DEFAULT_URL
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise setting_invalid(
            "PAPAGO_URL",
            url,
            "http:// 또는 https:// 주소여야 합니다.",
            "it must be an http:// or https:// address",
        )
    if parts.path.strip("/"):
        return url
    return url.rstrip("/") + TRANSLATION_PATH


class PapagoClient:
    """Translates text through Papago with one HTTP session."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        url: str = DEFAULT_URL,
        timeout: float = 5.0,
        max_tries: int = 3,
        total_seconds: float = 10.0,
        backoff_seconds: float = 0.5,
        json_body: bool = False,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.max_tries = max_tries
        self.total_seconds = total_seconds
        self.backoff_seconds = backoff_seconds
        self.json_body = json_body
        self._headers = {
            "X-NCP-APIGW-API-KEY-ID": client_id,
            "X-NCP-APIGW-API-KEY": client_secret,
        }
        self._session = requests.Session()

    @classmethod
    def from_keys(cls, keys: PapagoKeys, **options: Any) -> PapagoClient:
        return cls(keys.client_id, keys.client_secret, url=keys.url, **options)

    def __repr__(self) -> str:
        return f"PapagoClient(url={self.url!r}, timeout={self.timeout})"

    def __enter__(self) -> PapagoClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    def translate(self, text: str, source: str = "ko", target: str = "en") -> str:
        """The translation of ``text``; raises :class:`PapagoError`."""
        if len(text) > MAX_TEXT_CHARS:
            raise PapagoError("too_long", status=None, code="too_long")
        started = time.monotonic()
        attempt = 1
        while True:
            left = self.total_seconds - (time.monotonic() - started)
            try:
                return self._ask(text, source, target, min(self.timeout, left))
            except PapagoError as error:
                delay = self._retry_delay(error, attempt)
                left = self.total_seconds - (time.monotonic() - started)
                if delay is None or delay >= left:
                    raise
                logger.info(
                    "Papago busy (status %s, code %s); try %d again in %.2f s",
                    error.status,
                    error.code,
                    attempt + 1,
                    delay,
                )
                time.sleep(delay)
            attempt += 1

    def _retry_delay(self, error: PapagoError, attempt: int) -> float | None:
        if not error.retryable or attempt >= self.max_tries:
            return None
        wait = self.backoff_seconds * 2 ** (attempt - 1)
        return max(wait, error.context.get("retry_after", 0.0))

    def _ask(self, text: str, source: str, target: str, timeout: float) -> str:
        body = {"source": source, "target": target, "text": text}
        payload: dict[str, Any] = {"json" if self.json_body else "data": body}
        try:
            with self._session.post(
                self.url, headers=self._headers, timeout=timeout, stream=True, **payload
            ) as response:
                body = _bounded_body(response)
        except requests.Timeout:
            raise PapagoError("timeout", status=None, code="timeout") from None
        except requests.RequestException:
            raise PapagoError("unreachable", status=None, code="unreachable") from None
        if response.status_code != 200:
            raise _error_for(response, body)
        return _translated_text(body, text)


def answer_limit(text: str) -> int:
    """The most characters a translation of ``text`` may have."""
    return max(MIN_ANSWER_LIMIT_CHARS, ANSWER_CHARS_PER_TEXT_CHAR * len(text))


def _bounded_body(response: requests.Response) -> bytes:
    """The body, read only up to :data:`MAX_ANSWER_BYTES`."""
    body = bytearray()
    for chunk in response.iter_content(64 * 1024):
        body += chunk
        if len(body) > MAX_ANSWER_BYTES:
            logger.warning("Papago's answer is over %d bytes; not read", len(body))
            raise PapagoError("overlong", status=response.status_code, code="overlong")
    return bytes(body)


def _translated_text(body: bytes, text: str) -> str:
    try:
        translated = json.loads(body)["message"]["result"]["translatedText"]
    except (ValueError, KeyError, TypeError):
        raise PapagoError("unreadable", status=200, code="unreadable") from None
    if not isinstance(translated, str):
        raise PapagoError("unreadable", status=200, code="unreadable")
    if len(translated) > answer_limit(text):
        logger.warning(
            "Papago answered %d characters for %d; refused",
            len(translated),
            len(text),
        )
        raise PapagoError("overlong", status=200, code="overlong")
    return translated


def error_code(body: object) -> tuple[str, str]:
    """(code, message) from either error shape Papago answers with."""
    if not isinstance(body, dict):
        return "", ""
    inner = body.get("error")
    if isinstance(inner, dict):
        return str(inner.get("errorCode", "")), str(inner.get("message", ""))
    message = body.get("errorMessage", body.get("message", ""))
    return str(body.get("errorCode", "")), str(message)


def _error_for(response: requests.Response, body: bytes) -> PapagoError:
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    code, message = error_code(answer)
    status = response.status_code
    kind = _kind(status, code)
    logger.warning(
        "Papago answered HTTP %d, code %r: %.200s", status, code or "-", message
    )
    error = PapagoError(kind, status=status, code=code)
    retry_after = _seconds(response.headers.get("Retry-After", ""))
    if retry_after is not None:
        error.context["retry_after"] = retry_after
    return error


def _kind(status: int, code: str) -> str:
    if status == 401:
        return "auth"
    if status == 429:
        return "busy" if code in THROTTLED_CODES or not code else "quota"
    if status >= 500:
        return "busy"
    return "refused"


def _seconds(value: str) -> float | None:
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
