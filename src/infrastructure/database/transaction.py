"""`@transaction`: one application operation, one database transaction.

The outermost call binds the operation's transaction to a ContextVar, runs the operation,
commits on success, rolls back on any exception and re-raises it, and always releases the
connection and resets the ContextVar. A nested call joins the outer transaction.

A writing operation works in a fresh `AsyncSession`, whose connection its Core statements
use. A read-only one has no session at all: it starts with nothing checked out, and its first
statement takes a connection from the read-only pool, which every later statement of the
operation shares and which is returned when the operation ends.

One error is translated on its way out: a database that cannot be reached (down, restarting,
out of connections) leaves as `ServiceUnavailable` (`databaseUnavailable`), chained to the
driver's error, so that callers and clients see an outage, not a bug.
"""

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable, Coroutine
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar, overload

from loguru import logger
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from src.infrastructure.database.engine import Database
from src.infrastructure.database.outages import database_unavailable, is_outage
from src.infrastructure.errors import ProgrammingError


@dataclass(slots=True)
class _ActiveTransaction:
    database: Database
    readonly: bool
    owner: asyncio.Task[object] | None
    session: AsyncSession | None = None  # a writing operation's; a read-only one has none
    connection: AsyncConnection | None = None
    after_commit: list[Callable[[], None]] = field(default_factory=list)


P = ParamSpec("P")
R = TypeVar("R")

_active: ContextVar[_ActiveTransaction] = ContextVar("marketplace_transaction")
_database: Database | None = None


def bind_database(database: Database | None) -> None:
    """Make `database` the one `@transaction` opens sessions on (None unbinds it)."""
    global _database  # noqa: PLW0603 - the one process-wide binding, set by the app's lifespan
    _database = database


def bound_database() -> Database:
    """The database `@transaction` uses; a programming error if none is bound."""
    if _database is None:
        raise ProgrammingError("no database is bound: start the application (or bind one)")
    return _database


def _current() -> _ActiveTransaction:
    active = _active.get(None)
    if active is None:
        raise ProgrammingError("repositories can only be used inside a @transaction operation")
    if active.owner is not asyncio.current_task():
        raise ProgrammingError("a transaction's session was used from another task")
    return active


def current_session() -> AsyncSession:
    """The session of the running write transaction; a programming error outside of one, and
    inside a read-only one, which runs Core statements on its connection alone."""
    active = _current()
    if active.session is None:
        raise ProgrammingError("a read-only transaction has no session; use current_connection()")
    return active.session


def current_dialect() -> str:
    """The name of the database's dialect: `sqlite` or `postgresql`."""
    return _current().database.engine.dialect.name


async def current_connection() -> AsyncConnection:
    """The connection of the running transaction's session, for Core statements.

    Repositories map rows to entities themselves and need none of the ORM's machinery. A
    read-only operation checks its connection out of the read-only pool on first use.
    """
    active = _current()
    if active.connection is None:
        if active.session is not None:
            active.connection = await active.session.connection()
        else:
            active.connection = await active.database.readonly_engine.connect()
    return active.connection


def after_commit(callback: Callable[[], None]) -> None:
    """Call `callback` once the running transaction has committed (never if it rolls back).

    For nudges that must not run before the data they announce is visible, such as waking the
    outbox relay. Callbacks must be quick and must not raise.
    """
    _current().after_commit.append(callback)


def in_transaction() -> bool:
    """Whether the caller runs inside a transaction."""
    return _active.get(None) is not None


@overload
def transaction(
    operation: Callable[P, Coroutine[Any, Any, R]], /
) -> Callable[P, Coroutine[Any, Any, R]]: ...
@overload
def transaction(
    *, readonly: bool = False
) -> Callable[[Callable[P, Coroutine[Any, Any, R]]], Callable[P, Coroutine[Any, Any, R]]]: ...


def transaction(
    operation: Callable[P, Coroutine[Any, Any, R]] | None = None, /, *, readonly: bool = False
) -> (
    Callable[P, Coroutine[Any, Any, R]]
    | Callable[[Callable[P, Coroutine[Any, Any, R]]], Callable[P, Coroutine[Any, Any, R]]]
):
    """Run the decorated operation in a transaction (`@transaction` or `(readonly=True)`)."""

    def decorate(func: Callable[P, Coroutine[Any, Any, R]]) -> Callable[P, Coroutine[Any, Any, R]]:
        @functools.wraps(func)
        async def run(*args: P.args, **kwargs: P.kwargs) -> R:
            outer = _active.get(None)
            if outer is None:
                return await _run_outermost(
                    functools.partial(func, *args, **kwargs), readonly=readonly
                )
            if outer.readonly and not readonly:
                raise ProgrammingError(f"{func.__qualname__} writes inside a read-only transaction")
            if outer.owner is not asyncio.current_task():
                raise ProgrammingError("a transaction cannot be joined from another task")
            return await func(*args, **kwargs)

        return run

    return decorate if operation is None else decorate(operation)


async def _run_outermost(call: Callable[[], Awaitable[R]], *, readonly: bool) -> R:
    database = bound_database()
    slots = database.readonly_slots if readonly else database.write_slots
    async with slots:
        # A writing operation's session; a read-only one only ever takes a connection.
        writes = None if readonly else database.sessions()
        active = _ActiveTransaction(database, readonly, asyncio.current_task(), session=writes)
        token = _active.set(active)
        try:
            result = await call()
            if writes is not None:
                await writes.commit()
        except BaseException as error:
            # A read-only operation has nothing to undo: releasing its connection resets it.
            if writes is not None:
                await _rollback(writes)
            if is_outage(error):
                raise database_unavailable() from error
            raise
        finally:
            _active.reset(token)
            # Shielded so that a cancelled request still returns its connection to the pool.
            await asyncio.shield(_release(active))
    for callback in active.after_commit:
        callback()
    return result


async def _rollback(session: AsyncSession) -> None:
    try:
        await asyncio.shield(session.rollback())
    except Exception:
        logger.opt(exception=True).warning("rollback failed")


async def _release(active: _ActiveTransaction) -> None:
    """Close the session, or a read-only operation's connection, returning it to its pool."""
    if active.session is not None:
        await _close_or_discard(active.session)
    elif active.connection is not None:
        await _close_or_discard(active.connection)


async def _close_or_discard(resource: AsyncSession | AsyncConnection) -> None:
    """Close a session or connection; discard its connection if closing fails.

    A connection that broke under the operation (the database restarting) can fail to reset:
    that must neither replace the operation's own outcome nor keep the connection out of the
    pool.
    """
    try:
        await resource.close()
    except Exception:
        kind = type(resource).__name__
        logger.opt(exception=True).warning("{} did not close cleanly; discarding it", kind)
        with contextlib.suppress(Exception):
            await resource.invalidate()
