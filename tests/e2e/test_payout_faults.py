"""Payouts through the real stand-in provider while it misbehaves: each payout is sent once,
whatever the lost answers and retries, and a refused transfer gives the amount back."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient

from src.application.ledger import release_due_funds
from src.config.settings import OutboxSettings, PaymentsSettings, PayoutsSettings
from tests.conftest import build_app, make_settings
from tests.e2e.helpers import API, bearer, ship_and_deliver
from tests.e2e.servers import stand_in_provider
from tests.e2e.test_money_api import balance, paid_order
from tests.e2e.test_orders_api import Shop

pytestmark = [pytest.mark.database, pytest.mark.server]


@pytest.fixture(scope="module")
def provider_url() -> Iterator[str]:
    with stand_in_provider(stall_seconds=2) as url:
        yield url


@pytest.fixture
async def provider(provider_url: str) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(base_url=provider_url, timeout=10) as stand_in:
        await stand_in.post("/_reset")
        yield stand_in


@pytest.fixture
async def shop(database_url: str, provider_url: str) -> AsyncIterator[Shop]:
    settings = make_settings(
        database_url,
        payments=PaymentsSettings(provider_url=provider_url, timeout_seconds=0.3, attempts=2,
                                  deadline_seconds=0.8, circuit_failures=50),
        outbox=OutboxSettings(poll_seconds=0.1, first_backoff_seconds=0.1),
        payouts=PayoutsSettings(hold_seconds=0),
    )  # fmt: skip
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app, client=("203.0.113.9", 50000))
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            yield await Shop(client).open()


async def funds(shop: Shop) -> None:
    """A payout available to the seller."""
    order = await paid_order(shop, 4000)
    await ship_and_deliver(shop.client, shop.seller_token, order["id"])
    await release_due_funds()


async def payout_of_all(shop: Shop) -> dict[str, Any]:
    response = await shop.client.post(
        f"{API}/sellers/me/payouts", headers=bearer(shop.seller_token), json={"currency": "USD"}
    )
    assert response.status_code == 201, response.text
    payout: dict[str, Any] = response.json()
    return payout


async def settled(shop: Shop, payout: dict[str, Any]) -> str:
    for _ in range(300):
        read = await shop.client.get(
            f"{API}/sellers/me/payouts/{payout['id']}", headers=bearer(shop.seller_token)
        )
        if (status := read.json()["status"]) != "pending":
            return str(status)
        await asyncio.sleep(0.05)
    raise AssertionError("the payout was never settled")


async def transfers(provider: AsyncClient, shop: Shop) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (
        await provider.get("/transfers", params={"sellerId": shop.seller["id"]})
    ).json()
    return found


async def test_a_transfer_whose_answers_are_lost_is_made_once(
    shop: Shop, provider: AsyncClient
) -> None:
    await funds(shop)
    # Every try of the first deliveries transfers and then loses the answer.
    await provider.post("/_faults", json={"failNext": 5, "mode": "error", "when": "after"})
    payout = await payout_of_all(shop)
    assert await settled(shop, payout) == "paid"
    assert (await provider.get("/_faults")).json()["failNext"] == 0  # every lost answer retried
    made = await transfers(provider, shop)
    assert [(t["amount"], t["idempotencyKey"]) for t in made] == [
        (payout["amount"], f"payout-{payout['id']}")
    ]
    assert (await balance(shop))[0] == {"currency": "USD", "pending": 0, "available": 0,
                                        "paidOut": payout["amount"]}  # fmt: skip


async def test_a_refused_transfer_gives_the_amount_back(shop: Shop, provider: AsyncClient) -> None:
    await funds(shop)
    await provider.post("/_refuse-transfers", json={"sellerId": shop.seller["id"]})
    payout = await payout_of_all(shop)
    assert await settled(shop, payout) == "failed"
    assert await transfers(provider, shop) == []
    assert (await balance(shop))[0] == {"currency": "USD", "pending": 0,
                                        "available": payout["amount"], "paidOut": 0}  # fmt: skip
