"""Events about money."""

from uuid import UUID

from src.domain.events import DomainEvent


class RefundRequested(DomainEvent):
    """A charge must go back to the buyer (its order was cancelled)."""

    topic = "payment.refund"

    order_id: UUID
    charge_id: str
