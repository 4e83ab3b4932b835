"""The orders contract of API.md, over HTTP: placing, reading, listing, cancelling."""

from typing import Any
from uuid import UUID, uuid4

import pytest
from httpx import AsyncClient

from src.application.users import ensure_admin_account
from src.domain.catalog import ProductRepository
from src.infrastructure.database import transaction
from tests.e2e.helpers import API, PASSWORD, bearer, login, problem_of, signed_in

pytestmark = pytest.mark.database

ADDRESS = {
    "fullName": "Ada Lovelace",
    "line1": "12 St James's Square",
    "city": "London",
    "postalCode": "SW1Y 4JH",
    "country": "GB",
}


class Shop:
    """A seller with products, and a buyer, on one client."""

    def __init__(self, client: AsyncClient) -> None:
        self.client = client

    async def open(self) -> "Shop":
        self.seller, self.seller_token = await signed_in(self.client, role="seller")
        self.buyer, self.buyer_token = await signed_in(self.client, role="buyer")
        return self

    async def product(self, token: str | None = None, **fields: Any) -> dict[str, Any]:
        body = {"title": "Lamp", "price": 1250, "stock": 5, "category": "lighting"} | fields
        response = await self.client.post(
            f"{API}/products", headers=bearer(token or self.seller_token), json=body
        )
        assert response.status_code == 201, response.text
        product: dict[str, Any] = response.json()
        return product

    async def stock(self, product: dict[str, Any]) -> int:
        response = await self.client.get(f"{API}/products/{product['id']}")
        return int(response.json()["stock"])

    async def order(
        self, *lines: tuple[dict[str, Any], int], token: str | None = None, **headers: str
    ) -> Any:
        body = {
            "items": [{"productId": product["id"], "quantity": n} for product, n in lines],
            "shippingAddress": ADDRESS,
        }
        return await self.client.post(
            f"{API}/orders", headers=bearer(token or self.buyer_token) | headers, json=body
        )

    async def placed(self, *lines: tuple[dict[str, Any], int], token: str | None = None) -> Any:
        response = await self.order(*lines, token=token)
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture
async def shop(client: AsyncClient) -> Shop:
    return await Shop(client).open()


async def admin_token(client: AsyncClient) -> str:
    await ensure_admin_account(email="root@example.com", password=PASSWORD, full_name="Root")
    return str((await login(client, "root@example.com"))["accessToken"])


async def test_an_order_snapshots_its_items_and_takes_their_stock(shop: Shop) -> None:
    lamp = await shop.product(title="Lamp", price=1250, stock=5)
    desk = await shop.product(title="Desk", price=30000, stock=2)

    response = await shop.order((lamp, 3), (desk, 1))

    assert response.status_code == 201, response.text
    order = response.json()
    assert response.headers["location"] == f"{API}/orders/{order['id']}"
    assert set(order) == {
        "id", "buyerId", "status", "items", "total", "currency", "shippingAddress",
        "createdAt", "updatedAt", "sellers", "cartId", "refunded",
    }  # fmt: skip
    assert (order["status"], order["buyerId"]) == ("pendingPayment", shop.buyer["id"])
    assert order["items"] == [
        {"productId": lamp["id"], "sellerId": shop.seller["id"], "title": "Lamp",
         "unitPrice": 1250, "quantity": 3, "variantId": lamp["id"],
         "sku": lamp["id"].replace("-", ""), "options": {}},
        {"productId": desk["id"], "sellerId": shop.seller["id"], "title": "Desk",
         "unitPrice": 30000, "quantity": 1, "variantId": desk["id"],
         "sku": desk["id"].replace("-", ""), "options": {}},
    ]  # fmt: skip
    assert (order["total"], order["currency"]) == (3 * 1250 + 30000, "USD")
    assert order["shippingAddress"] == ADDRESS | {"line2": None}
    assert order["createdAt"].endswith(("Z", "+00:00"))
    assert (await shop.stock(lamp), await shop.stock(desk)) == (2, 1)


async def test_one_short_item_refuses_the_whole_order_and_changes_no_stock(shop: Shop) -> None:
    lamp = await shop.product(title="Lamp", stock=5)
    desk = await shop.product(title="Desk", stock=2)

    body = problem_of(await shop.order((lamp, 1), (desk, 3)), 409, "outOfStock")

    assert "Desk" in body["detail"]
    assert (await shop.stock(lamp), await shop.stock(desk)) == (5, 2)
    listing = await shop.client.get(f"{API}/orders", headers=bearer(shop.buyer_token))
    assert listing.json()["items"] == []


async def test_the_last_units_can_be_ordered_and_then_none_are_left(shop: Shop) -> None:
    lamp = await shop.product(stock=2)
    await shop.placed((lamp, 2))
    assert await shop.stock(lamp) == 0
    problem_of(await shop.order((lamp, 1)), 409, "outOfStock")


async def test_unknown_and_archived_products_are_unavailable(shop: Shop) -> None:
    lamp = await shop.product()
    archived = await shop.product(title="Old")
    await shop.client.delete(f"{API}/products/{archived['id']}", headers=bearer(shop.seller_token))
    unknown = {"id": str(uuid4())}

    body = problem_of(
        await shop.order((lamp, 1), (archived, 1), (unknown, 1)), 422, "productUnavailable"
    )

    assert [error["loc"] for error in body["errors"]] == [
        ["body", "items", 1, "productId"],
        ["body", "items", 2, "productId"],
    ]
    assert await shop.stock(lamp) == 5


async def test_an_order_is_priced_in_one_currency(shop: Shop) -> None:
    dollars = await shop.product(currency="USD")
    euros = await shop.product(currency="EUR")
    problem_of(await shop.order((dollars, 1), (euros, 1)), 422, "validationError")
    assert (await shop.stock(dollars), await shop.stock(euros)) == (5, 5)


@pytest.mark.parametrize(
    ("items", "where"),
    [
        ([], ["body", "items"]),
        ([{"quantity": 0}], ["body", "items", 0, "quantity"]),
        ([{"quantity": 1001}], ["body", "items", 0, "quantity"]),
        ([{"quantity": 1.5}], ["body", "items", 0, "quantity"]),
        ([{"quantity": "2"}], ["body", "items", 0, "quantity"]),
        ([{"quantity": 1, "unitPrice": 1}], ["body", "items", 0, "unitPrice"]),
    ],
)
async def test_malformed_lines_are_refused(
    shop: Shop, items: list[dict[str, Any]], where: list[Any]
) -> None:
    lamp = await shop.product()
    body = {
        "items": [{"productId": lamp["id"]} | item for item in items],
        "shippingAddress": ADDRESS,
    }
    response = await shop.client.post(f"{API}/orders", headers=bearer(shop.buyer_token), json=body)
    problem = problem_of(response, 422, "validationError")
    assert where in [error["loc"] for error in problem["errors"]]
    assert await shop.stock(lamp) == 5


async def test_fifty_lines_at_most_and_each_product_once(shop: Shop) -> None:
    lamp = await shop.product()
    too_many = [{"productId": str(uuid4()), "quantity": 1} for _ in range(51)]
    twice = [{"productId": lamp["id"], "quantity": 1}] * 2
    for items in (too_many, twice):
        response = await shop.client.post(
            f"{API}/orders",
            headers=bearer(shop.buyer_token),
            json={"items": items, "shippingAddress": ADDRESS},
        )
        problem_of(response, 422, "validationError")
    assert await shop.stock(lamp) == 5


@pytest.mark.parametrize("field", ["status", "total", "buyerId", "currency", "id"])
async def test_server_owned_fields_are_refused(shop: Shop, field: str) -> None:
    lamp = await shop.product()
    body = {
        "items": [{"productId": lamp["id"], "quantity": 1}],
        "shippingAddress": ADDRESS,
        field: "x",
    }
    response = await shop.client.post(f"{API}/orders", headers=bearer(shop.buyer_token), json=body)
    problem_of(response, 422, "validationError")


@pytest.mark.parametrize(
    "address",
    [
        {},
        ADDRESS | {"city": "  "},
        ADDRESS | {"country": None},
        ADDRESS | {"country": "0"},
        ADDRESS | {"extra": 1},
    ],
)
async def test_the_shipping_address_is_required_and_checked(
    shop: Shop, address: dict[str, Any]
) -> None:
    lamp = await shop.product()
    body = {"items": [{"productId": lamp["id"], "quantity": 1}], "shippingAddress": address}
    response = await shop.client.post(f"{API}/orders", headers=bearer(shop.buyer_token), json=body)
    problem_of(response, 422, "validationError")


async def test_the_address_is_stored_trimmed_and_its_second_line_may_be_null(shop: Shop) -> None:
    lamp = await shop.product()
    address = ADDRESS | {"line1": "\t1 Main St ", "line2": None, "city": "\u3000Leeds\n"}
    body = {"items": [{"productId": lamp["id"], "quantity": 1}], "shippingAddress": address}
    response = await shop.client.post(f"{API}/orders", headers=bearer(shop.buyer_token), json=body)
    assert response.status_code == 201, response.text
    stored = response.json()["shippingAddress"]
    assert (stored["line1"], stored["line2"], stored["city"]) == ("1 Main St", None, "Leeds")


async def test_snake_case_bodies_are_accepted(shop: Shop) -> None:
    lamp = await shop.product()
    body = {
        "items": [{"product_id": lamp["id"], "quantity": 1}],
        "shipping_address": {
            "full_name": "Ada", "line1": "1 Main St", "line2": "Flat 2", "city": "Leeds",
            "postal_code": "LS1", "country": "GB",
        },
    }  # fmt: skip
    response = await shop.client.post(f"{API}/orders", headers=bearer(shop.buyer_token), json=body)
    assert response.status_code == 201, response.text
    assert response.json()["shippingAddress"]["line2"] == "Flat 2"


async def test_only_buyers_place_orders(shop: Shop, client: AsyncClient) -> None:
    lamp = await shop.product()
    problem_of(await shop.order((lamp, 1), token=shop.seller_token), 403, "forbidden")
    problem_of(await shop.order((lamp, 1), token=await admin_token(client)), 403, "forbidden")
    anonymous = await client.post(f"{API}/orders", json={"items": [], "shippingAddress": ADDRESS})
    problem_of(anonymous, 401, "unauthorized")
    assert await shop.stock(lamp) == 5


async def test_an_order_is_seen_by_its_buyer_its_sellers_and_admins_only(
    shop: Shop, client: AsyncClient
) -> None:
    lamp = await shop.product()
    order = await shop.placed((lamp, 1))
    _, other_buyer = await signed_in(client, role="buyer")
    _, other_seller = await signed_in(client, role="seller")
    path = f"{API}/orders/{order['id']}"

    for token in (shop.buyer_token, shop.seller_token, await admin_token(client)):
        response = await client.get(path, headers=bearer(token))
        assert response.status_code == 200
        assert response.json() == order
    for token in (other_buyer, other_seller):
        problem_of(await client.get(path, headers=bearer(token)), 404, "notFound")
    problem_of(await client.get(f"{API}/orders/{uuid4()}", headers=bearer(shop.buyer_token)),
               404, "notFound")  # fmt: skip
    problem_of(await client.get(path), 401, "unauthorized")
    problem_of(await client.get(f"{API}/orders/nope", headers=bearer(shop.buyer_token)),
               422, "validationError")  # fmt: skip


async def test_an_order_keeps_its_titles_and_prices_after_the_product_changes(
    shop: Shop,
) -> None:
    lamp = await shop.product(title="Lamp", price=1250)
    order = await shop.placed((lamp, 2))
    products = f"{API}/products/{lamp['id']}"
    changed = await shop.client.patch(
        products, headers=bearer(shop.seller_token), json={"title": "Fancy lamp", "price": 9999}
    )
    assert changed.status_code == 200
    archived = await shop.client.delete(products, headers=bearer(shop.seller_token))
    assert archived.status_code == 204

    again = await shop.client.get(f"{API}/orders/{order['id']}", headers=bearer(shop.buyer_token))

    assert again.json()["items"] == order["items"]
    assert (again.json()["items"][0]["title"], again.json()["total"]) == ("Lamp", 2500)


async def walk(client: AsyncClient, token: str, **params: Any) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = params | ({"cursor": cursor} if cursor else {})
        response = await client.get(f"{API}/orders", headers=bearer(token), params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        seen += page["items"]
        if (cursor := page["nextCursor"]) is None:
            return seen


async def test_listings_are_newest_first_and_scoped_to_who_asks(
    shop: Shop, client: AsyncClient
) -> None:
    lamp = await shop.product(stock=100)
    _, other_seller = await signed_in(client, role="seller")
    desk = await shop.product(token=other_seller, title="Desk", stock=100)
    _, other_buyer = await signed_in(client, role="buyer")
    mine = [await shop.placed((lamp, 1)) for _ in range(3)]
    mixed = await shop.placed((lamp, 1), (desk, 1))
    theirs = [await shop.placed((desk, 1), token=other_buyer) for _ in range(2)]

    def ids(orders: list[dict[str, Any]]) -> list[str]:
        return [order["id"] for order in orders]

    newest_first = list(reversed([*mine, mixed, *theirs]))
    assert ids(await walk(client, shop.buyer_token, limit=2)) == ids([mixed, *reversed(mine)])
    assert ids(await walk(client, other_buyer, limit=1)) == ids(list(reversed(theirs)))
    assert ids(await walk(client, shop.seller_token, limit=2)) == ids([mixed, *reversed(mine)])
    assert ids(await walk(client, other_seller, limit=2)) == ids([*reversed(theirs), mixed])
    assert ids(await walk(client, await admin_token(client), limit=4)) == ids(newest_first)


async def test_listings_filter_by_status(shop: Shop) -> None:
    lamp = await shop.product(stock=100)
    kept = [await shop.placed((lamp, 1)) for _ in range(3)]
    cancelled = await shop.placed((lamp, 1))
    await shop.client.post(
        f"{API}/orders/{cancelled['id']}/cancel", headers=bearer(shop.buyer_token)
    )
    pending = await walk(shop.client, shop.buyer_token, status="pendingPayment", limit=2)
    assert [order["id"] for order in pending] == [order["id"] for order in reversed(kept)]
    gone = await walk(shop.client, shop.buyer_token, status="cancelled")
    assert [order["id"] for order in gone] == [cancelled["id"]]
    problem_of(
        await shop.client.get(
            f"{API}/orders", headers=bearer(shop.buyer_token), params={"status": "lost"}
        ),
        422,
        "validationError",
    )


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 101}, {"cursor": "garbage"}, {"status": "lost"}]
)
async def test_bad_paging_is_refused(shop: Shop, params: dict[str, Any]) -> None:
    response = await shop.client.get(
        f"{API}/orders", headers=bearer(shop.buyer_token), params=params
    )
    problem = problem_of(response, 422, "validationError")
    assert [error["loc"] for error in problem["errors"]] == [["query", *params]]
    # Who is asking is settled before what is asked: without a token it is 401 either way.
    problem_of(await shop.client.get(f"{API}/orders", params=params), 401, "unauthorized")


async def test_a_products_cursor_is_no_cursor_for_orders(shop: Shop) -> None:
    for _ in range(2):
        await shop.product()
    cursor = (await shop.client.get(f"{API}/products", params={"limit": 1})).json()["nextCursor"]
    response = await shop.client.get(
        f"{API}/orders", headers=bearer(shop.buyer_token), params={"cursor": cursor}
    )
    problem_of(response, 422, "validationError")


async def test_cancelling_returns_exactly_the_ordered_stock_once(shop: Shop) -> None:
    lamp = await shop.product(stock=10)
    desk = await shop.product(stock=4)
    order = await shop.placed((lamp, 3), (desk, 4))
    assert (await shop.stock(lamp), await shop.stock(desk)) == (7, 0)
    path = f"{API}/orders/{order['id']}/cancel"

    cancelled = await shop.client.post(path, headers=bearer(shop.buyer_token))

    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["updatedAt"] >= order["updatedAt"]
    assert (await shop.stock(lamp), await shop.stock(desk)) == (10, 4)
    problem_of(await shop.client.post(path, headers=bearer(shop.buyer_token)), 409, "invalidState")
    assert (await shop.stock(lamp), await shop.stock(desk)) == (10, 4)


async def test_who_may_cancel(shop: Shop, client: AsyncClient) -> None:
    lamp = await shop.product(stock=10)
    order = await shop.placed((lamp, 1))
    path = f"{API}/orders/{order['id']}/cancel"
    _, other_buyer = await signed_in(client, role="buyer")
    problem_of(await client.post(path, headers=bearer(other_buyer)), 404, "notFound")
    problem_of(await client.post(path, headers=bearer(shop.seller_token)), 403, "forbidden")
    assert await shop.stock(lamp) == 9
    response = await client.post(path, headers=bearer(await admin_token(client)))
    assert response.json()["status"] == "cancelled"
    assert await shop.stock(lamp) == 10


async def test_an_archived_product_gets_its_stock_back_on_cancel(shop: Shop) -> None:
    lamp = await shop.product(stock=3)
    order = await shop.placed((lamp, 2))
    await shop.client.delete(f"{API}/products/{lamp['id']}", headers=bearer(shop.seller_token))
    response = await shop.client.post(
        f"{API}/orders/{order['id']}/cancel", headers=bearer(shop.buyer_token)
    )
    assert response.status_code == 200
    assert await stored_stock(lamp["id"]) == 3
    # The product stays archived: it is not for sale again.
    problem_of(await shop.client.get(f"{API}/products/{lamp['id']}"), 404, "notFound")


@transaction(readonly=True)
async def stored_stock(product_id: str) -> int:
    product = await ProductRepository().get(UUID(product_id))
    assert product is not None
    return product.stock
