"""SQLite runs in WAL mode with foreign keys on, writes take the lock up front, reads never."""

import pytest
from sqlalchemy import Connection, event, text

from src.infrastructure.database import current_session, transaction
from src.infrastructure.runtime import Runtime
from tests.conftest import POSTGRES_URL

pytestmark = [
    pytest.mark.database,
    pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite tuning; this run is on PostgreSQL"),
]


@transaction(readonly=True)
async def pragma(name: str) -> object:
    return (await current_session().execute(text(f"PRAGMA {name}"))).scalar_one()


@transaction
async def write_something() -> None:
    await current_session().execute(text("SELECT 1"))


async def test_connections_use_wal_foreign_keys_and_a_busy_timeout(runtime: Runtime) -> None:
    assert await pragma("journal_mode") == "wal"
    assert await pragma("foreign_keys") == 1
    assert await pragma("busy_timeout") == runtime.settings.database.sqlite_busy_timeout_ms


async def test_writes_begin_immediate_and_reads_begin_deferred(runtime: Runtime) -> None:
    statements: list[str] = []

    def record(_conn: Connection, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(runtime.database.engine.sync_engine, "before_cursor_execute", record)
    try:
        await write_something()
        await pragma("foreign_keys")
    finally:
        event.remove(runtime.database.engine.sync_engine, "before_cursor_execute", record)
    begins = [statement for statement in statements if statement.startswith("BEGIN")]
    assert begins == ["BEGIN IMMEDIATE", "BEGIN"]
