"""Administration: the outbox's events, and queueing dead letters again."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Final
from uuid import UUID

from fastapi import APIRouter
from pydantic import ConfigDict, Field

from src.application import admin
from src.domain.outbox import Event
from src.presentation.rest.deps import AsAdmin
from src.presentation.rest.query import query_model, query_parameters
from src.presentation.rest.schemas import (
    INT32_MAX,
    ApiModel,
    Documented,
    PageCursor,
    PageLimit,
    PageResponse,
    problems,
    sent_integer,
)

router = APIRouter(prefix="/admin", tags=["admin"])


class EventStatus(StrEnum):
    PENDING = "pending"
    DEAD = "dead"
    DELIVERED = "delivered"


# The first characters of a failed delivery's error, as much as an admin needs to see.
MAX_ERROR_SHOWN: Final = 2000
Topic = Annotated[str, Documented(maxLength=100, pattern=r"^[a-z]+(\.[a-z]+)+$")]


class EventResponse(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "9f7c1d2e-3b4a-4c5d-8e6f-7a8b9c0d1e2f",
                    "topic": "order.paid",
                    "version": 1,
                    "payload": {"orderId": "0b6b1f9e-52c4-4c1f-9a55-6d1a3c2f7e10"},
                    "status": "dead",
                    "attempts": 10,
                    "lastError": "SMTPConnectError('Error connecting to 127.0.0.1 on port 1025')",
                    "createdAt": "2026-11-22T19:30:00Z",
                    "availableAt": "2026-11-22T19:40:00Z",
                    "deliveredAt": None,
                    "deadAt": "2026-11-22T20:10:00Z",
                }
            ]
        }
    )

    id: UUID
    topic: Topic = Field(examples=["order.paid"])
    version: Annotated[int, sent_integer(1, INT32_MAX)] = Field(
        description="Of the payload's shape, for its topic"
    )
    payload: dict[str, Any]
    status: EventStatus
    attempts: Annotated[int, sent_integer(0, INT32_MAX)] = Field(
        description="Deliveries tried so far"
    )
    last_error: Annotated[str, Documented(maxLength=MAX_ERROR_SHOWN)] | None = Field(
        description=f"The last failed delivery's error (its first {MAX_ERROR_SHOWN} "
        "characters); null when none failed since the event was last queued"
    )
    created_at: datetime
    available_at: datetime = Field(description="Not retried before this time")
    delivered_at: datetime | None
    dead_at: datetime | None

    @classmethod
    def of(cls, event: Event) -> "EventResponse":
        return cls(
            id=event.id,
            topic=event.topic,
            version=event.version,
            payload=event.payload,
            status=EventStatus(event.status),
            attempts=event.attempts,
            last_error=None if event.last_error is None else event.last_error[:MAX_ERROR_SHOWN],
            created_at=event.created_at,
            available_at=event.available_at,
            delivered_at=event.delivered_at,
            dead_at=event.dead_at,
        )


class EventListQuery(ApiModel):
    """What `GET /admin/events` accepts in its query string."""

    status: EventStatus | None = None
    limit: PageLimit = 20
    cursor: PageCursor = None


@router.get(
    "/events", responses=problems(401, 403, 422), openapi_extra=query_parameters(EventListQuery)
)
async def list_events(
    principal: AsAdmin,
    query: Annotated[EventListQuery, query_model(EventListQuery)],
) -> PageResponse[EventResponse]:
    """List the domain events (admins).

    The outbox's events, newest first: `status=dead` lists those given up on after too many
    failed deliveries.
    """
    page = await admin.browse_events(
        principal=principal, status=query.status, limit=query.limit, cursor=query.cursor
    )
    return PageResponse.of([EventResponse.of(event) for event in page.items], page)


@router.post("/events/{event_id}/requeue", responses=problems(401, 403, 404, 409, 422))
async def requeue_event(event_id: UUID, principal: AsAdmin) -> EventResponse:
    """Queue a dead event for delivery again (admins).

    An event that is not dead → 409 `invalidState`.
    """
    return EventResponse.of(await admin.requeue(principal=principal, event_id=event_id))
