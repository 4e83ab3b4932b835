"""Events about refunds."""

from uuid import UUID

from src.domain.events import DomainEvent


class RefundCreated(DomainEvent):
    """A refund was recorded: the provider is to make it (once), and the sellers whose
    items it covers are told (webhooks)."""

    topic = "refund.created"

    refund_id: UUID
    order_id: UUID
    amount: int
    currency: str
    seller_ids: list[UUID]  # the sellers whose items it covers, in id order
