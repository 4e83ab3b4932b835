"""The sellers' ledger: what each sale, delivery, release and refund does to what the
platform owes them, written in the transaction of the change that causes it.

The functions without `@transaction` run inside their caller's (paying, delivering,
cancelling), so an entry exists exactly when its cause committed.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from src.application.listing import Listing
from src.domain.clock import utcnow
from src.domain.money.ledger import (
    Balance,
    LedgerEntry,
    refund_entry,
    release_entry,
    sale_entries,
)
from src.domain.money.ledger_repository import (
    LedgerRepository,
    PendingFundsRepository,
    SellerBalanceRepository,
)
from src.domain.orders import Order
from src.domain.pagination import Page
from src.domain.refunds import SellerRefund
from src.domain.users import Principal
from src.domain.users.rules import ensure_seller
from src.infrastructure.database.transaction import transaction
from src.infrastructure.runtime import runtime

_LEDGER = Listing("ledger", (datetime, UUID))
# Funds released per transaction, so that none holds its locks for long; and the most
# batches one run of the job releases before it leaves the rest to its next run.
_RELEASE_BATCH = 200
_RELEASE_BATCHES_PER_RUN = 50


async def record_sales(order: Order, now: datetime) -> None:
    """Inside the paying transaction: each seller's payout is pending until delivery."""
    ledger, pending = LedgerRepository(), PendingFundsRepository()
    for entry in sale_entries(order, now):
        if await ledger.append(entry):
            await pending.hold(entry)


async def start_hold(order_id: UUID, seller_id: UUID, now: datetime) -> None:
    """Inside the delivering transaction: the seller's funds for the order are held from now."""
    await PendingFundsRepository().delivered(order_id, seller_id, now)


async def record_refund(order: Order, sellers: Sequence[SellerRefund], now: datetime) -> None:
    """Inside the refunding transaction (the order locked): each seller loses the payout of
    its refunded items, from pending while that order's funds are, else from available.
    Sellers the order's payment recorded no sale for (paid before the ledger) lose nothing
    here.

    Every seller's pending funds are taken first, then the balances are changed, in seller
    id order as payments change them: the release job holds the funds it releases while it
    waits for balances, so a refund must never wait for funds while holding a balance.
    """
    ledger, pending = LedgerRepository(), PendingFundsRepository()
    sold_to = await ledger.sold_to(order.id)
    shares = sorted(
        (share for share in sellers if share.seller_id in sold_to),
        key=lambda share: share.seller_id,
    )
    still_pending = [
        await pending.reduce(order.id, share.seller_id, share.payout) for share in shares
    ]
    for share, held in zip(shares, still_pending, strict=True):
        await ledger.append(
            refund_entry(
                seller_id=share.seller_id, order_id=order.id, payout=share.payout,
                currency=order.currency, pending=held, now=now,
            )
        )  # fmt: skip


async def release_held_funds() -> int:
    """The periodic job: release every due fund, a batch per transaction, until a batch
    comes back short (or enough batches ran); how many were released."""
    released = 0
    for _ in range(_RELEASE_BATCHES_PER_RUN):
        batch = await release_due_funds()
        released += batch
        if batch < _RELEASE_BATCH:
            break
    return released


@transaction
async def release_due_funds() -> int:
    """Make available the pending funds of shipments delivered at least
    `PAYOUTS__HOLD_SECONDS` ago (a batch at a time); how many were released.

    Each is taken from the work list by a delete only one job can make, and its release is
    also written at most once per order and seller (a unique index), whatever runs at once.
    Sellers' balances are changed in seller order, as payments change them.
    """
    now = utcnow()
    before = now - timedelta(seconds=runtime().settings.payouts.hold_seconds)
    ledger, pending = LedgerRepository(), PendingFundsRepository()
    released = 0
    for order_id, seller_id in sorted(
        await pending.due(before, _RELEASE_BATCH), key=lambda due: (due[1], due[0])
    ):
        taken = await pending.take(order_id, seller_id)
        if taken is None:
            continue
        amount, currency = taken
        entry = release_entry(
            seller_id=seller_id, order_id=order_id, amount=amount, currency=currency, now=now
        )
        if await ledger.append(entry):
            released += 1
    return released


@transaction(readonly=True)
async def read_balance(*, principal: Principal) -> list[Balance]:
    """The seller's balance in each currency it sold in."""
    ensure_seller(principal, detail="Only sellers have a balance")
    return await SellerBalanceRepository().of_seller(principal.user_id)


@transaction(readonly=True)
async def list_ledger(*, principal: Principal, limit: int, cursor: str | None) -> Page[LedgerEntry]:
    """The seller's ledger entries, newest first."""
    ensure_seller(principal, detail="Only sellers have a balance")
    return await _LEDGER.page(
        cursor=cursor,
        limit=limit,
        fetch=lambda after, count: LedgerRepository().page(
            principal.user_id, after=after, count=count
        ),
    )
