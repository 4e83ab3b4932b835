"""Sellers' balances and ledger (API.md, "Marketplace money"), over HTTP."""

from typing import Any

import pytest
from httpx import AsyncClient

from src.application.ledger import release_due_funds
from src.config.settings import PayoutsSettings, Settings
from tests.conftest import make_settings
from tests.e2e.helpers import API, bearer, problem_of, signed_in
from tests.e2e.test_orders_api import Shop, admin_token

pytestmark = pytest.mark.database


@pytest.fixture
def settings(database_url: str) -> Settings:
    """No hold: delivered funds are released at the job's next run."""
    return make_settings(database_url, payouts=PayoutsSettings(hold_seconds=0))


@pytest.fixture
async def shop(client: AsyncClient) -> Shop:
    return await Shop(client).open()


async def balance(shop: Shop, token: str | None = None) -> Any:
    response = await shop.client.get(
        f"{API}/sellers/me/balance", headers=bearer(token or shop.seller_token)
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def ledger(shop: Shop, query: str = "", token: str | None = None) -> Any:
    response = await shop.client.get(
        f"{API}/sellers/me/ledger{query}", headers=bearer(token or shop.seller_token)
    )
    assert response.status_code == 200, response.text
    return response.json()


async def paid_order(shop: Shop, price: int, quantity: int = 1) -> dict[str, Any]:
    product = await shop.product(price=price, stock=50)
    order = await shop.placed((product, quantity))
    paid = await shop.client.post(
        f"{API}/orders/{order['id']}/pay", headers=bearer(shop.buyer_token),
        json={"paymentToken": "tok_visa"},
    )  # fmt: skip
    assert paid.status_code == 200, paid.text
    result: dict[str, Any] = paid.json()
    return result


async def deliver(shop: Shop, order: dict[str, Any]) -> None:
    headers = bearer(shop.seller_token)
    shipped = await shop.client.post(
        f"{API}/orders/{order['id']}/shipments", headers=headers,
        json={"carrier": "DHL", "trackingNumber": "1"},
    )  # fmt: skip
    assert shipped.status_code == 201, shipped.text
    delivered = await shop.client.patch(
        f"{API}/shipments/{shipped.json()['id']}", headers=headers, json={"status": "delivered"}
    )
    assert delivered.status_code == 200, delivered.text


async def test_a_seller_has_no_balance_before_its_first_paid_order(shop: Shop) -> None:
    assert await balance(shop) == []
    assert await ledger(shop) == {"items": [], "nextCursor": None}
    await shop.placed((await shop.product(), 1))  # placed, not paid: nothing owed yet
    assert await balance(shop) == []


async def test_payment_delivery_and_release_move_the_payout_along(shop: Shop) -> None:
    order = await paid_order(shop, 1250, 2)  # 2500, 10 % commission
    assert order["sellers"][0]["payout"] == 2250
    assert await balance(shop) == [{"currency": "USD", "pending": 2250, "available": 0,
                                    "paidOut": 0}]  # fmt: skip
    await deliver(shop, order)
    assert (await balance(shop))[0]["pending"] == 2250  # held until the job runs
    await release_due_funds()
    assert await balance(shop) == [{"currency": "USD", "pending": 0, "available": 2250,
                                    "paidOut": 0}]  # fmt: skip
    entries = (await ledger(shop))["items"]
    assert [(e["kind"], e["amount"], e["orderId"]) for e in entries] == [
        ("release", 2250, order["id"]), ("sale", 2250, order["id"]),
    ]  # fmt: skip
    assert set(entries[0]) == {"id", "kind", "orderId", "amount", "currency", "createdAt"}
    assert entries[0]["currency"] == "USD"


async def test_a_cancelled_paid_order_takes_the_payout_back(shop: Shop) -> None:
    kept, cancelled = await paid_order(shop, 1000), await paid_order(shop, 3000)
    response = await shop.client.post(
        f"{API}/orders/{cancelled['id']}/cancel", headers=bearer(shop.buyer_token)
    )
    assert response.status_code == 200, response.text
    assert (await balance(shop))[0]["pending"] == 900  # only the kept order's payout
    entries = (await ledger(shop))["items"]
    newest = entries[0]
    assert (newest["kind"], newest["amount"], newest["orderId"]) == ("refund", -2700,
                                                                     cancelled["id"])  # fmt: skip
    assert sorted(e["amount"] for e in entries) == [-2700, 900, 2700]
    assert kept["id"] in {e["orderId"] for e in entries}


async def test_the_ledger_pages_newest_first_and_walks_every_entry_once(shop: Shop) -> None:
    for price in (100, 200, 300, 400, 500):
        await paid_order(shop, price)
    everything = (await ledger(shop, "?limit=100"))["items"]
    assert [e["amount"] for e in everything] == [450, 360, 270, 180, 90]
    seen, cursor = [], None
    while True:
        page = await ledger(shop, "?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert len(page["items"]) <= 2
        seen += page["items"]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == everything


async def test_a_seller_sees_only_its_own_money(shop: Shop) -> None:
    await paid_order(shop, 1000)
    _, other_token = await signed_in(shop.client, role="seller")
    assert await balance(shop, other_token) == []
    assert (await ledger(shop, token=other_token))["items"] == []


@pytest.mark.parametrize("query", ["?cursor=abc", "?limit=0", "?limit=101", "?limit=x"])
async def test_a_malformed_page_request_is_refused(shop: Shop, query: str) -> None:
    response = await shop.client.get(
        f"{API}/sellers/me/ledger{query}", headers=bearer(shop.seller_token)
    )
    problem_of(response, 422, "validationError")


async def test_only_sellers_have_a_balance(shop: Shop) -> None:
    admin = await admin_token(shop.client)
    for path in ("/sellers/me/balance", "/sellers/me/ledger"):
        for token in (shop.buyer_token, admin):
            problem_of(await shop.client.get(f"{API}{path}", headers=bearer(token)), 403,
                       "forbidden")  # fmt: skip
        problem_of(await shop.client.get(f"{API}{path}"), 401, "unauthorized")
