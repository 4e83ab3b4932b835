"""Alembic environment: async, URL from the application's settings, batch mode for SQLite."""

import asyncio
from logging.config import fileConfig
from typing import Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection, pool
from sqlalchemy.ext.asyncio import create_async_engine

from src.config import get_settings
from src.infrastructure.database import tables  # noqa: F401 - registers every table
from src.infrastructure.database.base import Base, UtcDateTime
from src.infrastructure.database.tables.catalog import outside_the_models

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _database_url() -> str:
    return str(config.attributes.get("database_url") or get_settings().database.url)


def _render_item(kind: str, item: object, _context: AutogenContext) -> str | Literal[False]:
    # Migrations must not import application code: UTC timestamps are plain DateTime(tz).
    if kind == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _include_name(name: str | None, kind: str, _parents: object) -> bool:
    # The full-text index is made by hand-written DDL, beside the models.
    return not outside_the_models(name, kind)


def _configure(connection: Connection | None = None) -> None:
    context.configure(
        connection=connection,
        url=None if connection is not None else _database_url(),
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
        compare_server_default=True,
        render_item=_render_item,
        include_name=_include_name,
        literal_binds=connection is None,
    )


def _run_sync(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:  # a caller (a test) lends its own connection
        _run_sync(connection)
        return
    engine = create_async_engine(_database_url(), poolclass=pool.NullPool)
    async with engine.connect() as async_connection:
        await async_connection.run_sync(_run_sync)
    await engine.dispose()


if context.is_offline_mode():
    _configure()
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())
