"""The ledger of what the platform owes each seller: entries, and the balances they sum to.

Every change of a balance is an entry; a balance is the sum of its seller's entries. An
entry's `amount` is signed as API.md says (a sale +, a refund −, a payout −, a returned
payout +, a release the amount it moves), and its `bucket` says which balance it lands in.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid4

from src.domain.entities import Entity
from src.domain.orders.entities import Order
from src.domain.orders.rules import seller_shares


class LedgerKind(StrEnum):
    SALE = "sale"
    RELEASE = "release"
    REFUND = "refund"
    PAYOUT = "payout"
    PAYOUT_RETURNED = "payoutReturned"


class Bucket(StrEnum):
    PENDING = "pending"
    AVAILABLE = "available"


class LedgerEntry(Entity):
    id: UUID
    seller_id: UUID
    kind: LedgerKind
    order_id: UUID | None
    amount: int
    currency: str
    bucket: Bucket
    created_at: datetime
    payout_id: UUID | None = None  # the payout a payout or returned payout entry is of


class Balance(Entity):
    """A seller's money in one currency: pending (not yet delivered, or held), available
    (may be paid out; below zero after a refund of released funds) and paid out."""

    currency: str
    pending: int
    available: int
    paid_out: int


@dataclass(frozen=True, slots=True)
class BalanceChange:
    pending: int
    available: int
    paid_out: int


def change_of(entry: LedgerEntry) -> BalanceChange:
    """What an entry does to its seller's balance: a release moves its amount from pending
    to available; a payout leaves available for paid out, a returned one comes back; any
    other entry adds its amount to its bucket."""
    amount = entry.amount
    if entry.kind is LedgerKind.RELEASE:
        return BalanceChange(-amount, amount, 0)
    if entry.kind in (LedgerKind.PAYOUT, LedgerKind.PAYOUT_RETURNED):
        return BalanceChange(0, amount, -amount)
    if entry.bucket is Bucket.PENDING:
        return BalanceChange(amount, 0, 0)
    return BalanceChange(0, amount, 0)


def sale_entries(order: Order, now: datetime) -> list[LedgerEntry]:
    """A paid order's sales: each seller's payout, pending, in seller id order (the order
    balance rows are written in, so that concurrent payments cannot deadlock)."""
    shares = sorted(seller_shares(order), key=lambda share: share.seller_id)
    return [
        LedgerEntry(
            id=uuid4(), seller_id=share.seller_id, kind=LedgerKind.SALE, order_id=order.id,
            amount=share.payout, currency=order.currency, bucket=Bucket.PENDING, created_at=now,
        )
        for share in shares
    ]  # fmt: skip


def release_entry(
    *, seller_id: UUID, order_id: UUID, amount: int, currency: str, now: datetime
) -> LedgerEntry:
    """The release of what is still pending of a seller's payout for an order."""
    return LedgerEntry(
        id=uuid4(), seller_id=seller_id, kind=LedgerKind.RELEASE, order_id=order_id,
        amount=amount, currency=currency, bucket=Bucket.AVAILABLE, created_at=now,
    )  # fmt: skip


def refund_entry(
    *, seller_id: UUID, order_id: UUID, payout: int, currency: str, pending: bool, now: datetime
) -> LedgerEntry:
    """A refund takes the seller's payout back: from pending while that order's funds are
    still pending, else from available (which may then go below zero)."""
    return LedgerEntry(
        id=uuid4(), seller_id=seller_id, kind=LedgerKind.REFUND, order_id=order_id,
        amount=-payout, currency=currency,
        bucket=Bucket.PENDING if pending else Bucket.AVAILABLE, created_at=now,
    )  # fmt: skip


def balances_of(entries: list[LedgerEntry]) -> dict[tuple[UUID, str], Balance]:
    """The balances entries sum to, by seller and currency: what the stored balances must
    always equal."""
    sums: dict[tuple[UUID, str], list[int]] = {}
    for entry in entries:
        change = change_of(entry)
        total = sums.setdefault((entry.seller_id, entry.currency), [0, 0, 0])
        total[0] += change.pending
        total[1] += change.available
        total[2] += change.paid_out
    return {
        key: Balance(currency=key[1], pending=p, available=a, paid_out=o)
        for key, (p, a, o) in sums.items()
    }
