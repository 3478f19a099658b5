"""A local Papago: a real HTTP server on 127.0.0.1 speaking the Papago protocol.

It checks the two key headers, reads form or JSON bodies, validates them the
way Papago does (``N2MT01``-``N2MT08``), and answers translations from a
phrasebook. Tests can queue replies: any documented error in either error body
shape, a slow answer, a ``Retry-After`` header, or a translation that drops
placeholder tokens. It counts every request it receives.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

TRANSLATION_PATH = "/nmt/v1/translation"
MAX_TEXT_CHARS = 5000
LANGUAGES = frozenset("ko en ja zh-CN zh-TW vi th id fr es ru de it auto".split())
_HANGUL_RUN = re.compile(r"[\uac00-\ud7a3]+(?:\s+[\uac00-\ud7a3]+)*")

# (HTTP status, code, message): every error the API documents.
GATEWAY_ERRORS: tuple[tuple[int, str, str], ...] = (
    (400, "100", "Bad Request Exception"),
    (401, "200", "Authentication Failed"),
    (401, "210", "Permission Denied"),
    (404, "300", "Not Found Exception"),
    (429, "400", "Quota Exceeded"),
    (429, "410", "Throttle Limited"),
    (429, "420", "Rate Limited"),
    (413, "430", "Request Entity Too Large"),
    (503, "500", "Endpoint Error"),
    (504, "510", "Endpoint Timeout"),
    (500, "900", "Unexpected Error"),
)
TRANSLATION_ERRORS: tuple[tuple[int, str, str], ...] = (
    (400, "N2MT01", "source parameter is needed"),
    (400, "N2MT02", "Unsupported source language"),
    (400, "N2MT03", "target parameter is needed"),
    (400, "N2MT04", "Unsupported target language"),
    (400, "N2MT05", "source and target must be different"),
    (400, "N2MT06", "There is no translator for source to target"),
    (400, "N2MT07", "text parameter is needed"),
    (400, "N2MT08", "text parameter exceeds max length"),
    (500, "N2MT99", "Internal server errors"),
)
DOCUMENTED_ERRORS = GATEWAY_ERRORS + TRANSLATION_ERRORS


@dataclass(frozen=True)
class Reply:
    """One planned answer. Without a status, the server answers normally."""

    status: int = 0
    code: str = ""
    shape: str = "nested"  # "nested": {"error": {...}}; "flat": {"errorCode": ...}
    delay: float = 0.0
    retry_after: str = ""
    drop_tokens: bool = False
    raw_body: bytes = b""


@dataclass(frozen=True)
class Received:
    """What one request carried (never its keys)."""

    path: str
    content_type: str
    fields: dict[str, str]
    authorized: bool
    client_port: int


def error_body(code: str, message: str, shape: str) -> dict[str, Any]:
    if shape == "flat":
        return {"errorCode": code, "errorMessage": message}
    return {"error": {"errorCode": code, "message": message}}


class PapagoServer:
    """Start with ``with PapagoServer() as server:``; point clients at ``url``."""

    def __init__(
        self,
        client_id: str = "local-client-id",
        client_secret: str = "local-client-secret",
        phrasebook: dict[str, str] | None = None,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.phrasebook = dict(phrasebook or {})
        self.received: list[Received] = []
        self._planned: list[Reply] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.02,), daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        return self.base_url + TRANSLATION_PATH

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.received)

    def plan(self, *replies: Reply) -> None:
        """Queue replies for the next requests, in order."""
        with self._lock:
            self._planned.extend(replies)

    def clear_plan(self) -> None:
        with self._lock:
            self._planned.clear()

    def __enter__(self) -> PapagoServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    # Called from handler threads.
    def answer(
        self, path: str, headers: Any, body: bytes, client_port: int
    ) -> tuple[int, dict[str, str], bytes]:
        content_type = headers.get("Content-Type", "")
        fields = _fields(content_type, body)
        authorized = (
            headers.get("X-NCP-APIGW-API-KEY-ID") == self.client_id
            and headers.get("X-NCP-APIGW-API-KEY") == self.client_secret
        )
        with self._lock:
            self.received.append(
                Received(path, content_type, fields, authorized, client_port)
            )
            planned = self._planned.pop(0) if self._planned else Reply()
        if planned.delay:
            time.sleep(planned.delay)
        if planned.raw_body:
            return (
                planned.status or 502,
                {"Content-Type": "text/html"},
                planned.raw_body,
            )
        if planned.status:
            message = {c: m for _, c, m in DOCUMENTED_ERRORS}.get(planned.code, "")
            extra = {"Retry-After": planned.retry_after} if planned.retry_after else {}
            body_json = error_body(planned.code, message, planned.shape)
            return planned.status, extra, json.dumps(body_json).encode()
        return self._normal(path, fields, authorized, planned.drop_tokens)

    def _normal(
        self, path: str, fields: dict[str, str], authorized: bool, drop_tokens: bool
    ) -> tuple[int, dict[str, str], bytes]:
        if not authorized:
            return _error(401, "200", "Authentication Failed")
        if path != TRANSLATION_PATH:
            return _error(404, "300", "Not Found Exception")
        problem = _invalid(fields)
        if problem:
            return _error(400, *problem)
        translated = self.translate(fields["text"], drop_tokens)
        result = {
            "srcLangType": fields["source"],
            "tarLangType": fields["target"],
            "translatedText": translated,
        }
        body = {
            "message": {
                "@type": "response",
                "@service": "naverservice.nmt.proxy",
                "@version": "1.0.0",
                "result": result,
            }
        }
        return 200, {}, json.dumps(body, ensure_ascii=False).encode()

    def translate(self, text: str, drop_tokens: bool = False) -> str:
        """Whole text from the phrasebook, else each Korean run; the rest stays."""
        if text in self.phrasebook:
            return self.phrasebook[text]

        def run(match: re.Match[str]) -> str:
            return self.phrasebook.get(match.group(0), "translated")

        if drop_tokens:
            return " ".join(run(m) for m in _HANGUL_RUN.finditer(text))
        return _HANGUL_RUN.sub(run, text)


def _fields(content_type: str, body: bytes) -> dict[str, str]:
    text = body.decode("utf-8", errors="replace")
    if content_type.startswith("application/json"):
        try:
            data = json.loads(text)
        except ValueError:
            return {}
        return {k: str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    return {key: values[0] for key, values in parse_qs(text).items()}


def _invalid(fields: dict[str, str]) -> tuple[str, str] | None:
    """The first N2MT rule the request breaks, as (code, message)."""
    source, target, text = (fields.get(k, "") for k in ("source", "target", "text"))
    checks = (
        (not source, "N2MT01"),
        (source not in LANGUAGES, "N2MT02"),
        (not target, "N2MT03"),
        (target not in LANGUAGES or target == "auto", "N2MT04"),
        (source == target, "N2MT05"),
        ({source, target}.isdisjoint({"ko", "en", "auto"}), "N2MT06"),
        (not text, "N2MT07"),
        (len(text) > MAX_TEXT_CHARS, "N2MT08"),
    )
    messages = {code: message for _, code, message in TRANSLATION_ERRORS}
    for broken, code in checks:
        if broken:
            return code, messages[code]
    return None


def _error(status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    return status, {}, json.dumps(error_body(code, message, "nested")).encode()


def _handler_for(server: PapagoServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 (the http.server name)
            length = int(self.headers.get("Content-Length", "0") or 0)
            body = self.rfile.read(length)
            status, headers, payload = server.answer(
                self.path, self.headers, body, self.client_address[1]
            )
            try:
                self.send_response(status)
                headers = {"Content-Type": "application/json; charset=UTF-8"} | headers
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up waiting

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
