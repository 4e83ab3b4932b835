"""Raising domain events, and subscribing to them.

`raise_event` writes the event to the outbox in the running transaction: it is published if
and only if that transaction commits, and only after it does. `subscriber` adapts a handler
of a typed event to the relay, which hands over raw outbox records.
"""

from collections.abc import Awaitable, Callable
from typing import TypeVar
from uuid import UUID

from src.domain.events import DomainEvent, parse_event
from src.infrastructure.events import Event, Subscriber, record_event

EventT = TypeVar("EventT", bound=DomainEvent)


async def raise_event(event: DomainEvent) -> UUID:
    """Record `event` in the running transaction's outbox."""
    return await record_event(event.topic, event.payload(), version=event.version)


def subscriber(
    name: str,
    event_type: type[EventT],
    handle: Callable[[UUID, EventT], Awaitable[object]],
    *,
    prepare: Callable[[list[EventT]], Awaitable[object]] | None = None,
) -> tuple[str, Subscriber]:
    """(topic, subscriber) calling `handle(event id, typed event)` for each `event_type`,
    after `prepare(typed events)` once per batch if given."""

    def typed(record: Event) -> EventT:
        event = parse_event(record.topic, record.version, record.payload)
        if not isinstance(event, event_type):
            raise TypeError(f"{record.topic} v{record.version} is not a {event_type.__name__}")
        return event

    async def deliver(record: Event) -> None:
        await handle(record.id, typed(record))

    async def prepare_batch(records: list[Event]) -> None:
        if prepare is not None:
            await prepare([typed(record) for record in records])

    return event_type.topic, Subscriber(name, deliver, prepare_batch if prepare else None)
