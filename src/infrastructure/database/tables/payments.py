"""Payments: what the provider did for each order."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from src.infrastructure.database.base import Base


class PaymentsTable(Base):
    """What the provider did for an order: charges, declines and the refund."""

    __tablename__ = "payments"

    order_id: Mapped[UUID] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True
    )
    # Declines so far: each decline is final, so the next attempt needs a new provider key.
    declined_attempts: Mapped[int] = mapped_column(default=0)
    charge_id: Mapped[str | None] = mapped_column(String(255))
    amount: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    charged_at: Mapped[datetime | None]
    refund_requested_at: Mapped[datetime | None]
    refunded_at: Mapped[datetime | None]
