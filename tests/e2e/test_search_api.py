"""Word search (`q`) and `sort=relevance`, as API.md's "Search" defines them, over HTTP."""

from typing import Any

import pytest
from httpx import AsyncClient

from tests.e2e.helpers import API, bearer, problem_of, signed_in

pytestmark = pytest.mark.database


async def create(client: AsyncClient, token: str, title: str, description: str = "") -> str:
    body = {"title": title, "description": description, "price": 100, "stock": 1,
            "category": "things"}  # fmt: skip
    response = await client.post(f"{API}/products", headers=bearer(token), json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def titles(client: AsyncClient, **params: Any) -> list[str]:
    response = await client.get(f"{API}/products", params=params)
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


async def test_words_match_the_start_of_words_ignoring_case_accents_and_order(
    client: AsyncClient,
) -> None:
    _, token = await signed_in(client, role="seller")
    await create(client, token, "Café au lait")
    await create(client, token, "Walnut desk")
    await create(client, token, "Brass lamp", "Fits any walnut desk")
    await create(client, token, "Lampshade")

    assert await titles(client, q="cafe") == ["Café au lait"]
    assert await titles(client, q="CAFÉ AU") == ["Café au lait"]
    assert await titles(client, q="lam") == ["Lampshade", "Brass lamp"]
    assert await titles(client, q="desk walnut") == ["Walnut desk", "Brass lamp"]
    assert await titles(client, q="amp") == []  # inside a word, not at its start
    assert await titles(client, q="walnut chair") == []  # every word must match
    assert await titles(client, q="%") == []  # no word at all: no product holds it
    assert len(await titles(client, q="  ")) == 4  # blank: as if no q


async def test_relevance_lists_title_matches_first_each_group_newest_first(
    client: AsyncClient,
) -> None:
    _, token = await signed_in(client, role="seller")
    await create(client, token, "Oak table", "with a lamp hook")
    await create(client, token, "Lamp one")
    await create(client, token, "Chair", "a reading lamp built in")
    await create(client, token, "Lamp two")

    expected = ["Lamp two", "Lamp one", "Chair", "Oak table"]
    assert await titles(client, q="lamp") == expected
    assert await titles(client, q="lamp", sort="relevance") == expected
    # Every other sort applies to the matches too.
    assert await titles(client, q="lamp", sort="-createdAt") == [
        "Lamp two", "Chair", "Lamp one", "Oak table"]  # fmt: skip
    assert await titles(client, q="lamp", sort="title") == [
        "Chair", "Lamp one", "Lamp two", "Oak table"]  # fmt: skip
    # Without q every product is in the first group: newest first.
    assert await titles(client, sort="relevance") == [
        "Lamp two", "Chair", "Lamp one", "Oak table"]  # fmt: skip

    walked: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"q": "lamp", "limit": 1} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(f"{API}/products", params=params)).json()
        walked += [item["title"] for item in page["items"]]
        if (cursor := page["nextCursor"]) is None:
            break
    assert walked == expected


async def test_search_combines_with_every_filter(client: AsyncClient) -> None:
    seller, token = await signed_in(client, role="seller")
    _, other = await signed_in(client, role="seller")
    await create(client, token, "Desk lamp")
    await create(client, other, "Floor lamp")
    assert await titles(client, q="lamp", sellerId=seller["id"]) == ["Desk lamp"]
    assert await titles(client, q="lamp", category="nothing") == []
    assert await titles(client, q="lamp", minPrice=101) == []
    assert await titles(client, q="lamp", inStock="true") == ["Floor lamp", "Desk lamp"]


async def test_a_changed_or_archived_product_is_searched_as_it_is_now(
    client: AsyncClient,
) -> None:
    _, token = await signed_in(client, role="seller")
    lamp = await create(client, token, "Brass lamp")
    await create(client, token, "Desk")
    changed = await client.patch(
        f"{API}/products/{lamp}", headers=bearer(token), json={"title": "Brass kettle"}
    )
    assert changed.status_code == 200
    assert await titles(client, q="lamp") == []
    assert await titles(client, q="kettle") == ["Brass kettle"]
    assert (await client.delete(f"{API}/products/{lamp}", headers=bearer(token))).status_code == 204
    assert await titles(client, q="brass") == []


@pytest.mark.parametrize(
    "params",
    [
        {"q": "x" * 201},
        {"q": " ".join(["lamp"] * 11)},
        {"q": "a b c d e f g h i j k"},
        {"q": "lamp\x00"},
        {"sort": "relevant"},
    ],
)
async def test_a_q_too_long_or_of_too_many_words_is_422(
    client: AsyncClient, params: dict[str, str]
) -> None:
    problem = problem_of(await client.get(f"{API}/products", params=params), 422, "validationError")
    assert [error["loc"][:2] for error in problem["errors"]] == [["query", next(iter(params))]]


async def test_a_relevance_cursor_is_refused_by_another_sort(client: AsyncClient) -> None:
    _, token = await signed_in(client, role="seller")
    for title in ("Lamp a", "Lamp b"):
        await create(client, token, title)
    page = (await client.get(f"{API}/products", params={"q": "lamp", "limit": 1})).json()
    response = await client.get(
        f"{API}/products", params={"q": "lamp", "sort": "-createdAt", "cursor": page["nextCursor"]}
    )
    problem_of(response, 422, "validationError")
