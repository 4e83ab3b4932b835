"""The outbox: events written in the same transaction as the change that raised them, and
delivered after commit, at least once, by the relay."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from src.infrastructure.database.base import Base


class OutboxTable(Base):
    __tablename__ = "outbox"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    # Not before this time: a retry's backoff, or the lease of a relay delivering it now.
    available_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        # What the relay looks for: undelivered events that are due.
        Index(
            "ix_outbox_pending",
            "available_at",
            sqlite_where=text("delivered_at IS NULL"),
            postgresql_where=text("delivered_at IS NULL"),
        ),
    )
