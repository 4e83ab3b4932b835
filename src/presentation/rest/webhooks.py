"""Webhooks: sellers and admins register receivers of the events that concern them, read
each one's delivery log and ask for a delivery again."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Request, Response, status

from src.application import webhooks
from src.presentation.rest.deps import AsSellerOrAdmin, location
from src.presentation.rest.query import query_model, query_parameters
from src.presentation.rest.schemas import PageResponse, problems
from src.presentation.rest.webhooks_schemas import (
    CreatedWebhookResponse,
    CreateWebhookRequest,
    DeliveryResponse,
    WebhookListQuery,
    WebhookResponse,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
_LISTED = query_parameters(WebhookListQuery)


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems(401, 403, 409, 422))
async def create_webhook(
    body: CreateWebhookRequest, principal: AsSellerOrAdmin, request: Request, response: Response
) -> CreatedWebhookResponse:
    """Register a webhook endpoint (sellers, admins).

    It receives the events of its topics that concern you (an admin's: all of them), each
    signed with the `secret` answered here and never again. Verify a delivery as Standard
    Webhooks says: `webhook-signature` is `v1,` + base64 HMAC-SHA256, keyed with the base64
    after `whsec_`, of `{webhook-id}.{webhook-timestamp}.{body}`. An account keeps at most
    10 endpoints: an eleventh → 409 `tooManyWebhooks`.
    """
    registered = await webhooks.register_endpoint(
        principal=principal,
        url=body.url,
        topics=[topic.value for topic in body.events],
        description=body.description,
    )
    response.headers["Location"] = location(
        request, read_webhook, webhook_id=registered.endpoint.id
    )
    return CreatedWebhookResponse.registered(registered)


@router.get("", responses=problems(401, 403, 422), openapi_extra=_LISTED)
async def list_webhooks(
    principal: AsSellerOrAdmin, query: Annotated[WebhookListQuery, query_model(WebhookListQuery)]
) -> PageResponse[WebhookResponse]:
    """List your webhook endpoints.

    Newest first; walk the pages with `cursor`.
    """
    page = await webhooks.list_endpoints(
        principal=principal, limit=query.limit, cursor=query.cursor
    )
    return PageResponse.of([WebhookResponse.of(each) for each in page.items], page)


@router.get("/{webhook_id}", responses=problems(401, 403, 404, 422))
async def read_webhook(webhook_id: UUID, principal: AsSellerOrAdmin) -> WebhookResponse:
    """Read a webhook endpoint.

    Its owner, or an admin; anyone else → 404. The secret is never shown again.
    """
    return WebhookResponse.of(
        await webhooks.get_endpoint(principal=principal, endpoint_id=webhook_id)
    )


@router.delete(
    "/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 403, 404, 422),
)
async def delete_webhook(webhook_id: UUID, principal: AsSellerOrAdmin) -> None:
    """Remove a webhook endpoint.

    Its owner, or an admin. Nothing more is sent to it, retries included.
    """
    await webhooks.delete_endpoint(principal=principal, endpoint_id=webhook_id)


@router.get(
    "/{webhook_id}/deliveries", responses=problems(401, 403, 404, 422), openapi_extra=_LISTED
)
async def list_deliveries(
    webhook_id: UUID,
    principal: AsSellerOrAdmin,
    query: Annotated[WebhookListQuery, query_model(WebhookListQuery)],
) -> PageResponse[DeliveryResponse]:
    """List an endpoint's deliveries.

    Newest first: one per event sent to it, with its attempts and the last answer.
    """
    page = await webhooks.list_deliveries(
        principal=principal, endpoint_id=webhook_id, limit=query.limit, cursor=query.cursor
    )
    return PageResponse.of([DeliveryResponse.of(each) for each in page.items], page)


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problems(401, 403, 404, 422),
)
async def redeliver(
    webhook_id: UUID, delivery_id: UUID, principal: AsSellerOrAdmin
) -> DeliveryResponse:
    """Send a delivery again.

    Whatever it came to, it is queued at once with the same `webhook-id` and a fresh count
    of attempts.
    """
    return DeliveryResponse.of(
        await webhooks.redeliver(
            principal=principal, endpoint_id=webhook_id, delivery_id=delivery_id
        )
    )
