"""Webhook deliveries on a real database: the relay makes one per (event, endpoint) the event
concerns, once; workers claim them under leases, never the same attempt twice at once; a
failing receiver is retried with backoff until dead, without holding up the others."""

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID, uuid4

import pytest
from sqlalchemy import select

from src.application import webhooks
from src.application.auth import register_user
from src.application.events import raise_event
from src.application.relay import Relay
from src.application.users import ensure_admin_account
from src.application.webhook_deliveries import WEBHOOKS, WebhookDispatcher, make_deliveries
from src.domain.catalog.events import ProductArchived
from src.domain.clock import utcnow
from src.domain.outbox import Event, OutboxRepository, RetryPolicy
from src.domain.refunds.events import RefundCreated
from src.domain.users import Principal, Role
from src.domain.webhooks import (
    Delivery,
    DeliveryStatus,
    DueDelivery,
    Settled,
    WebhookRepository,
)
from src.infrastructure.database import current_connection, transaction
from src.infrastructure.database.tables import WebhookEndpointsTable
from src.infrastructure.errors import NotFound
from src.infrastructure.runtime import Runtime
from src.infrastructure.webhooks import Attempt
from tests.e2e.helpers import PASSWORD, new_email

pytestmark = pytest.mark.database
URL = "https://93.184.215.14/hooks"
POLICY = RetryPolicy(
    first_backoff=timedelta(seconds=5), max_backoff=timedelta(hours=1), max_attempts=8,
    jitter=0.2,
)  # fmt: skip


async def person(role: Role) -> Principal:
    if role is Role.ADMIN:
        user, _ = await ensure_admin_account(
            email=new_email("admin"), password=PASSWORD, full_name="Admin"
        )
    else:
        user = await register_user(
            email=new_email(role.value), password=PASSWORD, full_name="P", role=role
        )
    return Principal(user_id=user.id, role=role)


async def endpoint(owner: Principal, url: str = URL, topics: Sequence[str] = ()) -> UUID:
    registered = await webhooks.register_endpoint(
        principal=owner, url=url, topics=list(topics) or ["product.archived"], description=""
    )
    return registered.endpoint.id


@transaction
async def archived(seller: Principal) -> None:
    await raise_event(ProductArchived(product_id=uuid4(), seller_id=seller.user_id))


async def log(owner: Principal, endpoint_id: UUID) -> list[Delivery]:
    page = await webhooks.list_deliveries(
        principal=owner, endpoint_id=endpoint_id, limit=100, cursor=None
    )
    return page.items


@transaction(readonly=True)
async def events() -> list[Event]:
    return list((await OutboxRepository().page(status=None, after=None, count=100)).rows)


async def test_the_relay_makes_one_delivery_per_concerned_endpoint_once(runtime: Runtime) -> None:
    seller, other = await person(Role.SELLER), await person(Role.SELLER)
    root = await person(Role.ADMIN)
    mine, theirs, everyone = await endpoint(seller), await endpoint(other), await endpoint(root)
    placed_only = await endpoint(seller, topics=["order.placed"])
    await archived(seller)
    await Relay([WEBHOOKS]).deliver_due()
    (delivery,) = await log(seller, mine)
    assert (delivery.topic, delivery.status, delivery.attempts) == (
        "product.archived", DeliveryStatus.PENDING, 0,
    )  # fmt: skip
    assert [d.event_id for d in await log(root, everyone)] == [delivery.event_id]
    assert await log(other, theirs) == []
    assert await log(seller, placed_only) == []
    # Handed over again (a relay died before recording its receipt): nothing more is made.
    await make_deliveries(await events())
    assert [d.id for d in await log(seller, mine)] == [delivery.id]
    assert len(await log(root, everyone)) == 1


@transaction
async def refunded(*sellers: Principal) -> None:
    await raise_event(
        RefundCreated(refund_id=uuid4(), order_id=uuid4(), amount=100, currency="USD",
                      seller_ids=sorted(seller.user_id for seller in sellers))
    )  # fmt: skip


async def test_a_refund_concerns_the_sellers_whose_items_it_covers(runtime: Runtime) -> None:
    seller, other = await person(Role.SELLER), await person(Role.SELLER)
    root = await person(Role.ADMIN)
    topics = ["refund.created"]
    mine, theirs = await endpoint(seller, topics=topics), await endpoint(other, topics=topics)
    everyone = await endpoint(root, topics=topics)
    await refunded(seller)
    await Relay([WEBHOOKS]).deliver_due()
    (delivery,) = await log(seller, mine)
    assert delivery.topic == "refund.created"
    assert await log(other, theirs) == []
    assert len(await log(root, everyone)) == 1


@transaction(readonly=True)
async def sealed_secrets() -> list[str]:
    rows = await (await current_connection()).execute(select(WebhookEndpointsTable.sealed_secret))
    return [row.sealed_secret for row in rows]


async def test_the_secret_is_stored_sealed(runtime: Runtime) -> None:
    seller = await person(Role.SELLER)
    registered = await webhooks.register_endpoint(
        principal=seller, url=URL, topics=["order.paid"], description=""
    )
    (sealed,) = await sealed_secrets()
    assert registered.secret not in sealed
    assert runtime.webhook_secrets.open(sealed) == registered.secret


@transaction
async def claim(now: datetime, limit: int = 100) -> list[UUID]:
    due = await WebhookRepository().claim_due(now, limit=limit, lease=timedelta(seconds=60))
    return [each.id for each in due]


async def some_deliveries(count: int) -> tuple[Principal, UUID]:
    seller = await person(Role.SELLER)
    mine = await endpoint(seller)
    for _ in range(count):
        await archived(seller)
    await Relay([WEBHOOKS]).deliver_due()
    return seller, mine


async def test_workers_never_claim_the_same_delivery_and_take_over_after_the_lease(
    runtime: Runtime,
) -> None:
    await some_deliveries(10)
    now = utcnow()
    first, second = await asyncio.gather(claim(now, 6), claim(now, 6))
    assert not set(first) & set(second)
    assert len(first) + len(second) == 10
    assert await claim(now + timedelta(seconds=59)) == []  # leased
    taken_over = await claim(now + timedelta(seconds=61))
    assert sorted(taken_over) == sorted(first + second)


async def test_an_outcome_is_recorded_only_under_its_own_lease(runtime: Runtime) -> None:
    seller, mine = await some_deliveries(1)
    now = utcnow()
    stale = (await _due(now))[0]
    current = (await _due(now + timedelta(seconds=61)))[0]  # the lease ran out: taken over
    for due, status in ((stale, 200), (current, 503)):
        await _record(Settled(due.id, due.lease_id, due.attempts, status == 200, status, None,
                              now + timedelta(minutes=5), False))  # fmt: skip
    (delivery,) = await log(seller, mine)
    assert (delivery.status, delivery.attempts, delivery.last_status) == (
        DeliveryStatus.PENDING, 2, 503,
    )  # fmt: skip


@transaction
async def _due(now: datetime) -> list[DueDelivery]:
    return await WebhookRepository().claim_due(now, limit=10, lease=timedelta(seconds=60))


@transaction
async def _record(outcome: Settled) -> None:
    await WebhookRepository().settle([outcome], utcnow())


class Receivers:
    """Fake receivers: each URL answers with its status, or never (`None`)."""

    def __init__(self, answers: dict[str, int | None]) -> None:
        self.answers = answers
        self.sent: list[tuple[str, str, datetime]] = []

    async def send(
        self, *, url: str, secret: str, message_id: str, body: str, now: datetime
    ) -> Attempt:
        assert secret.startswith("whsec_")
        self.sent.append((url, message_id, now))
        status = self.answers[url]
        if status is None:
            await asyncio.sleep(3600)
        assert status is not None
        return Attempt(200 <= status < 300, status, None if status < 300 else f"answered {status}")


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


async def test_a_failing_receiver_is_retried_with_backoff_until_dead(runtime: Runtime) -> None:
    seller, mine = await some_deliveries(1)
    receivers, clock = Receivers({URL: 500}), Clock()
    dispatcher = WebhookDispatcher(POLICY, sender=receivers, clock=clock)
    waits = []
    for attempt in range(1, 9):
        assert await dispatcher.deliver_due() == 1
        (delivery,) = await log(seller, mine)
        assert (delivery.attempts, delivery.last_status) == (attempt, 500)
        if attempt < 8:
            assert delivery.status is DeliveryStatus.PENDING
            assert delivery.next_attempt_at is not None
            waits.append(delivery.next_attempt_at - clock.now)
            assert await dispatcher.deliver_due() == 0  # not before its backoff
            clock.now = delivery.next_attempt_at
    assert delivery.status is DeliveryStatus.DEAD
    assert await webhooks.count_undelivered_webhooks() == {"pending": 0, "dead": 1}
    for attempt, wait in enumerate(waits, start=1):
        assert POLICY.backoff(attempt) * 0.8 <= wait <= POLICY.backoff(attempt) * 1.2
    assert len({message_id for _, message_id, _ in receivers.sent}) == 1  # one webhook-id
    clock.now += timedelta(days=1)
    assert await dispatcher.deliver_due() == 0


async def test_a_receiver_that_never_answers_holds_up_nobody_else(runtime: Runtime) -> None:
    seller, other = await person(Role.SELLER), await person(Role.SELLER)
    slow, quick = "https://93.184.215.14/slow", "https://93.184.215.14/quick"
    slow_id, quick_id = await endpoint(seller, slow), await endpoint(other, quick)
    for _ in range(10):  # more than all the slots: the slow endpoint is due first
        await archived(seller)
    for _ in range(3):
        await archived(other)
    await Relay([WEBHOOKS]).deliver_due()
    receivers = Receivers({slow: None, quick: 204})
    dispatcher = WebhookDispatcher(
        POLICY, concurrency=4, per_endpoint=2, sender=receivers, poll_seconds=0.02
    )
    stop = asyncio.Event()
    running = asyncio.create_task(dispatcher.run(stop))
    try:
        for _ in range(200):
            quick_log = await log(other, quick_id)
            if all(d.status is DeliveryStatus.SUCCEEDED for d in quick_log):
                break
            await asyncio.sleep(0.02)
        assert [d.status for d in quick_log] == [DeliveryStatus.SUCCEEDED] * 3
        slow_log = await log(seller, slow_id)
        assert {d.status for d in slow_log} == {DeliveryStatus.PENDING}
        assert sorted(d.attempts for d in slow_log) == [0] * 8 + [1] * 2  # two slots, no more
    finally:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running


async def test_removing_an_endpoint_removes_its_deliveries(runtime: Runtime) -> None:
    seller, mine = await some_deliveries(2)
    assert len(await log(seller, mine)) == 2
    await webhooks.delete_endpoint(principal=seller, endpoint_id=mine)
    assert await _due(utcnow()) == []
    with pytest.raises(NotFound):
        await log(seller, mine)
