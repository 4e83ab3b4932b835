"""Payouts: a seller asks for what is available; the transfer leaves after commit.

The payout and its ledger entry are written in one transaction, the entry taken from the
available balance by a statement that checks it covers the amount, and a `payout.requested`
event with them. The relay then makes the transfer under a key derived from the payout
(`transfer_key`): retried after a lost answer, the provider answers with the transfer it
made, so a payout is sent once whatever the retries, crashes or second relays. A transfer
the provider refuses returns the amount to available and fails the payout.
"""

from datetime import datetime
from uuid import UUID

from src.application.events import raise_event
from src.application.listing import Listing
from src.domain.clock import utcnow
from src.domain.money.ledger_repository import LedgerRepository, SellerBalanceRepository
from src.domain.money.payout_repository import PayoutRepository
from src.domain.money.payouts import (
    Payout,
    PayoutFailed,
    PayoutPaid,
    PayoutRequested,
    PayoutStatus,
    new_payout,
    payout_amount,
    payout_entry,
    returned_entry,
    transfer_key,
)
from src.domain.pagination import Page
from src.domain.users import Principal
from src.domain.users.rules import ensure_admin, ensure_seller
from src.infrastructure.database.transaction import transaction
from src.infrastructure.errors import Conflict, NotFound
from src.infrastructure.payments import TransferRefused
from src.infrastructure.runtime import runtime

_PAYOUTS = Listing("payouts", (datetime, UUID))


@transaction
async def request_payout(*, principal: Principal, currency: str, amount: int | None) -> Payout:
    """Pay the seller `amount` (all that is available when None) of its available balance
    in `currency`; more than is available → `insufficientFunds`."""
    ensure_seller(principal, detail="Only sellers are paid out")
    balances = await SellerBalanceRepository().of_seller(principal.user_id)
    available = next((b.available for b in balances if b.currency == currency), 0)
    payout = new_payout(
        seller_id=principal.user_id, amount=payout_amount(amount, available),
        currency=currency, now=utcnow(),
    )  # fmt: skip
    if not await LedgerRepository().append_debit(payout_entry(payout)):
        raise Conflict("The available balance changed meanwhile; it no longer covers "
                       f"{payout.amount}", code="insufficientFunds")  # fmt: skip
    await PayoutRepository().add(payout)
    await raise_event(PayoutRequested(payout_id=payout.id))
    return payout


async def transfer_payout(_event_id: UUID, event: PayoutRequested) -> None:
    """Subscriber to `payout.requested`: make the payout's transfer, once, and settle the
    payout by the provider's answer (an unreachable provider raises, and the relay tries
    again later under the same key)."""
    payout = await _pending_payout(event.payout_id)
    if payout is None:
        return
    try:
        transfer = await runtime().payments.transfer(
            seller_ref=str(payout.seller_id), amount=payout.amount, currency=payout.currency,
            idempotency_key=transfer_key(payout.id),
        )  # fmt: skip
    except TransferRefused:
        await _settle(payout.id, transfer_id=None)
    else:
        await _settle(payout.id, transfer_id=transfer.id)


@transaction(readonly=True)
async def _pending_payout(payout_id: UUID) -> Payout | None:
    payout = await PayoutRepository().get(payout_id)
    return payout if payout is not None and payout.status is PayoutStatus.PENDING else None


@transaction
async def _settle(payout_id: UUID, *, transfer_id: str | None) -> None:
    """Paid with `transfer_id`, or (None) failed with its amount available again; once,
    announced to the seller's webhooks."""
    payouts = PayoutRepository()
    payout = await payouts.get(payout_id)
    if payout is None:
        return
    now = utcnow()
    status = PayoutStatus.FAILED if transfer_id is None else PayoutStatus.PAID
    settled = await payouts.settle(payout, status=status, transfer_id=transfer_id, now=now)
    if settled is None:
        return
    if status is PayoutStatus.FAILED:
        await LedgerRepository().append(returned_entry(payout, now))
        await raise_event(PayoutFailed(payout_id=payout.id, seller_id=payout.seller_id))
    else:
        await raise_event(PayoutPaid(payout_id=payout.id, seller_id=payout.seller_id))


@transaction(readonly=True)
async def get_my_payout(*, principal: Principal, payout_id: UUID) -> Payout:
    """One of the seller's payouts."""
    ensure_seller(principal, detail="Only sellers are paid out")
    payout = await PayoutRepository().get(payout_id)
    if payout is None or payout.seller_id != principal.user_id:
        raise NotFound("No such payout")
    return payout


@transaction(readonly=True)
async def list_my_payouts(*, principal: Principal, limit: int, cursor: str | None) -> Page[Payout]:
    """The seller's payouts, newest first."""
    ensure_seller(principal, detail="Only sellers are paid out")
    return await _PAYOUTS.variant("seller").page(
        cursor=cursor,
        limit=limit,
        fetch=lambda after, count: PayoutRepository().page(
            principal.user_id, after=after, count=count
        ),
    )


@transaction(readonly=True)
async def list_all_payouts(*, principal: Principal, limit: int, cursor: str | None) -> Page[Payout]:
    """Every payout, newest first (admins)."""
    ensure_admin(principal)
    return await _PAYOUTS.variant("all").page(
        cursor=cursor,
        limit=limit,
        fetch=lambda after, count: PayoutRepository().page(None, after=after, count=count),
    )
