"""Money events reach the seller's webhooks: its refunds, and its payouts paid or failed."""

import asyncio
from typing import Any

import pytest
from httpx import AsyncClient

from src.config.settings import PayoutsSettings, Settings
from tests.e2e.helpers import API, bearer
from tests.e2e.test_money_api import available_funds, provider
from tests.e2e.test_orders_api import Shop
from tests.e2e.test_refunds_api import item, paid, refund
from tests.e2e.test_webhook_deliveries_api import fast_deliveries
from tests.e2e.test_webhooks_api import register

pytestmark = pytest.mark.database


@pytest.fixture
def settings(database_url: str) -> Settings:
    return fast_deliveries(database_url, payouts=PayoutsSettings(hold_seconds=0))


@pytest.fixture
async def shop(client: AsyncClient) -> Shop:
    return await Shop(client).open()


async def topics_delivered(shop: Shop, endpoint: str, count: int) -> list[str]:
    for _ in range(200):
        page = await shop.client.get(
            f"{API}/webhooks/{endpoint}/deliveries", headers=bearer(shop.seller_token)
        )
        items: list[dict[str, Any]] = page.json()["items"]
        if len(items) >= count:
            return sorted(item["topic"] for item in items)
        await asyncio.sleep(0.05)
    raise AssertionError("fewer deliveries than expected")


async def test_refunds_and_payouts_reach_the_sellers_endpoint(shop: Shop) -> None:
    topics = ["refund.created", "payout.paid", "payout.failed"]
    endpoint = (await register(shop.client, shop.seller_token, url="http://127.0.0.1:9/hook",
                               events=topics)).json()["id"]  # fmt: skip
    lamp = await shop.product(price=1000, stock=10)
    order = await paid(shop, (lamp, 2))
    assert (await refund(shop, order, shop.seller_token, item(lamp, 1))).status_code == 201
    await available_funds(shop, 2000)
    ask = {"currency": "USD", "amount": 100}
    headers = bearer(shop.seller_token)
    assert (await shop.client.post(f"{API}/sellers/me/payouts", headers=headers,
                                   json=ask)).status_code == 201  # fmt: skip
    assert await topics_delivered(shop, endpoint, 2) == ["payout.paid", "refund.created"]
    provider().refusing.add(shop.seller["id"])
    assert (await shop.client.post(f"{API}/sellers/me/payouts", headers=headers,
                                   json=ask)).status_code == 201  # fmt: skip
    assert await topics_delivered(shop, endpoint, 3) == [
        "payout.failed", "payout.paid", "refund.created",
    ]  # fmt: skip
