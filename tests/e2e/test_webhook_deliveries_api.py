"""Webhook deliveries over HTTP: an order reaches its sellers' and admins' endpoints only,
and the delivery log shows each attempt; a delivery can be sent again."""

import asyncio
from typing import Any

import pytest
from httpx import AsyncClient

from src.config.settings import OutboxSettings, Settings, WebhooksSettings
from tests.conftest import make_settings
from tests.e2e.helpers import API, bearer, problem_of, signed_in
from tests.e2e.test_orders_api import ADDRESS
from tests.e2e.test_webhooks_api import admin, register

pytestmark = pytest.mark.database


def fast_deliveries(database_url: str, **overrides: object) -> Settings:
    """Fast relays, and receivers allowed on loopback (a closed port: attempts fail)."""
    return make_settings(
        database_url,
        outbox=OutboxSettings(poll_seconds=0.05, batch_delay_seconds=0),
        webhooks=WebhooksSettings(
            allow_private_http=True, poll_seconds=0.05, first_backoff_seconds=30,
            timeout_seconds=1,
        ),
        **overrides,
    )  # fmt: skip


@pytest.fixture
def settings(database_url: str) -> Settings:
    return fast_deliveries(database_url)


async def deliveries(client: AsyncClient, token: str, endpoint: str, count: int) -> Any:
    """The endpoint's deliveries, once `count` of them were attempted and the failure of
    their attempt recorded."""
    for _ in range(200):
        page = await client.get(f"{API}/webhooks/{endpoint}/deliveries", headers=bearer(token))
        items = page.json()["items"]
        if len(items) >= count and all(item["attempts"] and item["lastError"] for item in items):
            return items
        await asyncio.sleep(0.05)
    raise AssertionError(f"fewer than {count} attempted deliveries: {items}")


async def test_an_order_is_delivered_to_its_sellers_and_admins_endpoints_only(
    client: AsyncClient,
) -> None:
    _, seller = await signed_in(client, role="seller")
    _, other_seller = await signed_in(client, role="seller")
    _, buyer = await signed_in(client, role="buyer")
    closed = "http://127.0.0.1:9/hook"
    ids = {
        who: (await register(client, token, url=closed, events=["order.placed"])).json()["id"]
        for who, token in (("seller", seller), ("other", other_seller),
                           ("admin", await admin(client)))
    }  # fmt: skip
    product = {"title": "Lamp", "price": 1000, "stock": 5, "category": "c"}
    made = await client.post(f"{API}/products", json=product, headers=bearer(seller))
    order = {"items": [{"productId": made.json()["id"], "quantity": 1}], "shippingAddress": ADDRESS}
    placed = await client.post(f"{API}/orders", json=order, headers=bearer(buyer))
    assert placed.status_code == 201
    (delivery,) = await deliveries(client, seller, ids["seller"], 1)
    assert delivery["topic"] == "order.placed"
    assert (delivery["status"], delivery["attempts"], delivery["lastStatus"]) == (
        "pending",
        1,
        None,
    )
    assert delivery["nextAttemptAt"] is not None
    assert delivery["lastError"]
    root = bearer(await admin(client))
    (for_admin,) = (
        await client.get(f"{API}/webhooks/{ids['admin']}/deliveries", headers=root)
    ).json()["items"]
    assert for_admin["eventId"] == delivery["eventId"]
    other = await client.get(
        f"{API}/webhooks/{ids['other']}/deliveries", headers=bearer(other_seller)
    )
    assert other.json() == {"items": [], "nextCursor": None}

    metrics = (await client.get("/metrics")).text
    assert 'webhook_deliveries{state="pending"} 2.0' in metrics  # the seller's and the admin's
    assert 'webhook_deliveries{state="dead"} 0.0' in metrics

    redeliver = f"{API}/webhooks/{ids['seller']}/deliveries/{delivery['id']}/redeliver"
    again = await client.post(redeliver, headers=bearer(seller))
    assert again.status_code == 202
    assert (again.json()["id"], again.json()["attempts"]) == (delivery["id"], 0)
    (retried,) = await deliveries(client, seller, ids["seller"], 1)
    assert (retried["id"], retried["attempts"]) == (delivery["id"], 1)
    problem_of(await client.post(redeliver, headers=bearer(other_seller)), 404, "notFound")
    elsewhere = f"{API}/webhooks/{ids['other']}/deliveries/{delivery['id']}/redeliver"
    problem_of(await client.post(elsewhere, headers=bearer(other_seller)), 404, "notFound")
