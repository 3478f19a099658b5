"""Rate limits: how often one visitor or one network address may ask.

Each door has a token bucket per key: it holds up to N tokens and refills at N
per minute, so a seller may make N requests in a burst and then one every
60/N seconds. Edits (previews, full-size images and cutouts) and promo code
attempts have their own buckets, counted per address, and also per visitor
where the visitor is known (full-size images and promo links).
A visitor who clears browser storage gets a new id, so the per-address limit
is set higher (several sellers may share an office network) and catches that.

Settings, checked when the server starts (:func:`check_settings`) and read
when the limiter is first used (0 switches a limit off):

- ``LITE_EDITS_PER_MINUTE``: full-size images per visitor (default 60)
- ``LITE_EDITS_PER_MINUTE_PER_ADDRESS``: edits per address (default 240)
- ``LITE_PROMO_TRIES_PER_MINUTE``: promo attempts per visitor (default 5)
- ``LITE_PROMO_TRIES_PER_MINUTE_PER_ADDRESS``: promo attempts per address
  (default 20)
- ``LITE_TRUST_FORWARDED``: ``1`` to take the address from the last
  ``X-Forwarded-For`` entry, for a server behind one trusted proxy, ``0`` not
  to (on by default on a Hugging Face Space)

Known limitation: the buckets live in the server's memory, so a restart
forgets them and several server processes each count on their own; a shared
store (the SQLite database or Redis) would lift this.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lite_app.config import one_of, whole_number
from lite_app.errors import RateLimited

logger = logging.getLogger(__name__)

DEFAULTS = {
    "LITE_EDITS_PER_MINUTE": 60,
    "LITE_EDITS_PER_MINUTE_PER_ADDRESS": 240,
    "LITE_PROMO_TRIES_PER_MINUTE": 5,
    "LITE_PROMO_TRIES_PER_MINUTE_PER_ADDRESS": 20,
}
MAX_KEYS = 50_000
UNKNOWN_ADDRESS = "unknown"
TRUST_WORDS = ("1", "true", "yes")
DISTRUST_WORDS = ("0", "false", "no")


@dataclass(frozen=True)
class Decision:
    """Whether a request may go ahead, and if not, how long to wait."""

    allowed: bool
    retry_after_s: float = 0.0


class TokenBucket:
    """Per-key token buckets: ``per_minute`` requests in a burst, then refills.

    Thread-safe. Keys idle long enough to be full again are forgotten once
    more than ``max_keys`` are held, so memory stays bounded.
    """

    def __init__(
        self,
        per_minute: int,
        *,
        max_keys: int = MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_minute < 0:
            raise ValueError(f"per_minute must be zero or more, got {per_minute}")
        self.per_minute = per_minute
        self.max_keys = max_keys
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def take(self, key: str) -> Decision:
        """Spend one token for ``key`` if there is one."""
        if not self.enabled:
            return Decision(True)
        rate = self.per_minute / 60.0
        with self._lock:
            now = self._clock()
            tokens, last = self._buckets.get(key, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                self._forget_idle(now)
                return Decision(True)
            self._buckets[key] = (tokens, now)
            return Decision(False, (1.0 - tokens) / rate)

    def __len__(self) -> int:
        return len(self._buckets)

    def _forget_idle(self, now: float) -> None:
        if len(self._buckets) <= self.max_keys:
            return
        full_after = 60.0
        idle = [k for k, (_, last) in self._buckets.items() if now - last > full_after]
        for key in idle:
            del self._buckets[key]
        while len(self._buckets) > self.max_keys:
            del self._buckets[next(iter(self._buckets))]


@dataclass(frozen=True)
class Door:
    """One kind of request, limited per visitor and per address."""

    name_ko: str
    name_en: str
    per_visitor: TokenBucket
    per_address: TokenBucket

    def check(self, address: str, visitor_id: str | None = None) -> None:
        """Raise :class:`RateLimited` if this visitor or address asks too often.

        The visitor's bucket is asked first, so a visitor who is already
        waiting does not also wear down the address other sellers share.
        """
        decision = Decision(True)
        if visitor_id:
            decision = self.per_visitor.take(f"visitor:{visitor_id}")
        if decision.allowed:
            decision = self.per_address.take(f"address:{address or UNKNOWN_ADDRESS}")
        if not decision.allowed:
            logger.info(
                "rate limited %s (wait %.1f s)", self.name_en, decision.retry_after_s
            )
            raise too_many(self, decision.retry_after_s)


def too_many(door: Door, retry_after_s: float) -> RateLimited:
    seconds = max(1, math.ceil(retry_after_s))
    return RateLimited(
        f"{door.name_ko} 요청이 너무 잦습니다. {seconds}초 뒤에 다시 시도해 주세요.",
        f"Too many {door.name_en} requests. Please try again in {seconds} s.",
        retry_after_s=seconds,
    )


def per_minute(name: str) -> int:
    """A limit from the environment; 0 switches it off."""
    return whole_number(name, DEFAULTS[name])


def check_settings() -> None:
    """Read every limit setting; raises :class:`SettingInvalid` on a bad one."""
    for name in DEFAULTS:
        per_minute(name)
    _trust_forwarded()


_doors: dict[str, Door] = {}
_doors_lock = threading.Lock()


def door(name: str) -> Door:
    """The process-wide limiter for ``"edit"`` or ``"promo"``, made on first use."""
    with _doors_lock:
        if name not in _doors:
            _doors[name] = _make_door(name)
        return _doors[name]


def _make_door(name: str) -> Door:
    if name == "edit":
        return Door(
            "이미지 만들기",
            "image",
            TokenBucket(per_minute("LITE_EDITS_PER_MINUTE")),
            TokenBucket(per_minute("LITE_EDITS_PER_MINUTE_PER_ADDRESS")),
        )
    if name == "promo":
        return Door(
            "프로모션 코드",
            "promo code",
            TokenBucket(per_minute("LITE_PROMO_TRIES_PER_MINUTE")),
            TokenBucket(per_minute("LITE_PROMO_TRIES_PER_MINUTE_PER_ADDRESS")),
        )
    raise ValueError(f"unknown door {name!r}")


def reset() -> None:
    """Forget every bucket and re-read the settings on next use."""
    with _doors_lock:
        _doors.clear()


def check_edit(address: str, visitor_id: str | None = None) -> None:
    door("edit").check(address, visitor_id)


def check_promo(address: str, visitor_id: str | None = None) -> None:
    door("promo").check(address, visitor_id)


def client_address(request: Any) -> str:
    """The caller's network address from a ``gr.Request`` (or any request).

    Behind one trusted proxy (``LITE_TRUST_FORWARDED=1``, or on a Hugging Face
    Space) the last ``X-Forwarded-For`` entry is the one the proxy added.
    """
    if request is None:
        return UNKNOWN_ADDRESS
    if _trust_forwarded():
        forwarded = _header(request, "x-forwarded-for")
        entries = [part.strip() for part in forwarded.split(",") if part.strip()]
        if entries:
            return entries[-1][:64]
    client = getattr(request, "client", None)
    host = getattr(client, "host", None)
    return str(host)[:64] if host else UNKNOWN_ADDRESS


def _trust_forwarded() -> bool:
    value = one_of("LITE_TRUST_FORWARDED", "", TRUST_WORDS + DISTRUST_WORDS)
    if value:
        return value.lower() in TRUST_WORDS
    return bool(os.environ.get("SPACE_ID"))


def _header(request: Any, name: str) -> str:
    headers = getattr(request, "headers", None)
    if headers is None:
        return ""
    try:
        value = headers.get(name) or ""
    except (AttributeError, TypeError):
        return ""
    return str(value)
