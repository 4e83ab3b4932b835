"""The catalog contract of API.md, over HTTP."""

from typing import Any

import pytest
from httpx import AsyncClient

from src.application.users import ensure_admin_account
from tests.e2e.helpers import API, PASSWORD, bearer, login, problem_of, signed_in

pytestmark = pytest.mark.database

LAMP = {
    "title": "Brass desk lamp",
    "description": "Heavy, with a linen shade",
    "price": 4999,
    "stock": 3,
    "category": "lighting",
}


async def create(client: AsyncClient, token: str, **fields: Any) -> dict[str, Any]:
    response = await client.post(f"{API}/products", headers=bearer(token), json=LAMP | fields)
    assert response.status_code == 201, response.text
    product: dict[str, Any] = response.json()
    return product


async def admin_token(client: AsyncClient) -> str:
    await ensure_admin_account(email="root@example.com", password=PASSWORD, full_name="Root")
    return str((await login(client, "root@example.com"))["accessToken"])


async def test_a_seller_lists_a_product_and_anyone_can_read_it(client: AsyncClient) -> None:
    seller, token = await signed_in(client, role="seller")
    response = await client.post(f"{API}/products", headers=bearer(token), json=LAMP)
    assert response.status_code == 201
    product = response.json()
    assert response.headers["location"] == f"{API}/products/{product['id']}"
    assert set(product) == {
        "id", "sellerId", "title", "description", "price", "currency", "stock", "category",
        "status", "createdAt", "updatedAt", "rating", "options", "variants", "images",
    }  # fmt: skip
    assert product["rating"] == {"average": None, "count": 0}  # no review yet
    assert product["images"] == []
    assert product["sellerId"] == seller["id"]
    assert (product["currency"], product["status"]) == ("USD", "active")
    public = await client.get(f"{API}/products/{product['id']}")
    assert public.json() == product


async def test_description_defaults_to_empty_and_currency_to_usd(client: AsyncClient) -> None:
    _, token = await signed_in(client, role="seller")
    body = {"title": "Plain", "price": 1, "stock": 0, "category": "misc"}
    response = await client.post(f"{API}/products", headers=bearer(token), json=body)
    assert (response.json()["description"], response.json()["currency"]) == ("", "USD")


async def test_a_buyer_cannot_list_products(client: AsyncClient) -> None:
    _, token = await signed_in(client, role="buyer")
    problem_of(
        await client.post(f"{API}/products", headers=bearer(token), json=LAMP), 403, "forbidden"
    )
    problem_of(await client.post(f"{API}/products", json=LAMP), 401, "unauthorized")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"price": 0}, "price"),
        ({"price": 49.99}, "price"),
        ({"price": "4999"}, "price"),
        ({"stock": -1}, "stock"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"description": "x" * 5001}, "description"),
        ({"category": ""}, "category"),
        ({"category": "x" * 101}, "category"),
        ({"currency": "usd"}, "currency"),
        ({"currency": "EURO"}, "currency"),
        ({"id": "2b0b4c1e-8e6b-4a43-9d5c-1b8f0f7f8a10"}, "id"),
        ({"sellerId": "2b0b4c1e-8e6b-4a43-9d5c-1b8f0f7f8a10"}, "sellerId"),
        ({"status": "archived"}, "status"),
        ({"createdAt": "2026-01-01T00:00:00Z"}, "createdAt"),
        ({"colour": "brass"}, "colour"),
    ],
)
async def test_invalid_products_are_422_naming_the_field(
    client: AsyncClient, changes: dict[str, Any], field: str
) -> None:
    _, token = await signed_in(client, role="seller")
    response = await client.post(f"{API}/products", headers=bearer(token), json=LAMP | changes)
    problem = problem_of(response, 422, "validationError")
    assert any(error["loc"][-1] == field for error in problem["errors"]), problem


async def test_the_seller_updates_some_fields_and_keeps_the_rest(client: AsyncClient) -> None:
    _, token = await signed_in(client, role="seller")
    product = await create(client, token)
    response = await client.patch(
        f"{API}/products/{product['id']}", headers=bearer(token), json={"price": 3999, "stock": 0}
    )
    assert response.status_code == 200
    updated = response.json()
    assert (updated["price"], updated["stock"], updated["title"]) == (3999, 0, LAMP["title"])
    assert updated["updatedAt"] > product["updatedAt"]
    assert updated["createdAt"] == product["createdAt"]


@pytest.mark.parametrize(
    "body", [{"status": "archived"}, {"sellerId": None}, {"title": None}, {"price": 0}, {"x": 1}]
)
async def test_updates_refuse_server_owned_null_and_invalid_fields(
    client: AsyncClient, body: dict[str, Any]
) -> None:
    _, token = await signed_in(client, role="seller")
    product = await create(client, token)
    response = await client.patch(
        f"{API}/products/{product['id']}", headers=bearer(token), json=body
    )
    problem_of(response, 422, "validationError")


async def test_another_seller_cannot_change_or_archive_a_product(client: AsyncClient) -> None:
    _, owner = await signed_in(client, role="seller")
    _, other = await signed_in(client, role="seller")
    _, buyer = await signed_in(client, role="buyer")
    product = await create(client, owner)
    url = f"{API}/products/{product['id']}"
    for token in (other, buyer):
        problem_of(
            await client.patch(url, headers=bearer(token), json={"price": 1}), 403, "forbidden"
        )
        problem_of(await client.delete(url, headers=bearer(token)), 403, "forbidden")
    assert (await client.get(url)).json()["price"] == LAMP["price"]


async def test_an_admin_can_change_and_archive_any_product(client: AsyncClient) -> None:
    _, owner = await signed_in(client, role="seller")
    product = await create(client, owner)
    token = await admin_token(client)
    url = f"{API}/products/{product['id']}"
    assert (await client.patch(url, headers=bearer(token), json={"stock": 9})).json()["stock"] == 9
    assert (await client.delete(url, headers=bearer(token))).status_code == 204


async def test_archiving_hides_a_product_everywhere(client: AsyncClient) -> None:
    _, token = await signed_in(client, role="seller")
    product = await create(client, token, category="vanishing")
    url = f"{API}/products/{product['id']}"
    response = await client.delete(url, headers=bearer(token))
    assert (response.status_code, response.content) == (204, b"")
    problem_of(await client.get(url), 404, "notFound")
    problem_of(await client.patch(url, headers=bearer(token), json={"stock": 1}), 404, "notFound")
    problem_of(await client.delete(url, headers=bearer(token)), 404, "notFound")
    listed = (await client.get(f"{API}/products", params={"limit": 100})).json()["items"]
    assert product["id"] not in {item["id"] for item in listed}
    names = [c["name"] for c in (await client.get(f"{API}/categories")).json()["items"]]
    assert "vanishing" not in names


async def test_unknown_and_malformed_product_ids(client: AsyncClient) -> None:
    problem_of(
        await client.get(f"{API}/products/2b0b4c1e-8e6b-4a43-9d5c-1b8f0f7f8a10"), 404, "notFound"
    )
    problem_of(await client.get(f"{API}/products/lamp"), 422, "validationError")


async def test_categories_count_active_products_in_stock_or_not(client: AsyncClient) -> None:
    _, token = await signed_in(client, role="seller")
    await create(client, token, category="lighting", stock=0)
    await create(client, token, category="lighting")
    await create(client, token, category="desks")
    archived = await create(client, token, category="chairs")
    await client.delete(f"{API}/products/{archived['id']}", headers=bearer(token))
    response = await client.get(f"{API}/categories")
    assert response.json() == {
        "items": [{"name": "desks", "productCount": 1}, {"name": "lighting", "productCount": 2}]
    }


async def test_categories_stop_at_their_bound_the_first_by_name(
    client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The document bounds the list (maxItems); the server keeps to it, whatever sellers type."""
    monkeypatch.setattr("src.domain.catalog.repository.MAX_LISTED_CATEGORIES", 2)
    _, token = await signed_in(client, role="seller")
    for category in ("cups", "bowls", "plates"):
        await create(client, token, category=category)
    names = [c["name"] for c in (await client.get(f"{API}/categories")).json()["items"]]
    assert names == ["bowls", "cups"]


async def test_listing_filters_and_sorts(client: AsyncClient) -> None:
    seller, token = await signed_in(client, role="seller")
    _, other = await signed_in(client, role="seller")
    cheap = await create(client, token, title="apple Lamp", price=100, stock=0)
    middle = await create(client, token, title="Banana desk", price=500, description="LAMP inside")
    dear = await create(client, other, title="cherry chair", price=900, category="chairs")

    async def ids(**params: Any) -> list[str]:
        response = await client.get(f"{API}/products", params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await ids() == [dear["id"], middle["id"], cheap["id"]]
    assert await ids(sort="createdAt") == [cheap["id"], middle["id"], dear["id"]]
    assert await ids(sort="price") == [cheap["id"], middle["id"], dear["id"]]
    assert await ids(sort="-price") == [dear["id"], middle["id"], cheap["id"]]
    assert await ids(sort="title") == [cheap["id"], middle["id"], dear["id"]]
    # Relevance: the title match first, then the description's.
    assert await ids(q="lamp") == [cheap["id"], middle["id"]]
    assert await ids(q="lamp", sort="-createdAt") == [middle["id"], cheap["id"]]
    assert await ids(q="LAM") == [cheap["id"], middle["id"]]
    assert await ids(q="amp") == []  # a word's start, not any part of it
    assert await ids(category="chairs") == [dear["id"]]
    assert await ids(sellerId=seller["id"]) == [middle["id"], cheap["id"]]
    assert await ids(minPrice=100, maxPrice=500) == [middle["id"], cheap["id"]]
    assert await ids(minPrice=501) == [dear["id"]]
    assert await ids(inStock="true") == [dear["id"], middle["id"]]
    assert await ids(q="%") == []


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"minPrice": -1}, "minPrice"),
        ({"minPrice": ""}, "minPrice"),
        ({"sort": "popularity"}, "sort"),
        ({"sellerId": "someone"}, "sellerId"),
        ({"cursor": "garbage"}, "cursor"),
        ({"inStock": "perhaps"}, "inStock"),
        ({"q": "x" * 201}, "q"),
        ({"category": ""}, "category"),
    ],
)
async def test_bad_listing_parameters_are_422_naming_the_parameter(
    client: AsyncClient, params: dict[str, Any], named: str
) -> None:
    problem = problem_of(await client.get(f"{API}/products", params=params), 422, "validationError")
    assert [error["loc"] for error in problem["errors"]] == [["query", named]]


async def test_a_price_range_upside_down_is_422(client: AsyncClient) -> None:
    params = {"minPrice": 10, "maxPrice": 5}
    problem_of(await client.get(f"{API}/products", params=params), 422, "validationError")


async def test_a_repeated_parameter_counts_with_its_last_value(client: AsyncClient) -> None:
    _, token = await signed_in(client, role="seller")
    for _ in range(3):
        await create(client, token)
    response = await client.get(f"{API}/products?limit=1&limit=2")
    assert response.status_code == 200
    assert len(response.json()["items"]) == 2


async def test_an_altered_or_foreign_cursor_is_422(client: AsyncClient) -> None:
    _, token = await signed_in(client, role="seller")
    for _ in range(3):
        await create(client, token)
    page = (await client.get(f"{API}/products", params={"limit": 1})).json()
    cursor = page["nextCursor"]
    altered = cursor[:-3] + ("AAA" if cursor[-3:] != "AAA" else "BBB")
    for params in ({"cursor": altered}, {"cursor": cursor, "sort": "price"}):
        response = await client.get(f"{API}/products", params={"limit": 1, **params})
        problem_of(response, 422, "validationError")


async def test_walking_the_pages_returns_every_product_once(client: AsyncClient) -> None:
    _, token = await signed_in(client, role="seller")
    created = {(await create(client, token, price=1 + index % 3))["id"] for index in range(11)}
    for sort in ("-createdAt", "createdAt", "price", "-price", "title"):
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": 4, "sort": sort} | ({"cursor": cursor} if cursor else {})
            page = (await client.get(f"{API}/products", params=params)).json()
            seen += [item["id"] for item in page["items"]]
            if (cursor := page["nextCursor"]) is None:
                break
        assert len(seen) == len(set(seen)) == len(created), sort
        assert set(seen) == created
