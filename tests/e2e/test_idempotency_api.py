"""Idempotency-Key on POST /orders: a retry gets the first answer and changes nothing."""

import pytest
from httpx import AsyncClient

from tests.e2e.helpers import API, bearer, problem_of, signed_in
from tests.e2e.test_orders_api import ADDRESS, Shop

pytestmark = pytest.mark.database


@pytest.fixture
async def shop(client: AsyncClient) -> Shop:
    return await Shop(client).open()


async def test_a_repeat_returns_the_first_answer_and_takes_stock_once(shop: Shop) -> None:
    lamp = await shop.product(stock=5)
    first = await shop.order((lamp, 2), **{"Idempotency-Key": "order-1"})
    again = await shop.order((lamp, 2), **{"Idempotency-Key": "order-1"})

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await shop.stock(lamp) == 3
    listing = await shop.client.get(f"{API}/orders", headers=bearer(shop.buyer_token))
    assert len(listing.json()["items"]) == 1


async def test_the_same_body_spelled_differently_is_the_same_request(shop: Shop) -> None:
    lamp = await shop.product(stock=5)
    first = await shop.order((lamp, 1), **{"Idempotency-Key": "spelling"})
    snake = {
        "shipping_address": {
            "full_name": ADDRESS["fullName"], "line1": ADDRESS["line1"], "city": ADDRESS["city"],
            "postal_code": ADDRESS["postalCode"], "country": ADDRESS["country"],
        },
        "items": [{"quantity": 1, "product_id": lamp["id"]}],
    }  # fmt: skip
    again = await shop.client.post(
        f"{API}/orders",
        headers=bearer(shop.buyer_token) | {"Idempotency-Key": "spelling"},
        json=snake,
    )
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert await shop.stock(lamp) == 4


async def test_the_same_key_with_another_body_is_refused(shop: Shop) -> None:
    lamp = await shop.product(stock=5)
    await shop.order((lamp, 1), **{"Idempotency-Key": "k"})
    problem_of(await shop.order((lamp, 2), **{"Idempotency-Key": "k"}), 422, "idempotencyKeyReused")
    assert await shop.stock(lamp) == 4


async def test_keys_are_scoped_to_the_user(shop: Shop, client: AsyncClient) -> None:
    lamp = await shop.product(stock=5)
    _, other = await signed_in(client, role="buyer")
    mine = await shop.order((lamp, 1), **{"Idempotency-Key": "shared"})
    theirs = await shop.order((lamp, 1), token=other, **{"Idempotency-Key": "shared"})
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
    assert theirs.json()["buyerId"] != mine.json()["buyerId"]
    assert await shop.stock(lamp) == 3


async def test_a_refusal_is_the_answer_too(shop: Shop) -> None:
    """A key is bound by its first completed answer: after an outOfStock, restocking does not
    make the same request under the same key succeed; a new key does."""
    lamp = await shop.product(stock=1)
    problem_of(await shop.order((lamp, 2), **{"Idempotency-Key": "short"}), 409, "outOfStock")
    restocked = await shop.client.patch(
        f"{API}/products/{lamp['id']}", headers=bearer(shop.seller_token), json={"stock": 10}
    )
    assert restocked.status_code == 200

    replay = await shop.order((lamp, 2), **{"Idempotency-Key": "short"})

    problem_of(replay, 409, "outOfStock")
    assert replay.headers["idempotent-replayed"] == "true"
    assert (await shop.order((lamp, 2), **{"Idempotency-Key": "fresh"})).status_code == 201
    assert await shop.stock(lamp) == 8


async def test_a_request_refused_before_it_runs_binds_nothing(shop: Shop) -> None:
    lamp = await shop.product(stock=5)
    seller_try = await shop.order((lamp, 1), token=shop.seller_token, **{"Idempotency-Key": "x"})
    problem_of(seller_try, 403, "forbidden")
    malformed = await shop.client.post(
        f"{API}/orders",
        headers=bearer(shop.buyer_token) | {"Idempotency-Key": "y"},
        json={"items": []},
    )
    problem_of(malformed, 422, "validationError")
    assert (await shop.order((lamp, 1), **{"Idempotency-Key": "y"})).status_code == 201


@pytest.mark.parametrize("key", ["", "k" * 256])
async def test_a_key_is_one_to_255_characters(shop: Shop, key: str) -> None:
    lamp = await shop.product(stock=5)
    response = await shop.order((lamp, 1), **{"Idempotency-Key": key})
    problem = problem_of(response, 422, "validationError")
    assert ["header", "Idempotency-Key"] in [error["loc"] for error in problem["errors"]]
    assert await shop.stock(lamp) == 5


async def test_a_255_character_key_is_accepted(shop: Shop) -> None:
    lamp = await shop.product(stock=5)
    assert (await shop.order((lamp, 1), **{"Idempotency-Key": "k" * 255})).status_code == 201
