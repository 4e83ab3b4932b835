"""Payment rules: the idempotency keys that make provider calls safe to repeat."""

from uuid import UUID


def charge_key(order_id: UUID, declined_attempts: int) -> str:
    """The provider key of an order's current charge attempt.

    Every try of one attempt (a retry after a timeout, a second click, another worker) sends
    the same key, so the provider charges at most once whatever happens in between. Only a
    decline, which is final and charged nothing, moves the order on to a new key, so the
    buyer can pay with another card.
    """
    return f"order-{order_id}-charge-{declined_attempts}"


def refund_key(charge_id: str) -> str:
    """The provider key of a charge's refund: one refund per charge, however often asked."""
    return f"refund-{charge_id}"


def partial_refund_key(refund_id: UUID) -> str:
    """The provider key of one refund of an order: one provider refund per refund row,
    however often the outbox delivers it."""
    return f"refund-{refund_id}"
