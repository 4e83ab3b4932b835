"""Payouts: a seller's available balance sent to its account through the provider."""

from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid4

from pydantic import Field

from src.domain.entities import Entity
from src.domain.events import DomainEvent
from src.domain.money.ledger import Bucket, LedgerEntry, LedgerKind
from src.infrastructure.errors import Conflict


class PayoutStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"


class Payout(Entity):
    id: UUID
    seller_id: UUID
    amount: int = Field(ge=1)
    currency: str
    status: PayoutStatus
    created_at: datetime
    updated_at: datetime
    transfer_id: str | None = None  # the provider's, once paid


class PayoutRequested(DomainEvent):
    """A payout committed: its transfer is to be made, exactly once."""

    topic = "payout.requested"

    payout_id: UUID


class PayoutPaid(DomainEvent):
    """The provider made a payout's transfer (for the seller's webhooks)."""

    topic = "payout.paid"

    payout_id: UUID
    seller_id: UUID


class PayoutFailed(DomainEvent):
    """The provider refused a payout's transfer; its amount is available again."""

    topic = "payout.failed"

    payout_id: UUID
    seller_id: UUID


def payout_amount(requested: int | None, available: int) -> int:
    """What a payout sends: the amount asked for (all that is available when none is), never
    more than is available."""
    amount = available if requested is None else requested
    if amount < 1 or amount > available:
        raise Conflict(
            f"{max(available, 0)} is available, {amount if requested else 'all'} was asked for",
            code="insufficientFunds",
        )
    return amount


def transfer_key(payout_id: UUID) -> str:
    """The provider key of a payout's transfer: one transfer per payout, however often the
    relay tries it."""
    return f"payout-{payout_id}"


def new_payout(*, seller_id: UUID, amount: int, currency: str, now: datetime) -> Payout:
    return Payout(
        id=uuid4(), seller_id=seller_id, amount=amount, currency=currency,
        status=PayoutStatus.PENDING, created_at=now, updated_at=now,
    )  # fmt: skip


def payout_entry(payout: Payout) -> LedgerEntry:
    """The payout leaves available for paid out when it is asked for."""
    return LedgerEntry(
        id=uuid4(), seller_id=payout.seller_id, kind=LedgerKind.PAYOUT, order_id=None,
        payout_id=payout.id, amount=-payout.amount, currency=payout.currency,
        bucket=Bucket.AVAILABLE, created_at=payout.created_at,
    )  # fmt: skip


def returned_entry(payout: Payout, now: datetime) -> LedgerEntry:
    """A transfer the provider refused: the amount is available again."""
    return LedgerEntry(
        id=uuid4(), seller_id=payout.seller_id, kind=LedgerKind.PAYOUT_RETURNED, order_id=None,
        payout_id=payout.id, amount=payout.amount, currency=payout.currency,
        bucket=Bucket.AVAILABLE, created_at=now,
    )  # fmt: skip
