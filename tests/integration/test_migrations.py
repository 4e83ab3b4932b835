"""Alembic owns the schema: migrations go up and down cleanly and match the models."""

import asyncio
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import (
    JSON,
    Column,
    Connection,
    MetaData,
    Table,
    Uuid,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from src.config.settings import PROJECT_ROOT
from src.infrastructure.database import Base
from src.infrastructure.database.base import UtcDateTime
from src.infrastructure.database.tables.catalog import outside_the_models

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
        connection,
        opts={
            "compare_type": True,
            "compare_server_default": True,
            "include_name": lambda name, kind, _: not outside_the_models(name, kind),
        },
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
    assert _inspect(empty_database_url, _search_index_intact)


def _search_index_intact(connection: Connection) -> bool:
    """Whether the hand-written search index is all there (no later migration copied the
    products table without its triggers)."""
    if connection.dialect.name == "postgresql":
        columns = {column["name"] for column in inspect(connection).get_columns("products")}
        return "search_vector" in columns
    triggers = connection.execute(
        text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'products'")
    )
    return {row[0] for row in triggers} == {
        "products_search_insert", "products_search_update", "products_search_delete"}  # fmt: skip


def test_every_migration_can_be_undone_one_step_at_a_time(empty_database_url: str) -> None:
    config = _alembic(empty_database_url)
    command.upgrade(config, "head")
    while _inspect(empty_database_url, _table_names) - {"alembic_version"}:
        command.downgrade(config, "-1")
        if "product_search" in _inspect(empty_database_url, _table_names):
            assert _inspect(empty_database_url, _search_index_intact)
    command.upgrade(config, "head")
    assert _inspect(empty_database_url, _schema_differences) == []


def _reflected(connection: Connection, name: str) -> Table:
    """The table as the database has it now, its UUID, JSON and time columns typed as the
    models type them (SQLite reflects them as plain text)."""
    types = {"id": Uuid(), "seller_id": Uuid(), "product_id": Uuid(), "variant_id": Uuid(),
             "order_id": Uuid(), "buyer_id": Uuid(), "options": JSON(),
             "shipping_address": JSON(), "created_at": UtcDateTime(),
             "updated_at": UtcDateTime(), "paid_at": UtcDateTime(), "images": JSON()}  # fmt: skip
    reflected = Table(name, MetaData(), autoload_with=connection)
    columns = [Column(c.name, types.get(c.name, c.type)) for c in reflected.columns]  # type: ignore[arg-type]
    return Table(name, MetaData(), *columns)


SELLER, LAMP, DESK, ORDER = uuid4(), uuid4(), uuid4(), uuid4()
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def _shop_before_variants(connection: Connection) -> None:
    """A seller, two products and an order of both, as stored before variants existed."""
    users, products = _reflected(connection, "users"), _reflected(connection, "products")
    orders, items = _reflected(connection, "orders"), _reflected(connection, "order_items")
    connection.execute(insert(users).values(
        id=SELLER, email="s@example.com", email_normalized="s@example.com", full_name="S",
        role="seller", password_hash="x", created_at=NOW, updated_at=NOW,
    ))  # fmt: skip
    for product_id, price, stock in ((LAMP, 4999, 5), (DESK, 30000, 0)):
        connection.execute(insert(products).values(
            id=product_id, seller_id=SELLER, title="T", title_key="t", search_text="t",
            description="", price=price, currency="USD", stock=stock, category="c",
            status="active", created_at=NOW, updated_at=NOW,
        ))  # fmt: skip
    connection.execute(insert(orders).values(
        id=ORDER, buyer_id=SELLER, status="paid", total=34999, currency="USD",
        shipping_address={}, created_at=NOW, updated_at=NOW, paid_at=NOW,
    ))  # fmt: skip
    for position, product_id in enumerate((LAMP, DESK)):
        connection.execute(insert(items).values(
            order_id=ORDER, position=position, product_id=product_id, seller_id=SELLER,
            title="T", unit_price=1, quantity=1,
        ))  # fmt: skip
    connection.commit()


def _variants_and_items(connection: Connection) -> tuple[list[Any], list[Any]]:
    variants, items = (_reflected(connection, name) for name in ("product_variants", "order_items"))
    return (
        [tuple(row) for row in connection.execute(
            select(variants.c.id, variants.c.product_id, variants.c.sku, variants.c.options,
                   variants.c.price, variants.c.stock, variants.c.position)
            .order_by(variants.c.price))],
        [tuple(row) for row in connection.execute(
            select(items.c.product_id, items.c.variant_id, items.c.sku, items.c.options)
            .order_by(items.c.position))],
    )  # fmt: skip


def _products(connection: Connection) -> list[Any]:
    products = _reflected(connection, "products")
    rows = connection.execute(
        select(products.c.id, products.c.price, products.c.stock).order_by(products.c.price)
    )
    return [tuple(row) for row in rows]


def test_variants_migrate_existing_products_and_order_items_both_ways(
    empty_database_url: str,
) -> None:
    config = _alembic(empty_database_url)
    command.upgrade(config, "5e1f0c7a9b21")
    _inspect(empty_database_url, _shop_before_variants)

    command.upgrade(config, "6a7c1e0d2b53")
    variants, items = _inspect(empty_database_url, _variants_and_items)
    # Each product has its one variant: the product's id, its id in hex as SKU, its figures.
    assert variants == [
        (LAMP, LAMP, LAMP.hex, {}, 4999, 5, 0),
        (DESK, DESK, DESK.hex, {}, 30000, 0, 0),
    ]
    # Each item names that variant, with its snapshot.
    assert items == [(LAMP, LAMP, LAMP.hex, {}), (DESK, DESK, DESK.hex, {})]

    command.downgrade(config, "5e1f0c7a9b21")
    assert _inspect(empty_database_url, _products) == [(LAMP, 4999, 5), (DESK, 30000, 0)]
    assert "product_variants" not in _inspect(empty_database_url, _table_names)


def _search_columns(connection: Connection) -> list[Any]:
    products = _reflected(connection, "products")
    columns = [products.c.id, products.c.search_text]
    if "search_title" in products.c:
        columns.append(products.c.search_title)
    return [tuple(row) for row in connection.execute(select(*columns).order_by(products.c.price))]


def _found(connection: Connection, words: str) -> list[Any]:
    """The products the database's own full-text index finds holding `words` (the
    migration's index, asked directly)."""
    if connection.dialect.name == "postgresql":
        statement = text(
            "SELECT id FROM products WHERE search_vector @@ CAST(:words AS tsquery) ORDER BY price"
        )
        words = " & ".join(f"'{word}':*" for word in words.split())
    else:
        statement = text(
            "SELECT p.id FROM products p JOIN product_search s ON s.rowid = p.search_key "
            "WHERE product_search MATCH :words ORDER BY p.price"
        )
        words = " ".join(f'"{word}"*' for word in words.split())
    return [str(row[0]).replace("-", "") for row in connection.execute(statement, {"words": words})]


def test_word_search_indexes_existing_products_and_undoes_itself(
    empty_database_url: str,
) -> None:
    config = _alembic(empty_database_url)
    command.upgrade(config, "5e1f0c7a9b21")
    _inspect(empty_database_url, _shop_before_variants)  # titled "T", described ""
    command.upgrade(config, "6a7c1e0d2b53")

    command.upgrade(config, "c8e5f3a02d49")
    assert _inspect(empty_database_url, _search_columns) == [(LAMP, "t", "t"), (DESK, "t", "t")]
    assert _inspect(empty_database_url, lambda c: _found(c, "t")) == [LAMP.hex, DESK.hex]
    assert _inspect(empty_database_url, lambda c: _found(c, "x")) == []

    command.downgrade(config, "6a7c1e0d2b53")
    assert _inspect(empty_database_url, _search_columns) == [(LAMP, "t\n"), (DESK, "t\n")]
    names = _inspect(empty_database_url, _table_names)
    assert not {name for name in names if name.startswith("product_search")}


def _images_and_products(connection: Connection) -> tuple[list[Any], list[Any]]:
    images, products = _reflected(connection, "product_images"), _reflected(connection, "products")
    image = connection.execute(insert(images).values(
        id=uuid4(), product_id=LAMP, position=0, storage_key="k.png", width=1, height=1,
        content_type="image/png", byte_size=1, created_at=NOW,
    ))  # fmt: skip
    assert image.rowcount == 1
    connection.commit()
    return (
        [tuple(row) for row in connection.execute(select(images.c.product_id, images.c.position))],
        [tuple(row) for row in connection.execute(
            select(products.c.id, products.c.images).order_by(products.c.price))],
    )  # fmt: skip


def test_images_migrate_existing_products_to_none_and_back(empty_database_url: str) -> None:
    config = _alembic(empty_database_url)
    command.upgrade(config, "5e1f0c7a9b21")
    _inspect(empty_database_url, _shop_before_variants)
    command.upgrade(config, "6a7c1e0d2b53")

    command.upgrade(config, "b41d7e9c2f60")
    images, products = _inspect(empty_database_url, _images_and_products)
    # Existing products have no images; the table takes them, in position order.
    assert products == [(LAMP, []), (DESK, [])]
    assert images == [(LAMP, 0)]

    command.downgrade(config, "6a7c1e0d2b53")
    assert "product_images" not in _inspect(empty_database_url, _table_names)
    assert _inspect(empty_database_url, _products) == [(LAMP, 4999, 5), (DESK, 30000, 0)]
