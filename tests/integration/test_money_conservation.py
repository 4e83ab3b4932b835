"""Money is conserved (API.md, "Marketplace money"): random runs of place, pay, ship,
deliver, release, partial refund, cancel and payout through the application operations,
with the provider losing answers after it acted and refusing transfers, the relay run to
completion after each step as it would run in the background.

After every step, for each seller: the stored balance is the recomputation from its ledger
entries and equals a Python model of the rules (a sale is pending, a delivery held past the
hold is released, a refund takes from pending while that order's funds are, else from
available, a refused payout comes back); pending + available + paidOut = Σ sales − Σ
refunds of that seller = Σ of its sale and refund entries. And at the provider: charges −
refunds − transfers = the commission kept on what was not refunded + Σ sellers' pending and
available, with one provider refund per refund and one transfer per paid payout.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any, TypeVar
from uuid import UUID, uuid4

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from src.application import ledger as ledger_operations
from src.application import shipping as shipping_operations
from src.application.auth import create_user
from src.application.catalog import import_products
from src.application.commission import set_category_rate
from src.application.events import count_undelivered
from src.application.ledger import release_due_funds
from src.application.orders import cancel_order, get_order, place_order
from src.application.payments import pay_order
from src.application.payouts import request_payout
from src.application.refunds import list_refunds, refund_order
from src.application.relay import Relay
from src.application.shipping import deliver_shipment, ship_order
from src.domain.catalog import Product, ProductStatus
from src.domain.money.ledger import Balance, LedgerKind, balances_of
from src.domain.money.payout_repository import PayoutRepository
from src.domain.money.payouts import PayoutStatus
from src.domain.orders import CartLine, OrderStatus, ShippingAddress
from src.domain.outbox import RetryPolicy
from src.domain.refunds import RefundLine, RefundStatus
from src.domain.users import Principal, Role
from src.infrastructure.database import transaction
from src.infrastructure.errors import AppError
from src.infrastructure.payments import OutcomeUnknown
from src.infrastructure.payments.fake import FakePaymentGateway
from src.infrastructure.runtime import Runtime
from src.main import SUBSCRIBERS
from tests.integration.machines import run_machine
from tests.integration.test_ledger import ADMIN, balances, entries_of

pytestmark = pytest.mark.database

T = TypeVar("T")
ADDRESS = ShippingAddress(full_name="A", line1="1 Main", city="X", postal_code="1", country="GB")
# Two sellers' products: (seller, price, commission rate of its category).
CATALOGUE = [(0, 1250, 1000), (0, 333, 1750), (1, 999, 0), (1, 4321, 2500)]
LINES = st.dictionaries(st.integers(0, len(CATALOGUE) - 1), st.integers(1, 3), min_size=1)


def commission(amount: int, rate_bps: int) -> int:
    """round-half-even(amount × rate / 10000), as API.md defines it."""
    return round(Fraction(amount * rate_bps, 10_000))


@dataclass
class Item:
    product: int  # index in CATALOGUE
    quantity: int
    refunded: int = 0

    @property
    def seller(self) -> int:
        return CATALOGUE[self.product][0]

    def payout_on(self, units: int) -> int:
        _, price, rate = CATALOGUE[self.product]
        return price * units - commission(price * units, rate)


@dataclass
class ModelOrder:
    id: UUID
    items: list[Item]
    status: str = "placed"  # "paid" (whatever its shipping), "cancelled"
    shipments: dict[int, UUID] = field(default_factory=dict)  # seller -> its shipment
    delivered: dict[int, timedelta] = field(default_factory=dict)  # seller -> clock skew then
    released: set[int] = field(default_factory=set)
    held: dict[int, int] = field(default_factory=dict)  # seller -> what is still pending

    def sellers(self) -> set[int]:
        return {item.seller for item in self.items}


@dataclass
class ModelSeller:
    pending: int = 0
    available: int = 0
    paid_out: int = 0
    sales: int = 0
    refunds: int = 0


@dataclass
class Faults:
    """The provider's misbehaviour for the next call of each kind: it acts, then its answer
    is lost (`lost`); and the sellers whose transfers it refuses."""

    lost: set[str] = field(default_factory=set)

    def wrap(self, name: str, call: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
        async def faulty(**arguments: Any) -> T:
            answer = await call(**arguments)
            if name in self.lost:
                self.lost.discard(name)
                raise OutcomeUnknown("The provider's answer was lost", code="paymentUnavailable")
            return answer

        return faulty


@transaction(readonly=True)
async def payout_statuses(seller_ids: list[UUID]) -> list[tuple[PayoutStatus, int, UUID]]:
    found = []
    for seller_id in seller_ids:
        fetched = await PayoutRepository().page(seller_id, after=None, count=1000)
        payouts = await fetched.items(fetched.rows)
        found += [(payout.status, payout.amount, payout.id) for payout in payouts]
    return found


async def new_shop() -> tuple[Principal, list[Principal], list[UUID]]:
    buyer, *sellers = [
        await create_user(email=f"{role}-{uuid4().hex[:10]}@example.com", full_name="U",
                          role=role, password_hash="unused")
        for role in (Role.BUYER, Role.SELLER, Role.SELLER)
    ]  # fmt: skip
    now = datetime.now(UTC)
    products = []
    for seller, price, rate in CATALOGUE:
        category = f"c-{uuid4().hex[:10]}"
        await set_category_rate(principal=ADMIN, category=category, rate_bps=rate)
        products.append(
            Product(id=uuid4(), seller_id=sellers[seller].id, title="P", description="",
                    price=price, currency="USD", stock=100_000, category=category,
                    status=ProductStatus.ACTIVE, created_at=now, updated_at=now)
        )  # fmt: skip
    await import_products(products=products)
    return (
        Principal(user_id=buyer.id, role=Role.BUYER),
        [Principal(user_id=seller.id, role=Role.SELLER) for seller in sellers],
        [product.id for product in products],
    )


class MoneyMachine(RuleBasedStateMachine):
    run: Callable[[Awaitable[Any]], Any]  # runs a coroutine on the test's event loop
    gateway: FakePaymentGateway
    faults: Faults
    skew: list[timedelta]  # how far the release job's clock is ahead

    def __init__(self) -> None:
        super().__init__()
        self.buyer, self.sellers, self.products = self.run(new_shop())
        self.orders: list[ModelOrder] = []
        self.model = [ModelSeller() for _ in self.sellers]
        self.refund_count = 0
        self.lost_charges = 0  # charged, answer lost, order cancelled before it settled
        self.relay = Relay(SUBSCRIBERS, retry=RetryPolicy(first_backoff=timedelta(0)))

    def attempt(self, operation: Awaitable[T]) -> T | str:
        try:
            return self.run(operation)  # type: ignore[no-any-return]
        except AppError as refused:
            return refused.code

    def drain(self) -> None:
        """The relay, run until every event is delivered (a lost answer is retried)."""
        for _ in range(10):
            self.run(self.relay.deliver_due())
            if self.run(count_undelivered()) == {"pending": 0, "dead": 0}:
                break
        else:
            raise AssertionError(f"the relay left {self.run(count_undelivered())}")
        self.faults.lost.clear()
        self.gateway.refusing.clear()

    def pick(self, data: st.DataObject, status: str | None = None) -> ModelOrder:
        orders = [o for o in self.orders if status is None or o.status == status]
        return data.draw(st.sampled_from(orders), label="order")

    def take(self, order: ModelOrder, seller: int, loss: int) -> None:
        """A refund's loss to a seller: from pending while the order's funds are, else from
        available."""
        model = self.model[seller]
        if seller in order.released:
            model.available -= loss
        else:
            model.pending -= loss
            order.held[seller] -= loss
        model.refunds += loss

    def refund_units(self, order: ModelOrder, item: Item, units: int) -> None:
        loss = item.payout_on(item.refunded + units) - item.payout_on(item.refunded)
        item.refunded += units
        self.take(order, item.seller, loss)

    @initialize(data=st.data())
    def two_paid_orders(self, data: st.DataObject) -> None:
        """Runs start from paid orders, so that few steps reach deliveries and refunds."""
        for _ in range(2):
            self.place(data.draw(LINES, label="lines"))
            self.pay_order(self.orders[-1], None)

    @rule(lines=LINES)
    def place(self, lines: dict[int, int]) -> None:
        order = self.run(place_order(
            principal=self.buyer, shipping_address=ADDRESS,
            lines=[CartLine(product_id=self.products[i], quantity=n) for i, n in lines.items()],
        ))  # fmt: skip
        self.orders.append(ModelOrder(order.id, [Item(i, n) for i, n in lines.items()]))

    @precondition(lambda self: self.orders)
    @rule(data=st.data(), fault=st.sampled_from([None, None, "lost", "declined"]))
    def pay(self, data: st.DataObject, fault: str | None) -> None:
        self.pay_order(self.pick(data), fault)

    def pay_order(self, order: ModelOrder, fault: str | None) -> None:
        if fault == "lost":
            self.faults.lost.add("charge")
        token = "tok_decline" if fault == "declined" else "tok_visa"
        result = self.attempt(pay_order(principal=self.buyer, order_id=order.id,
                                        payment_token=token))  # fmt: skip
        self.drain()  # a lost answer: the relay finds the charge and settles the order
        if order.status != "placed":
            assert result == "invalidState"
        elif fault == "declined":
            assert result == "paymentDeclined"
        else:
            assert result == "paymentUnavailable" if fault else not isinstance(result, str)
            order.status = "paid"
            for seller in order.sellers():
                payout = sum(i.payout_on(i.quantity) for i in order.items if i.seller == seller)
                order.held[seller] = payout
                self.model[seller].pending += payout
                self.model[seller].sales += payout

    @precondition(lambda self: any(o.status == "placed" for o in self.orders))
    @rule(data=st.data())
    def pay_lost_then_cancel(self, data: st.DataObject) -> None:
        """Charged, the answer lost, and the order cancelled before the relay settles it:
        the charge is refunded in full and no seller is owed anything."""
        order = self.pick(data, "placed")
        self.faults.lost.add("charge")
        result = self.attempt(pay_order(principal=self.buyer, order_id=order.id,
                                        payment_token="tok_visa"))  # fmt: skip
        assert result == "paymentUnavailable"
        self.run(cancel_order(principal=self.buyer, order_id=order.id))
        self.drain()
        order.status = "cancelled"
        self.lost_charges += 1

    @precondition(lambda self: self.orders)
    @rule(data=st.data(), lost=st.booleans())
    def cancel(self, data: st.DataObject, lost: bool) -> None:
        order = self.pick(data)
        if lost:
            self.faults.lost.add("refund_part")
        result = self.attempt(cancel_order(principal=self.buyer, order_id=order.id))
        self.drain()
        if order.status == "cancelled" or order.shipments:
            assert result == "invalidState"
            return
        assert not isinstance(result, str), result
        if order.status == "paid" and any(i.refunded < i.quantity for i in order.items):
            self.refund_count += 1
            for item in order.items:
                self.refund_units(order, item, item.quantity - item.refunded)
        order.status = "cancelled"

    @precondition(lambda self: self.orders)
    @rule(data=st.data(), lost=st.booleans())
    def refund(self, data: st.DataObject, lost: bool) -> None:
        order = self.pick(data)
        index = data.draw(st.integers(0, len(order.items) - 1), label="item")
        item = order.items[index]
        units = data.draw(st.integers(1, item.quantity - item.refunded + 1), label="units")
        if lost:
            self.faults.lost.add("refund_part")
        line = RefundLine(product_id=self.products[item.product], quantity=units)
        result = self.attempt(refund_order(principal=ADMIN, order_id=order.id, lines=[line],
                                           reason=None))  # fmt: skip
        self.drain()
        if order.status != "paid":
            assert result == "invalidState", result
        elif item.refunded + units > item.quantity:
            assert result == "refundExceedsOrder", result
        else:
            assert not isinstance(result, str), result
            self.refund_count += 1
            self.refund_units(order, item, units)

    @precondition(lambda self: any(o.status == "paid" for o in self.orders))
    @rule(data=st.data())
    def ship(self, data: st.DataObject) -> None:
        order = self.pick(data, "paid")
        seller = data.draw(st.sampled_from(sorted(order.sellers())), label="seller")
        result = self.attempt(ship_order(principal=self.sellers[seller], order_id=order.id,
                                         carrier="DHL", tracking_number="1"))  # fmt: skip
        self.drain()
        if seller in order.shipments:
            assert result == "invalidState", result
        else:
            assert not isinstance(result, str), result
            order.shipments[seller] = result.id

    @precondition(lambda self: any(o.shipments.keys() - o.delivered.keys() for o in self.orders))
    @rule(data=st.data())
    def deliver(self, data: st.DataObject) -> None:
        order = data.draw(st.sampled_from([o for o in self.orders if o.shipments.keys()
                                           - o.delivered.keys()]))  # fmt: skip
        seller = data.draw(st.sampled_from(sorted(order.shipments.keys() - order.delivered.keys())))
        self.run(deliver_shipment(principal=self.sellers[seller],
                                  shipment_id=order.shipments[seller]))  # fmt: skip
        self.drain()
        order.delivered[seller] = self.skew[0]

    @rule(past_the_hold=st.booleans())
    def release(self, past_the_hold: bool) -> None:
        """The release job, run now or with the clock moved past the hold: what was
        delivered before the clock last moved is released."""
        if past_the_hold:
            self.skew[0] += timedelta(seconds=self.run_settings_hold() + 1)
        self.run(release_due_funds())
        self.drain()
        for order in self.orders:
            for seller, then in order.delivered.items():
                if seller in order.released or then == self.skew[0]:
                    continue
                self.model[seller].pending -= order.held[seller]
                self.model[seller].available += order.held[seller]
                order.released.add(seller)

    def run_settings_hold(self) -> int:
        from src.infrastructure.runtime import runtime  # noqa: PLC0415

        return runtime().settings.payouts.hold_seconds

    @rule(
        seller=st.integers(0, 1),
        share=st.sampled_from([None, Fraction(1, 2), Fraction(3, 2)]),
        fault=st.sampled_from([None, "lost", "refused"]),
    )
    def payout(self, seller: int, share: Fraction | None, fault: str | None) -> None:
        model = self.model[seller]
        amount = None if share is None else max(1, int(model.available * share))
        if fault == "lost":
            self.faults.lost.add("transfer")
        elif fault == "refused":
            self.gateway.refusing.add(str(self.sellers[seller].user_id))
        result = self.attempt(request_payout(principal=self.sellers[seller], currency="USD",
                                             amount=amount))  # fmt: skip
        self.drain()
        sent = model.available if amount is None else amount
        if sent < 1 or sent > model.available:
            assert result == "insufficientFunds", result
            return
        assert not isinstance(result, str), result
        if fault != "refused":
            model.available -= sent
            model.paid_out += sent

    @invariant()
    def each_seller_holds_what_it_sold_less_what_was_refunded(self) -> None:
        stored = self.run(balances(*self.sellers))
        entries = self.run(entries_of(*self.sellers))
        assert stored == balances_of(entries)
        for number, seller in enumerate(self.sellers):
            model = self.model[number]
            expected = Balance(currency="USD", pending=model.pending, available=model.available,
                               paid_out=model.paid_out)  # fmt: skip
            assert (
                stored.get(
                    (seller.user_id, "USD"),
                    Balance(currency="USD", pending=0, available=0, paid_out=0),
                )
                == expected
            )
            assert model.pending + model.available + model.paid_out == model.sales - model.refunds
            mine = [e for e in entries if e.seller_id == seller.user_id]
            moved = {LedgerKind.SALE, LedgerKind.REFUND, LedgerKind.PAYOUT,
                     LedgerKind.PAYOUT_RETURNED}  # fmt: skip
            assert sum(e.amount for e in mine if e.kind in moved) == (
                model.pending + model.available
            )
            assert (
                -sum(
                    e.amount
                    for e in mine
                    if e.kind in {LedgerKind.PAYOUT, LedgerKind.PAYOUT_RETURNED}
                )
                == model.paid_out
            )
            assert (
                sum(e.amount for e in mine if e.kind in {LedgerKind.SALE, LedgerKind.REFUND})
                == model.sales - model.refunds
            )

    @invariant()
    def the_provider_holds_the_commission_and_what_sellers_are_owed(self) -> None:
        gateway = self.gateway
        charged = sum(charge.amount for charge in gateway.charges.values())
        refunded = sum(
            charge.amount if charge.refunded
            else sum(p.amount for p in gateway.parts.values() if p.charge_id == charge.id)
            for charge in gateway.charges.values()
        )  # fmt: skip
        transferred = sum(t.amount for t in gateway.transfers.values() if t is not None)
        kept = sum(
            commission(CATALOGUE[i.product][1] * i.quantity, CATALOGUE[i.product][2])
            - commission(CATALOGUE[i.product][1] * i.refunded, CATALOGUE[i.product][2])
            for order in self.orders if order.held for i in order.items
        )  # fmt: skip
        owed = sum(model.pending + model.available for model in self.model)
        assert charged - refunded - transferred == kept + owed
        # Once each: a charge per paid order, a provider refund per refund, and a transfer
        # per paid payout, each of its amount; nothing is left pending.
        paid = [o for o in self.orders if o.status != "placed" and o.held]
        assert len(gateway.charges) == len(paid) + self.lost_charges
        assert len(gateway.parts) == self.refund_count
        payouts = self.run(payout_statuses([s.user_id for s in self.sellers]))
        assert PayoutStatus.PENDING not in {status for status, _, _ in payouts}
        made = sorted(t.amount for t in gateway.transfers.values() if t is not None)
        assert made == sorted(a for status, a, _ in payouts if status is PayoutStatus.PAID)
        assert transferred == sum(model.paid_out for model in self.model)
        for order in self.orders:
            refunds = self.run(list_refunds(principal=ADMIN, order_id=order.id))
            assert {r.status for r in refunds} <= {RefundStatus.REFUNDED}
            read = self.run(get_order(principal=ADMIN, order_id=order.id))
            assert read.refunded == sum(CATALOGUE[i.product][1] * i.refunded for i in order.items)
            if order.status == "cancelled":
                assert read.status is OrderStatus.CANCELLED


async def test_money_is_conserved_through_faults(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = runtime.payments
    assert isinstance(gateway, FakePaymentGateway)
    faults = Faults()
    for name in ("charge", "refund_part", "transfer"):
        monkeypatch.setattr(gateway, name, faults.wrap(name, getattr(gateway, name)))
    skew = [timedelta(0)]
    for clocked in (ledger_operations, shipping_operations):  # when held, and when released
        monkeypatch.setattr(clocked, "utcnow", lambda: datetime.now(UTC) + skew[0])

    def fresh_provider(self: MoneyMachine) -> None:  # each run starts with an empty provider
        for kept in (gateway.charges, gateway.answers, gateway.parts, gateway.transfers):
            kept.clear()
        gateway.refunds.clear()
        skew[0] = timedelta(0)
        MoneyMachine.__init__(self)

    await run_machine(
        MoneyMachine,
        settings(max_examples=100, stateful_step_count=30, deadline=None),
        gateway=gateway,
        faults=faults,
        skew=skew,
        __init__=fresh_provider,
    )
