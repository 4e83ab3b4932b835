"""What an idempotency key holds: whose request it was, and the answer once there is one."""

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True, slots=True)
class Answer:
    """A response as it was sent: replayed byte for byte."""

    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    replayed: bool = False  # read back from the key, not computed just now


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    user_id: UUID
    key: str
    fingerprint: str
    claim_id: UUID
    locked_until: datetime | None
    answer: Answer | None
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Claim:
    """The right to answer a request under a key; only its holder may record the answer."""

    user_id: UUID
    key: str
    claim_id: UUID
