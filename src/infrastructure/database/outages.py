"""Telling "the database is not answering" apart from every other database error.

A database that is down, restarting, refusing connections or (SQLite) locked by another
process for longer than the busy timeout is not a bug and not the
client's fault: the operation is answered 503 with `Retry-After`, and the engine's pool
(with `pool_pre_ping` on PostgreSQL) reconnects by itself once the server is back.
"""

import sqlite3

from asyncpg import exceptions as pg
from sqlalchemy.exc import DBAPIError

from src.infrastructure.errors import ServiceUnavailable

# Retrying sooner than this mostly finds the database still restarting.
RETRY_AFTER_SECONDS = 2

_UNREACHABLE = (
    ConnectionError,  # refused or reset while connecting
    TimeoutError,  # no answer while connecting
    pg.PostgresConnectionError,  # the connection is gone (class 08)
    pg.CannotConnectNowError,  # starting up or shutting down
    pg.AdminShutdownError,  # the server ended our session to restart
    pg.TooManyConnectionsError,  # every connection slot is taken
)


def is_outage(error: BaseException) -> bool:
    """Whether `error` means the database cannot be reached right now. The driver's own
    error may sit a few links down the chain (SQLAlchemy's error wraps the dialect adapter's,
    which wraps asyncpg's)."""
    seen: BaseException | None = error
    for _ in range(4):
        if seen is None:
            return False
        if isinstance(seen, _UNREACHABLE):
            return True
        if isinstance(seen, DBAPIError) and seen.connection_invalidated:
            return True
        if isinstance(seen, sqlite3.OperationalError) and "database is locked" in str(seen):
            return True  # another process held SQLite's write lock past the busy timeout
        seen = seen.orig if isinstance(seen, DBAPIError) else seen.__cause__
    return False


def database_unavailable() -> ServiceUnavailable:
    return ServiceUnavailable(
        "The database is not answering; try again shortly",
        code="databaseUnavailable",
        retry_after=RETRY_AFTER_SECONDS,
    )
