"""The outbox relay: delivers committed events to the subscribers registered for them.

Events are recorded in the transaction of the change that raised them (`raise_event`), so
they exist exactly when it committed. The relay claims a batch of due events, hands each to
the subscribers of its topic, and settles the batch in one transaction: the receipts of the
subscribers that handled events, the events every subscriber handled, and the failures.

Delivery is at least once. A subscriber that fails is retried with exponential backoff; after
the policy's attempts the event is dead-lettered for an admin to look at and queue again, and
at once when it raises `Undeliverable` (an answer that no retry mends). A relay that dies
mid-delivery leaves its events to another once their lease runs out; one that could not
record a batch's outcome (the database went away) records it first thing once the database
answers again, rather than leave the batch's events to wait out their lease. What makes
redelivery harmless is the receipt each subscriber leaves per event id: an event
delivered again skips the subscribers that already handled it.

Subscribers are registered, not known: the loop sees only the `Subscriber` protocol, so a
new kind of subscriber (webhooks, say, that turn each event into deliveries of their own,
retried apart from this batch) is one more entry in the list `src.main` builds.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from loguru import logger

from src.domain.clock import utcnow
from src.domain.outbox import Event, Failure, OutboxRepository, RetryPolicy, Subscriber
from src.infrastructure.database.transaction import transaction
from src.infrastructure.errors import Undeliverable
from src.infrastructure.events import first_of, wake_ups

_Prepare = Callable[[Sequence[Event]], Awaitable[object]]


@dataclass
class Relay:
    """Delivers due outbox events to the subscribers of their topics."""

    subscribers: Sequence[Subscriber[Any]]
    batch_size: int = 50
    lease: timedelta = timedelta(seconds=60)
    poll_seconds: float = 1.0
    batch_delay: float = 0.1  # after a wake-up, so that one round takes many events
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    clock: Callable[[], datetime] = utcnow
    _by_topic: dict[str, list[Subscriber[Any]]] = field(init=False, repr=False)
    # Batches handled whose settling failed (the database went away): settled first thing
    # once it answers again, so that their events wait neither for their lease to run out
    # nor for their subscribers to be called again.
    _unsettled: list["_Settlement"] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        names = [each.name for each in self.subscribers]
        if len(set(names)) != len(names):
            raise ValueError(f"subscriber names key receipts and must differ: {names}")
        self._by_topic = {}
        for each in self.subscribers:
            for topic in each.topics:
                self._by_topic.setdefault(topic, []).append(each)

    async def deliver_due(self) -> int:
        """Settle what an earlier round could not, then deliver what is due now; how many
        events were delivered."""
        delivered = await self._settle_unsettled()
        while events := await self._claim():
            delivered += await self._deliver(events)
            if len(events) < self.batch_size:
                break
        return delivered

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Deliver until `stop` is set (or cancelled): when woken by a commit (a moment
        later, so that events committed together travel together), and every
        `poll_seconds` regardless. A round in progress is finished before stopping."""
        stop = stop or asyncio.Event()
        with wake_ups() as wake:
            while not stop.is_set():
                try:
                    await self.deliver_due()
                except Exception:  # the database is away: try again at the next poll
                    logger.opt(exception=True).error("the outbox relay failed")
                await first_of(wake, stop, seconds=self.poll_seconds)
                if wake.is_set() and not stop.is_set():
                    await first_of(stop, seconds=self.batch_delay)
                wake.clear()

    @transaction
    async def _claim(self) -> list[Event]:
        return await OutboxRepository().claim_due(
            self.clock(), limit=self.batch_size, lease=self.lease
        )

    async def _deliver(self, events: list[Event]) -> int:
        """Hand a claimed batch to its subscribers, then settle it. If the database goes
        away before then, the batch is settled as failed (once it is back), so that its
        events are retried after their backoff, not after their lease."""
        try:
            handled = await _receipts([event.id for event in events])
        except Exception as error:
            failed = [self._failure(event, error) for event in events]
            settlement = _Settlement([], [], failed, self.clock())
        else:
            settlement = await self._handle(events, handled)
        try:
            await _settle(settlement)
        except Exception:
            self._unsettled.append(settlement)
            raise
        return len(settlement.delivered)

    async def _handle(self, events: list[Event], handled: set[tuple[str, UUID]]) -> "_Settlement":
        """Each event to each of its subscribers that has not handled it yet."""
        due = {
            event.id: [each for each in self._by_topic.get(event.topic, ())
                       if (each.name, event.id) not in handled]
            for event in events
        }  # fmt: skip
        prepared = await _prepare(events, due)
        receipts: list[tuple[str, UUID]] = []
        delivered: list[UUID] = []
        failures: list[Failure] = []
        for event in events:
            try:
                for each in due[event.id]:
                    await each.handle(event, prepared.get(each.prepare))
                    receipts.append((each.name, event.id))
            except Exception as error:
                failures.append(self._failure(event, error))
            else:
                delivered.append(event.id)
        return _Settlement(receipts, delivered, failures, self.clock())

    async def _settle_unsettled(self) -> int:
        """Settle the batches earlier rounds could not, oldest first; how many events they
        delivered. Raises (leaving the rest) while the database is still away."""
        delivered = 0
        while self._unsettled:
            await _settle(self._unsettled[0])
            delivered += len(self._unsettled.pop(0).delivered)
        return delivered

    def _failure(self, event: Event, error: Exception) -> Failure:
        final = isinstance(error, Undeliverable)
        failure = self.retry.failure(
            event.id, event.attempts, repr(error), self.clock(), final=final
        )
        if final:
            logger.error(
                "event {} ({}) cannot be delivered and is dead-lettered: {!r}",
                event.id, event.topic, error,
            )  # fmt: skip
        elif failure.dead_at is not None:
            logger.error(
                "event {} ({}) failed {} times and is dead-lettered: {!r}",
                event.id, event.topic, event.attempts, error,
            )  # fmt: skip
        else:
            logger.warning(
                "event {} ({}) failed on attempt {}: {!r}; retrying in {}",
                event.id, event.topic, event.attempts, error, self.retry.backoff(event.attempts),
            )  # fmt: skip
        return failure


async def _prepare(
    events: list[Event], due: dict[UUID, list[Subscriber[Any]]]
) -> dict[_Prepare, object]:
    """Call each distinct `prepare` once, with the events its subscribers are to handle."""
    batches: dict[_Prepare, list[Event]] = {}
    for event in events:
        for prepare in dict.fromkeys(each.prepare for each in due[event.id]):
            batches.setdefault(prepare, []).append(event)
    prepared: dict[_Prepare, object] = {}
    for prepare, batch in batches.items():
        try:
            prepared[prepare] = await prepare(batch)
        except Exception:  # handling will read for itself, or fail and retry
            logger.opt(exception=True).warning("could not read ahead with {!r}", prepare)
    return prepared


@transaction(readonly=True)
async def _receipts(event_ids: list[UUID]) -> set[tuple[str, UUID]]:
    return await OutboxRepository().receipts(event_ids)


@dataclass(frozen=True, slots=True)
class _Settlement:
    """What a batch's delivery came to, to be recorded in one transaction."""

    receipts: list[tuple[str, UUID]]
    delivered: list[UUID]
    failures: list[Failure]
    at: datetime


@transaction
async def _settle(settlement: _Settlement) -> None:
    await OutboxRepository().settle(
        settlement.receipts, settlement.delivered, settlement.failures, settlement.at
    )
