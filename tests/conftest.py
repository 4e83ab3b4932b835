"""Shared fixtures: test settings, a fresh database per test, the app and a client.

Every test gets an empty database: a new SQLite file by default, or, when `TEST_POSTGRES_URL`
is set, a PostgreSQL database made for this run whose tables are emptied before each test.
"""

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from src.config.settings import (
    AuthSettings,
    DatabaseSettings,
    Environment,
    LogSettings,
    MediaSettings,
    RateLimitSettings,
    Settings,
)
from src.infrastructure.database import Base, tables
from src.infrastructure.runtime import Runtime, start_runtime, stop_runtime
from src.main import create_marketplace

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")
TEST_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"

assert tables.__all__  # every table is registered on Base.metadata


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """A PostgreSQL database of this run's own, with the schema, or None without Postgres."""
    if not POSTGRES_URL:
        yield None
        return
    name = f"marketplace_test_{uuid4().hex[:12]}"
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_create_postgres_database(name))
    asyncio.run(_create_schema(url))
    yield url
    asyncio.run(_drop_postgres_database(name))


async def _admin_execute(statement: str) -> None:
    engine = create_async_engine(POSTGRES_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(statement))
    await engine.dispose()


async def _create_postgres_database(name: str) -> None:
    await _admin_execute(f'CREATE DATABASE "{name}"')


async def _drop_postgres_database(name: str) -> None:
    await _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _create_schema(url: str) -> None:
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    await engine.dispose()


async def _empty_tables(url: str) -> None:
    names = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    await engine.dispose()


@contextmanager
def new_empty_database(folder: Path) -> Iterator[str]:
    """A database with nothing in it, dropped afterwards: a SQLite file in `folder`, or a
    new PostgreSQL database when the run has one."""
    if not POSTGRES_URL:
        yield f"sqlite+aiosqlite:///{folder / 'empty.db'}"
        return
    name = f"marketplace_empty_{uuid4().hex[:12]}"
    asyncio.run(_admin_execute(f'CREATE DATABASE "{name}"'))
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it, made for this test alone."""
    with new_empty_database(tmp_path) as url:
        yield url


@pytest.fixture
async def database_url(tmp_path: Path, postgres_url: str | None) -> str:
    """The URL of an empty database with the current schema."""
    if postgres_url is not None:
        await _empty_tables(postgres_url)
        return postgres_url
    url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    await _create_schema(url)
    return url


def make_settings(database_url: str, **overrides: object) -> Settings:
    """Settings for tests: fast password hashing, no log files, the given database."""
    values: dict[str, object] = {
        "environment": Environment.TEST,
        "database": DatabaseSettings(url=database_url),
        "auth": AuthSettings(
            secret_key=TEST_SECRET,  # type: ignore[arg-type]
            password_time_cost=1,
            password_memory_kib=1024,
            password_parallelism=1,
        ),
        "rate_limit": RateLimitSettings(enabled=True, storage_url=""),
        "log": LogSettings(to_file=False, level="WARNING"),
        # Images out of the project: tests' own folder when they pass one.
        "media": MediaSettings(root=Path(tempfile.gettempdir()) / "marketplace-test-media"),
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(database_url: str, media_root: Path) -> Settings:
    return make_settings(database_url, media=MediaSettings(root=media_root))


@pytest.fixture
def media_root(tmp_path: Path) -> Path:
    """Where this test's images are stored (local storage)."""
    return tmp_path / "media"


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """The runtime services, started as the app's lifespan would, for operation-level tests."""
    services = start_runtime(settings)
    yield services
    await stop_runtime()


def build_app(settings: Settings) -> FastAPI:
    return create_marketplace(settings)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    """The application with its lifespan running."""
    application = build_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    """An HTTP client talking to the app in-process."""
    transport = ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with AsyncClient(transport=transport, base_url="http://test") as http:
        yield http
