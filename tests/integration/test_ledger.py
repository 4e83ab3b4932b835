"""The sellers' ledger (API.md, "Marketplace money"): every entry is written in the
transaction of its cause, and the stored balances are always the sums of the entries."""

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st
from sqlalchemy import select, update

from src.application import ledger as ledger_operations
from src.application import orders as order_operations
from src.application import payments as payment_operations
from src.application import payouts as payout_operations
from src.application import shipping as shipping_operations
from src.application.auth import create_user
from src.application.catalog import import_products
from src.application.commission import set_category_rate
from src.application.ledger import release_due_funds
from src.application.orders import cancel_order, get_order, place_order
from src.application.payments import pay_order
from src.application.payouts import request_payout, transfer_payout
from src.application.shipping import deliver_shipment, ship_order
from src.config.settings import PayoutsSettings, Settings
from src.domain.catalog import Product, ProductStatus
from src.domain.money.ledger import Balance, LedgerEntry, LedgerKind, balances_of
from src.domain.money.ledger_repository import LedgerRepository, SellerBalanceRepository
from src.domain.money.payout_repository import PayoutRepository
from src.domain.money.payouts import Payout, PayoutRequested, PayoutStatus
from src.domain.orders import CartLine, Order, OrderStatus, ShippingAddress
from src.domain.orders.rules import seller_shares
from src.domain.users import Principal, Role
from src.infrastructure.database import current_connection, transaction
from src.infrastructure.database.tables import PendingFundsTable
from src.infrastructure.errors import AppError
from src.infrastructure.payments.fake import FakePaymentGateway
from src.infrastructure.runtime import Runtime, runtime
from tests.conftest import make_settings

pytestmark = pytest.mark.database
ADDRESS = ShippingAddress(full_name="A", line1="1 Main", city="X", postal_code="1", country="GB")
ADMIN = Principal(user_id=uuid4(), role=Role.ADMIN)


@pytest.fixture(name="settings")
def no_hold(database_url: str) -> Settings:
    """No hold: a delivered seller's funds are released at the job's next run."""
    return make_settings(database_url, payouts=PayoutsSettings(hold_seconds=0))


class World:
    """A buyer, sellers made on demand, and their products."""

    def __init__(self, buyer: Principal) -> None:
        self.buyer = buyer

    async def seller(self) -> Principal:
        user = await create_user(email=f"s-{uuid4().hex[:10]}@example.com", full_name="S",
                                 role=Role.SELLER, password_hash="unused")  # fmt: skip
        return Principal(user_id=user.id, role=Role.SELLER)

    async def products(
        self, seller: Principal, prices: list[int], category: str = "c"
    ) -> list[UUID]:
        now = datetime.now(UTC)
        products = [
            Product(id=uuid4(), seller_id=seller.user_id, title="P", description="", price=price,
                    currency="USD", stock=10_000, category=category, status=ProductStatus.ACTIVE,
                    created_at=now, updated_at=now)
            for price in prices
        ]  # fmt: skip
        await import_products(products=products)
        return [product.id for product in products]

    async def order(self, *lines: tuple[UUID, int]) -> Order:
        return await place_order(
            principal=self.buyer,
            lines=[CartLine(product_id=product, quantity=n) for product, n in lines],
            shipping_address=ADDRESS,
        )

    async def deliver(self, order: Order, seller: Principal) -> None:
        shipment = await ship_order(principal=seller, order_id=order.id, carrier="DHL",
                                    tracking_number="1")  # fmt: skip
        await deliver_shipment(principal=seller, shipment_id=shipment.id)


@pytest.fixture
async def world(runtime: Runtime) -> World:
    user = await create_user(email=f"b-{uuid4().hex[:10]}@example.com", full_name="B",
                             role=Role.BUYER, password_hash="unused")  # fmt: skip
    return World(Principal(user_id=user.id, role=Role.BUYER))


@transaction(readonly=True)
async def payout_status(payout_id: UUID) -> PayoutStatus:
    payout = await PayoutRepository().get(payout_id)
    assert payout is not None
    return payout.status


@transaction(readonly=True)
async def entries_of(*sellers: Principal) -> list[LedgerEntry]:
    return await LedgerRepository().of_sellers([seller.user_id for seller in sellers])


@transaction(readonly=True)
async def balances(*sellers: Principal) -> dict[tuple[UUID, str], Balance]:
    return await SellerBalanceRepository().of_sellers([seller.user_id for seller in sellers])


@transaction(readonly=True)
async def pending_funds(order_id: UUID) -> list[tuple[UUID, int, datetime | None]]:
    rows = await (await current_connection()).execute(
        select(PendingFundsTable.seller_id, PendingFundsTable.amount,
               PendingFundsTable.delivered_at).where(PendingFundsTable.order_id == order_id)
    )  # fmt: skip
    return [tuple(row) for row in rows]  # type: ignore[misc]


def kinds(entries: list[LedgerEntry]) -> list[tuple[LedgerKind, int]]:
    return [(entry.kind, entry.amount) for entry in entries]


def balance(pending: int, available: int = 0, paid_out: int = 0) -> Balance:
    return Balance(currency="USD", pending=pending, available=available, paid_out=paid_out)


async def test_a_payment_makes_each_sellers_payout_pending(world: World) -> None:
    one, two = await world.seller(), await world.seller()
    (lamp,), (desk,) = await world.products(one, [1250]), await world.products(two, [30000])
    order = await world.order((lamp, 2), (desk, 1))
    assert await entries_of(one, two) == []  # placing owes nobody anything

    await pay_order(principal=world.buyer, order_id=order.id, payment_token="tok")
    assert kinds(await entries_of(one)) == [(LedgerKind.SALE, 2250)]  # 2500 less 10 %
    assert kinds(await entries_of(two)) == [(LedgerKind.SALE, 27000)]
    assert await balances(one, two) == {
        (one.user_id, "USD"): balance(2250), (two.user_id, "USD"): balance(27000),
    }  # fmt: skip


async def test_a_rolled_back_payment_leaves_no_entry(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    seller = await world.seller()
    (lamp,) = await world.products(seller, [1000])
    order = await world.order((lamp, 1))

    async def fail(_event: object) -> None:  # after the sale was written, in the same transaction
        raise RuntimeError("the outbox is full")

    monkeypatch.setattr(payment_operations, "raise_event", fail)
    with pytest.raises(RuntimeError):
        await pay_order(principal=world.buyer, order_id=order.id, payment_token="tok")
    assert (await get_order(principal=world.buyer, order_id=order.id)).status is (
        OrderStatus.PENDING_PAYMENT
    )
    assert await entries_of(seller) == []
    assert await balances(seller) == {}
    assert await pending_funds(order.id) == []


async def test_delivery_starts_the_hold_and_the_job_releases_it_once(world: World) -> None:
    seller = await world.seller()
    (lamp,) = await world.products(seller, [1000])
    order = await world.order((lamp, 3))
    await pay_order(principal=world.buyer, order_id=order.id, payment_token="tok")
    assert await release_due_funds() == 0  # not delivered: nothing to release
    await world.deliver(order, seller)
    ((_, amount, delivered_at),) = await pending_funds(order.id)
    assert (amount, delivered_at is not None) == (2700, True)

    assert await release_due_funds() >= 1
    assert await release_due_funds() == 0
    assert kinds(await entries_of(seller)) == [(LedgerKind.SALE, 2700), (LedgerKind.RELEASE, 2700)]
    assert await balances(seller) == {(seller.user_id, "USD"): balance(0, 2700)}
    assert await pending_funds(order.id) == []


async def test_jobs_running_at_once_release_each_funds_once(world: World) -> None:
    import asyncio  # noqa: PLC0415

    seller = await world.seller()
    products = await world.products(seller, [1000, 2000, 3000])
    for product in products:
        order = await world.order((product, 1))
        await pay_order(principal=world.buyer, order_id=order.id, payment_token="tok")
        await world.deliver(order, seller)
    released = await asyncio.gather(*(release_due_funds() for _ in range(4)))
    assert sum(released) == 3
    releases = [e for e in await entries_of(seller) if e.kind is LedgerKind.RELEASE]
    assert sorted(e.amount for e in releases) == [900, 1800, 2700]
    assert await balances(seller) == {(seller.user_id, "USD"): balance(0, 5400)}


async def test_the_job_releases_batch_after_batch_until_none_is_due(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ledger_operations, "_RELEASE_BATCH", 2)
    seller = await world.seller()
    for product in await world.products(seller, [100, 200, 300, 400, 500]):
        order = await world.order((product, 1))
        await pay_order(principal=world.buyer, order_id=order.id, payment_token="tok")
        await world.deliver(order, seller)
    assert await ledger_operations.release_held_funds() == 5
    assert await balances(seller) == {(seller.user_id, "USD"): balance(0, 1350)}


async def test_funds_stay_pending_until_the_hold_is_over(
    world: World, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime.settings.payouts, "hold_seconds", 3600)
    seller = await world.seller()
    (lamp,) = await world.products(seller, [1000])
    order = await world.order((lamp, 1))
    await pay_order(principal=world.buyer, order_id=order.id, payment_token="tok")
    await world.deliver(order, seller)
    assert await release_due_funds() == 0
    await backdate_delivery(order.id, timedelta(seconds=3601))
    assert await release_due_funds() == 1
    assert await balances(seller) == {(seller.user_id, "USD"): balance(0, 900)}


@transaction
async def backdate_delivery(order_id: UUID, by: timedelta) -> None:
    await (await current_connection()).execute(
        update(PendingFundsTable)
        .where(PendingFundsTable.order_id == order_id)
        .values(delivered_at=datetime.now(UTC) - by)
    )


async def test_a_rolled_back_delivery_starts_no_hold(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    seller = await world.seller()
    (lamp,) = await world.products(seller, [1000])
    order = await world.order((lamp, 1))
    await pay_order(principal=world.buyer, order_id=order.id, payment_token="tok")
    shipment = await ship_order(principal=seller, order_id=order.id, carrier="DHL",
                                tracking_number="1")  # fmt: skip

    async def fail(_event: object) -> None:
        raise RuntimeError("the outbox is full")

    monkeypatch.setattr(shipping_operations, "raise_event", fail)
    with pytest.raises(RuntimeError):
        await deliver_shipment(principal=seller, shipment_id=shipment.id)
    assert await pending_funds(order.id) == [(seller.user_id, 900, None)]
    assert await release_due_funds() == 0


async def test_cancelling_a_paid_order_refunds_each_seller_from_pending(world: World) -> None:
    one, two = await world.seller(), await world.seller()
    (lamp,), (desk,) = await world.products(one, [1000]), await world.products(two, [555])
    order = await world.order((lamp, 1), (desk, 1))
    await pay_order(principal=world.buyer, order_id=order.id, payment_token="tok")
    await cancel_order(principal=world.buyer, order_id=order.id)
    assert kinds(await entries_of(one)) == [(LedgerKind.SALE, 900), (LedgerKind.REFUND, -900)]
    # 55.5 rounds to the even 56: 499 of 555 is the seller's.
    assert kinds(await entries_of(two)) == [(LedgerKind.SALE, 499), (LedgerKind.REFUND, -499)]
    assert await balances(one, two) == {
        (one.user_id, "USD"): balance(0), (two.user_id, "USD"): balance(0),
    }  # fmt: skip
    assert await pending_funds(order.id) == []  # nothing left for the job to release


async def test_cancelling_an_unpaid_order_writes_nothing(world: World) -> None:
    seller = await world.seller()
    (lamp,) = await world.products(seller, [1000])
    order = await world.order((lamp, 1))
    await cancel_order(principal=world.buyer, order_id=order.id)
    assert await entries_of(seller) == []


async def test_a_rolled_back_cancel_leaves_no_refund(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    seller = await world.seller()
    (lamp,) = await world.products(seller, [1000])
    order = await world.order((lamp, 1))
    await pay_order(principal=world.buyer, order_id=order.id, payment_token="tok")

    async def fail(_event: object) -> None:
        raise RuntimeError("the outbox is full")

    monkeypatch.setattr(order_operations, "raise_event", fail)
    with pytest.raises(RuntimeError):
        await cancel_order(principal=world.buyer, order_id=order.id)
    assert kinds(await entries_of(seller)) == [(LedgerKind.SALE, 900)]
    assert await balances(seller) == {(seller.user_id, "USD"): balance(900)}


async def test_a_rolled_back_payout_takes_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    seller = await world.seller()
    (lamp,) = await world.products(seller, [1000])
    order = await world.order((lamp, 1))
    await pay_order(principal=world.buyer, order_id=order.id, payment_token="tok")
    await world.deliver(order, seller)
    await release_due_funds()

    async def fail(_event: object) -> None:  # after the debit and its entry, in one transaction
        raise RuntimeError("the outbox is full")

    monkeypatch.setattr(payout_operations, "raise_event", fail)
    with pytest.raises(RuntimeError):
        await request_payout(principal=seller, currency="USD", amount=None)
    assert [e.kind for e in await entries_of(seller)] == [LedgerKind.SALE, LedgerKind.RELEASE]
    assert await balances(seller) == {(seller.user_id, "USD"): balance(0, 900)}


async def test_a_sale_is_recorded_once_however_often_it_is_recorded(world: World) -> None:
    seller = await world.seller()
    (lamp,) = await world.products(seller, [1000])
    order = await world.order((lamp, 1))
    paid = await pay_order(principal=world.buyer, order_id=order.id, payment_token="tok")

    @transaction
    async def record_again() -> None:
        await ledger_operations.record_sales(paid, datetime.now(UTC))

    await record_again()
    assert kinds(await entries_of(seller)) == [(LedgerKind.SALE, 900)]
    assert await balances(seller) == {(seller.user_id, "USD"): balance(900)}


async def test_concurrent_payments_to_one_seller_lose_no_update(world: World) -> None:
    import asyncio  # noqa: PLC0415

    seller = await world.seller()
    products = await world.products(seller, [100 * (i + 1) for i in range(8)])
    orders = [await world.order((product, 1)) for product in products]
    await asyncio.gather(*(
        pay_order(principal=world.buyer, order_id=order.id, payment_token="tok")
        for order in orders
    ))  # fmt: skip
    expected = sum(share.payout for order in orders for share in seller_shares(order))
    assert await balances(seller) == {(seller.user_id, "USD"): balance(expected)}
    assert len(await entries_of(seller)) == len(orders)


# A workload: the sellers (of three) in each order, then steps, each on one of the orders
# (by index, modulo): paid more often than cancelled, so that deliveries and releases happen.
order_sellers = st.lists(
    st.lists(st.integers(0, 2), min_size=1, max_size=3, unique=True), min_size=1, max_size=4
)
steps = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "pay",
                "pay",
                "deliver",
                "deliver",
                "deliver",
                "release",
                "cancel",
                "payout",
                "transfer",
            ]
        ),
        st.integers(0, 20),
    ),
    min_size=1,
    max_size=20,
)


class Workload:
    """Pays, delivers, releases and cancels orders of three sellers through the application,
    and keeps a model of what each seller's pending and available balances must then be."""

    def __init__(self, world: World, sellers: list[Principal], products: list[UUID]) -> None:
        self.world, self.sellers, self.products = world, sellers, products
        self.orders: list[Order] = []
        self.model = {seller.user_id: [0, 0, 0] for seller in sellers}
        self.payouts: list[Payout] = []
        self.delivered: set[tuple[int, UUID]] = set()  # delivered, not released yet
        self.shipped: dict[int, set[UUID]] = {}

    async def place(self, chosen: list[int]) -> None:
        lines = ((self.products[i], 1 + i) for i in chosen)
        self.orders.append(await self.world.order(*lines))

    async def pay(self, index: int) -> None:
        order = self.orders[index]
        await pay_order(principal=self.world.buyer, order_id=order.id, payment_token="tok")
        for share in seller_shares(order):
            self.model[share.seller_id][0] += share.payout

    async def cancel(self, index: int) -> None:
        order = self.orders[index]
        was = (await get_order(principal=self.world.buyer, order_id=order.id)).status
        await cancel_order(principal=self.world.buyer, order_id=order.id)
        if was is OrderStatus.PAID:
            for share in seller_shares(order):
                self.model[share.seller_id][0] -= share.payout

    async def deliver(self, index: int) -> None:
        """The first of the order's sellers that has not shipped ships and delivers."""
        order = self.orders[index]
        shipped = self.shipped.setdefault(index, set())
        waiting = [s for s in self.sellers if s.user_id in order.seller_ids - shipped]
        if not waiting:
            return
        await self.world.deliver(order, waiting[0])
        shipped.add(waiting[0].user_id)
        self.delivered.add((index, waiting[0].user_id))

    async def release(self, _: int) -> None:
        await release_due_funds()
        for index, seller_id in self.delivered:
            payout = {s.seller_id: s.payout for s in seller_shares(self.orders[index])}[seller_id]
            self.model[seller_id][0] -= payout
            self.model[seller_id][1] += payout
        self.delivered.clear()

    async def payout(self, index: int) -> None:
        """A seller asks for all it has available."""
        seller = self.sellers[index % len(self.sellers)]
        payout = await request_payout(principal=seller, currency="USD", amount=None)
        self.payouts.append(payout)
        self.model[seller.user_id][1] -= payout.amount
        self.model[seller.user_id][2] += payout.amount

    async def transfer(self, index: int) -> None:
        """The relay transfers the payouts asked for; every other one is refused."""
        provider = runtime().payments
        assert isinstance(provider, FakePaymentGateway)
        for number, payout in enumerate(self.payouts):
            if (number + index) % 2:
                provider.refusing.add(str(payout.seller_id))
            await transfer_payout(uuid4(), PayoutRequested(payout_id=payout.id))
            provider.refusing.clear()
            if await payout_status(payout.id) is PayoutStatus.FAILED:
                self.model[payout.seller_id][1] += payout.amount
                self.model[payout.seller_id][2] -= payout.amount
        self.payouts.clear()

    async def step(self, action: str, index: int) -> str | None:
        """Take one step; the code of the refusal, if the order's state refused it."""
        if action not in ("payout", "transfer"):
            index %= len(self.orders)
        try:
            await getattr(self, action)(index)
        except AppError as refused:
            return refused.code
        return None


@examples(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    orders=order_sellers, steps=steps, rates=st.lists(st.integers(0, 10_000), min_size=3,
                                                     max_size=3),
)  # fmt: skip
async def test_balances_are_always_the_sums_of_the_entries(
    world: World, orders: list[list[int]], steps: list[tuple[str, int]], rates: list[int]
) -> None:
    sellers = [await world.seller() for _ in range(3)]
    categories = [f"cat-{uuid4().hex[:8]}" for _ in range(3)]
    for category, rate in zip(categories, rates, strict=True):
        await set_category_rate(principal=ADMIN, category=category, rate_bps=rate)
    products = [
        (await world.products(seller, [137 * (i + 1)], category=categories[i]))[0]
        for i, seller in enumerate(sellers)
    ]
    workload = Workload(world, sellers, products)
    for chosen in orders:
        await workload.place(chosen)
    refusals = {await workload.step(action, argument) for action, argument in steps}
    await workload.release(0)
    for index in range(len(sellers)):  # whatever is available is asked for, and sent
        refusals.add(await workload.step("payout", index))
    await workload.transfer(len(steps))
    # Only moves the order's state does not allow, and payouts of nothing.
    assert refusals <= {None, "invalidState", "insufficientFunds"}

    stored = await balances(*sellers)
    assert stored == balances_of(await entries_of(*sellers))
    for seller_id, (pending, available, paid_out) in workload.model.items():
        if (seller_id, "USD") in stored:
            assert stored[seller_id, "USD"] == balance(pending, available, paid_out)
        else:
            assert pending == available == paid_out == 0  # never paid
