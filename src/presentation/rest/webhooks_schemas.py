"""HTTP models of webhook endpoints and their deliveries."""

from datetime import datetime
from typing import Annotated, Final
from uuid import UUID

from pydantic import ConfigDict, Field, JsonValue

from src.application.webhooks import Registered
from src.domain.webhooks import Delivery, DeliveryStatus, Endpoint, Topic
from src.domain.webhooks.entities import MAX_DESCRIPTION, MAX_TOPICS, MAX_URL
from src.presentation.rest.schemas import (
    INT32_MAX,
    NO_NUL,
    ApiModel,
    Documented,
    PageCursor,
    PageLimit,
    RequestModel,
    sent_integer,
    server_default,
    text,
)

URL_PATTERN: Final = r"^https?://[^\s\x00]+$"
MAX_ERROR_SHOWN: Final = 2000
WebhookUrl = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_URL,
        pattern=URL_PATTERN,
        description="Where deliveries are POSTed: `https`, on a host whose every address is "
        "public (no loopback, private, link-local or metadata address) → else 422. "
        "`WEBHOOKS__ALLOW_PRIVATE_HTTP=true` (tests, demos) also allows http and local hosts.",
        examples=["https://hooks.example.com/marketplace"],
    ),
]
Topics = Annotated[
    list[Topic],
    Field(
        min_length=1,
        max_length=MAX_TOPICS,
        description="The topics to receive; an unknown one → 422",
        examples=[["order.paid", "order.cancelled"]],
    ),
]
WEBHOOK: dict[str, JsonValue] = {
    "url": "https://hooks.example.com/marketplace",
    "events": ["order.paid", "order.cancelled"],
    "description": "Fulfilment",
}
_ENDPOINT_EXAMPLE: dict[str, JsonValue] = {
    "id": "5a0c1f3e-8b2d-4e6f-9a1b-2c3d4e5f6a7b",
    **WEBHOOK,
    "createdAt": "2026-12-04T10:00:00.000000Z",
}
# The secret of the Standard Webhooks specification's own example, never one of ours.
SECRET_EXAMPLE: Final = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # noqa: S105 - an example


class CreateWebhookRequest(RequestModel):
    model_config = ConfigDict(json_schema_extra={"examples": [WEBHOOK]})

    url: WebhookUrl
    events: Topics
    description: Annotated[str, text(MAX_DESCRIPTION, min_length=0)] = server_default(
        "", "What the endpoint is for, to its owner."
    )


class WebhookListQuery(ApiModel):
    """What `GET /webhooks` accepts in its query string."""

    limit: PageLimit = 20
    cursor: PageCursor = None


class WebhookResponse(ApiModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_ENDPOINT_EXAMPLE]})

    id: UUID
    url: Annotated[str, Documented(minLength=1, maxLength=MAX_URL, pattern=URL_PATTERN)]
    events: Annotated[list[Topic], Documented(minItems=1, maxItems=MAX_TOPICS)]
    description: Annotated[str, Documented(maxLength=MAX_DESCRIPTION, pattern=NO_NUL)]
    created_at: datetime

    @classmethod
    def of(cls, endpoint: Endpoint) -> "WebhookResponse":
        return cls(
            id=endpoint.id,
            url=endpoint.url,
            events=list(endpoint.topics),
            description=endpoint.description,
            created_at=endpoint.created_at,
        )


class CreatedWebhookResponse(WebhookResponse):
    model_config = ConfigDict(
        json_schema_extra={"examples": [_ENDPOINT_EXAMPLE | {"secret": SECRET_EXAMPLE}]}
    )

    secret: Annotated[str, Documented(maxLength=100, pattern=r"^whsec_[A-Za-z0-9+/]+={0,2}$")] = (
        Field(description="Signs every delivery (Standard Webhooks). Shown this once: keep it.")
    )

    @classmethod
    def registered(cls, registered: Registered) -> "CreatedWebhookResponse":
        shown = WebhookResponse.of(registered.endpoint).model_dump()
        return cls(**shown, secret=registered.secret)


class DeliveryResponse(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0e4f2a1b-7c3d-4b5e-8f6a-9b0c1d2e3f4a",
                    "eventId": "9f7c1d2e-3b4a-4c5d-8e6f-7a8b9c0d1e2f",
                    "topic": "order.paid",
                    "status": "pending",
                    "attempts": 2,
                    "lastStatus": 503,
                    "lastError": "answered 503",
                    "nextAttemptAt": "2026-12-04T10:00:15.000000Z",
                    "createdAt": "2026-12-04T10:00:00.000000Z",
                }
            ]
        }
    )

    id: UUID = Field(description="Sent as `webhook-id`, the same on every attempt")
    event_id: UUID
    topic: Topic
    status: DeliveryStatus
    attempts: Annotated[int, sent_integer(0, INT32_MAX)] = Field(
        description="Attempts so far (since it was last redelivered)"
    )
    last_status: Annotated[int, sent_integer(100, 599)] | None = Field(
        description="The HTTP status the receiver last answered; null if it never answered"
    )
    last_error: Annotated[str, Documented(maxLength=MAX_ERROR_SHOWN, pattern=NO_NUL)] | None = (
        Field(description="Why the last attempt failed; null if it did not")
    )
    next_attempt_at: datetime | None = Field(
        description="When a pending delivery is tried next; null once succeeded or dead"
    )
    created_at: datetime

    @classmethod
    def of(cls, delivery: Delivery) -> "DeliveryResponse":
        error = delivery.last_error
        return cls(
            id=delivery.id,
            event_id=delivery.event_id,
            topic=Topic(delivery.topic),
            status=delivery.status,
            attempts=delivery.attempts,
            last_status=delivery.last_status,
            last_error=None if error is None else error[:MAX_ERROR_SHOWN],
            next_attempt_at=delivery.next_attempt_at,
            created_at=delivery.created_at,
        )
