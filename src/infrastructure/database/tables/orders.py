"""Orders, their items (snapshots of the products as ordered) and the sellers they involve."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from src.infrastructure.database.base import Base

ORDER_STATUSES = ("pendingPayment", "paid", "shipped", "delivered", "cancelled")


class OrdersTable(Base):
    __tablename__ = "orders"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    buyer_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16))
    total: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    shipping_address: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]  # sales are counted by the day an order was paid
    # The cart it was checked out from: a cart makes one order at most.
    cart_id: Mapped[UUID | None] = mapped_column(unique=True)
    # Σ of its refunds' amounts, kept in step by the transaction that writes each refund.
    refunded: Mapped[int] = mapped_column(BigInteger, server_default="0")

    __table_args__ = (
        CheckConstraint(
            f"status IN ({', '.join(repr(status) for status in ORDER_STATUSES)})",
            name="status_known",
        ),
        CheckConstraint("total >= 1", name="total_positive"),
        # Listings run newest first: everyone's (admins), a buyer's own, or by status.
        Index("ix_orders_created", "created_at", "id"),
        Index("ix_orders_buyer_created", "buyer_id", "created_at", "id"),
        Index("ix_orders_status_created", "status", "created_at", "id"),
        Index("ix_orders_paid_at", "paid_at"),
    )


class OrderItemsTable(Base):
    __tablename__ = "order_items"

    order_id: Mapped[UUID] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)  # the line's place in the cart
    product_id: Mapped[UUID] = mapped_column(ForeignKey("products.id"), index=True)
    seller_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"))
    # The variant as it was (no foreign key: a variant removed later keeps its orders).
    variant_id: Mapped[UUID]
    sku: Mapped[str] = mapped_column(String(64))
    options: Mapped[dict[str, str]] = mapped_column(JSON)
    title: Mapped[str] = mapped_column(String(200))
    unit_price: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int]
    # The commission rate in force when the order was placed, in basis points.
    commission_rate_bps: Mapped[int] = mapped_column(server_default="0")

    __table_args__ = (
        CheckConstraint("quantity BETWEEN 1 AND 1000", name="quantity_in_range"),
        CheckConstraint("commission_rate_bps BETWEEN 0 AND 10000", name="commission_rate_known"),
        CheckConstraint("unit_price >= 1", name="unit_price_positive"),
        Index("ix_order_items_seller_order", "seller_id", "order_id"),
    )


class OrderSellersTable(Base):
    """Each seller with items in an order, once: what a seller's listing of orders walks."""

    __tablename__ = "order_sellers"

    order_id: Mapped[UUID] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True
    )
    seller_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    # The order's own creation time, copied so the listing reads one index in order.
    order_created_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_order_sellers_seller_created", "seller_id", "order_created_at", "order_id"),
    )
