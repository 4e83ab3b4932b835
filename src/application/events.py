"""Raising domain events, and subscribing to them.

`raise_event` writes the event to the outbox in the running transaction: it is published if
and only if that transaction commits, and only after it does. `subscriber` adapts a handler
of a typed event to the relay, which hands over raw outbox records; `ReadAhead` adapts what
a group of subscribers reads for a whole batch, so that they share one read.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast, overload
from uuid import UUID

from src.domain.clock import utcnow
from src.domain.events import DomainEvent, parse_event
from src.domain.outbox import Event, OutboxRepository, Subscriber
from src.infrastructure.database.transaction import transaction
from src.infrastructure.events import wake_relays_after_commit

EventT = TypeVar("EventT", bound=DomainEvent)
PreparedT = TypeVar("PreparedT")


async def raise_event(event: DomainEvent) -> UUID:
    """Record `event` in the running transaction's outbox; relays wake once it commits."""
    event_id = await OutboxRepository().add(event.topic, event.version, event.payload(), utcnow())
    wake_relays_after_commit()
    return event_id


@transaction(readonly=True)
async def count_undelivered() -> dict[str, int]:
    """How many events are pending and how many dead (for metrics)."""
    return await OutboxRepository().undelivered_counts()


def _typed(record: Event) -> DomainEvent:
    return parse_event(record.topic, record.version, record.payload)


@dataclass(frozen=True, slots=True)
class ReadAhead(Generic[PreparedT]):
    """`read(typed events)` as a subscriber's `prepare`. Equal read-aheads (of the same
    function) are one to the relay, which calls it once per batch for all their events."""

    read: Callable[[list[DomainEvent]], Awaitable[PreparedT]]

    async def __call__(self, records: Sequence[Event]) -> PreparedT:
        return await self.read([_typed(record) for record in records])


async def _nothing(_records: Sequence[Event]) -> None:
    return None


@dataclass(frozen=True, slots=True)
class _TypedSubscriber(Generic[EventT, PreparedT]):
    name: str
    event_type: type[EventT]
    on_event: Callable[[UUID, EventT, PreparedT | None], Awaitable[object]]
    prepare: Callable[[Sequence[Event]], Awaitable[PreparedT]]

    @property
    def topics(self) -> frozenset[str]:
        return frozenset({self.event_type.topic})

    async def handle(self, event: Event, prepared: PreparedT | None) -> None:
        typed = _typed(event)
        if not isinstance(typed, self.event_type):
            raise TypeError(f"{event.topic} v{event.version} is not a {self.event_type.__name__}")
        await self.on_event(event.id, typed, prepared)


@overload
def subscriber(
    name: str, event_type: type[EventT], handle: Callable[[UUID, EventT], Awaitable[object]]
) -> Subscriber[None]: ...


@overload
def subscriber(
    name: str,
    event_type: type[EventT],
    handle: Callable[[UUID, EventT, PreparedT | None], Awaitable[object]],
    *,
    prepare: ReadAhead[PreparedT],
) -> Subscriber[PreparedT]: ...


def subscriber(
    name: str,
    event_type: type[EventT],
    handle: Callable[..., Awaitable[object]],
    *,
    prepare: ReadAhead[Any] | None = None,
) -> Subscriber[Any]:
    """A subscriber named `name` calling `handle(event id, typed event)` for each
    `event_type`, or `handle(event id, typed event, what prepare read)` given `prepare`."""
    if prepare is not None:
        return _TypedSubscriber(name, event_type, handle, prepare)
    alone = cast("Callable[[UUID, EventT], Awaitable[object]]", handle)

    async def on_event(event_id: UUID, event: EventT, _prepared: None) -> object:
        return await alone(event_id, event)

    return _TypedSubscriber(name, event_type, on_event, _nothing)
