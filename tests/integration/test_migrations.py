"""Alembic owns the schema: migrations go up and down cleanly and match the models."""

import asyncio
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from src.config.settings import PROJECT_ROOT
from src.infrastructure.database import Base

pytestmark = pytest.mark.database


def _alembic(url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    config.attributes["configure_logger"] = False
    return config


def _inspect(url: str, inspection: Any) -> Any:
    async def run() -> Any:
        engine = create_async_engine(url, poolclass=NullPool)
        async with engine.connect() as connection:
            result = await connection.run_sync(inspection)
        await engine.dispose()
        return result

    return asyncio.run(run())


def _schema_differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, Base.metadata))


def _table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def test_upgrade_downgrade_upgrade_leaves_the_schema_the_models_describe(
    empty_database_url: str,
) -> None:
    config = _alembic(empty_database_url)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    assert _inspect(empty_database_url, _table_names) <= {"alembic_version"}
    command.upgrade(config, "head")
    assert _inspect(empty_database_url, _schema_differences) == []
    assert _inspect(empty_database_url, _table_names) >= set(Base.metadata.tables)


def test_every_migration_can_be_undone_one_step_at_a_time(empty_database_url: str) -> None:
    config = _alembic(empty_database_url)
    command.upgrade(config, "head")
    while _inspect(empty_database_url, _table_names) - {"alembic_version"}:
        command.downgrade(config, "-1")
    command.upgrade(config, "head")
    assert _inspect(empty_database_url, _schema_differences) == []
