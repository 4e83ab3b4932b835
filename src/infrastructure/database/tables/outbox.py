"""The outbox: events written in the same transaction as the change that raised them, and
delivered after commit, at least once, by the relay; and the receipts that let each
subscriber handle an event once."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from src.infrastructure.database.base import Base

_PENDING = text("delivered_at IS NULL AND dead_at IS NULL")


class OutboxTable(Base):
    __tablename__ = "outbox"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(100))
    version: Mapped[int]
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    # Not before this time: a retry's backoff, or the lease of a relay delivering it now.
    available_at: Mapped[datetime]
    attempts: Mapped[int]
    delivered_at: Mapped[datetime | None]
    # Given up on after too many failed attempts; an admin may queue it again.
    dead_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        # What the relay looks for: pending events that are due.
        Index("ix_outbox_pending", "available_at", sqlite_where=_PENDING,
              postgresql_where=_PENDING),
        # What admins browse: events by age.
        Index("ix_outbox_created", "created_at", "id"),
    )  # fmt: skip


class EventReceiptsTable(Base):
    """Which subscriber has handled which event: a redelivered event is not handled twice."""

    __tablename__ = "event_receipts"

    subscriber: Mapped[str] = mapped_column(String(100), primary_key=True)
    event_id: Mapped[UUID] = mapped_column(primary_key=True)
    handled_at: Mapped[datetime]
