"""The carts contract of API.md ("Carts and checkout"), over HTTP."""

import asyncio
from typing import Any

import pytest
from httpx import AsyncClient

from tests.e2e.helpers import API, bearer, problem_of, signed_in

pytestmark = pytest.mark.database

ADDRESS = {"fullName": "Ada Lovelace", "line1": "12 St James's Square", "city": "London",
           "postalCode": "SW1Y 4JH", "country": "GB"}  # fmt: skip


class Shop:
    def __init__(self, client: AsyncClient) -> None:
        self.client = client

    async def open(self) -> "Shop":
        self.seller, self.seller_token = await signed_in(self.client, role="seller")
        self.buyer, self.buyer_token = await signed_in(self.client, role="buyer")
        return self

    async def product(self, **fields: Any) -> dict[str, Any]:
        body = {"title": "Lamp", "price": 1250, "stock": 5, "category": "lighting"} | fields
        response = await self.client.post(
            f"{API}/products", headers=bearer(self.seller_token), json=body
        )
        assert response.status_code == 201, response.text
        product: dict[str, Any] = response.json()
        return product

    async def cart(self, token: str | None = None) -> dict[str, Any]:
        headers = bearer(token) if token else {}
        response = await self.client.post(f"{API}/carts", headers=headers)
        assert response.status_code in (200, 201), response.text
        cart: dict[str, Any] = response.json()
        return cart

    async def add(
        self, cart: dict[str, Any], product: dict[str, Any], quantity: int = 1,
        token: str | None = None, **extra: Any,
    ) -> Any:  # fmt: skip
        headers = bearer(token) if token else {}
        return await self.client.post(
            f"{API}/carts/{cart['id']}/items", headers=headers,
            json={"productId": product["id"], "quantity": quantity, **extra},
        )  # fmt: skip

    async def checkout(self, cart: dict[str, Any], **extra: Any) -> Any:
        return await self.client.post(
            f"{API}/carts/{cart['id']}/checkout", headers=bearer(self.buyer_token),
            json={"shippingAddress": ADDRESS, **extra},
        )  # fmt: skip

    async def stock(self, product: dict[str, Any]) -> int:
        response = await self.client.get(f"{API}/products/{product['id']}")
        return int(response.json()["stock"])


@pytest.fixture
async def shop(client: AsyncClient) -> Shop:
    return await Shop(client).open()


async def test_a_guest_cart_adds_lines_priced_now_and_sums_them_by_seller(shop: Shop) -> None:
    lamp, desk = await shop.product(), await shop.product(title="Desk", price=30000, stock=1)
    created = await shop.client.post(f"{API}/carts")
    assert created.status_code == 201
    cart = created.json()
    assert created.headers["location"] == f"{API}/carts/{cart['id']}"
    assert cart["buyerId"] is None
    assert cart["status"] == "open"
    assert (cart["items"], cart["subtotal"], cart["currency"]) == ([], 0, "USD")

    assert (await shop.add(cart, lamp, 2)).status_code == 200
    again = await shop.add(cart, lamp, 1)  # the same variant adds to its line
    body = (await shop.add(cart, desk, 2)).json()
    assert again.json()["items"][0]["quantity"] == 3
    assert [(i["title"], i["quantity"], i["unitPrice"], i["available"]) for i in body["items"]] == [
        ("Lamp", 3, 1250, True), ("Desk", 2, 30000, False)]  # fmt: skip  # one desk in stock
    assert body["subtotal"] == 3 * 1250 + 2 * 30000
    assert body["sellers"] == [{"sellerId": shop.seller["id"], "subtotal": body["subtotal"]}]
    assert body["items"][0]["variantId"] == lamp["id"]

    # Prices are the catalog's, now.
    await shop.client.patch(
        f"{API}/products/{lamp['id']}", headers=bearer(shop.seller_token), json={"price": 1000}
    )
    read = (await shop.client.get(f"{API}/carts/{cart['id']}")).json()
    assert read["items"][0]["unitPrice"] == 1000
    assert read["subtotal"] == 3 * 1000 + 2 * 30000


async def test_lines_change_and_go(shop: Shop) -> None:
    lamp = await shop.product()
    cart = await shop.cart()
    item = (await shop.add(cart, lamp, 2)).json()["items"][0]
    changed = await shop.client.patch(
        f"{API}/carts/{cart['id']}/items/{item['id']}", json={"quantity": 4}
    )
    assert changed.json()["items"][0]["quantity"] == 4
    gone = await shop.client.delete(f"{API}/carts/{cart['id']}/items/{item['id']}")
    assert gone.status_code == 204
    assert (await shop.client.get(f"{API}/carts/{cart['id']}")).json()["items"] == []
    again = await shop.client.delete(f"{API}/carts/{cart['id']}/items/{item['id']}")
    problem_of(again, 404, "notFound")


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"quantity": 0}, 422, "validationError", "quantity"),
        ({"quantity": 1001}, 422, "validationError", "quantity"),
        ({"quantity": 1, "price": 1}, 422, "validationError", "price"),
    ],
)
async def test_bad_lines_are_422_naming_the_field(
    shop: Shop, body: dict[str, Any], status: int, code: str, field: str
) -> None:
    lamp = await shop.product()
    cart = await shop.cart()
    response = await shop.client.post(
        f"{API}/carts/{cart['id']}/items", json={"productId": lamp["id"], **body}
    )
    problem = problem_of(response, status, code)
    assert [error["loc"][-1] for error in problem["errors"]] == [field]


async def test_what_a_cart_refuses(shop: Shop) -> None:
    lamp = await shop.product()
    euro = await shop.product(currency="EUR")
    shirt = await shop.product(
        title="Shirt", price=None, stock=None,
        options=[{"name": "Size", "values": ["S", "M"]}],
        variants=[{"sku": f"S-{n}", "options": {"Size": n}, "price": 2000, "stock": 3}
                  for n in ("S", "M")],
    )  # fmt: skip
    cart = await shop.cart()
    await shop.add(cart, lamp, 999)
    problem_of(await shop.add(cart, lamp, 2), 422, "validationError")  # 1001 on one line
    problem_of(await shop.add(cart, euro), 422, "validationError")  # another currency
    problem_of(await shop.add(cart, shirt), 422, "validationError")  # which size?
    problem = problem_of(await shop.add(cart, lamp, variantId=shirt["variants"][0]["id"]), 422,
                         "productUnavailable")  # fmt: skip
    assert problem["errors"][0]["loc"] == ["body", "variantId"]
    assert (await shop.add(cart, shirt, variantId=shirt["variants"][1]["id"])).status_code == 200
    await shop.client.delete(f"{API}/products/{lamp['id']}", headers=bearer(shop.seller_token))
    problem_of(await shop.add(cart, lamp), 422, "productUnavailable")
    # The archived lamp's line stays, shown unavailable.
    read = (await shop.client.get(f"{API}/carts/{cart['id']}")).json()
    assert [item["available"] for item in read["items"]] == [False, True]


async def test_a_cart_holds_at_most_fifty_lines(shop: Shop) -> None:
    cart = await shop.cart()
    products = [await shop.product(title=f"P{n}") for n in range(51)]
    for product in products[:50]:
        assert (await shop.add(cart, product)).status_code == 200
    problem_of(await shop.add(cart, products[50]), 422, "validationError")


async def test_a_buyers_cart_is_theirs_alone(shop: Shop) -> None:
    _, other = await signed_in(shop.client, role="buyer")
    created = await shop.client.post(f"{API}/carts", headers=bearer(shop.buyer_token))
    assert created.status_code == 201
    mine = created.json()
    assert mine["buyerId"] == shop.buyer["id"]
    # A buyer has one open cart: asking again, or for the current one, gives it back.
    again = await shop.client.post(f"{API}/carts", headers=bearer(shop.buyer_token))
    assert (again.status_code, again.json()["id"]) == (200, mine["id"])
    current = await shop.client.get(f"{API}/carts/current", headers=bearer(shop.buyer_token))
    assert current.json()["id"] == mine["id"]
    for headers in ({}, bearer(other)):
        problem_of(await shop.client.get(f"{API}/carts/{mine['id']}", headers=headers), 404,
                   "notFound")  # fmt: skip
        lamp = await shop.product()
        response = await shop.client.post(
            f"{API}/carts/{mine['id']}/items", headers=headers,
            json={"productId": lamp["id"], "quantity": 1},
        )  # fmt: skip
        problem_of(response, 404, "notFound")
    problem_of(await shop.client.get(f"{API}/carts/current", headers=bearer(shop.seller_token)),
               403, "forbidden")  # fmt: skip
    problem_of(await shop.client.get(f"{API}/carts/current"), 401, "unauthorized")
    bad = await shop.client.get(f"{API}/carts/{mine['id']}", headers=bearer("not-a-token"))
    problem_of(bad, 401, "unauthorized")


async def test_many_requests_for_the_current_cart_make_one(shop: Shop) -> None:
    answers = await asyncio.gather(*(
        shop.client.get(f"{API}/carts/current", headers=bearer(shop.buyer_token))
        for _ in range(10)
    ))  # fmt: skip
    assert {answer.status_code for answer in answers} == {200}
    assert len({answer.json()["id"] for answer in answers}) == 1


async def test_a_guest_cart_merges_into_the_buyers_and_is_gone(shop: Shop) -> None:
    lamp, desk = await shop.product(), await shop.product(title="Desk")
    guest = await shop.cart()
    await shop.add(guest, lamp, 600)
    await shop.add(guest, desk, 1)
    mine = await shop.cart(shop.buyer_token)
    await shop.add(mine, lamp, 500, token=shop.buyer_token)
    merged = await shop.client.post(
        f"{API}/carts/current/merge", headers=bearer(shop.buyer_token), json={"cartId": guest["id"]}
    )
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["id"] == mine["id"]
    assert [(i["title"], i["quantity"]) for i in body["items"]] == [("Lamp", 1000), ("Desk", 1)]
    problem_of(await shop.client.get(f"{API}/carts/{guest['id']}"), 404, "notFound")
    again = await shop.client.post(
        f"{API}/carts/current/merge", headers=bearer(shop.buyer_token), json={"cartId": guest["id"]}
    )
    problem_of(again, 404, "notFound")
    itself = await shop.client.post(
        f"{API}/carts/current/merge", headers=bearer(shop.buyer_token), json={"cartId": mine["id"]}
    )
    problem_of(itself, 422, "validationError")


async def test_checkout_makes_the_order_once(shop: Shop) -> None:
    lamp = await shop.product(stock=5)
    cart = await shop.cart()
    await shop.add(cart, lamp, 2)
    problem_of(await shop.checkout(cart, expectedTotal=1), 409, "priceChanged")
    assert await shop.stock(lamp) == 5  # nothing was ordered

    placed = await shop.checkout(cart, expectedTotal=2500)
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert placed.headers["location"] == f"{API}/orders/{order['id']}"
    assert (order["cartId"], order["total"], order["status"]) == (
        cart["id"],
        2500,
        "pendingPayment",
    )
    assert order["sellers"] == [
        {"sellerId": shop.seller["id"], "subtotal": 2500, "commission": 250, "payout": 2250}
    ]  # the default 10 %
    assert await shop.stock(lamp) == 3

    again = await shop.checkout(cart)  # a retry after a lost answer
    assert (again.status_code, again.json()["id"]) == (200, order["id"])
    assert await shop.stock(lamp) == 3
    # The guest cart is the buyer's now, and checked out: it does not change.
    read = await shop.client.get(f"{API}/carts/{cart['id']}", headers=bearer(shop.buyer_token))
    assert (read.json()["status"], read.json()["buyerId"]) == ("checkedOut", shop.buyer["id"])
    problem_of(await shop.client.get(f"{API}/carts/{cart['id']}"), 404, "notFound")
    response = await shop.add(cart, lamp, token=shop.buyer_token)
    problem_of(response, 409, "invalidState")


async def test_concurrent_checkouts_of_one_cart_make_one_order(shop: Shop) -> None:
    lamp = await shop.product(stock=50)
    cart = await shop.cart()
    await shop.add(cart, lamp, 2)
    answers = await asyncio.gather(*(shop.checkout(cart) for _ in range(20)))
    assert sorted(answer.status_code for answer in answers) == [200] * 19 + [201]
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert await shop.stock(lamp) == 48


async def test_checkout_is_all_or_nothing_like_an_order(shop: Shop) -> None:
    lamp, desk = await shop.product(stock=5), await shop.product(title="Desk", stock=1)
    cart = await shop.cart()
    await shop.add(cart, lamp, 2)
    await shop.add(cart, desk, 2)
    problem_of(await shop.checkout(cart), 409, "outOfStock")
    assert (await shop.stock(lamp), await shop.stock(desk)) == (5, 1)
    # The cart is still open: fix it and check out.
    read = (await shop.client.get(f"{API}/carts/{cart['id']}")).json()
    assert read["status"] == "open"
    await shop.client.patch(
        f"{API}/carts/{cart['id']}/items/{read['items'][1]['id']}", json={"quantity": 1}
    )
    assert (await shop.checkout(cart)).status_code == 201
    problem_of(await shop.checkout(await shop.cart()), 422, "validationError")  # empty


async def test_only_buyers_check_out(shop: Shop) -> None:
    lamp = await shop.product()
    cart = await shop.cart()
    await shop.add(cart, lamp)
    response = await shop.client.post(
        f"{API}/carts/{cart['id']}/checkout", headers=bearer(shop.seller_token),
        json={"shippingAddress": ADDRESS},
    )  # fmt: skip
    problem_of(response, 403, "forbidden")
    response = await shop.client.post(
        f"{API}/carts/{cart['id']}/checkout", json={"shippingAddress": ADDRESS}
    )
    problem_of(response, 401, "unauthorized")
