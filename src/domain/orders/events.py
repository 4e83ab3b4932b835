"""Events in an order's life. They carry ids, not names or addresses: subscribers read what
they need when they act, so no personal data sits in the outbox."""

from uuid import UUID

from src.domain.events import DomainEvent


class OrderEvent(DomainEvent):
    order_id: UUID
    buyer_id: UUID


class OrderPlaced(OrderEvent):
    topic = "order.placed"


class OrderPaid(OrderEvent):
    topic = "order.paid"

    seller_ids: list[UUID]


class OrderShipped(OrderEvent):
    topic = "order.shipped"


class OrderDelivered(OrderEvent):
    topic = "order.delivered"


class OrderCancelled(OrderEvent):
    topic = "order.cancelled"

    refunded: bool  # whether a paid charge is being refunded
