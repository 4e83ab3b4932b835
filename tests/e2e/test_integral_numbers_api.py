"""Over HTTP: an integer may be written with a zero fraction, in a body and in a query."""

from typing import Any

import pytest
from httpx import AsyncClient

from tests.e2e.helpers import API, bearer, problem_of, signed_in

pytestmark = pytest.mark.database

LAMP = {"title": "Brass desk lamp", "price": 4999, "stock": 3, "category": "lighting"}


async def _product(client: AsyncClient) -> tuple[str, str]:
    _, token = await signed_in(client, role="seller")
    response = await client.post(f"{API}/products", headers=bearer(token), json=LAMP)
    assert response.status_code == 201, response.text
    return str(response.json()["id"]), token


@pytest.mark.parametrize("price", [18073, 18073.0])
async def test_a_price_with_a_zero_fraction_is_that_whole_number(
    client: AsyncClient, price: float
) -> None:
    product_id, token = await _product(client)
    response = await client.patch(
        f"{API}/products/{product_id}", headers=bearer(token), json={"price": price}
    )
    assert response.status_code == 200, response.text
    assert response.json()["price"] == 18073
    assert isinstance(response.json()["price"], int)


@pytest.mark.parametrize("price", [18073.5, True, "18073"])
async def test_a_fraction_a_boolean_or_a_string_price_is_422(
    client: AsyncClient, price: Any
) -> None:
    product_id, token = await _product(client)
    response = await client.patch(
        f"{API}/products/{product_id}", headers=bearer(token), json={"price": price}
    )
    problem = problem_of(response, 422, "validationError")
    assert problem["errors"][0]["loc"][:2] == ["body", "price"]
    read = await client.get(f"{API}/products/{product_id}")
    assert read.json()["price"] == LAMP["price"]


@pytest.mark.parametrize("bound", ["4999", "4999.0"])
async def test_a_query_bound_with_a_zero_fraction_is_that_whole_number(
    client: AsyncClient, bound: str
) -> None:
    product_id, _ = await _product(client)
    response = await client.get(f"{API}/products", params={"minPrice": bound, "maxPrice": bound})
    assert response.status_code == 200, response.text
    assert [item["id"] for item in response.json()["items"]] == [product_id]


@pytest.mark.parametrize("bound", ["4999.5", "true"])
async def test_a_fraction_or_a_boolean_query_bound_is_422(client: AsyncClient, bound: str) -> None:
    problem = problem_of(
        await client.get(f"{API}/products", params={"minPrice": bound}), 422, "validationError"
    )
    assert [error["loc"] for error in problem["errors"]] == [["query", "minPrice"]]


async def test_an_order_quantity_and_a_page_limit_take_a_zero_fraction(
    client: AsyncClient,
) -> None:
    product_id, _ = await _product(client)
    _, buyer = await signed_in(client, role="buyer")
    address = {"fullName": "Ada", "line1": "1 Road", "city": "London", "postalCode": "N1",
               "country": "GB"}  # fmt: skip
    order = await client.post(
        f"{API}/orders",
        headers=bearer(buyer),
        json={"items": [{"productId": product_id, "quantity": 2.0}], "shippingAddress": address},
    )
    assert order.status_code == 201, order.text
    assert order.json()["items"][0]["quantity"] == 2
    listed = await client.get(f"{API}/orders", headers=bearer(buyer), params={"limit": "1.0"})
    assert [each["id"] for each in listed.json()["items"]] == [order.json()["id"]]
