"""Timestamps are stored and read back as aware UTC datetimes, on every database."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, insert, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from src.infrastructure.database.base import UtcDateTime

pytestmark = pytest.mark.database

metadata = MetaData()
stamps = Table(
    "utc_stamps", metadata, Column("id", Integer, primary_key=True), Column("at", UtcDateTime())
)
MOMENTS = [
    datetime(2026, 11, 22, 17, 0, 24, 934934, tzinfo=UTC),
    datetime(2026, 1, 1, tzinfo=UTC),  # no microseconds
    datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-8))),
]


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield engine
    async with engine.begin() as connection:
        await connection.run_sync(metadata.drop_all)
    await engine.dispose()


async def test_a_stored_moment_comes_back_as_the_same_moment_in_utc(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            insert(stamps), [{"id": i, "at": moment} for i, moment in enumerate(MOMENTS)]
        )
        await connection.execute(insert(stamps).values(id=len(MOMENTS), at=None))
        read = (await connection.execute(select(stamps.c.at).order_by(stamps.c.id))).scalars()
        values = list(read)
    assert values[:-1] == MOMENTS
    assert all(value.tzinfo is UTC for value in values[:-1])
    assert values[-1] is None


async def test_a_naive_datetime_is_refused(engine: AsyncEngine) -> None:
    naive = datetime(2026, 1, 1)  # noqa: DTZ001 - the point of the test
    async with engine.begin() as connection:
        with pytest.raises(Exception, match="naive datetime"):
            await connection.execute(insert(stamps).values(id=1, at=naive))


@given(st.datetimes(timezones=st.just(UTC)))
def test_sqlite_text_is_read_as_sqlalchemy_reads_it_then_marked_utc(moment: datetime) -> None:
    """The SQLite fast path agrees with SQLAlchemy's own parse of what it wrote."""
    dialect = sqlite.dialect()
    column = UtcDateTime().dialect_impl(dialect)
    bind = column.bind_processor(dialect)
    plain = DateTime().dialect_impl(dialect).result_processor(dialect, None)
    process = column.result_processor(dialect, None)
    assert bind is not None
    assert plain is not None
    assert process is not None
    stored = bind(moment)
    naive = plain(stored)
    assert isinstance(naive, datetime)
    read = process(stored)
    assert read == naive.replace(tzinfo=UTC) == moment
    assert read is not None
    assert read.tzinfo is UTC
