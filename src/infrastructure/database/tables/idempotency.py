"""Idempotency keys: the first answer to a request, kept so a retry gets it again."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from src.infrastructure.database.base import Base


class IdempotencyKeysTable(Base):
    __tablename__ = "idempotency_keys"

    user_id: Mapped[UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    # SHA-256 of the method, path and body: the same key with another request is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    # Who is answering the request now; only they may record its answer.
    claim_id: Mapped[UUID]
    # While unanswered, the claim lapses at this time, so a crashed request frees its key.
    locked_until: Mapped[datetime | None]
    answer_status: Mapped[int | None]
    answer_headers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    answer_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
