"""`WebhookRepository`: endpoints, and the deliveries made to them.

Deliveries are claimed as outbox events are: due rows taken with `FOR UPDATE SKIP LOCKED`
(PostgreSQL; SQLite's writers take turns anyway) and leased by moving `available_at` past
the lease and counting the attempt, so that two workers, on any hosts, never send the same
attempt at once; a worker that dies leaves its deliveries to another when the lease runs
out. An attempt's outcome is recorded only while it is still that worker's attempt.
"""

import operator
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import (
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)

from src.domain.pagination import Fetched, fetched_items
from src.domain.webhooks.entities import (
    Delivery,
    DeliveryStatus,
    DueDelivery,
    Endpoint,
    NewDelivery,
    Settled,
    Topic,
)
from src.domain.webhooks.rules import share
from src.infrastructure.database import BaseRepository
from src.infrastructure.database.tables import WebhookDeliveriesTable, WebhookEndpointsTable

_E, _D = WebhookEndpointsTable, WebhookDeliveriesTable
_ENDPOINT = (_E.id, _E.owner_id, _E.receives_all, _E.url, _E.topics, _E.description,
             _E.created_at)  # fmt: skip
_DELIVERY = (_D.id, _D.endpoint_id, _D.event_id, _D.topic, _D.attempts, _D.last_status,
             _D.last_error, _D.created_at, _D.available_at, _D.succeeded_at,
             _D.dead_at)  # fmt: skip
_PENDING = and_(_D.succeeded_at.is_(None), _D.dead_at.is_(None))
_DUE = (
    select(_D.id, _D.endpoint_id, _D.attempts, _D.body, _E.url, _E.sealed_secret)
    .join(_E, _E.id == _D.endpoint_id)
    .where(
        _PENDING,
        _D.available_at <= bindparam("now"),
        _D.endpoint_id.not_in(bindparam("busy", expanding=True)),
    )
    .order_by(_D.available_at)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True, of=_D)
)
_LEASE = (
    update(_D)
    .where(_D.id.in_(bindparam("ids", expanding=True)))
    .values(available_at=bindparam("until"), attempts=_D.attempts + 1, lease_id=bindparam("lease"))
)
_MAX_ERROR = 2000
# Due deliveries read per slot to fill, so that an endpoint at its share leaves room for others.
_LOOK_AHEAD, _MAX_LOOK_AHEAD = 4, 500
_KEY = operator.attrgetter("created_at", "id")


def _to_endpoint(row: Any) -> Endpoint:
    return Endpoint(
        id=row.id, owner_id=row.owner_id, receives_all=row.receives_all, url=row.url,
        topics=tuple(Topic(topic) for topic in row.topics), description=row.description,
        created_at=row.created_at,
    )  # fmt: skip


def _to_due(row: Any, lease_id: UUID) -> DueDelivery:
    return DueDelivery(
        row.id, lease_id, row.endpoint_id, row.url, row.sealed_secret, row.body, row.attempts + 1
    )


def _to_delivery(row: Any) -> Delivery:
    status = (
        DeliveryStatus.SUCCEEDED if row.succeeded_at is not None
        else DeliveryStatus.DEAD if row.dead_at is not None
        else DeliveryStatus.PENDING
    )  # fmt: skip
    return Delivery(
        id=row.id, endpoint_id=row.endpoint_id, event_id=row.event_id, topic=row.topic,
        status=status, attempts=row.attempts, last_status=row.last_status,
        last_error=row.last_error, created_at=row.created_at,
        next_attempt_at=row.available_at if status is DeliveryStatus.PENDING else None,
    )  # fmt: skip


class WebhookRepository(BaseRepository[WebhookEndpointsTable]):
    table = WebhookEndpointsTable

    async def add_endpoint(self, endpoint: Endpoint, sealed_secret: str) -> Endpoint:
        values = endpoint.model_dump() | {"sealed_secret": sealed_secret}
        values["topics"] = [topic.value for topic in endpoint.topics]
        await self._execute(insert(_E).values(values))
        return endpoint

    async def backlog(self) -> dict[str, int]:
        """How many deliveries are pending and how many dead."""
        state = case((_D.dead_at.is_(None), "pending"), else_="dead").label("state")
        statement = (
            select(state, func.count().label("n")).where(_D.succeeded_at.is_(None)).group_by(state)
        )
        counts = {row.state: row.n for row in await self._execute(statement)}
        return {"pending": counts.get("pending", 0), "dead": counts.get("dead", 0)}

    async def count_endpoints(self, owner_id: UUID) -> int:
        statement = select(func.count()).select_from(_E).where(_E.owner_id == owner_id)
        return int((await self._execute(statement)).scalar_one())

    async def get_endpoint(self, endpoint_id: UUID) -> Endpoint | None:
        row = (await self._execute(select(*_ENDPOINT).where(_E.id == endpoint_id))).one_or_none()
        return None if row is None else _to_endpoint(row)

    async def remove_endpoint(self, endpoint_id: UUID) -> None:
        """Remove an endpoint and (by cascade) its deliveries: nothing more is sent to it."""
        await self._execute(delete(_E).where(_E.id == endpoint_id))

    async def endpoints_page(
        self, owner_id: UUID, *, after: tuple[datetime, UUID] | None, count: int
    ) -> Fetched[Endpoint]:
        """Up to `count` of an owner's endpoints after the key `after`, newest first."""
        conditions = [_E.owner_id == owner_id]
        if after is not None:
            conditions.append(tuple_(_E.created_at, _E.id) < tuple_(*after))
        statement = (
            select(*_ENDPOINT).where(*conditions)
            .order_by(_E.created_at.desc(), _E.id.desc()).limit(count)
        )  # fmt: skip
        rows = await self._execute(statement)
        return fetched_items([_to_endpoint(row) for row in rows], _KEY)

    async def subscribers_of(
        self, topics: Collection[str], owners: Collection[UUID]
    ) -> list[Endpoint]:
        """The endpoints subscribed to any of `topics` that receive everything or belong to
        one of `owners`."""
        wanted = set(topics)
        statement = select(*_ENDPOINT).where(
            or_(_E.receives_all.is_(True), _E.owner_id.in_(sorted(set(owners))))
        )
        rows = await self._execute(statement.order_by(_E.id))
        return [e for e in map(_to_endpoint, rows) if wanted.intersection(e.topics)]

    async def add_deliveries(self, deliveries: Sequence[NewDelivery], now: datetime) -> None:
        """Store deliveries to make, skipping those of an (event, endpoint) stored already."""
        await self._insert_ignoring_existing(
            [{"id": uuid4(), "endpoint_id": each.endpoint_id, "event_id": each.event_id,
              "topic": each.topic, "body": each.body, "attempts": 0, "available_at": now,
              "created_at": now} for each in deliveries],
            unique=["event_id", "endpoint_id"], table=_D,
        )  # fmt: skip

    async def claim_due(
        self,
        now: datetime,
        *,
        limit: int,
        lease: timedelta,
        per_endpoint: int | None = None,
        in_flight: Mapping[UUID, int] | None = None,
    ) -> list[DueDelivery]:
        """Take up to `limit` due deliveries for `lease`, oldest due first; other workers skip
        them meanwhile. With `per_endpoint`, no endpoint gets more than that many in flight
        counting `in_flight` (the caller's, by endpoint): one slow receiver cannot take every
        slot."""
        in_flight = in_flight or {}
        busy = [e for e, n in in_flight.items() if per_endpoint is not None and n >= per_endpoint]
        wanted = limit if per_endpoint is None else min(limit * _LOOK_AHEAD, _MAX_LOOK_AHEAD)
        found = (await self._execute(_DUE, {"now": now, "limit": wanted, "busy": busy})).all()
        rows = found if per_endpoint is None else share(found, limit, per_endpoint, in_flight)
        lease_id = uuid4()
        if rows:
            await self._execute(
                _LEASE, {"ids": [row.id for row in rows], "until": now + lease, "lease": lease_id}
            )
        return [_to_due(row, lease_id) for row in rows]

    async def settle(self, outcomes: Sequence[Settled], now: datetime) -> None:
        """Record what attempts came to, each only while its lease holds (the delivery was
        not taken over after the lease ran out, nor queued again meanwhile)."""
        for outcome in outcomes:
            values: dict[str, Any] = {
                "lease_id": None,
                "last_status": outcome.status,
                "last_error": None if outcome.error is None else outcome.error[:_MAX_ERROR],
            }
            if outcome.succeeded:
                values["succeeded_at"] = now
            elif outcome.dead:
                values["dead_at"] = now
            else:
                values["available_at"] = outcome.retry_at
            await self._execute(
                update(_D)
                .where(_D.id == outcome.delivery_id, _D.lease_id == outcome.lease_id, _PENDING)
                .values(values)
            )

    async def deliveries_page(
        self, endpoint_id: UUID, *, after: tuple[datetime, UUID] | None, count: int
    ) -> Fetched[Delivery]:
        """Up to `count` of an endpoint's deliveries after the key `after`, newest first."""
        conditions = [_D.endpoint_id == endpoint_id]
        if after is not None:
            conditions.append(tuple_(_D.created_at, _D.id) < tuple_(*after))
        statement = (
            select(*_DELIVERY).where(*conditions)
            .order_by(_D.created_at.desc(), _D.id.desc()).limit(count)
        )  # fmt: skip
        rows = await self._execute(statement)
        return fetched_items([_to_delivery(row) for row in rows], _KEY)

    async def get_delivery(self, endpoint_id: UUID, delivery_id: UUID) -> Delivery | None:
        statement = select(*_DELIVERY).where(_D.id == delivery_id, _D.endpoint_id == endpoint_id)
        row = (await self._execute(statement)).one_or_none()
        return None if row is None else _to_delivery(row)

    async def redeliver(self, delivery_id: UUID, now: datetime) -> None:
        """Queue a delivery again now, whatever it came to, with a fresh count of attempts
        (an attempt in flight then records nothing: its lease is void)."""
        await self._execute(
            update(_D)
            .where(_D.id == delivery_id)
            .values(succeeded_at=None, dead_at=None, attempts=0, available_at=now, lease_id=None)
        )
