"""SQLite runs in WAL mode with foreign keys on; writes take the lock up front, reads never
open a transaction (each statement reads the latest commit, like READ COMMITTED)."""

import pytest
from sqlalchemy import Connection, event, text

from src.infrastructure.database import current_connection, current_session, transaction
from src.infrastructure.runtime import Runtime
from tests.conftest import POSTGRES_URL

pytestmark = [
    pytest.mark.database,
    pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite tuning; this run is on PostgreSQL"),
]


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


async def test_writes_begin_immediate_and_reads_never_begin(runtime: Runtime) -> None:
    statements: list[str] = []

    def record(_conn: Connection, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    engines = (runtime.database.engine.sync_engine, runtime.database.readonly_engine.sync_engine)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        await write_something()
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
