"""The outbox: events recorded with the change that raised them, delivered after commit."""

from src.domain.outbox.entities import Event, Subscriber
from src.domain.outbox.repository import OutboxRepository
from src.domain.outbox.rules import Failure, RetryPolicy

__all__ = ["Event", "Failure", "OutboxRepository", "RetryPolicy", "Subscriber"]
