"""Orders under real concurrency: many requests at once against gunicorn with two workers.

On SQLite the two worker processes contend for the one write lock; on PostgreSQL (when
TEST_POSTGRES_URL is set) for row locks. Either way stock must stay exact, no order may
deadlock, and no request may fail with a 5xx.
"""

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import httpx
import pytest

from tests.conftest import new_empty_database
from tests.e2e.helpers import API, PASSWORD, bearer, new_email
from tests.e2e.servers import migrate, server_environment, serving

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.database, pytest.mark.server]

ADDRESS = {
    "fullName": "Ada Lovelace", "line1": "1 Main St", "city": "London",
    "postalCode": "N1", "country": "GB",
}  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """gunicorn with two uvicorn workers on a migrated database of this module's own."""
    folder: Path = tmp_path_factory.mktemp("concurrent-orders")
    with new_empty_database(folder) as database_url:
        environment = server_environment(database_url, folder / "logs", LOG__LEVEL="WARNING")
        migrate(environment)
        with serving(environment, workers=2) as base_url:
            yield base_url


@pytest.fixture
async def http(server: str) -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=250, max_keepalive_connections=250)
    async with httpx.AsyncClient(base_url=server, timeout=60, limits=limits) as client:
        yield client


async def account(http: httpx.AsyncClient, role: str) -> str:
    email = new_email(role)
    body = {"email": email, "password": PASSWORD, "fullName": role.title(), "role": role}
    assert (await http.post(f"{API}/auth/register", json=body)).status_code == 201
    login = await http.post(f"{API}/auth/login", json={"email": email, "password": PASSWORD})
    return str(login.json()["accessToken"])


async def product(http: httpx.AsyncClient, seller: str, stock: int) -> str:
    body = {"title": "Lamp", "price": 1000, "stock": stock, "category": "lighting"}
    response = await http.post(f"{API}/products", headers=bearer(seller), json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def stock_of(http: httpx.AsyncClient, product_id: str) -> int:
    return int((await http.get(f"{API}/products/{product_id}")).json()["stock"])


async def sized(http: httpx.AsyncClient, seller: str, stocks: list[int]) -> dict[str, Any]:
    """A product sold in sizes, one variant per stock given."""
    sizes = [f"S{index}" for index in range(len(stocks))]
    body = {
        "title": "Shirt", "category": "clothing",
        "options": [{"name": "Size", "values": sizes}],
        "variants": [
            {"sku": f"SHIRT-{size}-{uuid4().hex[:8]}", "options": {"Size": size},
             "price": 1000 + index, "stock": stock}
            for index, (size, stock) in enumerate(zip(sizes, stocks, strict=True))
        ],
    }  # fmt: skip
    response = await http.post(f"{API}/products", headers=bearer(seller), json=body)
    assert response.status_code == 201, response.text
    product: dict[str, Any] = response.json()
    return product


async def variant_stocks(http: httpx.AsyncClient, product_id: str) -> tuple[int, list[int]]:
    product = (await http.get(f"{API}/products/{product_id}")).json()
    return product["stock"], [variant["stock"] for variant in product["variants"]]


Line = tuple[str, int] | tuple[str, int, str]


async def order(
    http: httpx.AsyncClient, token: str, lines: Sequence[Line], key: str | None = None
) -> httpx.Response:
    body = {
        "items": [
            {"productId": line[0], "quantity": line[1]}
            | ({"variantId": line[2]} if len(line) > 2 else {})
            for line in lines
        ],
        "shippingAddress": ADDRESS,
    }
    headers = bearer(token) | ({"Idempotency-Key": key} if key else {})
    return await http.post(f"{API}/orders", headers=headers, json=body)


async def orders_of(http: httpx.AsyncClient, token: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": 100} | ({"cursor": cursor} if cursor else {})
        page = (await http.get(f"{API}/orders", headers=bearer(token), params=params)).json()
        found += page["items"]
        if (cursor := page["nextCursor"]) is None:
            return found


def codes(responses: list[httpx.Response]) -> Counter[tuple[int, str]]:
    """How many responses had each (status, problem code); "" for successes."""
    return Counter(
        (r.status_code, r.json().get("code", "") if r.status_code >= 400 else "") for r in responses
    )


async def test_200_orders_for_50_in_stock_sell_exactly_50(http: httpx.AsyncClient) -> None:
    seller = await account(http, "seller")
    buyers = [await account(http, "buyer") for _ in range(4)]
    lamp = await product(http, seller, stock=50)

    responses = await asyncio.gather(*(order(http, buyers[n % 4], [(lamp, 1)]) for n in range(200)))

    assert codes(responses) == {(201, ""): 50, (409, "outOfStock"): 150}
    assert await stock_of(http, lamp) == 0
    placed = [o for buyer in buyers for o in await orders_of(http, buyer)]
    assert len(placed) == 50
    assert sum(o["items"][0]["quantity"] for o in placed) == 50


async def test_two_item_orders_in_random_item_order_never_deadlock(
    http: httpx.AsyncClient,
) -> None:
    seller = await account(http, "seller")
    buyer = await account(http, "buyer")
    first, second = await product(http, seller, stock=70), await product(http, seller, stock=90)
    carts = [random.sample([(first, 1), (second, 1)], 2) for _ in range(100)]

    responses = await asyncio.gather(*(order(http, buyer, cart) for cart in carts))

    outcome = codes(responses)
    assert set(outcome) <= {(201, ""), (409, "outOfStock")}, outcome
    assert outcome[201, ""] == 70
    assert (await stock_of(http, first), await stock_of(http, second)) == (0, 20)


async def test_200_orders_over_the_variants_of_one_product_sell_exactly_its_50(
    http: httpx.AsyncClient,
) -> None:
    seller = await account(http, "seller")
    buyers = [await account(http, "buyer") for _ in range(4)]
    shirt = await sized(http, seller, [10] * 5)
    variants = [variant["id"] for variant in shirt["variants"]]

    responses = await asyncio.gather(*(
        order(http, buyers[n % 4], [(shirt["id"], 1, variants[n % 5])]) for n in range(200)
    ))  # fmt: skip

    assert codes(responses) == {(201, ""): 50, (409, "outOfStock"): 150}
    assert await variant_stocks(http, shirt["id"]) == (0, [0] * 5)
    placed = [o for buyer in buyers for o in await orders_of(http, buyer)]
    sold = Counter(item["variantId"] for o in placed for item in o["items"])
    assert sold == dict.fromkeys(variants, 10)


async def test_two_variant_orders_in_random_line_order_never_deadlock(
    http: httpx.AsyncClient,
) -> None:
    seller = await account(http, "seller")
    buyer = await account(http, "buyer")
    shirt = await sized(http, seller, [70, 90])
    small, large = (variant["id"] for variant in shirt["variants"])
    lines: list[Line] = [(shirt["id"], 1, small), (shirt["id"], 1, large)]
    carts = [random.sample(lines, 2) for _ in range(100)]

    responses = await asyncio.gather(*(order(http, buyer, cart) for cart in carts))

    outcome = codes(responses)
    assert set(outcome) <= {(201, ""), (409, "outOfStock")}, outcome
    assert outcome[201, ""] == 70
    assert await variant_stocks(http, shirt["id"]) == (20, [0, 20])


async def test_one_idempotency_key_sent_20_times_at_once_places_one_order(
    http: httpx.AsyncClient,
) -> None:
    seller = await account(http, "seller")
    buyer, other = await account(http, "buyer"), await account(http, "buyer")
    lamp = await product(http, seller, stock=100)

    responses = await asyncio.gather(
        *(order(http, token, [(lamp, 3)], key="same-key") for token in [buyer, other] * 20)
    )

    for token, start in ((buyer, 0), (other, 1)):
        mine = responses[start::2]
        assert set(codes(mine)) <= {(201, ""), (409, "idempotencyKeyInFlight")}, codes(mine)
        placed = await orders_of(http, token)
        assert len(placed) == 1
        assert {r.json()["id"] for r in mine if r.status_code == 201} == {placed[0]["id"]}
    assert await stock_of(http, lamp) == 100 - 2 * 3

    replay = await order(http, buyer, [(lamp, 3)], key="same-key")
    assert (replay.status_code, replay.headers["idempotent-replayed"]) == (201, "true")
    assert await stock_of(http, lamp) == 94


async def test_concurrent_cancels_return_the_stock_once(http: httpx.AsyncClient) -> None:
    seller = await account(http, "seller")
    buyer = await account(http, "buyer")
    lamp = await product(http, seller, stock=10)
    placed = (await order(http, buyer, [(lamp, 4)])).json()
    path = f"{API}/orders/{placed['id']}/cancel"

    responses = await asyncio.gather(*(http.post(path, headers=bearer(buyer)) for _ in range(20)))

    assert codes(responses) == {(200, ""): 1, (409, "invalidState"): 19}
    assert await stock_of(http, lamp) == 10


async def delivered_buyer(http: httpx.AsyncClient, seller: str, product_id: str) -> str:
    """A new buyer whose order of the product was paid, shipped and delivered."""
    buyer = await account(http, "buyer")
    placed = (await order(http, buyer, [(product_id, 1)])).json()
    paid = await http.post(
        f"{API}/orders/{placed['id']}/pay", headers=bearer(buyer), json={"paymentToken": "tok"}
    )
    assert paid.status_code == 200, paid.text
    shipped = await http.post(
        f"{API}/orders/{placed['id']}/shipments",
        headers=bearer(seller),
        json={"carrier": "DHL", "trackingNumber": placed["id"][:8]},
    )
    assert shipped.status_code == 201, shipped.text
    delivered = await http.patch(
        f"{API}/shipments/{shipped.json()['id']}",
        headers=bearer(seller),
        json={"status": "delivered"},
    )
    assert delivered.status_code == 200, delivered.text
    return buyer


async def test_50_buyers_reviewing_one_product_at_once_are_all_counted(
    http: httpx.AsyncClient,
) -> None:
    """Each review adds itself to the product's rating in the statement that reads it, so
    none is lost between the two workers (a read, then a write, would lose some)."""
    seller = await account(http, "seller")
    lamp = await product(http, seller, stock=100)
    buyers = await asyncio.gather(*(delivered_buyer(http, seller, lamp) for _ in range(50)))
    ratings = [random.randint(1, 5) for _ in buyers]

    answers = await asyncio.gather(
        *(
            http.post(f"{API}/products/{lamp}/reviews", headers=bearer(buyer), json={"rating": r})
            for buyer, r in zip(buyers, ratings, strict=True)
        )
    )

    assert Counter(answer.status_code for answer in answers) == {201: 50}
    rating = (await http.get(f"{API}/products/{lamp}")).json()["rating"]
    hundredths = (200 * sum(ratings) + 50) // 100  # the average, rounded half up
    assert rating == {"count": 50, "average": hundredths / 100}
    listed = (await http.get(f"{API}/products/{lamp}/reviews", params={"limit": 100})).json()
    assert sorted(review["rating"] for review in listed["items"]) == sorted(ratings)
