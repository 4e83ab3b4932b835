"""Events about money."""

from uuid import UUID

from src.domain.events import DomainEvent


class RefundRequested(DomainEvent):
    """A charge must go back to the buyer (its order was cancelled)."""

    topic = "payment.refund"

    order_id: UUID
    charge_id: str


class PaymentUnsettled(DomainEvent):
    """A charge was asked for but the provider's answer was lost (a timeout, a 5xx): whether
    the card was charged must be found out, so that no order is charged and left unpaid."""

    topic = "payment.unsettled"

    order_id: UUID
    idempotency_key: str
