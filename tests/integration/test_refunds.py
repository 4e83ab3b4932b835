"""Refunds and the sellers' ledger (API.md, "Marketplace money"): a refund takes each
seller's lost payout from pending while that order's funds are, else from available; the
release job then releases only what is left; and the stored balances are always the sums
of the entries. A refund whose transaction fails leaves nothing behind."""

import asyncio
from datetime import datetime
from uuid import UUID, uuid4

import pytest

from src.application import ledger as ledger_operations
from src.application import refunds as refund_operations
from src.application.ledger import release_due_funds
from src.application.payments import pay_order
from src.application.refunds import list_refunds, make_refund, refund_order
from src.domain.money.ledger import Bucket, LedgerKind, balances_of
from src.domain.money.ledger_repository import PendingFundsRepository
from src.domain.orders import Order
from src.domain.refunds import RefundLine, RefundStatus
from src.domain.refunds.events import RefundCreated
from src.domain.users import Principal, Role
from src.infrastructure.errors import Forbidden, NotFound
from src.infrastructure.payments.fake import FakePaymentGateway
from src.infrastructure.runtime import Runtime
from tests.integration.test_ledger import (
    ADMIN,
    World,
    balance,
    balances,
    entries_of,
    no_hold,
    pending_funds,
    world,
)

pytestmark = pytest.mark.database
__all__ = ["no_hold", "world"]  # the fixtures, shared with the ledger's tests


def lines(order: Order, *quantities: int) -> list[RefundLine]:
    return [
        RefundLine(product_id=item.product_id, quantity=quantity)
        for item, quantity in zip(order.items, quantities, strict=True)
        if quantity
    ]


async def paid(world: World, seller: Principal, prices: list[int], quantity: int) -> Order:
    products = await world.products(seller, prices)
    order = await world.order(*((product, quantity) for product in products))
    return await pay_order(principal=world.buyer, order_id=order.id, payment_token="tok")


async def test_a_partial_refund_takes_from_pending_and_the_release_moves_the_rest(
    world: World,
) -> None:
    seller = await world.seller()
    order = await paid(world, seller, [1000], 3)  # payout 2700 at 10 %
    await refund_order(principal=ADMIN, order_id=order.id, lines=lines(order, 1), reason=None)
    assert [(s, a) for s, a, _ in await pending_funds(order.id)] == [(seller.user_id, 1800)]
    assert await balances(seller) == {(seller.user_id, "USD"): balance(1800)}

    await world.deliver(order, seller)
    assert await release_due_funds() >= 1
    entries = await entries_of(seller)
    assert [(e.kind, e.amount, e.bucket) for e in entries] == [
        (LedgerKind.SALE, 2700, Bucket.PENDING),
        (LedgerKind.REFUND, -900, Bucket.PENDING),
        (LedgerKind.RELEASE, 1800, Bucket.AVAILABLE),
    ]
    # Released already: the next refund comes out of available.
    await refund_order(principal=seller, order_id=order.id, lines=lines(order, 2), reason="x")
    assert await balances(seller) == {(seller.user_id, "USD"): balance(0, 0)}
    assert (await entries_of(seller))[-1].bucket is Bucket.AVAILABLE
    assert balances_of(await entries_of(seller)) == await balances(seller)


async def test_each_seller_loses_only_its_items_payout(world: World) -> None:
    one, two = await world.seller(), await world.seller()
    (lamp,), (desk,) = await world.products(one, [1250]), await world.products(two, [333])
    order = await world.order((lamp, 2), (desk, 3))
    order = await pay_order(principal=world.buyer, order_id=order.id, payment_token="tok")
    made = await refund_order(principal=ADMIN, order_id=order.id, lines=lines(order, 1, 2),
                              reason=None)  # fmt: skip
    assert made.amount == 1250 + 666
    assert await balances(one, two) == {
        (one.user_id, "USD"): balance(2250 - 1125),  # 125 of commission on 1250 given back
        (two.user_id, "USD"): balance(899 - 599),  # 67 of commission on 666
    }


async def test_the_provider_is_asked_once_and_the_refund_becomes_refunded(
    world: World, runtime: Runtime
) -> None:
    seller = await world.seller()
    order = await paid(world, seller, [1000], 2)
    made = await refund_order(principal=ADMIN, order_id=order.id, lines=lines(order, 1),
                              reason=None)  # fmt: skip
    assert made.status is RefundStatus.PENDING
    event = RefundCreated(refund_id=made.id, order_id=order.id, amount=1000, currency="USD",
                          seller_ids=[seller.user_id])  # fmt: skip
    for _ in range(3):  # delivered again and again: one provider refund
        await make_refund(uuid4(), event)
    gateway = runtime.payments
    assert isinstance(gateway, FakePaymentGateway)
    assert [p.amount for p in gateway.parts.values()] == [1000]
    (listed,) = await list_refunds(principal=ADMIN, order_id=order.id)
    assert listed.status is RefundStatus.REFUNDED


async def test_a_refund_whose_transaction_fails_leaves_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    seller = await world.seller()
    order = await paid(world, seller, [1000], 2)

    async def fail(_event: object) -> None:  # after the row and entries, in the transaction
        raise RuntimeError("the outbox is full")

    monkeypatch.setattr(refund_operations, "raise_event", fail)
    with pytest.raises(RuntimeError):
        await refund_order(principal=ADMIN, order_id=order.id, lines=lines(order, 1), reason=None)
    assert await list_refunds(principal=ADMIN, order_id=order.id) == []
    assert await balances(seller) == {(seller.user_id, "USD"): balance(1800)}
    assert [e.kind for e in await entries_of(seller)] == [LedgerKind.SALE]


async def test_a_seller_refunding_another_sellers_item_is_refused(world: World) -> None:
    one, two = await world.seller(), await world.seller()
    (lamp,), (desk,) = await world.products(one, [1000]), await world.products(two, [1000])
    order = await world.order((lamp, 1), (desk, 1))
    order = await pay_order(principal=world.buyer, order_id=order.id, payment_token="tok")
    stranger = Principal(user_id=uuid4(), role=Role.SELLER)
    with pytest.raises(Forbidden):
        await refund_order(principal=one, order_id=order.id, lines=lines(order, 0, 1),
                           reason=None)  # fmt: skip
    with pytest.raises(NotFound):
        await refund_order(principal=stranger, order_id=order.id, lines=lines(order, 1, 0),
                           reason=None)  # fmt: skip


class HeldJob:
    """The release job, stopped after it has taken (on PostgreSQL, locked) its due funds."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.claimed, self.go_on = asyncio.Event(), asyncio.Event()
        job = self

        class Holding(PendingFundsRepository):
            async def due(self, before: datetime, limit: int) -> list[tuple[UUID, UUID]]:
                found = await super().due(before, limit)
                job.claimed.set()
                await job.go_on.wait()
                return found

        monkeypatch.setattr(ledger_operations, "PendingFundsRepository", Holding)

    async def start(self) -> "asyncio.Task[int]":
        task = asyncio.create_task(release_due_funds())
        await self.claimed.wait()
        return task


async def refund_while_held(job: HeldJob, order: Order, *quantities: int) -> int:
    """Refund `order` while the job holds its funds, then let the job go on: both must
    finish, the job having released what it held (the refund waits for it)."""
    releasing = await job.start()
    refund = asyncio.create_task(
        refund_order(principal=ADMIN, order_id=order.id, lines=lines(order, *quantities),
                     reason=None)
    )  # fmt: skip
    await asyncio.sleep(0.3)  # the refund holds the order and waits for the job
    assert not refund.done()
    job.go_on.set()
    released = await releasing
    await refund
    return released


async def test_a_refund_of_funds_the_release_job_is_releasing_waits_for_the_job(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job locks the funds it releases, then writes entries that reference their orders;
    a refund locks its order, then its funds. They must queue, never deadlock (on
    PostgreSQL an order locked FOR UPDATE blocked the entry's foreign-key check)."""
    seller = await world.seller()
    order = await paid(world, seller, [1000], 3)  # payout 2700 at 10 %
    await world.deliver(order, seller)
    assert await refund_while_held(HeldJob(monkeypatch), order, 1) == 1
    # Released first, so the refund came out of available.
    assert [(e.kind, e.amount, e.bucket) for e in await entries_of(seller)] == [
        (LedgerKind.SALE, 2700, Bucket.PENDING),
        (LedgerKind.RELEASE, 2700, Bucket.AVAILABLE),
        (LedgerKind.REFUND, -900, Bucket.AVAILABLE),
    ]
    assert await balances(seller) == {(seller.user_id, "USD"): balance(0, 1800)}


async def test_a_two_seller_refund_and_the_release_job_take_funds_and_balances_in_one_order(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job holds the second seller's funds of an order and another order's funds of the
    first seller, and then changes the first seller's balance; a refund of both sellers'
    items must not hold that balance while it waits for the second seller's funds."""
    first, second = sorted([await world.seller(), await world.seller()], key=lambda s: s.user_id)
    (lamp,), (desk,) = await world.products(first, [1000]), await world.products(second, [2000])
    order = await world.order((lamp, 1), (desk, 1))
    order = await pay_order(principal=world.buyer, order_id=order.id, payment_token="tok")
    other = await paid(world, first, [500], 1)
    await world.deliver(order, second)  # the first seller's funds of it stay undelivered
    await world.deliver(other, first)
    assert await refund_while_held(HeldJob(monkeypatch), order, 1, 1) == 2
    assert await balances(first, second) == {
        (first.user_id, "USD"): balance(0, 450),  # 900 refunded from pending; 450 released
        (second.user_id, "USD"): balance(0, 0),  # 1800 released, then refunded
    }
    assert await pending_funds(order.id) == []
    assert balances_of(await entries_of(first, second)) == await balances(first, second)
