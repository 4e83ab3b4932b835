"""Webhook endpoints: sellers and admins register receivers, read their delivery logs and
ask for a delivery again.

A URL is checked (https, public addresses only) before the transaction that stores it, so
that resolving its host never holds the database; it is checked again at each delivery.
"""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from src.application.listing import Listing
from src.domain.clock import utcnow
from src.domain.pagination import Page
from src.domain.users import Principal, Role
from src.domain.webhooks import Delivery, Endpoint, WebhookRepository
from src.domain.webhooks.rules import (
    check_topics,
    ensure_can_keep_endpoints,
    ensure_room_for_another,
    ensure_visible,
)
from src.infrastructure.database.transaction import transaction
from src.infrastructure.errors import FieldError, NotFound, ValidationFailed
from src.infrastructure.events import wake_relays_after_commit
from src.infrastructure.runtime import runtime
from src.infrastructure.webhooks import UrlRefused, new_signing_secret

_ENDPOINTS = Listing("webhooks", (datetime, UUID))
_DELIVERIES = Listing("webhook-deliveries", (datetime, UUID))


@dataclass(frozen=True, slots=True)
class Registered:
    """A new endpoint and its signing secret, which is shown this once."""

    endpoint: Endpoint
    secret: str


async def check_webhook_url(url: str) -> None:
    """Refuse (422) a URL no delivery could go to: not https, or resolving to a loopback,
    private, link-local or metadata address (unless WEBHOOKS__ALLOW_PRIVATE_HTTP)."""
    try:
        await runtime().webhook_sender.check(url)
    except UrlRefused as refused:
        raise ValidationFailed(
            "The URL may not receive webhooks", errors=[FieldError(("body", "url"), str(refused))]
        ) from refused


async def register_endpoint(
    *, principal: Principal, url: str, topics: list[str], description: str
) -> Registered:
    """Register a receiver of the events of `topics` that concern the caller."""
    ensure_can_keep_endpoints(principal)
    checked = check_topics(topics)
    await check_webhook_url(url)
    endpoint = Endpoint(
        id=uuid4(), owner_id=principal.user_id, receives_all=principal.role is Role.ADMIN,
        url=url, topics=checked, description=description, created_at=utcnow(),
    )  # fmt: skip
    secret = new_signing_secret()
    return Registered(await _store(endpoint, runtime().webhook_secrets.seal(secret)), secret)


@transaction
async def _store(endpoint: Endpoint, sealed_secret: str) -> Endpoint:
    webhooks = WebhookRepository()
    ensure_room_for_another(await webhooks.count_endpoints(endpoint.owner_id))
    return await webhooks.add_endpoint(endpoint, sealed_secret)


@transaction(readonly=True)
async def count_undelivered_webhooks() -> dict[str, int]:
    """How many deliveries are pending and how many dead (for metrics)."""
    return await WebhookRepository().backlog()


@transaction(readonly=True)
async def list_endpoints(*, principal: Principal, limit: int, cursor: str | None) -> Page[Endpoint]:
    """The caller's own endpoints, newest first."""
    ensure_can_keep_endpoints(principal)
    return await _ENDPOINTS.page(
        cursor=cursor,
        limit=limit,
        fetch=lambda after, count: WebhookRepository().endpoints_page(
            principal.user_id, after=after, count=count
        ),
    )


async def _visible(
    webhooks: WebhookRepository, principal: Principal, endpoint_id: UUID
) -> Endpoint:
    ensure_can_keep_endpoints(principal)
    return ensure_visible(principal, await webhooks.get_endpoint(endpoint_id))


@transaction(readonly=True)
async def get_endpoint(*, principal: Principal, endpoint_id: UUID) -> Endpoint:
    """An endpoint, to its owner or an admin."""
    return await _visible(WebhookRepository(), principal, endpoint_id)


@transaction
async def delete_endpoint(*, principal: Principal, endpoint_id: UUID) -> None:
    """Remove an endpoint and its deliveries; nothing more is sent to it."""
    webhooks = WebhookRepository()
    await _visible(webhooks, principal, endpoint_id)
    await webhooks.remove_endpoint(endpoint_id)


@transaction(readonly=True)
async def list_deliveries(
    *, principal: Principal, endpoint_id: UUID, limit: int, cursor: str | None
) -> Page[Delivery]:
    """An endpoint's deliveries, newest first."""
    webhooks = WebhookRepository()
    await _visible(webhooks, principal, endpoint_id)
    return await _DELIVERIES.variant(str(endpoint_id)).page(
        cursor=cursor,
        limit=limit,
        fetch=lambda after, count: webhooks.deliveries_page(endpoint_id, after=after, count=count),
    )


@transaction
async def redeliver(*, principal: Principal, endpoint_id: UUID, delivery_id: UUID) -> Delivery:
    """Send a delivery again soon, with the same id and a fresh count of attempts."""
    webhooks = WebhookRepository()
    await _visible(webhooks, principal, endpoint_id)
    _found(await webhooks.get_delivery(endpoint_id, delivery_id))
    await webhooks.redeliver(delivery_id, utcnow())
    wake_relays_after_commit()
    return _found(await webhooks.get_delivery(endpoint_id, delivery_id))


def _found(delivery: Delivery | None) -> Delivery:
    if delivery is None:
        raise NotFound("No such delivery")
    return delivery
