"""The transactional outbox and its relay.

`record_event` writes an event in the caller's transaction, so it exists exactly when the
change that raised it committed, and never before. The relay delivers due events to their
subscribers after commit: it claims a batch (on PostgreSQL with `FOR UPDATE SKIP LOCKED`,
so several relays in several workers and hosts share the work without taking the same
event), leases the claimed events for a while (on SQLite, where writers take turns anyway,
the lease is what keeps two relays apart), and marks each delivered once every subscriber
has handled it.

Delivery is at least once. A subscriber that fails is retried with exponential backoff; after
`max_attempts` the event is dead-lettered for an admin to look at and queue again. A relay
that dies mid-delivery leaves its events to another once their lease runs out. What makes
redelivery harmless is the receipt each subscriber leaves per event id: an event delivered
again skips the subscribers that already handled it.
"""

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from loguru import logger
from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    case,
    func,
    insert,
    select,
    tuple_,
    update,
)

from src.infrastructure.database import BaseRepository, after_commit, transaction
from src.infrastructure.database.tables import EventReceiptsTable, OutboxTable

_T, _R = OutboxTable, EventReceiptsTable
_PENDING = and_(_T.delivered_at.is_(None), _T.dead_at.is_(None))
_COLUMNS = (
    _T.id, _T.topic, _T.version, _T.payload, _T.attempts, _T.created_at, _T.available_at,
    _T.delivered_at, _T.dead_at, _T.last_error,
)  # fmt: skip
_INSERT = insert(_T)
_DUE = (
    select(*_COLUMNS)
    .where(_PENDING, _T.available_at <= bindparam("now"))
    .order_by(_T.available_at)
    .limit(bindparam("limit"))
)
_LEASE = (
    update(_T)
    .where(_T.id.in_(bindparam("ids", expanding=True)))
    .values(available_at=bindparam("until"), attempts=_T.attempts + 1)
)
_DELIVERED = (
    update(_T)
    .where(_T.id.in_(bindparam("event_ids", expanding=True)))
    .values(delivered_at=bindparam("at"))
)
_FAILED = (
    update(_T)
    .where(_T.id == bindparam("event_id"))
    .values(available_at=bindparam("retry_at"), last_error=bindparam("error"),
            dead_at=bindparam("dead_at"))
)  # fmt: skip
_RECEIPTS = select(_R.subscriber, _R.event_id).where(
    _R.event_id.in_(bindparam("event_ids", expanding=True))
)

# Relays started in this process, woken when a transaction that recorded events commits.
_listeners: set[asyncio.Event] = set()


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Event:
    """An outbox record, as subscribers and admins see it."""

    id: UUID
    topic: str
    version: int
    payload: dict[str, Any]
    attempts: int
    created_at: datetime
    available_at: datetime
    delivered_at: datetime | None
    dead_at: datetime | None
    last_error: str | None

    @property
    def status(self) -> str:
        if self.delivered_at is not None:
            return "delivered"
        return "dead" if self.dead_at is not None else "pending"


def _to_event(row: Any, *, attempts: int | None = None) -> Event:
    return Event(
        id=row.id, topic=row.topic, version=row.version, payload=row.payload,
        attempts=row.attempts if attempts is None else attempts, created_at=row.created_at,
        available_at=row.available_at, delivered_at=row.delivered_at, dead_at=row.dead_at,
        last_error=row.last_error,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Subscriber:
    """Something done with each event of a topic; `name` keys its receipts, so keep it.

    `prepare`, if given, is called once per batch with the batch's events of the topic
    before any is handled, so a subscriber can read what it needs for all of them at once.
    """

    name: str
    handle: Callable[[Event], Awaitable[object]]
    prepare: Callable[[list[Event]], Awaitable[object]] | None = None


class OutboxRepository(BaseRepository[OutboxTable]):
    table = OutboxTable

    async def add(self, topic: str, version: int, payload: dict[str, Any], now: datetime) -> UUID:
        event_id = uuid4()
        await self._execute(
            _INSERT,
            {"id": event_id, "topic": topic, "version": version, "payload": payload,
             "created_at": now, "available_at": now, "attempts": 0},
        )  # fmt: skip
        return event_id

    async def claim_due(self, now: datetime, *, limit: int, lease: timedelta) -> list[Event]:
        """Take up to `limit` due events for `lease`; other relays skip them meanwhile."""
        statement = _DUE.with_for_update(skip_locked=True)
        rows = (await self._execute(statement, {"now": now, "limit": limit})).all()
        if rows:
            await self._execute(_LEASE, {"ids": [row.id for row in rows], "until": now + lease})
        return [_to_event(row, attempts=row.attempts + 1) for row in rows]

    async def delivered(self, event_ids: list[UUID], now: datetime) -> None:
        if event_ids:
            await self._execute(_DELIVERED, {"event_ids": event_ids, "at": now})

    async def failed(
        self, event_id: UUID, *, retry_at: datetime, error: str, dead_at: datetime | None
    ) -> None:
        await self._execute(
            _FAILED,
            {"event_id": event_id, "retry_at": retry_at, "error": error[:2000], "dead_at": dead_at},
        )

    async def receipts(self, event_ids: list[UUID]) -> set[tuple[str, UUID]]:
        """(subscriber, event id) for the subscribers that handled these events already."""
        if not event_ids:
            return set()
        rows = await self._execute(_RECEIPTS, {"event_ids": event_ids})
        return {(row.subscriber, row.event_id) for row in rows}

    async def record_receipts(self, receipts: list[tuple[str, UUID]], now: datetime) -> None:
        await self._insert_ignoring_existing(
            [{"subscriber": name, "event_id": event_id, "handled_at": now}
             for name, event_id in receipts],
            unique=["subscriber", "event_id"], table=_R,
        )  # fmt: skip

    async def get(self, event_id: UUID) -> Event | None:
        row = (await self._execute(select(*_COLUMNS).where(_T.id == event_id))).one_or_none()
        return None if row is None else _to_event(row)

    async def page(
        self, *, status: str | None, limit: int, after: tuple[datetime, UUID] | None
    ) -> list[Event]:
        """Events newest first, optionally in one status (`pending`, `dead`, `delivered`)."""
        by_status: dict[str | None, list[ColumnElement[bool]]] = {
            None: [],
            "pending": [_PENDING],
            "dead": [_T.dead_at.is_not(None), _T.delivered_at.is_(None)],
            "delivered": [_T.delivered_at.is_not(None)],
        }
        conditions = list(by_status[status])
        if after is not None:
            conditions.append(tuple_(_T.created_at, _T.id) < tuple_(*after))
        statement = (
            select(*_COLUMNS)
            .where(*conditions)
            .order_by(_T.created_at.desc(), _T.id.desc())
            .limit(limit)
        )
        return [_to_event(row) for row in await self._execute(statement)]

    async def undelivered_counts(self) -> dict[str, int]:
        state = case((_T.dead_at.is_(None), "pending"), else_="dead").label("state")
        statement = (
            select(state, func.count().label("n")).where(_T.delivered_at.is_(None)).group_by(state)
        )
        return {row.state: row.n for row in await self._execute(statement)}

    async def requeue(self, event_id: UUID, now: datetime) -> bool:
        """Queue a dead event again, with a fresh count of attempts; False if it is not dead."""
        return bool(
            await self._execute_count(
                update(_T)
                .where(_T.id == event_id, _T.dead_at.is_not(None), _T.delivered_at.is_(None))
                .values(dead_at=None, attempts=0, available_at=now, last_error=None)
            )
        )


async def record_event(topic: str, payload: dict[str, Any], *, version: int = 1) -> UUID:
    """Write an event in the running transaction; relays wake once it commits."""
    event_id = await OutboxRepository().add(topic, version, payload, utcnow())
    after_commit(_wake_relays)
    return event_id


async def _first_of(*events: asyncio.Event, seconds: float) -> None:
    """Wait until one of `events` is set, or `seconds` have passed."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


def _wake_relays() -> None:
    for listener in _listeners:
        listener.set()


@dataclass
class Relay:
    """Delivers due outbox events to their topic's subscribers."""

    subscribers: Mapping[str, Sequence[Subscriber]]
    batch_size: int = 50
    lease: timedelta = timedelta(seconds=60)
    poll_seconds: float = 1.0
    first_backoff: timedelta = timedelta(seconds=2)  # doubled at each failed attempt
    max_backoff: timedelta = timedelta(minutes=10)
    max_attempts: int = 10

    batch_delay: float = 0.1  # after a wake-up, so that one round takes many events

    async def deliver_due(self) -> int:
        """Deliver what is due now; how many events were delivered."""
        delivered = 0
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
        wake = asyncio.Event()
        _listeners.add(wake)
        try:
            while not stop.is_set():
                try:
                    await self.deliver_due()
                except Exception:  # the database is away: try again at the next poll
                    logger.opt(exception=True).error("the outbox relay failed")
                await _first_of(wake, stop, seconds=self.poll_seconds)
                if wake.is_set() and not stop.is_set():
                    await _first_of(stop, seconds=self.batch_delay)
                wake.clear()
        finally:
            _listeners.discard(wake)

    @transaction
    async def _claim(self) -> list[Event]:
        return await OutboxRepository().claim_due(utcnow(), limit=self.batch_size, lease=self.lease)

    async def _deliver(self, events: list[Event]) -> int:
        """Hand a claimed batch to its subscribers, then settle it in one transaction: the
        receipts of the subscribers that succeeded, the delivered events, and the failures."""
        handled = await _receipts([event.id for event in events])
        await self._prepare(events, handled)
        receipts: list[tuple[str, UUID]] = []
        delivered: list[UUID] = []
        failures: list[_Failure] = []
        for event in events:
            try:
                for subscriber in self.subscribers.get(event.topic, ()):
                    if (subscriber.name, event.id) not in handled:
                        await subscriber.handle(event)
                        receipts.append((subscriber.name, event.id))
            except Exception as error:
                failures.append(self._failure(event, error))
            else:
                delivered.append(event.id)
        await _settle(receipts, delivered, failures)
        return len(delivered)

    async def _prepare(self, events: list[Event], handled: set[tuple[str, UUID]]) -> None:
        """Let each subscriber read ahead for the events it is about to handle."""
        for topic, subscribers in self.subscribers.items():
            for subscriber in subscribers:
                mine = [e for e in events
                        if e.topic == topic and (subscriber.name, e.id) not in handled]  # fmt: skip
                if subscriber.prepare is not None and mine:
                    try:
                        await subscriber.prepare(mine)
                    except Exception:  # handling will read for itself, or fail and retry
                        logger.opt(exception=True).warning("{} could not prepare", subscriber.name)

    def _failure(self, event: Event, error: Exception) -> "_Failure":
        now = utcnow()
        dead = event.attempts >= self.max_attempts
        backoff = min(self.first_backoff * 2 ** min(event.attempts - 1, 20), self.max_backoff)
        if dead:
            logger.error(
                "event {} ({}) failed {} times and is dead-lettered: {!r}",
                event.id, event.topic, event.attempts, error,
            )  # fmt: skip
        else:
            logger.warning(
                "event {} ({}) failed on attempt {}: {!r}; retrying in {}",
                event.id, event.topic, event.attempts, error, backoff,
            )  # fmt: skip
        return _Failure(event.id, now + backoff, repr(error), now if dead else None)


@dataclass(frozen=True, slots=True)
class _Failure:
    event_id: UUID
    retry_at: datetime
    error: str
    dead_at: datetime | None


@transaction(readonly=True)
async def _receipts(event_ids: list[UUID]) -> set[tuple[str, UUID]]:
    return await OutboxRepository().receipts(event_ids)


@transaction
async def _settle(
    receipts: list[tuple[str, UUID]], delivered: list[UUID], failures: list[_Failure]
) -> None:
    outbox, now = OutboxRepository(), utcnow()
    await outbox.record_receipts(receipts, now)
    await outbox.delivered(delivered, now)
    for failure in failures:
        await outbox.failed(
            failure.event_id, retry_at=failure.retry_at, error=failure.error,
            dead_at=failure.dead_at,
        )  # fmt: skip


@transaction(readonly=True)
async def list_events(
    *, status: str | None, limit: int, after: tuple[datetime, UUID] | None
) -> list[Event]:
    """A page of outbox events, newest first (for admins)."""
    return await OutboxRepository().page(status=status, limit=limit, after=after)


@transaction
async def requeue_event(event_id: UUID) -> tuple[Event | None, bool]:
    """Queue a dead event again: the event as it is now (None if there is no such event),
    and whether it was dead and is queued again."""
    outbox = OutboxRepository()
    requeued = await outbox.requeue(event_id, utcnow())
    if requeued:
        after_commit(_wake_relays)
    return await outbox.get(event_id), requeued


@transaction(readonly=True)
async def count_undelivered() -> dict[str, int]:
    """How many events are pending and how many dead (for metrics)."""
    rows = await OutboxRepository().undelivered_counts()
    return {"pending": rows.get("pending", 0), "dead": rows.get("dead", 0)}
