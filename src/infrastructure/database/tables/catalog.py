"""The product catalog."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

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
