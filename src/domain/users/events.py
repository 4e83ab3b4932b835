"""Events about accounts."""

from uuid import UUID

from src.domain.events import DomainEvent


class UserRegistered(DomainEvent):
    topic = "user.registered"

    user_id: UUID
