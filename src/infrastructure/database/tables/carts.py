"""Carts and their lines."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from src.infrastructure.database.base import Base

_OPEN_BUYER_CART = text("status = 'open' AND buyer_id IS NOT NULL")
_GUEST = text("buyer_id IS NULL")


class CartsTable(Base):
    __tablename__ = "carts"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    buyer_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id"))  # None: a guest's
    status: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str | None] = mapped_column(String(3))
    # The order it became: one at most (orders.cart_id is unique too).
    order_id: Mapped[UUID | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        CheckConstraint("status IN ('open', 'checkedOut')", name="status_known"),
        # A buyer has one open cart: `GET /carts/current` makes it at most once, however
        # many requests ask at the same time.
        Index(
            "ix_carts_open_buyer",
            "buyer_id",
            unique=True,
            sqlite_where=_OPEN_BUYER_CART,
            postgresql_where=_OPEN_BUYER_CART,
        ),
        # Guest carts untouched for long are purged, the oldest first.
        Index("ix_carts_guest_updated", "updated_at", sqlite_where=_GUEST, postgresql_where=_GUEST),
    )


class CartItemsTable(Base):
    __tablename__ = "cart_items"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    cart_id: Mapped[UUID] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"))
    position: Mapped[int]  # the order lines were added in
    product_id: Mapped[UUID] = mapped_column(ForeignKey("products.id"))
    # No foreign key: a variant removed later leaves the line, shown as unavailable.
    variant_id: Mapped[UUID]
    quantity: Mapped[int]
    unit_price: Mapped[int] = mapped_column(BigInteger)  # the variant's, when last changed

    __table_args__ = (
        CheckConstraint("quantity BETWEEN 1 AND 1000", name="quantity_in_range"),
        CheckConstraint("unit_price >= 1", name="unit_price_positive"),
        UniqueConstraint("cart_id", "variant_id"),
        Index("ix_cart_items_cart_position", "cart_id", "position"),
    )
