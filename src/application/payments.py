"""Paying for orders, and refunding them, through the payment provider.

The provider is called between transactions, never inside one: a slow provider must not
hold a database lock (on SQLite, the one write lock). What makes that safe is the provider's
idempotency key (`charge_key`): every try of one payment attempt sends the same key, so
however a pay is retried, raced or interrupted, the provider charges at most once, and the
order moves to `paid` with a conditional update that only one request can win.

When the provider was reached but its answer was lost, the pay answers 503 and records a
`payment.unsettled` event in the outbox; the relay then asks the provider what that key did
and, if it charged the card, marks the order paid (or refunds the charge, if the order was
cancelled meanwhile). So no order stays charged but unpaid, whether or not the buyer retries.
"""

from uuid import UUID

from src.application.events import raise_event
from src.application.ledger import record_sales
from src.domain.clock import utcnow
from src.domain.orders import Order, OrderAction, OrderRepository, OrderStatus
from src.domain.orders.events import OrderPaid
from src.domain.orders.rules import ensure_may, ensure_visible, next_status
from src.domain.payments import PaymentRepository
from src.domain.payments.events import PaymentUnsettled, RefundRequested
from src.domain.payments.rules import charge_key, refund_key
from src.domain.users import Principal
from src.infrastructure.database.transaction import transaction
from src.infrastructure.errors import Conflict, PaymentDeclined, ProgrammingError
from src.infrastructure.payments import Charge, OutcomeUnknown
from src.infrastructure.runtime import runtime


async def pay_order(*, principal: Principal, order_id: UUID, payment_token: str) -> Order:
    """Charge the order's total and mark it paid (its buyer, while it awaits payment).

    Declined → `PaymentDeclined`, and the order stays payable (with another card, under a
    new provider key). Provider down or circuit open → `ServiceUnavailable`: the next try
    uses the same key, so a charge the provider did make is found, not repeated; and if the
    provider may have charged, the relay finds out and settles the order without a retry.
    """
    order, declines = await _payable_order(principal=principal, order_id=order_id)
    key = charge_key(order.id, declines)
    try:
        charge = await runtime().payments.charge(
            order_ref=str(order.id),
            amount=order.total,
            currency=order.currency,
            token=payment_token,
            idempotency_key=key,
        )
    except PaymentDeclined:
        await _record_decline(order.id, declines)
        raise
    except OutcomeUnknown:
        await _remember_unsettled(order.id, key)
        raise
    outcome = await _record_charge(order.id, charge)
    if isinstance(outcome, Conflict):
        raise outcome
    return outcome


@transaction(readonly=True)
async def _payable_order(*, principal: Principal, order_id: UUID) -> tuple[Order, int]:
    order = ensure_visible(principal, await OrderRepository().get(order_id))
    ensure_may(principal, OrderAction.PAY, order)
    next_status(order.status, OrderAction.PAY)
    payment = await PaymentRepository().get(order.id)
    return order, payment.declined_attempts if payment else 0


@transaction
async def _record_decline(order_id: UUID, seen_declines: int) -> None:
    await PaymentRepository().record_decline(order_id, seen_declines=seen_declines)


@transaction
async def _remember_unsettled(order_id: UUID, key: str) -> None:
    await raise_event(PaymentUnsettled(order_id=order_id, idempotency_key=key))


async def settle_payment(_event_id: UUID, event: PaymentUnsettled) -> None:
    """Subscriber to `payment.unsettled`: ask the provider what the lost call did; if it
    charged the card, record the charge as a successful pay would have (redelivery is
    harmless: a charge already recorded is recognised)."""
    charge = await runtime().payments.find_charge(idempotency_key=event.idempotency_key)
    if charge is not None and not charge.refunded:
        await _record_charge(event.order_id, charge)


@transaction
async def _record_charge(order_id: UUID, charge: Charge) -> Order | Conflict:
    """Mark the order paid by `charge`, and each seller's payout pending in the ledger; if
    it was cancelled meanwhile, give the money back."""
    orders, payments = OrderRepository(), PaymentRepository()
    order = await orders.get(order_id, for_update=True)
    if order is None:
        raise ProgrammingError(f"order {order_id} vanished; orders are never deleted")
    if order.status is OrderStatus.PENDING_PAYMENT:
        now = utcnow()
        paid = await orders.move(order, to=OrderStatus.PAID, now=now)
        if paid is None:  # the row is locked, or SQLite's one writer is us
            raise ProgrammingError(f"order {order_id} changed under its lock")
        await payments.record_charge(
            order_id, charge_id=charge.id, amount=charge.amount, currency=charge.currency, now=now
        )
        await record_sales(paid, now)
        await raise_event(
            OrderPaid(order_id=paid.id, buyer_id=paid.buyer_id, seller_ids=sorted(paid.seller_ids))
        )
        return paid
    payment = await payments.get(order_id)
    if order.status is OrderStatus.PAID and payment and payment.charge_id == charge.id:
        return order  # a concurrent try of the same attempt got here first
    await raise_event(RefundRequested(order_id=order_id, charge_id=charge.id))
    return Conflict(
        f"The order became {order.status.value} while it was being paid; the charge will be "
        "refunded",
        code="invalidState",
    )


async def refund_payment(_event_id: UUID, event: RefundRequested) -> None:
    """Subscriber to `payment.refund`: refund in full a charge whose order was cancelled
    while it was being paid, at most once (the provider key is the charge's, so a
    redelivered event refunds nothing more). Refunds of paid orders are `refund.created`'s
    (src.application.refunds)."""
    charge_id = event.charge_id
    await runtime().payments.refund(charge_id=charge_id, idempotency_key=refund_key(charge_id))
    await _record_refund(event.order_id, charge_id)


@transaction
async def _record_refund(order_id: UUID, charge_id: str) -> None:
    payments = PaymentRepository()
    payment = await payments.get(order_id)
    if payment is not None and payment.charge_id == charge_id:
        await payments.record_refund(order_id, utcnow())
