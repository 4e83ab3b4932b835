"""Webhook endpoints and the deliveries made to them."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import JSON, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from src.infrastructure.database.base import Base

_PENDING = text("succeeded_at IS NULL AND dead_at IS NULL")


class WebhookEndpointsTable(Base):
    __tablename__ = "webhook_endpoints"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    owner_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"))
    receives_all: Mapped[bool]
    url: Mapped[str] = mapped_column(String(2000))
    topics: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(String(500))
    # The signing secret, sealed with WEBHOOKS__SECRET_KEY (never stored in the clear).
    sealed_secret: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_webhook_endpoints_owner_created", "owner_id", "created_at", "id"),)


class WebhookDeliveriesTable(Base):
    """One event for one endpoint, however many attempts it takes."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    endpoint_id: Mapped[UUID] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    event_id: Mapped[UUID]
    topic: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int]
    # The claim of the worker sending it now; what that attempt's outcome is recorded against.
    lease_id: Mapped[UUID | None]
    # Not before this time: a retry's backoff, or the lease of the worker sending it now.
    available_at: Mapped[datetime]
    created_at: Mapped[datetime]
    succeeded_at: Mapped[datetime | None]
    dead_at: Mapped[datetime | None]
    last_status: Mapped[int | None] = mapped_column(SmallInteger)
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        # An event is delivered to an endpoint once, however often the relay hands it over.
        UniqueConstraint("event_id", "endpoint_id"),
        # What the delivery workers look for: pending deliveries that are due.
        Index("ix_webhook_deliveries_pending", "available_at", sqlite_where=_PENDING,
              postgresql_where=_PENDING),
        # An endpoint's delivery log, newest first.
        Index("ix_webhook_deliveries_endpoint_created", "endpoint_id", "created_at", "id"),
    )  # fmt: skip
