"""Sellers' balances and ledger (API.md, "Marketplace money"), over HTTP."""

import asyncio
from typing import Any

import pytest
from httpx import AsyncClient

from src.application.ledger import release_due_funds
from src.config.settings import PayoutsSettings, Settings
from src.infrastructure.payments.fake import FakePaymentGateway
from src.infrastructure.runtime import runtime
from tests.conftest import make_settings
from tests.e2e.helpers import API, bearer, problem_of, ship_and_deliver, signed_in
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
    await ship_and_deliver(shop.client, shop.seller_token, order["id"])
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


def provider() -> FakePaymentGateway:
    gateway = runtime().payments
    assert isinstance(gateway, FakePaymentGateway)
    return gateway


async def available_funds(shop: Shop, price: int) -> int:
    """Sell at `price`, deliver, and release: the payout is available."""
    order = await paid_order(shop, price)
    await ship_and_deliver(shop.client, shop.seller_token, order["id"])
    await release_due_funds()
    payout: int = order["sellers"][0]["payout"]
    return payout


async def ask_payout(shop: Shop, token: str | None = None, **body: Any) -> Any:
    headers = bearer(token or shop.seller_token) | body.pop("headers", {})
    return await shop.client.post(
        f"{API}/sellers/me/payouts", headers=headers, json={"currency": "USD", **body}
    )


async def settled(shop: Shop, payout: dict[str, Any]) -> dict[str, Any]:
    """The payout once the relay has made (or been refused) its transfer."""
    for _ in range(200):
        read = await shop.client.get(
            f"{API}/sellers/me/payouts/{payout['id']}", headers=bearer(shop.seller_token)
        )
        assert read.status_code == 200, read.text
        if read.json()["status"] != "pending":
            result: dict[str, Any] = read.json()
            return result
        await asyncio.sleep(0.02)
    raise AssertionError("the payout was never settled")


async def test_a_payout_sends_all_that_is_available_once(shop: Shop) -> None:
    amount = await available_funds(shop, 5000)
    response = await ask_payout(shop)
    assert response.status_code == 201, response.text
    payout = response.json()
    assert response.headers["location"] == f"{API}/sellers/me/payouts/{payout['id']}"
    assert (payout["amount"], payout["currency"], payout["sellerId"]) == (
        amount, "USD", shop.seller["id"],
    )  # fmt: skip
    assert (await settled(shop, payout))["status"] == "paid"
    assert await balance(shop) == [{"currency": "USD", "pending": 0, "available": 0,
                                    "paidOut": amount}]  # fmt: skip
    newest = (await ledger(shop))["items"][0]
    assert (newest["kind"], newest["amount"], newest["orderId"]) == ("payout", -amount, None)
    made = [t for t in provider().transfers.values() if t is not None and t.amount == amount]
    assert len(made) == 1
    assert f"payout-{payout['id']}" in provider().transfers


async def test_a_payout_over_what_is_available_is_refused(shop: Shop) -> None:
    problem_of(await ask_payout(shop), 409, "insufficientFunds")  # nothing at all yet
    amount = await available_funds(shop, 1000)
    problem_of(await ask_payout(shop, amount=amount + 1), 409, "insufficientFunds")
    part = await ask_payout(shop, amount=amount - 100)
    assert part.status_code == 201, part.text
    await settled(shop, part.json())
    problem_of(await ask_payout(shop, amount=101), 409, "insufficientFunds")
    assert (await balance(shop))[0]["available"] == 100


async def test_a_refused_transfer_returns_the_amount_to_available(shop: Shop) -> None:
    amount = await available_funds(shop, 2000)
    provider().refusing.add(shop.seller["id"])
    payout = (await ask_payout(shop)).json()
    assert (await settled(shop, payout))["status"] == "failed"
    assert await balance(shop) == [{"currency": "USD", "pending": 0, "available": amount,
                                    "paidOut": 0}]  # fmt: skip
    kinds = [(e["kind"], e["amount"]) for e in (await ledger(shop))["items"]]
    assert kinds[:2] == [("payoutReturned", amount), ("payout", -amount)]


async def test_concurrent_payouts_never_take_more_than_is_available(shop: Shop) -> None:
    amount = await available_funds(shop, 3000)
    answers = await asyncio.gather(*(ask_payout(shop, amount=amount) for _ in range(5)))
    assert sorted(answer.status_code for answer in answers) == [201, 409, 409, 409, 409]
    assert (await balance(shop))[0]["available"] == 0


async def test_a_retried_payout_is_the_first_one(shop: Shop) -> None:
    await available_funds(shop, 1000)
    key = {"Idempotency-Key": "payout-retry-1"}
    first = await ask_payout(shop, headers=key)
    again = await ask_payout(shop, headers=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    problem_of(await ask_payout(shop, amount=5, headers=key), 422, "idempotencyKeyReused")


async def test_payouts_are_listed_for_their_seller_and_for_admins(shop: Shop) -> None:
    await available_funds(shop, 1000)
    first = (await ask_payout(shop, amount=100)).json()
    second = (await ask_payout(shop, amount=200)).json()
    mine = await shop.client.get(f"{API}/sellers/me/payouts", headers=bearer(shop.seller_token))
    assert [p["id"] for p in mine.json()["items"]] == [second["id"], first["id"]]
    _, other_token = await signed_in(shop.client, role="seller")
    others = await shop.client.get(f"{API}/sellers/me/payouts", headers=bearer(other_token))
    assert others.json()["items"] == []
    problem_of(await shop.client.get(f"{API}/sellers/me/payouts/{first['id']}",
                                     headers=bearer(other_token)), 404, "notFound")  # fmt: skip
    admin = await admin_token(shop.client)
    listed = await shop.client.get(f"{API}/admin/payouts?limit=100", headers=bearer(admin))
    assert {first["id"], second["id"]} <= {p["id"] for p in listed.json()["items"]}


@pytest.mark.parametrize(
    "body", [{"amount": 0}, {"amount": 1.5}, {"currency": "usd"}, {"currency": None},
             {"amount": 1, "status": "paid"}],
)  # fmt: skip
async def test_a_malformed_payout_is_refused(shop: Shop, body: dict[str, Any]) -> None:
    problem_of(await ask_payout(shop, **body), 422, "validationError")
