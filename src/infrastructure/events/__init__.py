"""Events that follow a commit: the transactional outbox and its relay."""

from src.infrastructure.events.outbox import Event, Relay, record_event

__all__ = ["Event", "Relay", "record_event"]
