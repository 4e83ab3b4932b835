"""Refunds: part or all of a paid order given back, with the items and amounts they cover."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from src.infrastructure.database.base import Base

REFUND_STATUSES = ("pending", "refunded")


class RefundsTable(Base):
    """One refund of an order: written with its ledger entries and its outbox event in one
    transaction, made through the provider after commit, `refunded` once it confirms."""

    __tablename__ = "refunds"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    order_id: Mapped[UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(String(500))
    charge_id: Mapped[str | None] = mapped_column(String(255))
    requested_by: Mapped[UUID]  # who asked (an admin, a seller, or the cancelling user)
    created_at: Mapped[datetime]
    refunded_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(
            f"status IN ({', '.join(repr(status) for status in REFUND_STATUSES)})",
            name="status_known",
        ),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        Index("ix_refunds_order_created", "order_id", "created_at", "id"),
    )


class RefundItemsTable(Base):
    """What a refund covers, item by item: the units of a variant, what they cost the buyer
    and the commission on them given back."""

    __tablename__ = "refund_items"

    refund_id: Mapped[UUID] = mapped_column(
        ForeignKey("refunds.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[UUID] = mapped_column(index=True)  # analytics sum a product's refunds
    variant_id: Mapped[UUID]
    seller_id: Mapped[UUID]
    quantity: Mapped[int]
    amount: Mapped[int] = mapped_column(BigInteger)
    commission: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        CheckConstraint("quantity BETWEEN 1 AND 1000", name="quantity_in_range"),
        CheckConstraint("amount >= 0 AND commission >= 0", name="amounts_not_negative"),
    )
