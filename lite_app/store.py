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
