"""`OutboxRepository`: outbox events and the receipts of the subscribers that handled them.

Claiming takes due events with `FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite, whose writers
take turns anyway, ignores it) and leases them, so that several relays, in several workers
and hosts, share the work without taking the same event; a relay that dies leaves its events
to another once their lease runs out.
"""

import operator
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import ColumnElement, and_, bindparam, case, func, insert, select, tuple_, update

from src.domain.outbox.entities import Event
from src.domain.outbox.rules import Failure
from src.domain.pagination import Fetched, fetched_items
from src.infrastructure.database import BaseRepository
from src.infrastructure.database.tables import EventReceiptsTable, OutboxTable

_T, _R = OutboxTable, EventReceiptsTable
_PENDING = and_(_T.delivered_at.is_(None), _T.dead_at.is_(None))
_DEAD = and_(_T.dead_at.is_not(None), _T.delivered_at.is_(None))
_BY_STATUS: dict[str | None, tuple[ColumnElement[bool], ...]] = {
    None: (),
    "pending": (_PENDING,),
    "dead": (_DEAD,),
    "delivered": (_T.delivered_at.is_not(None),),
}
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
    .with_for_update(skip_locked=True)
)
_LEASE = (
    update(_T)
    .where(_T.id.in_(bindparam("ids", expanding=True)))
    .values(available_at=bindparam("until"), attempts=_T.attempts + 1)
)
# Only events still pending: a batch settled late (after an outage) may find some of its
# events delivered meanwhile by the relay that took them over.
_DELIVERED = (
    update(_T)
    .where(_T.id.in_(bindparam("event_ids", expanding=True)), _T.delivered_at.is_(None))
    .values(delivered_at=bindparam("at"))
)
_FAILED = (
    update(_T)
    .where(_T.id == bindparam("event_id"), _T.delivered_at.is_(None))
    .values(available_at=bindparam("retry_at"), last_error=bindparam("error"),
            dead_at=bindparam("dead_at"))
)  # fmt: skip
_RECEIPTS = select(_R.subscriber, _R.event_id).where(
    _R.event_id.in_(bindparam("event_ids", expanding=True))
)
_STATE = case((_T.dead_at.is_(None), "pending"), else_="dead").label("state")
_UNDELIVERED = (
    select(_STATE, func.count().label("n")).where(_T.delivered_at.is_(None)).group_by(_STATE)
)
_MAX_ERROR = 2000
_KEY = operator.attrgetter("created_at", "id")  # of a listing's event


def _to_event(row: Any, *, attempts: int | None = None) -> Event:
    return Event(
        id=row.id, topic=row.topic, version=row.version, payload=row.payload,
        attempts=row.attempts if attempts is None else attempts, created_at=row.created_at,
        available_at=row.available_at, delivered_at=row.delivered_at, dead_at=row.dead_at,
        last_error=row.last_error,
    )  # fmt: skip


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
        rows = (await self._execute(_DUE, {"now": now, "limit": limit})).all()
        if rows:
            await self._execute(_LEASE, {"ids": [row.id for row in rows], "until": now + lease})
        return [_to_event(row, attempts=row.attempts + 1) for row in rows]

    async def receipts(self, event_ids: Sequence[UUID]) -> set[tuple[str, UUID]]:
        """(subscriber, event id) for the subscribers that handled these events already."""
        if not event_ids:
            return set()
        rows = await self._execute(_RECEIPTS, {"event_ids": list(event_ids)})
        return {(row.subscriber, row.event_id) for row in rows}

    async def settle(
        self,
        receipts: Sequence[tuple[str, UUID]],
        delivered: Sequence[UUID],
        failures: Sequence[Failure],
        now: datetime,
    ) -> None:
        """Record what a batch's delivery came to: the receipts of the subscribers that
        handled events, the events every subscriber handled, and the failed ones."""
        await self._insert_ignoring_existing(
            [{"subscriber": name, "event_id": event_id, "handled_at": now}
             for name, event_id in receipts],
            unique=["subscriber", "event_id"], table=_R,
        )  # fmt: skip
        if delivered:
            await self._execute(_DELIVERED, {"event_ids": list(delivered), "at": now})
        for failure in failures:
            await self._execute(
                _FAILED,
                {"event_id": failure.event_id, "retry_at": failure.retry_at,
                 "error": failure.error[:_MAX_ERROR], "dead_at": failure.dead_at},
            )  # fmt: skip

    async def get(self, event_id: UUID) -> Event | None:
        row = (await self._execute(select(*_COLUMNS).where(_T.id == event_id))).one_or_none()
        return None if row is None else _to_event(row)

    async def page(
        self, *, status: str | None, after: tuple[datetime, UUID] | None, count: int
    ) -> Fetched[Event]:
        """Up to `count` events after the key `after`, newest first, optionally in one status
        (`pending`, `dead`, `delivered`)."""
        conditions = list(_BY_STATUS[status])
        if after is not None:
            conditions.append(tuple_(_T.created_at, _T.id) < tuple_(*after))
        statement = (
            select(*_COLUMNS)
            .where(*conditions)
            .order_by(_T.created_at.desc(), _T.id.desc())
            .limit(count)
        )
        return fetched_items([_to_event(row) for row in await self._execute(statement)], _KEY)

    async def undelivered_counts(self) -> dict[str, int]:
        """How many events are pending and how many dead."""
        counts = {row.state: row.n for row in await self._execute(_UNDELIVERED)}
        return {"pending": counts.get("pending", 0), "dead": counts.get("dead", 0)}

    async def requeue(self, event_id: UUID, now: datetime) -> bool:
        """Queue a dead event again, with a fresh count of attempts; False if it is not dead."""
        return bool(
            await self._execute_count(
                update(_T)
                .where(_T.id == event_id, _DEAD)
                .values(dead_at=None, attempts=0, available_at=now, last_error=None)
            )
        )
