"""Orders under real concurrency: many requests at once against gunicorn with two workers.

On SQLite the two worker processes contend for the one write lock; on PostgreSQL (when
TEST_POSTGRES_URL is set) for row locks. Either way stock must stay exact, no order may
deadlock, no request may fail with a 5xx, and a cart checks out into one order however many
checkouts of it arrive at once or are retried after their answer was lost.
"""

import asyncio
import json
import random
import socket
import struct
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import httpx
import pytest

from tests.conftest import new_empty_database
from tests.e2e.helpers import API, PASSWORD, bearer, new_email, ship_and_deliver
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
    await ship_and_deliver(http, seller, placed["id"], tracking_number=placed["id"][:8])
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


async def cart_of(http: httpx.AsyncClient, lines: Sequence[tuple[str, int]]) -> str:
    """A guest cart holding the lines (product id, quantity): its id."""
    cart = (await http.post(f"{API}/carts")).json()["id"]
    for product_id, quantity in lines:
        body = {"productId": product_id, "quantity": quantity}
        added = await http.post(f"{API}/carts/{cart}/items", json=body)
        assert added.status_code == 200, added.text
    return str(cart)


async def checkout(http: httpx.AsyncClient, token: str, cart: str) -> httpx.Response:
    path = f"{API}/carts/{cart}/checkout"
    return await http.post(path, headers=bearer(token), json={"shippingAddress": ADDRESS})


async def test_20_checkouts_of_one_cart_at_once_make_one_order(http: httpx.AsyncClient) -> None:
    seller = await account(http, "seller")
    buyer = await account(http, "buyer")
    lamp, desk = await product(http, seller, stock=50), await product(http, seller, stock=50)
    cart = await cart_of(http, [(lamp, 2), (desk, 3)])

    answers = await asyncio.gather(*(checkout(http, buyer, cart) for _ in range(20)))

    assert sorted(answer.status_code for answer in answers) == [200] * 19 + [201]
    placed = await orders_of(http, buyer)
    assert len(placed) == 1
    assert {answer.json()["id"] for answer in answers} == {placed[0]["id"]}
    assert placed[0]["cartId"] == cart
    assert (await stock_of(http, lamp), await stock_of(http, desk)) == (48, 47)


async def test_40_adds_to_one_cart_at_once_lose_none(http: httpx.AsyncClient) -> None:
    """Each add locks the cart, then reads its lines: none reads lines from before the
    previous add committed, so no quantity is lost and no line made twice."""
    seller = await account(http, "seller")
    lamp, desk = await product(http, seller, stock=50), await product(http, seller, stock=50)
    cart = (await http.post(f"{API}/carts")).json()["id"]

    answers = await asyncio.gather(*(
        http.post(f"{API}/carts/{cart}/items", json={"productId": each, "quantity": 1})
        for each in [lamp, desk] * 20
    ))  # fmt: skip

    assert Counter(answer.status_code for answer in answers) == {200: 40}
    read = (await http.get(f"{API}/carts/{cart}")).json()
    assert sorted((item["productId"], item["quantity"]) for item in read["items"]) == sorted(
        [(lamp, 20), (desk, 20)]
    )


async def send_and_hang_up(
    base_url: str, token: str, path: str, body: object,
    *, once: Callable[[], Awaitable[bool]] | None = None,
) -> None:  # fmt: skip
    """POST a request and never read its answer: reset the connection (SO_LINGER 0, as a
    client that times out or loses its network does) at once, or once `once` holds (within
    30 s)."""
    host, port = base_url.removeprefix("http://").split(":")
    content = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(content)}\r\n\r\n"
    )
    _, writer = await asyncio.open_connection(host, int(port))
    writer.write(head.encode() + content)
    await writer.drain()
    for _ in range(1_500 if once is not None else 0):
        if once is not None and await once():
            break
        await asyncio.sleep(0.02)
    linger = struct.pack("ii", 1, 0)
    writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
    writer.transport.abort()


async def test_a_checkout_whose_answer_was_lost_is_retried_into_the_same_order(
    http: httpx.AsyncClient, server: str
) -> None:
    seller = await account(http, "seller")
    buyer = await account(http, "buyer")
    lamp = await product(http, seller, stock=10)
    cart = await cart_of(http, [(lamp, 4)])

    async def checked_out() -> bool:
        read = await http.get(f"{API}/carts/{cart}", headers=bearer(buyer))
        return bool(read.json()["status"] == "checkedOut")

    # The checkout is made, but its client is gone before reading the answer.
    path, body = f"{API}/carts/{cart}/checkout", {"shippingAddress": ADDRESS}
    await send_and_hang_up(server, buyer, path, body, once=checked_out)
    assert await checked_out()
    retried = await checkout(http, buyer, cart)

    assert retried.status_code == 200, retried.text
    placed = await orders_of(http, buyer)
    assert [order["id"] for order in placed] == [retried.json()["id"]]
    assert await stock_of(http, lamp) == 6


async def test_checkouts_hung_up_at_once_then_retried_make_one_order(
    http: httpx.AsyncClient, server: str
) -> None:
    """Hung up at once, a checkout may be made or not, before or after its retry: the retry
    names the one order either way."""
    seller = await account(http, "seller")
    buyer = await account(http, "buyer")
    lamp = await product(http, seller, stock=10)
    cart = await cart_of(http, [(lamp, 4)])
    path, body = f"{API}/carts/{cart}/checkout", {"shippingAddress": ADDRESS}

    await asyncio.gather(*(send_and_hang_up(server, buyer, path, body) for _ in range(5)))
    retried = await checkout(http, buyer, cart)
    await asyncio.sleep(0.5)  # any hung-up checkout still running finds the cart checked out
    again = await checkout(http, buyer, cart)

    assert retried.status_code in {200, 201}, retried.text
    assert (again.status_code, again.json()["id"]) == (200, retried.json()["id"])
    placed = await orders_of(http, buyer)
    assert [order["id"] for order in placed] == [retried.json()["id"]]
    assert await stock_of(http, lamp) == 6
