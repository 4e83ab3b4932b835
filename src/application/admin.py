"""Operations for administrators: the outbox's events, dead letters included."""

from datetime import datetime
from uuid import UUID

from src.application.listing import Listing
from src.domain.clock import utcnow
from src.domain.outbox import Event, OutboxRepository
from src.domain.pagination import Page
from src.domain.users import Principal
from src.domain.users.rules import ensure_admin
from src.infrastructure.database.transaction import transaction
from src.infrastructure.errors import Conflict, NotFound
from src.infrastructure.events import wake_relays_after_commit

_EVENTS = Listing("events", (datetime, UUID))


@transaction(readonly=True)
async def browse_events(
    *, principal: Principal, status: str | None, limit: int, cursor: str | None
) -> Page[Event]:
    """Outbox events newest first, optionally only `pending`, `dead` or `delivered` ones."""
    ensure_admin(principal)
    return await _EVENTS.variant(status or "all").page(
        cursor=cursor,
        limit=limit,
        fetch=lambda after, count: OutboxRepository().page(status=status, after=after, count=count),
    )


@transaction
async def requeue(*, principal: Principal, event_id: UUID) -> Event:
    """Queue a dead-lettered event for delivery again, with a fresh count of attempts."""
    ensure_admin(principal)
    outbox = OutboxRepository()
    requeued = await outbox.requeue(event_id, utcnow())
    event = await outbox.get(event_id)
    if event is None:
        raise NotFound("No such event")
    if not requeued:
        raise Conflict(f"Only dead events can be queued again; this one is {event.status}",
                       code="invalidState")  # fmt: skip
    wake_relays_after_commit()
    return event
