"""An order's payment record."""

from datetime import datetime
from uuid import UUID

from src.domain.entities import Entity


class Payment(Entity):
    order_id: UUID
    declined_attempts: int = 0
    charge_id: str | None = None
    amount: int | None = None
    currency: str | None = None
    charged_at: datetime | None = None
    refund_requested_at: datetime | None = None
    refunded_at: datetime | None = None
