"""Shipments: one per seller per order."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from src.infrastructure.database.base import Base

SHIPMENT_STATUSES = ("inProgress", "delivered")


class ShipmentsTable(Base):
    __tablename__ = "shipments"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    order_id: Mapped[UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    seller_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"))
    carrier: Mapped[str] = mapped_column(String(100))
    tracking_number: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("order_id", "seller_id"),  # one shipment per seller per order
        CheckConstraint(
            f"status IN ({', '.join(repr(status) for status in SHIPMENT_STATUSES)})",
            name="status_known",
        ),
        Index("ix_shipments_seller_status", "seller_id", "status"),
    )
