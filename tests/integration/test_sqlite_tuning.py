"""SQLite runs in WAL mode with foreign keys on; writes take the lock up front, reads never
open a transaction (each statement reads the latest commit, like READ COMMITTED).

Every test runs through both aiosqlite adapters: the fast one (the default) and, with
`DATABASE__SQLITE_FAST_ADAPTER=false`, SQLAlchemy's stock one."""

import asyncio
import sqlite3
from typing import Any

import aiosqlite
import pytest
from httpx import AsyncClient
from sqlalchemy import Connection, event, make_url, text
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection
from sqlalchemy.ext.asyncio import AsyncEngine

from src.config.settings import DatabaseSettings, Settings
from src.infrastructure.database import current_connection, current_session, transaction
from src.infrastructure.database.fast_aiosqlite import OneTripConnection
from src.infrastructure.runtime import Runtime
from tests.conftest import POSTGRES_URL, make_settings
from tests.e2e.helpers import API, bearer, login, register

pytestmark = [
    pytest.mark.database,
    pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite tuning; this run is on PostgreSQL"),
]


@pytest.fixture(params=[True, False], ids=["fast-adapter", "stock-adapter"])
def settings(database_url: str, request: pytest.FixtureRequest) -> Settings:
    database = DatabaseSettings(url=database_url, sqlite_fast_adapter=request.param)
    return make_settings(database_url, database=database)


@transaction(readonly=True)
async def pragma(name: str) -> object:
    return (await (await current_connection()).execute(text(f"PRAGMA {name}"))).scalar_one()


@transaction
async def write_something() -> None:
    await current_session().execute(text("SELECT 1"))


@transaction
async def write_pragma(name: str) -> object:
    return (await current_session().execute(text(f"PRAGMA {name}"))).scalar_one()


async def test_connections_use_wal_foreign_keys_and_a_busy_timeout(runtime: Runtime) -> None:
    for read in (pragma, write_pragma):
        assert await read("journal_mode") == "wal"
        assert await read("foreign_keys") == 1
        assert await read("busy_timeout") == runtime.settings.database.sqlite_busy_timeout_ms
    assert await pragma("query_only") == 1  # read-only connections cannot write
    assert await write_pragma("query_only") == 0


def _another_writer_is_locked_out(database: str) -> bool:
    """Whether a writer of its own, not waiting at all, is refused the write lock."""
    other = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        return "locked" in str(error)
    finally:
        other.close()
    return False


@transaction
async def hold_the_write_lock_after_one_read(database: str) -> bool:
    await current_session().execute(text("SELECT 1"))
    return await asyncio.to_thread(_another_writer_is_locked_out, database)


async def test_writes_take_the_lock_at_their_first_statement_and_reads_never_begin(
    runtime: Runtime,
) -> None:
    """BEGIN IMMEDIATE: a write that has only read so far already holds the write lock, and
    releases it at commit."""
    database = str(make_url(runtime.settings.database.url).database)
    statements: list[str] = []

    def record(_conn: Connection, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    engines = (runtime.database.engine.sync_engine, runtime.database.readonly_engine.sync_engine)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        assert await hold_the_write_lock_after_one_read(database)
        assert not await asyncio.to_thread(_another_writer_is_locked_out, database)
        await pragma("foreign_keys")
        await pragma("foreign_keys")
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)
    assert statements == [
        "BEGIN IMMEDIATE",
        "SELECT 1",
        "PRAGMA foreign_keys",
        "PRAGMA foreign_keys",
    ]


@transaction
async def write_nothing() -> None:
    await current_session().connection()  # begun, and not one statement run


async def test_a_write_that_runs_no_statement_commits_and_rolls_back_cleanly(
    runtime: Runtime,
) -> None:
    await write_nothing()

    @transaction
    async def fail() -> None:
        await current_session().connection()
        raise Boom

    with pytest.raises(Boom):
        await fail()
    await write_something()  # the connections went back to the pool clean
    assert await pragma("foreign_keys") == 1


class Boom(Exception):
    pass


@transaction
async def create_notes() -> None:
    await current_session().execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))


@transaction
async def write_notes(*bodies: str, fail: bool = False) -> int | None:
    session = current_session()
    await session.execute(
        text("INSERT INTO notes (body) VALUES (:body)"), [{"body": b} for b in bodies]
    )
    inserted = await session.execute(text("INSERT INTO notes (body) VALUES ('last') RETURNING id"))
    last_id = inserted.scalar_one()
    if fail:
        raise Boom
    return int(last_id)


@transaction(readonly=True)
async def read_notes() -> list[str]:
    rows = await (await current_connection()).execute(text("SELECT body FROM notes ORDER BY id"))
    return list(rows.scalars())


@transaction(readonly=True)
async def read_nothing() -> None:
    await (await current_connection()).execute(text("SELECT 1"))


async def _adapter_of(engine: AsyncEngine) -> type:
    async with engine.connect() as connection:
        return type((await connection.get_raw_connection()).dbapi_connection)


async def test_the_setting_picks_the_adapter_of_both_engines(
    runtime: Runtime, settings: Settings
) -> None:
    expected = OneTripConnection if settings.database.sqlite_fast_adapter else None
    for engine in (runtime.database.engine, runtime.database.readonly_engine):
        adapter = await _adapter_of(engine)
        assert adapter is (expected or AsyncAdapt_aiosqlite_connection)


async def test_writes_commit_roll_back_and_are_read_back_through_transactions(
    runtime: Runtime,
) -> None:
    await create_notes()
    assert await write_notes("first", "second") == 3
    with pytest.raises(Boom):
        await write_notes("rolled back", fail=True)
    assert await read_notes() == ["first", "second", "last"]


async def test_the_fast_adapter_makes_one_trip_to_the_thread_per_statement(
    runtime: Runtime, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await read_nothing()  # the pool's connection is open, its PRAGMAs run
    trips = 0
    hand_off: Any = aiosqlite.Connection._execute  # untyped in aiosqlite

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal trips
        trips += 1
        return await hand_off(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    await read_nothing()
    if settings.database.sqlite_fast_adapter:
        assert trips == 1
    else:
        assert trips > 1  # the stock cursor: open, execute, fetch, close, and a ROLLBACK


async def test_the_server_registers_logs_in_and_reads_an_account(client: AsyncClient) -> None:
    user = await register(client, role="seller")
    token = (await login(client, user["email"]))["accessToken"]
    me = await client.get(f"{API}/users/me", headers=bearer(token))
    assert me.status_code == 200, me.text
    assert me.json()["email"] == user["email"]
