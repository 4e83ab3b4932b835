"""Outbox records, and what the relay hands them to."""

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar
from uuid import UUID

PreparedT = TypeVar("PreparedT")


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


class Subscriber(Protocol[PreparedT]):
    """Something done with each event of its topics, registered with the relay.

    `name` keys the subscriber's receipts (an event it handled is never handed to it again),
    so it never changes. Before handling a batch, the relay calls `prepare` once with every
    event of the batch that any subscriber sharing that `prepare` (the same, or an equal,
    callable) is still to handle, and passes what it returned to each `handle`: subscribers
    that need the same rows share one read. `prepared` is None if `prepare` failed; handling
    then reads for itself, or fails and is retried. A `prepare` may also do a batch's work at
    once, if that work is idempotent (webhooks store every delivery of a batch in one
    transaction); `handle` then has only what `prepare` could not do.
    """

    @property
    def name(self) -> str: ...

    @property
    def topics(self) -> Collection[str]: ...

    @property
    def prepare(self) -> Callable[[Sequence[Event]], Awaitable[PreparedT]]: ...

    async def handle(self, event: Event, prepared: PreparedT | None) -> None: ...
