"""Engine and session factories, built from settings (never at import time).

SQLite follows SQLAlchemy's documented recipe for sqlite3/aiosqlite transactions: the driver's
own BEGIN is disabled (`isolation_level = None`) and a `begin` listener emits ours, so that
write transactions start with `BEGIN IMMEDIATE` (the write lock is taken up front, never
upgraded mid-transaction) and read-only ones with a plain deferred `BEGIN` that never takes it.
"""

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from src.config.settings import DatabaseSettings

READONLY_OPTION = "marketplace_readonly"


@dataclass(slots=True)
class Database:
    """The engine and the two session factories: one for writes, one for read-only work."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    readonly_sessions: async_sessionmaker[AsyncSession]
    # SQLite admits one writer at a time; queueing writers here, in the event loop, is
    # cheaper and fairer than letting them spin on the database's busy timeout in threads.
    write_lock: asyncio.Lock | None = field(default=None)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    async def dispose(self) -> None:
        await self.engine.dispose()


def create_database(settings: DatabaseSettings) -> Database:
    """Build the engine for `settings.url` with the tuning its backend needs."""
    is_sqlite = settings.url.startswith("sqlite")
    options: dict[str, Any] = {
        "echo": settings.echo,
        "hide_parameters": True,  # statement parameters (password hashes, tokens) stay out of logs
        "pool_pre_ping": not is_sqlite,
    }
    if not is_sqlite or ":memory:" not in settings.url:
        options |= {"pool_size": settings.pool_size, "max_overflow": settings.max_overflow}
    engine = create_async_engine(settings.url, **options)
    if is_sqlite:
        _tune_sqlite(engine, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    readonly_engine = engine.execution_options(**{READONLY_OPTION: True})
    return Database(
        engine=engine,
        sessions=async_sessionmaker(engine, expire_on_commit=False, autoflush=False),
        readonly_sessions=async_sessionmaker(readonly_engine, expire_on_commit=False),
        write_lock=asyncio.Lock() if is_sqlite else None,
    )


def _tune_sqlite(engine: AsyncEngine, *, busy_timeout_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode = WAL",
            "synchronous = NORMAL",  # durable across application crashes; the WAL norm
            f"busy_timeout = {int(busy_timeout_ms)}",
            "foreign_keys = ON",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        readonly = connection.get_execution_options().get(READONLY_OPTION, False)
        connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")
