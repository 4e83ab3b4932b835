"""Operations for administrators: the outbox's events, dead letters included."""

from datetime import datetime
from uuid import UUID

from src.domain.pagination import Page
from src.domain.users import Principal
from src.domain.users.rules import ensure_admin
from src.infrastructure.errors import Conflict, NotFound
from src.infrastructure.events import Event, list_events, requeue_event
from src.infrastructure.runtime import runtime

_LISTING = "events"


async def browse_events(
    *, principal: Principal, status: str | None, limit: int, cursor: str | None
) -> Page[Event]:
    """Outbox events newest first, optionally only `pending`, `dead` or `delivered` ones."""
    ensure_admin(principal)
    cursors = runtime().cursors
    listing = f"{_LISTING}:{status or 'all'}"
    after = None
    if cursor is not None:
        created_at, event_id = cursors.decode_key(listing, cursor, (datetime, UUID))
        after = (created_at, event_id)
    events = await list_events(status=status, limit=limit + 1, after=after)
    next_cursor = None
    if len(events) > limit:
        last = events[limit - 1]
        next_cursor = cursors.encode_key(listing, (last.created_at, last.id))
    return Page(items=events[:limit], next_cursor=next_cursor)


async def requeue(*, principal: Principal, event_id: UUID) -> Event:
    """Queue a dead-lettered event for delivery again, with a fresh count of attempts."""
    ensure_admin(principal)
    event, requeued = await requeue_event(event_id)
    if event is None:
        raise NotFound("No such event")
    if not requeued:
        raise Conflict(f"Only dead events can be queued again; this one is {event.status}",
                       code="invalidState")  # fmt: skip
    return event
