"""SQLite storage: the database, not process memory, is the truth.

The schema lives here as SQL with a version number; :data:`MIGRATIONS` runs
forward only, each step once, inside one transaction. Every connection uses WAL
so readers never wait on the writer, and writes go through :func:`write`, which
opens a ``BEGIN IMMEDIATE`` transaction so two writers never interleave.
Queries take parameters only; no request text is ever formatted into SQL.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lite_app.config import settings

logger = logging.getLogger(__name__)

DATABASE_NAME = "lite.sqlite3"

# Append only: step N brings the schema from version N-1 to N.
MIGRATIONS: list[str] = [
    # 1: translation cache (Papago bills per character).
    """
    CREATE TABLE translation_cache (
        text TEXT NOT NULL,
        source TEXT NOT NULL,
        target TEXT NOT NULL,
        translated TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        PRIMARY KEY (text, source, target)
    );
    """,
    # 2: credits. Balances live in rows with CHECKs that forbid going below
    # zero; every grant, charge and refund also writes one ledger row.
    """
    CREATE TABLE visitors (
        visitor_id TEXT PRIMARY KEY,
        first_seen TEXT NOT NULL,
        paid_images INTEGER NOT NULL DEFAULT 0 CHECK (paid_images >= 0),
        free_images INTEGER NOT NULL DEFAULT 0 CHECK (free_images >= 0)
    );
    CREATE TABLE plan_periods (
        id INTEGER PRIMARY KEY,
        visitor_id TEXT NOT NULL REFERENCES visitors (visitor_id),
        starts_at TEXT NOT NULL,
        ends_at TEXT NOT NULL,
        images INTEGER NOT NULL CHECK (images >= 0),
        used INTEGER NOT NULL DEFAULT 0 CHECK (used >= 0 AND used <= images)
    );
    CREATE INDEX plan_periods_by_visitor ON plan_periods (visitor_id, ends_at);
    CREATE TABLE ledger (
        id INTEGER PRIMARY KEY,
        visitor_id TEXT NOT NULL REFERENCES visitors (visitor_id),
        at TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (
            kind IN ('trial', 'promo', 'purchase', 'plan', 'charge', 'refund')
        ),
        pool TEXT NOT NULL CHECK (pool IN ('plan', 'paid', 'free')),
        images INTEGER NOT NULL CHECK (images >= 0),
        krw INTEGER NOT NULL CHECK (krw >= 0),
        result_key TEXT,
        note TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX ledger_by_time ON ledger (at);
    CREATE INDEX ledger_by_visitor ON ledger (visitor_id, at);
    CREATE TABLE holds (
        id INTEGER PRIMARY KEY,
        visitor_id TEXT NOT NULL REFERENCES visitors (visitor_id),
        result_key TEXT NOT NULL,
        pool TEXT NOT NULL CHECK (pool IN ('plan', 'paid', 'free')),
        plan_period_id INTEGER REFERENCES plan_periods (id),
        at TEXT NOT NULL
    );
    CREATE INDEX holds_by_visitor ON holds (visitor_id, at);
    CREATE TABLE charges (
        visitor_id TEXT NOT NULL REFERENCES visitors (visitor_id),
        result_key TEXT NOT NULL,
        pool TEXT NOT NULL CHECK (pool IN ('plan', 'paid', 'free')),
        plan_period_id INTEGER REFERENCES plan_periods (id),
        at TEXT NOT NULL,
        refunded_at TEXT,
        PRIMARY KEY (visitor_id, result_key)
    );
    CREATE TABLE promo_codes (
        code TEXT PRIMARY KEY,
        images INTEGER NOT NULL CHECK (images > 0),
        max_uses INTEGER NOT NULL CHECK (max_uses > 0),
        uses INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0 AND uses <= max_uses),
        starts_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE promo_redemptions (
        code TEXT NOT NULL REFERENCES promo_codes (code),
        visitor_id TEXT NOT NULL REFERENCES visitors (visitor_id),
        at TEXT NOT NULL,
        PRIMARY KEY (code, visitor_id)
    );
    CREATE TABLE promo_misses (
        visitor_id TEXT PRIMARY KEY,
        misses INTEGER NOT NULL CHECK (misses >= 0),
        last_miss_at TEXT NOT NULL,
        blocked_until TEXT
    );
    """,
    # 3: recipes, saved looks that others open, change and save as their own.
    """
    CREATE TABLE recipes (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        name TEXT NOT NULL,
        look TEXT NOT NULL,
        thumbnail BLOB,
        parent_id TEXT REFERENCES recipes (id) ON DELETE SET NULL,
        public INTEGER NOT NULL DEFAULT 0 CHECK (public IN (0, 1)),
        uses INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX recipes_gallery ON recipes (public, uses DESC, created_at DESC);
    CREATE INDEX recipes_by_owner ON recipes (owner, created_at DESC);
    CREATE TABLE recipe_uses (
        recipe_id TEXT NOT NULL REFERENCES recipes (id) ON DELETE CASCADE,
        visitor_id TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (recipe_id, visitor_id)
    );
    """,
]

_migrated: set[Path] = set()
_migrate_lock = threading.Lock()


def database_path(data_dir: Path | None = None) -> Path:
    folder = data_dir or settings().data_dir
    return folder / DATABASE_NAME


def connect(data_dir: Path | None = None) -> sqlite3.Connection:
    """A new connection to the app's database, migrated to the current schema."""
    path = database_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA busy_timeout=30000")
    connection.execute("PRAGMA foreign_keys=ON")
    _migrate_once(connection, path.resolve())
    return connection


@contextmanager
def write(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction that holds the write lock from its first statement."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def schema_version(connection: sqlite3.Connection) -> int:
    return connection.execute("PRAGMA user_version").fetchone()[0]


def _migrate_once(connection: sqlite3.Connection, path: Path) -> None:
    if path in _migrated:
        return
    with _migrate_lock:
        migrate(connection)
        _migrated.add(path)


def migrate(connection: sqlite3.Connection) -> None:
    """Bring the schema forward to ``len(MIGRATIONS)``; safe across processes."""
    with write(connection):
        current = schema_version(connection)
        for version, step in enumerate(MIGRATIONS[current:], start=current + 1):
            for statement in _statements(step):
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {int(version)}")
            logger.info("database schema moved to version %d", version)


def _statements(script: str) -> list[str]:
    return [part.strip() for part in script.split(";") if part.strip()]
