"""Refunds: part or all of a paid order given back, with the items and amounts they cover."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, String
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
    # [{product_id, variant_id, seller_id, quantity, amount, commission}]: an order's refunds
    # are few and always read together, so their items travel with them.
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
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
