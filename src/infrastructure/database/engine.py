"""Engines and session factories, built from settings (never at import time).

There are two engines on the same database: one for writes, and one whose connections the
database itself holds read-only (SQLite's `query_only`, PostgreSQL's
`default_transaction_read_only`), so a read-only operation cannot write even by mistake.

SQLite follows SQLAlchemy's documented recipe for sqlite3/aiosqlite transactions: the driver's
own BEGIN is disabled (`isolation_level = None`) and a `begin` listener emits ours, so that
write transactions start with `BEGIN IMMEDIATE`: the write lock is taken up front, never
upgraded mid-transaction, which is what makes concurrent writers queue instead of deadlock.

Read-only work on SQLite emits no BEGIN at all: each statement reads the latest committed
state, exactly as PostgreSQL's default READ COMMITTED isolation does, and never touches the
write lock. Every statement through aiosqlite is a round trip to its worker thread, so the
BEGIN and the ROLLBACK a read would otherwise pay for are a large share of a cheap request.
For the same reason each statement makes one trip instead of four (`fast_aiosqlite`, unless
`DATABASE__SQLITE_FAST_ADAPTER` is false).
"""

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import pydantic_core
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

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass(slots=True)
class Database:
    """The two engines, the writing side's session factory, and the queues before each."""

    engine: AsyncEngine
    readonly_engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    # One slot per pooled connection. Operations queue here, first come first served, before
    # they take a connection: the pool itself lets a newcomer take a connection that was just
    # returned ahead of those already waiting, which starves a few requests for seconds under
    # load. On SQLite the write side has a single slot: SQLite admits one writer at a time,
    # and queueing writers in the event loop beats spinning on its busy timeout in threads.
    write_slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(1))
    readonly_slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(1))

    async def dispose(self) -> None:
        await self.engine.dispose()
        await self.readonly_engine.dispose()


def create_database(settings: DatabaseSettings) -> Database:
    """Build the engines for `settings.url` with the tuning its backend needs."""
    engine = _create_engine(settings, readonly=False)
    readonly_engine = _create_engine(settings, readonly=True)
    return Database(
        engine=engine,
        readonly_engine=readonly_engine,
        sessions=async_sessionmaker(engine, expire_on_commit=False, autoflush=False),
        write_slots=asyncio.Semaphore(_capacity(settings, readonly=False)),
        readonly_slots=asyncio.Semaphore(_capacity(settings, readonly=True)),
    )


def _capacity(settings: DatabaseSettings, *, readonly: bool) -> int:
    """How many connections an engine's pool holds at most."""
    if not settings.url.startswith("sqlite"):
        return settings.pool_size + settings.max_overflow
    return settings.sqlite_read_connections if readonly else 1


def _create_engine(settings: DatabaseSettings, *, readonly: bool) -> AsyncEngine:
    is_sqlite = settings.url.startswith("sqlite")
    options: dict[str, Any] = {
        "echo": settings.echo,
        "hide_parameters": True,  # statement parameters (password hashes, tokens) stay out of logs
        "pool_pre_ping": not is_sqlite,
        # JSON columns (options, variants, images) are parsed by pydantic's Rust parser, three
        # times faster than the standard library on a page of products with many variants.
        "json_deserializer": pydantic_core.from_json,
    }
    if not is_sqlite:
        options |= {"pool_size": settings.pool_size, "max_overflow": settings.max_overflow}
    elif ":memory:" not in settings.url:
        # Writers take turns on SQLite's one write lock, so they never need a second connection.
        # No overflow: a connection opened for a burst and closed after it costs a thread
        # and its PRAGMAs each time, and churns under steady load.
        options |= {"pool_size": _capacity(settings, readonly=readonly), "max_overflow": 0}
    if readonly and settings.url.startswith("postgresql+asyncpg"):
        options["connect_args"] = {"server_settings": {"default_transaction_read_only": "on"}}
    engine = create_async_engine(settings.url, **options)
    if is_sqlite:
        _tune_sqlite(engine, settings, readonly=readonly)
    return engine


def _tune_sqlite(engine: AsyncEngine, settings: DatabaseSettings, *, readonly: bool) -> None:
    speed_up: Callable[[DBAPIConnection], None] | None = None
    if settings.sqlite_fast_adapter:
        # Imported only when asked for: with the setting off, an upgrade that moved what it
        # imports cannot stop the app from starting.
        from src.infrastructure.database.fast_aiosqlite import speed_up  # noqa: PLC0415

    pragmas = [
        "journal_mode = WAL",
        "synchronous = NORMAL",  # durable across application crashes; the WAL norm
        f"busy_timeout = {int(settings.sqlite_busy_timeout_ms)}",
        "foreign_keys = ON",
        *(["query_only = ON"] if readonly else []),
    ]

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        if speed_up is not None:
            speed_up(dbapi_connection)
        cast("Any", dbapi_connection).isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in pragmas:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    if not readonly:

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
