"""Credits: trial, pay-per-image balance, monthly plan and promo codes.

One full-size result costs one image. Images come from three pools, spent in
this order: the monthly plan's allowance (while its 30 days run), the paid
balance (priced at 15 KRW each), then free images (the trial and promo codes).
Previews, re-downloads of a result already paid for and failed edits cost
nothing: the caller reserves an image before the work and commits it only after
success (:func:`charge_on_success`), or releases it on failure.

Every balance change happens in one ``BEGIN IMMEDIATE`` transaction together
with its ledger row; CHECK constraints keep every pool at zero or above, so a
race can refuse a charge but never overspend. Times are stored in UTC; months
and promo dates follow Korean time.

Known limitation: a visitor who clears browser storage gets a new anonymous id
and a new trial; limiting trials per network address at the front door would
lift this.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

from lite_app import store
from lite_app.config import settings
from lite_app.errors import LiteError, NotEnoughCredits, RateLimited
from lite_app.look import Look
from lite_app.visitors import VisitorRefused, is_visitor_id

logger = logging.getLogger(__name__)

PRICE_PER_IMAGE_KRW = 15
PLAN_PRICE_KRW = 19_000
PLAN_DAYS = 30
HOLD_MINUTES = 30
PROMO_CODE_CHARS = 12
PROMO_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
FREE_PROMO_MISSES = 5
FIRST_PROMO_BLOCK = timedelta(seconds=30)
LONGEST_PROMO_BLOCK = timedelta(days=1)
MAX_GRANT_IMAGES = 1_000_000
MAX_RESULT_KEY_CHARS = 128
KST = timezone(timedelta(hours=9), "KST")

GRANT_KINDS = ("trial", "promo", "purchase", "plan")
# KRW a ledger row records per image (per month for a plan) when not given.
_LIST_PRICE_KRW = {
    "charge": PRICE_PER_IMAGE_KRW,
    "refund": PRICE_PER_IMAGE_KRW,
    "purchase": PRICE_PER_IMAGE_KRW,
    "plan": PLAN_PRICE_KRW,
}
# Fixed statements per pool, so no SQL text is ever assembled at run time.
_TAKE_FROM = {
    "paid": "UPDATE visitors SET paid_images = paid_images - 1"
    " WHERE visitor_id = ? AND paid_images > 0",
    "free": "UPDATE visitors SET free_images = free_images - 1"
    " WHERE visitor_id = ? AND free_images > 0",
}
_GIVE_BACK_TO = {
    "paid": "UPDATE visitors SET paid_images = paid_images + 1 WHERE visitor_id = ?",
    "free": "UPDATE visitors SET free_images = free_images + 1 WHERE visitor_id = ?",
}


class PromoRefused(LiteError):
    """A promo code that does not exist, has ended or is used up."""


@dataclass(frozen=True)
class Balance:
    """What a visitor can still make.

    ``plan_until`` is when the current plan allowance ends (None without an
    active plan); ``plan_periods_ahead`` counts further 30-day periods already
    granted after it.
    """

    visitor_id: str
    images_left: int
    plan_images_left: int
    plan_until: datetime | None
    plan_periods_ahead: int
    paid_images: int
    free_images: int


@dataclass(frozen=True)
class Hold:
    """One image set aside for a result being made; ``pool`` None means free."""

    visitor_id: str
    result_key: str
    hold_id: int | None
    pool: str | None


@dataclass(frozen=True)
class Charge:
    """The outcome of paying for one result; ``charged`` False means no cost."""

    visitor_id: str
    result_key: str
    charged: bool
    pool: str | None
    krw: int


@dataclass
class PendingCharge:
    """The live handle :func:`charge_on_success` yields; ``charge`` is set on exit."""

    hold: Hold
    charge: Charge | None = None


@dataclass(frozen=True)
class Promo:
    code: str
    images: int
    max_uses: int
    uses: int
    starts_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class PromoRedemption:
    """``granted`` False: this visitor had already redeemed the code."""

    code: str
    images: int
    granted: bool


@dataclass(frozen=True)
class LedgerRow:
    id: int
    visitor_id: str
    at: datetime
    kind: str
    pool: str
    images: int
    krw: int
    result_key: str | None
    note: str


@dataclass(frozen=True)
class UsageLine:
    """One visitor's use of one pool in a month; ``used_value_krw`` at list price."""

    month: str
    visitor_id: str
    pool: str
    granted_images: int
    paid_krw: int
    charged_images: int
    refunded_images: int
    used_images: int
    used_value_krw: int


REPORT_COLUMNS = (
    "month",
    "visitor_id",
    "pool",
    "granted_images",
    "paid_krw",
    "charged_images",
    "refunded_images",
    "used_images",
    "used_value_krw",
)


# --- balance -----------------------------------------------------------------


def balance(
    visitor_id: str, *, now: datetime | None = None, data_dir: Path | None = None
) -> Balance:
    """The visitor's images left; the first sight of a visitor grants the trial."""
    now = _utc(now)
    with _connection(data_dir) as connection:
        with store.write(connection):
            _ensure_visitor(connection, visitor_id, now)
            _release_stale_holds(connection, visitor_id, now)
        return _balance(connection, visitor_id, now)


def images_left_text(current: Balance) -> str:
    """A one-line label for the page: images left, Korean first."""
    parts = [f"남은 이미지 {current.images_left}장 · {current.images_left} images left"]
    if current.plan_until is not None:
        until = current.plan_until.astimezone(KST).strftime("%Y-%m-%d")
        parts.append(f"월 요금제 {current.plan_images_left}장 ({until}까지)")
    return " · ".join(parts)


def no_images_message() -> tuple[str, str]:
    """How to get more images, in Korean and English."""
    plan_images = settings().plan_images
    return (
        "남은 이미지가 없습니다. 월 요금제(30일 동안 "
        f"{plan_images:,}장)를 구매하거나 프로모션 링크를 열면 이미지를 더 받을 수 "
        "있습니다. 사진과 룩은 그대로 남아 있습니다.",
        "No images left. Buy the monthly plan "
        f"({plan_images:,} images for 30 days) or open a promo link to get more. "
        "Your photo and look stay as they are.",
    )


# --- charging ------------------------------------------------------------------


def result_key(photo: bytes, look: Look) -> str:
    """The billing identity of one full-size result: the uploaded file and the look.

    It is known before the edit runs, so a re-download of a paid result is
    recognised (and free) even when no images are left.
    """
    digest = hashlib.sha256()
    digest.update(hashlib.sha256(photo).digest())
    digest.update(look.to_json().encode("utf-8"))
    return digest.hexdigest()


def reserve(
    visitor_id: str,
    key: str,
    *,
    now: datetime | None = None,
    data_dir: Path | None = None,
) -> Hold:
    """Set one image aside before making a full-size result.

    A result this visitor already paid for needs nothing (``pool`` None).
    Raises :class:`NotEnoughCredits` when no image is left.
    """
    now = _utc(now)
    _check_result_key(key)
    with _connection(data_dir) as connection, store.write(connection):
        _ensure_visitor(connection, visitor_id, now)
        _release_stale_holds(connection, visitor_id, now)
        return _reserve(connection, visitor_id, key, now)


def commit(
    hold: Hold, *, now: datetime | None = None, data_dir: Path | None = None
) -> Charge:
    """Turn a hold into a charge once the result was made."""
    now = _utc(now)
    if hold.hold_id is None:
        return _free_charge(hold.visitor_id, hold.result_key)
    with _connection(data_dir) as connection, store.write(connection):
        return _commit(connection, hold, now)


def release(hold: Hold, *, data_dir: Path | None = None) -> None:
    """Give a held image back: the result could not be made."""
    if hold.hold_id is None:
        return
    with _connection(data_dir) as connection, store.write(connection):
        _release(connection, hold.hold_id, _utc(None))


@contextmanager
def charge_on_success(
    visitor_id: str,
    key: str,
    *,
    now: datetime | None = None,
    data_dir: Path | None = None,
) -> Iterator[PendingCharge]:
    """Reserve an image, run the block, charge only if the block succeeded.

    ``with charge_on_success(visitor, key) as pending: result = edit(...)``;
    afterwards ``pending.charge`` tells what it cost.
    """
    hold = reserve(visitor_id, key, now=now, data_dir=data_dir)
    pending = PendingCharge(hold)
    try:
        yield pending
    except BaseException:
        release(hold, data_dir=data_dir)
        raise
    pending.charge = commit(hold, now=now, data_dir=data_dir)


def charge(
    visitor_id: str,
    key: str,
    *,
    now: datetime | None = None,
    data_dir: Path | None = None,
) -> Charge:
    """Charge one result that already exists; free if it was paid for before."""
    now = _utc(now)
    _check_result_key(key)
    with _connection(data_dir) as connection, store.write(connection):
        _ensure_visitor(connection, visitor_id, now)
        _release_stale_holds(connection, visitor_id, now)
        hold = _reserve(connection, visitor_id, key, now)
        if hold.hold_id is None:
            return _free_charge(visitor_id, key)
        return _commit(connection, hold, now)


def refund(
    visitor_id: str,
    key: str,
    *,
    reason: str = "",
    now: datetime | None = None,
    data_dir: Path | None = None,
) -> bool:
    """Give back the image a result cost; False if it was not charged."""
    now = _utc(now)
    with _connection(data_dir) as connection, store.write(connection):
        row = connection.execute(
            "SELECT pool, plan_period_id FROM charges"
            " WHERE visitor_id = ? AND result_key = ? AND refunded_at IS NULL",
            (visitor_id, key),
        ).fetchone()
        if row is None:
            return False
        connection.execute(
            "UPDATE charges SET refunded_at = ?"
            " WHERE visitor_id = ? AND result_key = ?",
            (_iso(now), visitor_id, key),
        )
        pool = _return_image(
            connection, visitor_id, row["pool"], row["plan_period_id"], now
        )
        _ledger(connection, visitor_id, now, "refund", pool, 1, key, reason[:200])
    logger.info("refunded one image to a visitor (%s pool)", pool)
    return True


# --- grants --------------------------------------------------------------------


def add_paid_images(
    visitor_id: str,
    images: int,
    *,
    krw: int | None = None,
    now: datetime | None = None,
    data_dir: Path | None = None,
) -> Balance:
    """Record images bought per image (15 KRW each unless ``krw`` says otherwise)."""
    now = _utc(now)
    _check_grant(images)
    paid_krw = images * PRICE_PER_IMAGE_KRW if krw is None else krw
    if paid_krw < 0:
        raise ValueError(f"krw must be zero or more, got {paid_krw}")
    with _connection(data_dir) as connection:
        with store.write(connection):
            _ensure_visitor(connection, visitor_id, now)
            connection.execute(
                "UPDATE visitors SET paid_images = paid_images + ?"
                " WHERE visitor_id = ?",
                (images, visitor_id),
            )
            _ledger(
                connection, visitor_id, now, "purchase", "paid", images, krw=paid_krw
            )
        logger.info("recorded %d paid images for a visitor", images)
        return _balance(connection, visitor_id, now)


def grant_plan(
    visitor_id: str,
    months: int = 1,
    *,
    now: datetime | None = None,
    data_dir: Path | None = None,
) -> Balance:
    """Record monthly plans: each month is 30 days with ``plan_images`` images.

    Months follow one another, starting now or when the plan already granted
    ends; an allowance not used within its 30 days lapses.
    """
    now = _utc(now)
    if not isinstance(months, int) or not 1 <= months <= 36:
        raise ValueError(f"months must be between 1 and 36, got {months!r}")
    images = settings().plan_images
    with _connection(data_dir) as connection:
        with store.write(connection):
            _ensure_visitor(connection, visitor_id, now)
            start = max(now, _plan_end(connection, visitor_id) or now)
            for month in range(months):
                starts = start + timedelta(days=PLAN_DAYS * month)
                _add_plan_period(connection, visitor_id, starts, images, now)
        logger.info("granted a %d-month plan to a visitor", months)
        return _balance(connection, visitor_id, now)


# --- promo codes -----------------------------------------------------------------


def create_promo(
    images: int,
    max_uses: int,
    expires: date,
    *,
    starts: date | None = None,
    now: datetime | None = None,
    data_dir: Path | None = None,
) -> Promo:
    """A new random promo code, valid from ``starts`` through ``expires`` (KST)."""
    now = _utc(now)
    _check_grant(images)
    if not isinstance(max_uses, int) or not 1 <= max_uses <= 10_000_000:
        raise ValueError(f"max_uses must be between 1 and 10,000,000, got {max_uses}")
    starts_at = _kst_day_start(starts) if starts else now
    expires_at = _kst_day_start(expires + timedelta(days=1))
    if expires_at <= starts_at:
        raise ValueError(f"the code would end ({expires}) before it starts")
    with _connection(data_dir) as connection:
        while True:
            code = new_promo_code()
            try:
                with store.write(connection):
                    connection.execute(
                        "INSERT INTO promo_codes (code, images, max_uses, starts_at,"
                        " expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                        (code, images, max_uses, *_isos(starts_at, expires_at, now)),
                    )
                break
            except sqlite3.IntegrityError:
                continue
    return Promo(code, images, max_uses, 0, starts_at, expires_at)


def new_promo_code() -> str:
    """A random code of unambiguous capitals and digits (about 60 bits)."""
    return "".join(secrets.choice(PROMO_ALPHABET) for _ in range(PROMO_CODE_CHARS))


def promo_link(code: str, base_url: str = "") -> str:
    """The link that grants a promo code when opened: ``/?promo=CODE``."""
    return f"{base_url.rstrip('/')}/?promo={code}"


def redeem_promo(
    visitor_id: str,
    code: str,
    *,
    now: datetime | None = None,
    data_dir: Path | None = None,
) -> PromoRedemption:
    """Grant a promo code's images to a visitor, once per visitor.

    Raises :class:`PromoRefused` for a wrong, ended or used-up code, and
    :class:`RateLimited` while a visitor who tried too many wrong codes waits.
    """
    now = _utc(now)
    code = code.strip().upper() if isinstance(code, str) else ""
    with _connection(data_dir) as connection:
        with store.write(connection):
            _ensure_visitor(connection, visitor_id, now)
            _check_not_blocked(connection, visitor_id, now)
            promo = _find_promo(connection, code)
            if promo is None:
                _record_miss(connection, visitor_id, now)
        # The miss is committed above, so the refusal still counts.
        if promo is None:
            raise _promo_refused("the code does not exist", "코드가 올바르지 않습니다")
        with store.write(connection):
            return _redeem(connection, visitor_id, promo, now)


# --- ledger and report -----------------------------------------------------------


def ledger_rows(
    visitor_id: str | None = None, *, data_dir: Path | None = None
) -> list[LedgerRow]:
    """Ledger rows, oldest first; all visitors when ``visitor_id`` is None."""
    query = "SELECT * FROM ledger"
    parameters: tuple[str, ...] = ()
    if visitor_id is not None:
        query += " WHERE visitor_id = ?"
        parameters = (visitor_id,)
    with _connection(data_dir) as connection:
        rows = connection.execute(query + " ORDER BY id", parameters).fetchall()
    return [_ledger_row(row) for row in rows]


def usage_report(month: str, *, data_dir: Path | None = None) -> list[UsageLine]:
    """Totals of one month (``YYYY-MM``, Korean time) per visitor and pool."""
    begins, ends = month_bounds(month)
    with _connection(data_dir) as connection:
        rows = connection.execute(
            """
            SELECT visitor_id, pool,
                SUM(CASE WHEN kind IN ('trial', 'promo', 'purchase', 'plan')
                    THEN images ELSE 0 END) AS granted_images,
                SUM(CASE WHEN kind IN ('trial', 'promo', 'purchase', 'plan')
                    THEN krw ELSE 0 END) AS paid_krw,
                SUM(CASE WHEN kind = 'charge' THEN images ELSE 0 END)
                    AS charged_images,
                SUM(CASE WHEN kind = 'refund' THEN images ELSE 0 END)
                    AS refunded_images,
                SUM(CASE WHEN kind = 'charge' THEN krw
                    WHEN kind = 'refund' THEN -krw ELSE 0 END) AS used_value_krw
            FROM ledger WHERE at >= ? AND at < ?
            GROUP BY visitor_id, pool ORDER BY visitor_id, pool
            """,
            (_iso(begins), _iso(ends)),
        ).fetchall()
    return [_usage_line(month, row) for row in rows]


def format_report(lines: list[UsageLine], *, as_csv: bool = False) -> str:
    """The report as CSV, or as an aligned text table with a total line."""
    if as_csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(REPORT_COLUMNS)
        for line in lines:
            writer.writerow([getattr(line, column) for column in REPORT_COLUMNS])
        return buffer.getvalue()
    return _text_table(lines)


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The first instant of a ``YYYY-MM`` month in Korean time and of the next."""
    if not isinstance(month, str) or not re.fullmatch(r"\d{4}-\d{2}", month):
        raise ValueError(f"month must look like 2025-07, got {month!r}")
    year, number = (int(part) for part in month.split("-"))
    if not 1 <= number <= 12:
        raise ValueError(f"month must be 01 to 12, got {number:02d}")
    following = date(year + number // 12, number % 12 + 1, 1)
    return _kst_day_start(date(year, number, 1)), _kst_day_start(following)


def visitor_known(visitor_id: str, *, data_dir: Path | None = None) -> bool:
    with _connection(data_dir) as connection:
        row = connection.execute(
            "SELECT 1 FROM visitors WHERE visitor_id = ?", (visitor_id,)
        ).fetchone()
    return row is not None


# --- inside a transaction ----------------------------------------------------------


@contextmanager
def _connection(data_dir: Path | None) -> Iterator[sqlite3.Connection]:
    with closing(store.connect(data_dir)) as connection:
        yield connection


def _ensure_visitor(
    connection: sqlite3.Connection, visitor_id: str, now: datetime
) -> None:
    """Create the visitor on first sight, with the trial and its ledger row."""
    if not is_visitor_id(visitor_id):
        raise VisitorRefused(
            "방문자 정보를 확인할 수 없습니다.",
            "The visitor could not be confirmed.",
            detail="malformed visitor id",
        )
    trial = max(settings().trial_images, 0)
    created = connection.execute(
        "INSERT INTO visitors (visitor_id, first_seen, free_images) VALUES (?, ?, ?)"
        " ON CONFLICT (visitor_id) DO NOTHING",
        (visitor_id, _iso(now), trial),
    ).rowcount
    if created:
        _ledger(connection, visitor_id, now, "trial", "free", trial)
        logger.info("new visitor with %d trial images", trial)


def _reserve(
    connection: sqlite3.Connection, visitor_id: str, key: str, now: datetime
) -> Hold:
    if _already_charged(connection, visitor_id, key):
        return Hold(visitor_id, key, hold_id=None, pool=None)
    pool, period_id = _take_image(connection, visitor_id, now)
    hold_id = connection.execute(
        "INSERT INTO holds (visitor_id, result_key, pool, plan_period_id, at)"
        " VALUES (?, ?, ?, ?, ?)",
        (visitor_id, key, pool, period_id, _iso(now)),
    ).lastrowid
    return Hold(visitor_id, key, hold_id=hold_id, pool=pool)


def _commit(connection: sqlite3.Connection, hold: Hold, now: datetime) -> Charge:
    visitor_id, key = hold.visitor_id, hold.result_key
    row = connection.execute(
        "DELETE FROM holds WHERE id = ? RETURNING pool, plan_period_id",
        (hold.hold_id,),
    ).fetchone()
    # A hold that went stale already gave its image back: take one afresh.
    pool, period_id = row if row else _take_image(connection, visitor_id, now)
    if _already_charged(connection, visitor_id, key):
        # A second request for the same result finished first: this one is free.
        _return_image(connection, visitor_id, pool, period_id, now)
        return _free_charge(visitor_id, key)
    connection.execute(
        "INSERT INTO charges (visitor_id, result_key, pool, plan_period_id, at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (visitor_id, result_key) DO UPDATE"
        " SET pool = excluded.pool, plan_period_id = excluded.plan_period_id,"
        " at = excluded.at, refunded_at = NULL",
        (visitor_id, key, pool, period_id, _iso(now)),
    )
    _ledger(connection, visitor_id, now, "charge", pool, 1, key)
    logger.info("charged one image (%s pool)", pool)
    return Charge(visitor_id, key, charged=True, pool=pool, krw=PRICE_PER_IMAGE_KRW)


def _release(connection: sqlite3.Connection, hold_id: int, now: datetime) -> None:
    row = connection.execute(
        "DELETE FROM holds WHERE id = ? RETURNING visitor_id, pool, plan_period_id",
        (hold_id,),
    ).fetchone()
    if row is not None:
        _return_image(
            connection, row["visitor_id"], row["pool"], row["plan_period_id"], now
        )


def _release_stale_holds(
    connection: sqlite3.Connection, visitor_id: str, now: datetime
) -> None:
    """Holds left by a process that died mid-edit go back after a while."""
    cutoff = _iso(now - timedelta(minutes=HOLD_MINUTES))
    stale = connection.execute(
        "SELECT id FROM holds WHERE visitor_id = ? AND at < ?", (visitor_id, cutoff)
    ).fetchall()
    for row in stale:
        _release(connection, row["id"], now)
    if stale:
        logger.warning("returned %d images held by unfinished edits", len(stale))


def _already_charged(connection: sqlite3.Connection, visitor_id: str, key: str) -> bool:
    row = connection.execute(
        "SELECT 1 FROM charges WHERE visitor_id = ? AND result_key = ?"
        " AND refunded_at IS NULL",
        (visitor_id, key),
    ).fetchone()
    return row is not None


def _take_image(
    connection: sqlite3.Connection, visitor_id: str, now: datetime
) -> tuple[str, int | None]:
    """Take one image: plan allowance, then paid balance, then free images."""
    period = connection.execute(
        "SELECT id FROM plan_periods WHERE visitor_id = ? AND starts_at <= ?"
        " AND ends_at > ? AND used < images ORDER BY ends_at LIMIT 1",
        (visitor_id, _iso(now), _iso(now)),
    ).fetchone()
    if period is not None:
        connection.execute(
            "UPDATE plan_periods SET used = used + 1 WHERE id = ?", (period["id"],)
        )
        return "plan", period["id"]
    for pool in ("paid", "free"):
        if connection.execute(_TAKE_FROM[pool], (visitor_id,)).rowcount:
            return pool, None
    message_ko, message_en = no_images_message()
    raise NotEnoughCredits(message_ko, message_en, visitor_id=visitor_id)


def _return_image(
    connection: sqlite3.Connection,
    visitor_id: str,
    pool: str,
    period_id: int | None,
    now: datetime,
) -> str:
    """Put one image back where it came from; a lapsed plan's goes to free images."""
    if pool == "plan":
        returned = connection.execute(
            "UPDATE plan_periods SET used = used - 1"
            " WHERE id = ? AND ends_at > ? AND used > 0",
            (period_id, _iso(now)),
        ).rowcount
        if returned:
            return "plan"
        pool = "free"
    connection.execute(_GIVE_BACK_TO[pool], (visitor_id,))
    return pool


def _balance(connection: sqlite3.Connection, visitor_id: str, now: datetime) -> Balance:
    visitor = connection.execute(
        "SELECT paid_images, free_images FROM visitors WHERE visitor_id = ?",
        (visitor_id,),
    ).fetchone()
    plan = connection.execute(
        "SELECT COALESCE(SUM(images - used), 0) AS left_, MAX(ends_at) AS until"
        " FROM plan_periods WHERE visitor_id = ? AND starts_at <= ? AND ends_at > ?",
        (visitor_id, _iso(now), _iso(now)),
    ).fetchone()
    ahead = connection.execute(
        "SELECT COUNT(*) FROM plan_periods WHERE visitor_id = ? AND starts_at > ?",
        (visitor_id, _iso(now)),
    ).fetchone()[0]
    plan_left = int(plan["left_"])
    return Balance(
        visitor_id=visitor_id,
        images_left=plan_left + visitor["paid_images"] + visitor["free_images"],
        plan_images_left=plan_left,
        plan_until=_parse(plan["until"]) if plan["until"] else None,
        plan_periods_ahead=int(ahead),
        paid_images=visitor["paid_images"],
        free_images=visitor["free_images"],
    )


def _plan_end(connection: sqlite3.Connection, visitor_id: str) -> datetime | None:
    row = connection.execute(
        "SELECT MAX(ends_at) FROM plan_periods WHERE visitor_id = ?", (visitor_id,)
    ).fetchone()
    return _parse(row[0]) if row[0] else None


def _add_plan_period(
    connection: sqlite3.Connection,
    visitor_id: str,
    starts: datetime,
    images: int,
    now: datetime,
) -> None:
    ends = starts + timedelta(days=PLAN_DAYS)
    connection.execute(
        "INSERT INTO plan_periods (visitor_id, starts_at, ends_at, images)"
        " VALUES (?, ?, ?, ?)",
        (visitor_id, _iso(starts), _iso(ends), images),
    )
    note = f"{_iso(starts)} to {_iso(ends)}"
    _ledger(connection, visitor_id, now, "plan", "plan", images, note=note)


def _find_promo(connection: sqlite3.Connection, code: str) -> Promo | None:
    if not re.fullmatch(r"[A-Z0-9_-]{1,64}", code):
        return None
    row = connection.execute(
        "SELECT * FROM promo_codes WHERE code = ?", (code,)
    ).fetchone()
    if row is None:
        return None
    return Promo(
        code=row["code"],
        images=row["images"],
        max_uses=row["max_uses"],
        uses=row["uses"],
        starts_at=_parse(row["starts_at"]),
        expires_at=_parse(row["expires_at"]),
    )


def _redeem(
    connection: sqlite3.Connection, visitor_id: str, promo: Promo, now: datetime
) -> PromoRedemption:
    redeemed = connection.execute(
        "SELECT 1 FROM promo_redemptions WHERE code = ? AND visitor_id = ?",
        (promo.code, visitor_id),
    ).fetchone()
    if redeemed is not None:
        return PromoRedemption(promo.code, promo.images, granted=False)
    if now < promo.starts_at:
        raise _promo_refused(
            "the code is not valid yet", "아직 사용할 수 없는 코드입니다"
        )
    if now >= promo.expires_at:
        raise _promo_refused("the code has expired", "기간이 끝난 코드입니다")
    counted = connection.execute(
        "UPDATE promo_codes SET uses = uses + 1 WHERE code = ? AND uses < max_uses",
        (promo.code,),
    ).rowcount
    if not counted:
        raise _promo_refused("the code is used up", "사용 한도가 끝난 코드입니다")
    connection.execute(
        "INSERT INTO promo_redemptions (code, visitor_id, at) VALUES (?, ?, ?)",
        (promo.code, visitor_id, _iso(now)),
    )
    connection.execute(
        "UPDATE visitors SET free_images = free_images + ? WHERE visitor_id = ?",
        (promo.images, visitor_id),
    )
    connection.execute("DELETE FROM promo_misses WHERE visitor_id = ?", (visitor_id,))
    _ledger(
        connection,
        visitor_id,
        now,
        "promo",
        "free",
        promo.images,
        note=f"code {promo.code}",
    )
    logger.info("promo code granted %d images to a visitor", promo.images)
    return PromoRedemption(promo.code, promo.images, granted=True)


def _check_not_blocked(
    connection: sqlite3.Connection, visitor_id: str, now: datetime
) -> None:
    row = connection.execute(
        "SELECT blocked_until FROM promo_misses WHERE visitor_id = ?", (visitor_id,)
    ).fetchone()
    if row is None or row["blocked_until"] is None:
        return
    wait = _parse(row["blocked_until"]) - now
    if wait > timedelta(0):
        seconds = int(wait.total_seconds()) + 1
        raise RateLimited(
            f"잘못된 코드를 여러 번 입력했습니다. {seconds}초 뒤에 다시 시도해 주세요.",
            f"Too many wrong codes. Please try again in {seconds} seconds.",
            retry_after=seconds,
        )


def _record_miss(
    connection: sqlite3.Connection, visitor_id: str, now: datetime
) -> None:
    """Count a wrong code; from the fifth on, each one blocks twice as long."""
    row = connection.execute(
        "SELECT misses, last_miss_at FROM promo_misses WHERE visitor_id = ?",
        (visitor_id,),
    ).fetchone()
    misses = 1
    if row is not None and now - _parse(row["last_miss_at"]) < timedelta(days=1):
        misses = row["misses"] + 1
    blocked_until = None
    if misses >= FREE_PROMO_MISSES:
        delay = FIRST_PROMO_BLOCK * 2 ** min(misses - FREE_PROMO_MISSES, 20)
        blocked_until = _iso(now + min(delay, LONGEST_PROMO_BLOCK))
    connection.execute(
        "INSERT INTO promo_misses (visitor_id, misses, last_miss_at, blocked_until)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (visitor_id) DO UPDATE SET"
        " misses = excluded.misses, last_miss_at = excluded.last_miss_at,"
        " blocked_until = excluded.blocked_until",
        (visitor_id, misses, _iso(now), blocked_until),
    )
    logger.warning("wrong promo code from a visitor (%d in a row)", misses)


def _ledger(
    connection: sqlite3.Connection,
    visitor_id: str,
    now: datetime,
    kind: str,
    pool: str,
    images: int,
    key: str | None = None,
    note: str = "",
    krw: int | None = None,
) -> None:
    """One ledger row; KRW is the list price of what moved unless given."""
    if krw is None:
        krw = _LIST_PRICE_KRW.get(kind, 0) * (1 if kind == "plan" else images)
    connection.execute(
        "INSERT INTO ledger (visitor_id, at, kind, pool, images, krw, result_key,"
        " note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (visitor_id, _iso(now), kind, pool, images, krw, key, note),
    )


# --- small helpers -------------------------------------------------------------


def _free_charge(visitor_id: str, key: str) -> Charge:
    return Charge(visitor_id, key, charged=False, pool=None, krw=0)


def _promo_refused(detail_en: str, detail_ko: str) -> PromoRefused:
    return PromoRefused(
        f"프로모션 코드를 사용할 수 없습니다: {detail_ko}.",
        f"This promo code cannot be used: {detail_en}.",
        detail=detail_en,
    )


def _check_result_key(key: str) -> None:
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_RESULT_KEY_CHARS:
        raise ValueError(
            f"result key must be 1 to {MAX_RESULT_KEY_CHARS} characters of text"
        )


def _check_grant(images: int) -> None:
    if isinstance(images, bool) or not isinstance(images, int):
        raise ValueError(f"images must be a whole number, got {images!r}")
    if not 1 <= images <= MAX_GRANT_IMAGES:
        raise ValueError(f"images must be between 1 and {MAX_GRANT_IMAGES:,}")


def _utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must carry a time zone")
    return now.astimezone(UTC)


def _isos(*moments: datetime) -> tuple[str, ...]:
    return tuple(_iso(moment) for moment in moments)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def _kst_day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=KST).astimezone(UTC)


def _ledger_row(row: sqlite3.Row) -> LedgerRow:
    return LedgerRow(**{**dict(row), "at": _parse(row["at"])})


def _usage_line(month: str, row: sqlite3.Row) -> UsageLine:
    charged, refunded = row["charged_images"], row["refunded_images"]
    return UsageLine(
        month=month,
        visitor_id=row["visitor_id"],
        pool=row["pool"],
        granted_images=row["granted_images"],
        paid_krw=row["paid_krw"],
        charged_images=charged,
        refunded_images=refunded,
        used_images=charged - refunded,
        used_value_krw=row["used_value_krw"],
    )


def _text_table(lines: list[UsageLine]) -> str:
    totals = ["total", "", ""] + [
        str(sum(getattr(line, column) for line in lines))
        for column in REPORT_COLUMNS[3:]
    ]
    body = [[str(getattr(line, column)) for column in REPORT_COLUMNS] for line in lines]
    table = [list(REPORT_COLUMNS), *body, totals]
    widths = [max(len(row[i]) for row in table) for i in range(len(REPORT_COLUMNS))]
    rendered = []
    for row in table:
        cells = [
            cell.ljust(width) if i < 3 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        rendered.append("  ".join(cells).rstrip())
    return "\n".join(rendered) + "\n"
