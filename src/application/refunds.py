"""Refunding orders, in part or in full, and making the refunds through the provider.

A refund is decided and recorded in one transaction under the order's row lock (SQLite: its
one writer), so that refunds of one order queue and each sees the ones before it: however
many run at once, no more is refunded than was ordered. The same transaction writes the
sellers' ledger entries and the `refund.created` event; the provider refund is made after
commit, by the outbox relay, under a key derived from the refund's id, so it happens once
however often the event is delivered (a lost answer is looked up by that key first).
"""

from collections.abc import Sequence
from uuid import UUID, uuid4

from src.application.events import raise_event
from src.application.ledger import record_refund
from src.domain.clock import utcnow
from src.domain.orders import Order, OrderRepository
from src.domain.orders.rules import ensure_visible
from src.domain.payments import PaymentRepository
from src.domain.payments.rules import partial_refund_key
from src.domain.refunds import Refund, RefundDecision, RefundLine, RefundStatus
from src.domain.refunds.events import RefundCreated
from src.domain.refunds.repository import RefundRepository
from src.domain.refunds.rules import (
    decide_refund,
    ensure_may_refund,
    ensure_own_items,
    full_refund,
    may_read,
    resolve_lines,
)
from src.domain.users import Principal
from src.infrastructure.database.transaction import transaction
from src.infrastructure.errors import NotFound
from src.infrastructure.runtime import runtime


@transaction
async def refund_order(
    *, principal: Principal, order_id: UUID, lines: Sequence[RefundLine], reason: str | None
) -> Refund:
    """Refund items of a paid, shipped or delivered order (an admin, or a seller its own)."""
    order = ensure_visible(principal, await OrderRepository().get(order_id, for_update=True))
    ensure_may_refund(principal, order)
    ensure_own_items(principal, resolve_lines(order, lines))
    before = await RefundRepository().of_order(order.id)
    decision = decide_refund(order, lines, [item for done in before for item in done.items])
    return await _record(order, decision, requested_by=principal.user_id, reason=reason)


async def refund_the_rest(order: Order, *, requested_by: UUID) -> Refund | None:
    """Inside a transaction holding the order's lock (cancelling it): refund all that is
    not refunded yet, by the same rules as any refund; None if nothing is left."""
    before = await RefundRepository().of_order(order.id)
    decision = full_refund(order, [item for done in before for item in done.items])
    if decision is None:
        return None
    return await _record(order, decision, requested_by=requested_by, reason="cancelled")


async def _record(
    order: Order, decision: RefundDecision, *, requested_by: UUID, reason: str | None
) -> Refund:
    """The refund row, the order's refunded amount, the ledger and the event, together. An
    order with no charge on record (nothing the provider could give back) is refunded at
    once."""
    payment = await PaymentRepository().get(order.id)
    charge_id = payment.charge_id if payment else None
    now = utcnow()
    refund = Refund(
        id=uuid4(), order_id=order.id, amount=decision.amount, currency=order.currency,
        items=list(decision.items), reason=reason, charge_id=charge_id, created_at=now,
        status=RefundStatus.PENDING if charge_id else RefundStatus.REFUNDED,
        refunded_at=None if charge_id else now,
    )  # fmt: skip
    await RefundRepository().add(refund, requested_by=requested_by)
    await OrderRepository().add_refunded(order, refund.amount, now)
    await record_refund(order, decision.sellers, now)
    await raise_event(
        RefundCreated(
            refund_id=refund.id, order_id=order.id, amount=refund.amount,
            currency=refund.currency, seller_ids=sorted(refund.seller_ids),
        )
    )  # fmt: skip
    return refund


@transaction(readonly=True)
async def list_refunds(*, principal: Principal, order_id: UUID) -> list[Refund]:
    """The order's refunds, oldest first: all of them for its buyer and admins, those of
    its items for a seller; whoever may not see the order → 404."""
    order = ensure_visible(principal, await OrderRepository().get(order_id))
    refunds = await RefundRepository().of_order(order.id)
    return [refund for refund in refunds if may_read(principal, refund.seller_ids)]


@transaction(readonly=True)
async def get_refund(*, principal: Principal, order_id: UUID, refund_id: UUID) -> Refund:
    """One of the refunds `list_refunds` shows `principal`; any other → 404."""
    for refund in await list_refunds(principal=principal, order_id=order_id):
        if refund.id == refund_id:
            return refund
    raise NotFound("No such refund")


async def make_refund(_event_id: UUID, event: RefundCreated) -> None:
    """Subscriber to `refund.created`: have the provider give the money back, once. A
    redelivered event first asks the provider what its key did, and refunds only if
    nothing was; the refund is `refunded` once the provider has it."""
    refund = await _pending(event.refund_id)
    if refund is None or refund.charge_id is None:
        return
    payments, key = runtime().payments, partial_refund_key(refund.id)
    if await payments.find_refund(idempotency_key=key) is None:
        await payments.refund_part(
            charge_id=refund.charge_id, amount=refund.amount, idempotency_key=key
        )
    await _mark_refunded(refund.id)


@transaction(readonly=True)
async def _pending(refund_id: UUID) -> Refund | None:
    refund = await RefundRepository().get(refund_id)
    return refund if refund is not None and refund.status is RefundStatus.PENDING else None


@transaction
async def _mark_refunded(refund_id: UUID) -> None:
    await RefundRepository().mark_refunded(refund_id, utcnow())
