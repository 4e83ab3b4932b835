"""A faster aiosqlite adapter for SQLAlchemy: each statement is one trip to aiosqlite's thread.

This is the only module that reaches into private members of SQLAlchemy's aiosqlite dialect
and of aiosqlite itself, so pyproject.toml bounds both to the minor versions it was tested
on, and tests/unit/test_fast_aiosqlite.py fails, naming the installed versions, when a member
it overrides or uses has moved or changed its signature. `DATABASE__SQLITE_FAST_ADAPTER=false`
leaves SQLAlchemy's stock adapter in place.

SQLAlchemy's aiosqlite cursor makes four trips per statement (open a cursor, execute, fetch,
close), and each trip is a queue hand-off to the thread and a wake-up of the event loop: on a
cheap read they cost more than SQLite itself.
"""

import collections
from typing import Any, NamedTuple, cast

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
)
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.util import immutabledict


def speed_up(dbapi_connection: DBAPIConnection) -> None:
    """Turn a connection SQLAlchemy's aiosqlite dialect just opened into a one-trip one."""
    adapted = cast("Any", dbapi_connection)
    if type(adapted) is AsyncAdapt_aiosqlite_connection:
        adapted.__class__ = OneTripConnection


class _Outcome(NamedTuple):
    description: Any
    rowcount: int
    lastrowid: int | None
    rows: list[Any]


def _run_statement(
    connection: aiosqlite.Connection, operation: str, parameters: Any, *, many: bool
) -> _Outcome:
    """Runs on aiosqlite's thread: execute, fetch every row, close the cursor."""
    cursor = connection._conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        else:
            cursor.execute(operation, () if parameters is None else parameters)
        rows = cursor.fetchall() if cursor.description else []
        return _Outcome(cursor.description, cursor.rowcount, cursor.lastrowid, rows)
    finally:
        cursor.close()


_NOTHING_YET = _Outcome(None, -1, None, [])


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A statement in one trip to aiosqlite's worker thread: all four steps run there at once,
    and the rows come back with the answer."""

    __slots__ = ("_outcome",)

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = immutabledict()
        self._rows = collections.deque()
        self._outcome = _NOTHING_YET

    @property
    def description(self) -> Any:
        return self._outcome.description

    @property
    def rowcount(self) -> int:
        return self._outcome.rowcount

    @property
    def lastrowid(self) -> int | None:  # type: ignore[override]
        return self._outcome.lastrowid

    async def _async_soft_close(self) -> None:
        return  # there is no driver cursor left open

    def close(self) -> None:
        self._rows.clear()

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._run(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        await self._run(operation, seq_of_parameters, many=True)

    async def _run(self, operation: Any, parameters: Any, *, many: bool) -> None:
        connection: Any = self._connection  # an aiosqlite.Connection, whose hand-off is untyped
        async with self._adapt_connection._execute_mutex:
            self._outcome = await connection._execute(
                _run_statement, connection, operation, parameters, many=many
            )
        self._rows = collections.deque(self._outcome.rows)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection with one-trip statements, and without the ROLLBACK
    of a connection with no open transaction (a no-op that would still cost a trip)."""

    __slots__ = ()

    _cursor_cls = OneTripCursor  # type: ignore[assignment]  # a subclass, built differently

    def rollback(self) -> None:
        if self._connection.in_transaction:
            super().rollback()
