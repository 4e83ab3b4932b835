"""Webhook endpoints (a seller's or an admin's receiver) and the deliveries made to them."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from src.domain.entities import Entity

MAX_URL, MAX_DESCRIPTION, MAX_TOPICS = 2000, 500, 20
# Endpoints one owner may keep: each event is sent to every one of them, so without a bound
# one account could turn the marketplace's events into a flood at someone else's address.
MAX_ENDPOINTS = 10


class Topic(StrEnum):
    """What an endpoint may subscribe to. Refunds and payouts are accepted ahead of the
    money work that will raise them."""

    ORDER_PLACED = "order.placed"
    ORDER_PAID = "order.paid"
    ORDER_SHIPPED = "order.shipped"
    ORDER_DELIVERED = "order.delivered"
    ORDER_CANCELLED = "order.cancelled"
    REFUND_CREATED = "refund.created"
    PAYOUT_PAID = "payout.paid"
    PAYOUT_FAILED = "payout.failed"
    PRODUCT_ARCHIVED = "product.archived"


class Endpoint(Entity):
    """A receiver: the events of its topics that concern its owner go to its URL.

    `receives_all`: its owner is an admin, whose endpoints receive every such event; a
    seller's receive those about its own products, the orders holding them, its refunds and
    payouts."""

    id: UUID
    owner_id: UUID
    receives_all: bool
    url: str
    topics: tuple[Topic, ...]
    description: str
    created_at: datetime


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    DEAD = "dead"


class Delivery(Entity):
    """One event for one endpoint; every attempt at it carries the same id (`webhook-id`)."""

    id: UUID
    endpoint_id: UUID
    event_id: UUID
    topic: str
    status: DeliveryStatus
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime | None  # None once it succeeded or died


@dataclass(frozen=True, slots=True)
class NewDelivery:
    """A delivery to make: the body is fixed now, so that every attempt sends the same."""

    endpoint_id: UUID
    event_id: UUID
    topic: str
    body: str


@dataclass(frozen=True, slots=True)
class DueDelivery:
    """A delivery a worker took, with what sending it needs (the secret still sealed)."""

    id: UUID
    lease_id: UUID  # the claim it was taken under: what its outcome is recorded against
    endpoint_id: UUID
    url: str
    sealed_secret: str
    body: str
    attempts: int  # this attempt's number, the first being 1


@dataclass(frozen=True, slots=True)
class Settled:
    """What an attempt came to, to record: succeeded, or when to try again, or dead."""

    delivery_id: UUID
    lease_id: UUID
    attempts: int
    succeeded: bool
    status: int | None
    error: str | None
    retry_at: datetime | None
    dead: bool
