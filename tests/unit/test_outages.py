"""A database that cannot be reached is an outage (503), any other database error is not."""

import sqlite3

import pytest
from asyncpg import exceptions as pg
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from src.infrastructure.database.outages import database_unavailable, is_outage


class _AdapterError(Exception):
    """Stands for SQLAlchemy's dialect adapter error, which chains the driver's."""


def _wrapped(driver_error: Exception) -> DBAPIError:
    adapter = _AdapterError(str(driver_error))
    adapter.__cause__ = driver_error
    return DBAPIError("SELECT 1", {}, adapter)


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError(),
        _wrapped(pg.CannotConnectNowError("the database system is starting up")),
        _wrapped(pg.AdminShutdownError("terminating connection due to administrator command")),
        _wrapped(pg.ConnectionDoesNotExistError("connection was closed")),
        _wrapped(pg.TooManyConnectionsError("too many clients")),
        DBAPIError("SELECT 1", {}, Exception("gone"), connection_invalidated=True),
        OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked")),
    ],
)
def test_an_unreachable_database_is_an_outage(error: BaseException) -> None:
    assert is_outage(error)


@pytest.mark.parametrize(
    "error",
    [
        IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed")),
        OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: products")),
        _wrapped(pg.UniqueViolationError("duplicate key")),
        ValueError("not a database error"),
    ],
)
def test_other_database_errors_are_not_an_outage(error: BaseException) -> None:
    assert not is_outage(error)


def test_an_outage_asks_the_client_to_retry_shortly() -> None:
    error = database_unavailable()
    assert (error.code, error.retry_after) == ("databaseUnavailable", 2)
