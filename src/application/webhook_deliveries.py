"""Webhook deliveries: made by the outbox relay, sent by a worker of their own.

The relay hands each event of a webhook topic to one subscriber, `WEBHOOKS`, which turns it
into a delivery per endpoint the event concerns, with the body every attempt will send. It
does so for the relay's whole batch in one transaction (its `prepare`), idempotently: an
(event, endpoint) is stored once however often the relay hands the event over.

Sending is `WebhookDispatcher`'s, apart from the relay, so that a slow or dead receiver
never holds up emails, refunds or other receivers: it claims due deliveries under a lease,
sends up to `concurrency` at once, each within the sender's timeout, and records each
outcome as it comes: done, retried after a jittered exponential backoff, or dead after the
policy's attempts. Delivery is at least once, every attempt under the delivery's own id.
"""

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from loguru import logger

from src.domain.clock import utcnow
from src.domain.orders import OrderRepository
from src.domain.outbox import Event, RetryPolicy
from src.domain.webhooks import DueDelivery, NewDelivery, Settled, Topic, WebhookRepository
from src.domain.webhooks.rules import concerns, delivery_body, settled
from src.infrastructure.database.transaction import transaction
from src.infrastructure.events import first_of, wake_relays_after_commit, wake_ups
from src.infrastructure.runtime import runtime
from src.infrastructure.webhooks import Attempt, DeliverySender


async def _sellers(events: Sequence[Event]) -> dict[UUID, frozenset[UUID]]:
    """The sellers each event is about: those its payload names (a refund's), else an
    order's sellers, else the one seller its payload names."""
    order_ids = sorted({UUID(e.payload["order_id"]) for e in events if "order_id" in e.payload})
    orders = await OrderRepository().get_many(order_ids) if order_ids else {}
    about: dict[UUID, frozenset[UUID]] = {}
    for event in events:
        if "seller_ids" in event.payload:
            about[event.id] = frozenset(UUID(each) for each in event.payload["seller_ids"])
            continue
        order = orders.get(UUID(event.payload["order_id"])) if "order_id" in event.payload else None
        if order is not None:
            about[event.id] = order.seller_ids
        elif "seller_id" in event.payload:
            about[event.id] = frozenset({UUID(event.payload["seller_id"])})
        else:
            about[event.id] = frozenset()
    return about


@transaction
async def make_deliveries(events: Sequence[Event]) -> frozenset[UUID]:
    """Store the deliveries of `events` to every endpoint they concern, in one transaction;
    the ids of the events done."""
    webhooks = WebhookRepository()
    sellers = await _sellers(events)
    owners = frozenset().union(*sellers.values())
    endpoints = await webhooks.subscribers_of({event.topic for event in events}, owners)
    if endpoints:
        made = [
            NewDelivery(endpoint.id, event.id, event.topic,
                        delivery_body(event.topic, event.created_at, event.payload))
            for event in events
            for endpoint in endpoints
            if concerns(endpoint, event.topic, sellers[event.id])
        ]  # fmt: skip
        await webhooks.add_deliveries(made, utcnow())
        if made:
            wake_relays_after_commit()  # the dispatchers listen for the same wake-ups
    return frozenset(event.id for event in events)


class _WebhookSubscriber:
    """The relay's subscriber for every webhook topic."""

    name = "webhooks"
    topics = frozenset(topic.value for topic in Topic)

    @property
    def prepare(self) -> Callable[[Sequence[Event]], Awaitable[frozenset[UUID]]]:
        return make_deliveries

    async def handle(self, event: Event, prepared: frozenset[UUID] | None) -> None:
        """Done with the batch, or (when that failed) for this event alone."""
        if prepared is None or event.id not in prepared:
            await make_deliveries([event])


WEBHOOKS = _WebhookSubscriber()


@transaction
async def _claim(
    now: datetime, limit: int, lease: timedelta, per_endpoint: int, in_flight: Mapping[UUID, int]
) -> list[DueDelivery]:
    return await WebhookRepository().claim_due(
        now, limit=limit, lease=lease, per_endpoint=per_endpoint, in_flight=in_flight
    )


@transaction
async def _settle(outcome: Settled, now: datetime) -> None:
    await WebhookRepository().settle([outcome], now)


@dataclass
class WebhookDispatcher:
    """Sends due webhook deliveries, `concurrency` at a time, at most `per_endpoint` of them
    to any one endpoint (so that one slow receiver leaves the other slots to the others)."""

    retry: RetryPolicy
    concurrency: int = 16
    per_endpoint: int = 4
    lease: timedelta = timedelta(seconds=60)
    poll_seconds: float = 1.0
    sender: DeliverySender | None = None  # None: the runtime's
    clock: Callable[[], datetime] = utcnow
    _slots: asyncio.Semaphore = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._slots = asyncio.Semaphore(self.concurrency)

    async def deliver_due(self) -> int:
        """Attempt every delivery due now, waiting for all; how many attempts were made."""
        made = 0
        while claimed := await _claim(
            self.clock(), self.concurrency, self.lease, self.per_endpoint, {}
        ):
            await asyncio.gather(*(self._attempt(due) for due in claimed))
            made += len(claimed)
        return made

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Send until `stop` is set: whenever a slot is free and a delivery is due (woken
        by the commit that made one, and every `poll_seconds`). Attempts in flight are
        finished before returning."""
        stop = stop or asyncio.Event()
        in_flight: dict[asyncio.Task[None], UUID] = {}
        finished = asyncio.Event()

        def done(task: asyncio.Task[None]) -> None:
            in_flight.pop(task, None)
            finished.set()

        with wake_ups() as wake:
            while not stop.is_set():
                try:
                    await self._fill(in_flight, done)
                except Exception:  # the database is away: try again at the next poll
                    logger.opt(exception=True).error("the webhook dispatcher failed")
                await first_of(wake, stop, finished, seconds=self.poll_seconds)
                wake.clear()
                finished.clear()
            await asyncio.gather(*in_flight, return_exceptions=True)

    async def _fill(
        self,
        in_flight: dict[asyncio.Task[None], UUID],
        done: Callable[[asyncio.Task[None]], None],
    ) -> None:
        """Claim due deliveries for every free slot (while any are due) and start them."""
        while (free := self.concurrency - len(in_flight)) > 0:
            by_endpoint = Counter(in_flight.values())
            claimed = await _claim(self.clock(), free, self.lease, self.per_endpoint, by_endpoint)
            for due in claimed:
                task = asyncio.create_task(self._attempt(due))
                in_flight[task] = due.endpoint_id
                task.add_done_callback(done)
            if not claimed:
                return

    async def _attempt(self, due: DueDelivery) -> None:
        async with self._slots:
            try:
                attempt = await self._send(due)
            except Exception as error:  # a bug of ours: recorded as the attempt's failure
                logger.opt(exception=True).error("webhook delivery {} failed", due.id)
                attempt = Attempt(False, error=repr(error))
        outcome = settled(
            self.retry, delivery_id=due.id, lease_id=due.lease_id, attempts=due.attempts,
            succeeded=attempt.succeeded, status=attempt.status, error=attempt.error,
            now=self.clock(),
        )  # fmt: skip
        if outcome.dead:
            logger.error("webhook delivery {} failed {} times and is dead: {}",
                         due.id, due.attempts, attempt.error)  # fmt: skip
        try:
            await _settle(outcome, self.clock())
        except Exception:  # recorded by no one: the lease runs out and it is sent again
            logger.opt(exception=True).error("could not record webhook delivery {}", due.id)

    async def _send(self, due: DueDelivery) -> Attempt:
        services = runtime()
        try:
            secret = services.webhook_secrets.open(due.sealed_secret)
        except ValueError as error:
            return Attempt(False, error=str(error))
        sender: DeliverySender = self.sender or services.webhook_sender
        return await sender.send(
            url=due.url, secret=secret, message_id=str(due.id), body=due.body, now=self.clock()
        )
