"""The transactional outbox and its relay.

`record_event` writes an event in the caller's transaction, so it exists exactly when the
change that raised it committed. The relay delivers due events to their handlers after
commit: it claims a batch (on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so several workers
and hosts share the work without taking the same event), leases the claimed events for a
while, and marks each delivered when its handler returns. A handler that fails is retried
later with exponential backoff; one whose worker died is retried when its lease runs out.
Delivery is therefore at least once: handlers must be idempotent (the payment provider and
the mail sender are called with keys derived from the event).
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from loguru import logger
from sqlalchemy import bindparam, insert, select, update

from src.infrastructure.database import BaseRepository, after_commit, transaction
from src.infrastructure.database.tables import OutboxTable

Handler = Callable[[dict[str, Any]], Awaitable[object]]

_T = OutboxTable
_DUE = (
    select(_T.id, _T.topic, _T.payload, _T.attempts)
    .where(_T.delivered_at.is_(None), _T.available_at <= bindparam("now"))
    .order_by(_T.available_at)
    .limit(bindparam("limit"))
)
_LEASE = (
    update(_T)
    .where(_T.id.in_(bindparam("ids", expanding=True)))
    .values(available_at=bindparam("until"), attempts=_T.attempts + 1)
)
_DELIVERED = update(_T).where(_T.id == bindparam("event_id")).values(delivered_at=bindparam("at"))
_FAILED = (
    update(_T)
    .where(_T.id == bindparam("event_id"))
    .values(available_at=bindparam("retry_at"), last_error=bindparam("error"))
)


def utcnow() -> datetime:
    return datetime.now(UTC)


# Relays started in this process, woken when a transaction that recorded events commits.
_listeners: set[asyncio.Event] = set()


@dataclass(frozen=True, slots=True)
class Event:
    id: UUID
    topic: str
    payload: dict[str, Any]
    attempts: int


class OutboxRepository(BaseRepository[OutboxTable]):
    table = OutboxTable

    async def add(self, topic: str, payload: dict[str, Any], now: datetime) -> UUID:
        event_id = uuid4()
        await self._execute(
            insert(_T).values(
                id=event_id, topic=topic, payload=payload, created_at=now, available_at=now,
                attempts=0, delivered_at=None, last_error=None,
            )
        )  # fmt: skip
        return event_id

    async def claim_due(self, now: datetime, *, limit: int, lease: timedelta) -> list[Event]:
        """Take up to `limit` due events for `lease`; others skip them meanwhile."""
        statement = _DUE.with_for_update(skip_locked=True)
        rows = (await self._execute(statement, {"now": now, "limit": limit})).all()
        if rows:
            await self._execute(_LEASE, {"ids": [row.id for row in rows], "until": now + lease})
        return [Event(row.id, row.topic, row.payload, row.attempts + 1) for row in rows]

    async def delivered(self, event_id: UUID, now: datetime) -> None:
        await self._execute(_DELIVERED, {"event_id": event_id, "at": now})

    async def failed(self, event_id: UUID, retry_at: datetime, error: str) -> None:
        await self._execute(
            _FAILED, {"event_id": event_id, "retry_at": retry_at, "error": error[:2000]}
        )


async def record_event(topic: str, payload: dict[str, Any]) -> UUID:
    """Write an event in the running transaction; relays wake once it commits."""
    event_id = await OutboxRepository().add(topic, payload, utcnow())
    after_commit(_wake_relays)
    return event_id


def _wake_relays() -> None:
    for listener in _listeners:
        listener.set()


async def _unknown_topic(_payload: dict[str, Any]) -> None:
    raise LookupError("no handler is registered for this topic")


@dataclass
class Relay:
    """Delivers due outbox events to their handlers, by topic."""

    handlers: Mapping[str, Handler]
    batch_size: int = 50
    lease: timedelta = timedelta(seconds=60)
    poll_seconds: float = 1.0
    first_backoff: timedelta = timedelta(seconds=2)  # doubled at each failed attempt
    max_backoff: timedelta = timedelta(minutes=10)

    async def deliver_due(self) -> int:
        """Deliver what is due now; how many events were delivered."""
        delivered = 0
        while events := await self._claim():
            for event in events:
                delivered += await self._deliver(event)
            if len(events) < self.batch_size:
                break
        return delivered

    async def run(self) -> None:
        """Deliver forever: when woken by a commit, and every `poll_seconds` regardless."""
        wake = asyncio.Event()
        _listeners.add(wake)
        try:
            while True:
                try:
                    await self.deliver_due()
                except Exception:  # the database is away: try again at the next poll
                    logger.opt(exception=True).error("the outbox relay failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), timeout=self.poll_seconds)
                wake.clear()
        finally:
            _listeners.discard(wake)

    @transaction
    async def _claim(self) -> list[Event]:
        return await OutboxRepository().claim_due(utcnow(), limit=self.batch_size, lease=self.lease)

    async def _deliver(self, event: Event) -> int:
        handler = self.handlers.get(event.topic, _unknown_topic)
        try:
            await handler(event.payload)
        except Exception as error:
            backoff = min(self.first_backoff * 2 ** min(event.attempts - 1, 20), self.max_backoff)
            logger.warning(
                "event {} ({}) failed on attempt {}: {!r}; retrying in {}",
                event.id, event.topic, event.attempts, error, backoff,
            )  # fmt: skip
            await self._mark_failed(event.id, utcnow() + backoff, repr(error))
            return 0
        await self._mark_delivered(event.id)
        return 1

    @transaction
    async def _mark_delivered(self, event_id: UUID) -> None:
        await OutboxRepository().delivered(event_id, utcnow())

    @transaction
    async def _mark_failed(self, event_id: UUID, retry_at: datetime, error: str) -> None:
        await OutboxRepository().failed(event_id, retry_at, error)
