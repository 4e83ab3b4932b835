"""Domain events: typed, versioned records of what happened, raised by application operations
and written to the outbox in the same transaction as the change they announce.

Each event class names its `topic` and `version`; its fields are its payload. A change to a
payload's meaning gets a new version, so subscribers can tell old records from new ones.
"""

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

_TYPES: dict[tuple[str, int], type["DomainEvent"]] = {}


class DomainEvent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    topic: ClassVar[str]
    version: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "topic" in cls.__dict__:
            _TYPES[cls.topic, cls.version] = cls

    def payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def parse_event(topic: str, version: int, payload: dict[str, Any]) -> DomainEvent:
    """The typed event an outbox record holds; KeyError for a topic or version unknown here."""
    return _TYPES[topic, version].model_validate(payload)
