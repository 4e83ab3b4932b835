"""The product catalog."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    DDL,
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.ddl import ExecutableDDLElement

from src.infrastructure.database.base import Base


def _sortable(length: int) -> String:
    """Text ordered by code point on PostgreSQL too, as SQLite orders it."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


_ACTIVE = text("status = 'active'")


class ProductsTable(Base):
    __tablename__ = "products"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    seller_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    # Case-folded copies that searching and sorting use, the same on every database.
    # Case-folding can lengthen a title (ß -> ss), hence the room.
    title_key: Mapped[str] = mapped_column(_sortable(1000))
    # The words `q` searches (src/domain/catalog/rules.py `words`): the title's, and the title's
    # and description's. The database's own full-text index is built from these two (see
    # `SEARCH_INDEX` below), so both databases search the same words.
    search_title: Mapped[str] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    price: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    stock: Mapped[int]
    category: Mapped[str] = mapped_column(_sortable(100))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # The product's reviews, kept in step with them in the same transaction: how many, the
    # sum of their ratings, and the rank `sort=-rating` orders by (src/domain/ratings.py).
    rating_count: Mapped[int] = mapped_column(server_default=text("0"))
    rating_total: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    rating_rank: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    # Its options (`[{"name", "values"}]`) and how many variants it sells. Its `price` and
    # `stock` above sum its variants up (the lowest price, the total stock), kept in step in
    # the transaction that changes them: listings filter and sort on them without a join.
    options: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON().with_variant(JSONB(), "postgresql"), server_default=text("'[]'")
    )
    variant_count: Mapped[int] = mapped_column(server_default=text("1"))
    # Its images' public fields (`[{"id", "key", "width", "height", "contentType"}]`) in
    # upload order, kept in step with `product_images` in the transaction that changes them.
    images: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON().with_variant(JSONB(), "postgresql"), server_default=text("'[]'")
    )

    __table_args__ = (
        CheckConstraint("price >= 1", name="price_positive"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("status IN ('active', 'archived')", name="status_known"),
        CheckConstraint("rating_count >= 0 AND rating_total >= rating_count", name="rating_sane"),
        # Only active products are ever listed: each listing's sort key gets a partial index.
        Index(
            "ix_products_active_created",
            "created_at",
            "id",
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
        Index(
            "ix_products_active_price",
            "price",
            "id",
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
        Index(
            "ix_products_active_title",
            "title_key",
            "id",
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
        Index(
            "ix_products_active_category",
            "category",
            "created_at",
            "id",
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
        Index(
            "ix_products_active_rating",
            "rating_rank",
            "id",
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
        Index(
            "ix_products_active_seller",
            "seller_id",
            "created_at",
            "id",
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
    )


# ---------------------------------------------------------------- the full-text index
# Kept in step with `search_title` and `search_text` by the database itself, in the statement
# that writes them: whatever writes a product (the app, an import, a migration) keeps its
# index right in the same transaction. The migration that made it holds a copy of these.
#
# SQLite: an FTS5 table that stores no text of its own (`content=''`), keyed by
# `products.search_key`, an integer the insert trigger gives each product (FTS5 keys rows by
# integers; a table's implicit rowid would do, but VACUUM may renumber it). Prefixes of up to
# six characters are indexed too (the repository asks for longer words by their first six).
# PostgreSQL: a generated `tsvector` of the words, with each title word also as `^word`, so
# `'lam':*` asks for a word anywhere and `'^lam':*` for one in the title; a GIN index over
# the active products (the only ones listed), without a pending list (`fastupdate`), which
# every search would read through until vacuum merged it: 40 ms for a rare word after an
# import of 1,000,000 products.
SEARCH_INDEX: dict[str, tuple[str, ...]] = {
    "sqlite": (
        "ALTER TABLE products ADD COLUMN search_key INTEGER",
        "CREATE UNIQUE INDEX ix_products_search_key ON products (search_key)",
        "CREATE VIRTUAL TABLE product_search USING fts5(title, body, content='', "
        "columnsize=0, tokenize='unicode61 remove_diacritics 2', prefix='1 2 3 4 5 6')",
        "CREATE TRIGGER products_search_insert AFTER INSERT ON products BEGIN "
        "UPDATE products SET search_key = "
        "(SELECT coalesce(max(search_key), 0) + 1 FROM products) WHERE id = new.id; "
        "INSERT INTO product_search (rowid, title, body) "
        "SELECT search_key, search_title, search_text FROM products WHERE id = new.id; END",
        "CREATE TRIGGER products_search_update AFTER UPDATE OF search_title, search_text "
        "ON products WHEN old.search_title IS NOT new.search_title "
        "OR old.search_text IS NOT new.search_text BEGIN "
        "INSERT INTO product_search (product_search, rowid, title, body) "
        "VALUES ('delete', old.search_key, old.search_title, old.search_text); "
        "INSERT INTO product_search (rowid, title, body) "
        "VALUES (new.search_key, new.search_title, new.search_text); END",
        "CREATE TRIGGER products_search_delete AFTER DELETE ON products BEGIN "
        "INSERT INTO product_search (product_search, rowid, title, body) "
        "VALUES ('delete', old.search_key, old.search_title, old.search_text); END",
    ),
    "postgresql": (
        "ALTER TABLE products ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
        "(array_to_tsvector(string_to_array(search_text, ' ') "
        "|| string_to_array('^' || replace(search_title, ' ', ' ^'), ' '))) STORED",
        "CREATE INDEX ix_products_search ON products USING gin (search_vector) "
        "WITH (fastupdate = off) WHERE status = 'active'",
    ),
}
# What the index adds beside the models: schema comparisons leave these out.
SEARCH_INDEX_NAMES = frozenset(
    {"search_key", "search_vector", "ix_products_search_key", "ix_products_search"}
)
SEARCH_INDEX_TABLE = "product_search"  # and FTS5's own tables, named after it


def _ddl(statement: str, dialect: str) -> ExecutableDDLElement:
    return DDL(statement).execute_if(dialect=dialect)  # type: ignore[no-untyped-call]


for _dialect, _statements in SEARCH_INDEX.items():
    for _statement in _statements:
        event.listen(ProductsTable.__table__, "after_create", _ddl(_statement, _dialect))
event.listen(
    ProductsTable.__table__,
    "before_drop",
    _ddl(f"DROP TABLE IF EXISTS {SEARCH_INDEX_TABLE}", "sqlite"),
)


def outside_the_models(name: str | None, kind: str) -> bool:
    """Whether a database object is the search index's, which the models do not describe."""
    if name is None:
        return False
    if kind == "table":
        return name.startswith(SEARCH_INDEX_TABLE)
    return name in SEARCH_INDEX_NAMES


class ProductVariantsTable(Base):
    """What is sold of a product: one row per combination of its options, or, for a product
    without options, one row whose id is the product's own."""

    __tablename__ = "product_variants"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    # Part of its product: they go together.
    product_id: Mapped[UUID] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    seller_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"))  # its SKUs are unique
    position: Mapped[int]  # the order the seller gave them
    sku: Mapped[str] = mapped_column(String(64))
    options: Mapped[dict[str, str]] = mapped_column(JSON)
    price: Mapped[int] = mapped_column(BigInteger)
    stock: Mapped[int]

    __table_args__ = (
        CheckConstraint("price >= 1", name="price_positive"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        UniqueConstraint("seller_id", "sku"),
        Index("ix_product_variants_product_position", "product_id", "position"),
    )


class ProductImagesTable(Base):
    """A product's pictures, in upload order: what is stored where (the key the storage
    names it by) and what it is. The product's row keeps their public fields in step
    (`products.images`), so reading a product costs no statement more."""

    __tablename__ = "product_images"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    product_id: Mapped[UUID] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    position: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    width: Mapped[int]
    height: Mapped[int]
    content_type: Mapped[str] = mapped_column(String(32))
    byte_size: Mapped[int]
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_product_images_product_position", "product_id", "position"),)
