"""Refunds under real concurrency: many refund requests for one order at once, against
gunicorn with two workers and the stand-in provider.

On SQLite the workers contend for the one write lock; on PostgreSQL (TEST_POSTGRES_URL) for
the order's row lock. Either way each refund sees the ones before it, so no more is ever
refunded than was ordered, the provider is asked for each refund once, and no request fails
with a 5xx.
"""

import asyncio
import random
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.conftest import new_empty_database
from tests.e2e.helpers import API, bearer
from tests.e2e.servers import migrate, server_environment, serving, stand_in_provider
from tests.e2e.test_concurrent_orders import account, codes, order, product

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.database, pytest.mark.server]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(marketplace, provider): gunicorn with two workers on a database of this module's
    own, paying through the stand-in provider."""
    folder: Path = tmp_path_factory.mktemp("concurrent-refunds")
    with stand_in_provider() as provider_url, new_empty_database(folder) as database_url:
        environment = server_environment(
            database_url, folder / "logs", LOG__LEVEL="WARNING",
            PAYMENTS__PROVIDER_URL=provider_url, OUTBOX__POLL_SECONDS="0.1",
        )  # fmt: skip
        migrate(environment)
        with serving(environment, workers=2) as base_url:
            yield base_url, provider_url


@pytest.fixture
async def http(servers: tuple[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=servers[0], timeout=60, limits=limits) as client:
        yield client


async def paid_order(http: httpx.AsyncClient, seller: str, quantity: int) -> dict[str, Any]:
    buyer = await account(http, "buyer")
    lamp = await product(http, seller, stock=quantity)
    placed = await order(http, buyer, [(lamp, quantity)])
    assert placed.status_code == 201, placed.text
    paid = await http.post(f"{API}/orders/{placed.json()['id']}/pay", headers=bearer(buyer),
                           json={"paymentToken": "tok_visa"})  # fmt: skip
    assert paid.status_code == 200, paid.text
    made: dict[str, Any] = paid.json()
    return made


async def provider_refunds(provider_url: str, order_id: str, amount: int) -> list[Any]:
    """The provider's refunds of the order, once they add up to `amount`."""
    async with httpx.AsyncClient(base_url=provider_url) as provider:
        for _ in range(200):
            made: list[Any] = (await provider.get("/refunds", params={"orderId": order_id})).json()
            if sum(each["amount"] for each in made) >= amount:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # room for a wrong extra refund to show up
        return list((await provider.get("/refunds", params={"orderId": order_id})).json())


async def test_60_refunds_of_one_item_ordered_10_times_refund_exactly_10(
    http: httpx.AsyncClient, servers: tuple[str, str]
) -> None:
    seller = await account(http, "seller")
    tokens = [seller, *[await login_again(http, seller) for _ in range(2)]]
    paid = await paid_order(http, seller, quantity=10)
    path = f"{API}/orders/{paid['id']}/refunds"
    line = {"productId": paid["items"][0]["productId"], "quantity": 1}

    responses = await asyncio.gather(*(
        http.post(path, headers=bearer(tokens[n % 3]), json={"items": [line]}) for n in range(60)
    ))  # fmt: skip

    assert codes(responses) == {(201, ""): 10, (409, "refundExceedsOrder"): 50}
    read = await http.get(f"{API}/orders/{paid['id']}", headers=bearer(seller))
    assert read.json()["refunded"] == paid["total"]
    made = await provider_refunds(servers[1], paid["id"], paid["total"])
    assert sorted(each["amount"] for each in made) == [1000] * 10
    assert len({each["idempotencyKey"] for each in made}) == 10


async def test_refunds_of_random_sizes_at_once_never_exceed_the_order(
    http: httpx.AsyncClient, servers: tuple[str, str]
) -> None:
    seller = await account(http, "seller")
    paid = await paid_order(http, seller, quantity=25)
    path = f"{API}/orders/{paid['id']}/refunds"
    sizes = [random.randint(1, 4) for _ in range(40)]
    product_id = paid["items"][0]["productId"]

    responses = await asyncio.gather(*(
        http.post(path, headers=bearer(seller),
                  json={"items": [{"productId": product_id, "quantity": size}]})
        for size in sizes
    ))  # fmt: skip

    outcome = codes(responses)
    assert set(outcome) <= {(201, ""), (409, "refundExceedsOrder")}, outcome
    granted = sum(r.json()["amount"] for r in responses if r.status_code == 201)
    assert granted <= paid["total"]
    assert granted > paid["total"] - 4 * 1000  # refused only once too little was left
    listed = (await http.get(path, headers=bearer(seller))).json()["items"]
    assert sum(each["amount"] for each in listed) == granted
    read = await http.get(f"{API}/orders/{paid['id']}", headers=bearer(seller))
    assert read.json()["refunded"] == granted
    made = await provider_refunds(servers[1], paid["id"], granted)
    assert sum(each["amount"] for each in made) == granted
    assert len(made) == outcome[201, ""]


async def login_again(http: httpx.AsyncClient, token: str) -> str:
    """Another session of the same account, as a second browser would have."""
    me = (await http.get(f"{API}/users/me", headers=bearer(token))).json()
    body = {"email": me["email"], "password": "correct horse battery"}
    return str((await http.post(f"{API}/auth/login", json=body)).json()["accessToken"])
