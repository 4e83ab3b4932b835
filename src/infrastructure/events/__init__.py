"""Events that follow a commit: the transactional outbox and its relay."""

from src.infrastructure.events.outbox import (
    Event,
    Relay,
    Subscriber,
    count_undelivered,
    list_events,
    record_event,
    requeue_event,
)

__all__ = [
    "Event",
    "Relay",
    "Subscriber",
    "count_undelivered",
    "list_events",
    "record_event",
    "requeue_event",
]
