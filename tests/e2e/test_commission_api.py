"""Commission rates (API.md, "Marketplace money"): admins set them, orders keep theirs."""

from typing import Any
from uuid import uuid4

import pytest
from httpx import AsyncClient

from src.config.settings import CommissionSettings, Settings
from tests.conftest import make_settings
from tests.e2e.helpers import API, bearer, problem_of, signed_in
from tests.e2e.test_orders_api import Shop, admin_token

pytestmark = pytest.mark.database
RATES = f"{API}/admin/commission-rates"


@pytest.fixture
def settings(database_url: str) -> Settings:
    """A configured default of 8 %, so that the setting is seen to count."""
    return make_settings(database_url, commission=CommissionSettings(default_rate_bps=800))


@pytest.fixture
async def shop(client: AsyncClient) -> Shop:
    return await Shop(client).open()


async def put(client: AsyncClient, token: str, path: str, rate: object) -> Any:
    return await client.put(f"{RATES}{path}", headers=bearer(token), json={"rateBps": rate})


def shares(order: dict[str, Any]) -> list[tuple[int, int, int]]:
    return [(s["subtotal"], s["commission"], s["payout"]) for s in order["sellers"]]


async def test_the_setting_is_the_default_until_an_admin_stores_one(shop: Shop) -> None:
    client, admin = shop.client, await admin_token(shop.client)
    read = await client.get(RATES, headers=bearer(admin))
    assert read.status_code == 200
    assert read.json() == {"default": 800, "categories": {}, "sellers": {}}
    lamp = await shop.product(price=1250, category="lighting")
    assert shares(await shop.placed((lamp, 1))) == [(1250, 100, 1150)]  # 8 % of 12.50

    stored = await put(client, admin, "/default", 1500)
    assert stored.status_code == 200, stored.text
    assert stored.json()["default"] == 1500
    assert shares(await shop.placed((lamp, 1))) == [(1250, 188, 1062)]  # 187.5 → 188 (even)


async def test_a_sellers_rate_wins_over_its_categorys_which_wins_over_the_default(
    shop: Shop,
) -> None:
    client, admin = shop.client, await admin_token(shop.client)
    other, other_token = await signed_in(client, role="seller")
    book = await shop.product(price=1000, category="books")
    lamp = await shop.product(price=1000, category="lighting")
    others_book = await shop.product(other_token, price=1000, category="books")
    assert (await put(client, admin, "/categories/books", 500)).status_code == 200
    answer = await put(client, admin, f"/sellers/{shop.seller['id']}", 0)
    assert answer.json() == {"default": 800, "categories": {"books": 500},
                             "sellers": {shop.seller["id"]: 0}}  # fmt: skip

    order = await shop.placed((book, 1), (lamp, 2), (others_book, 3))
    by_seller = {s["sellerId"]: (s["commission"], s["payout"]) for s in order["sellers"]}
    assert by_seller == {shop.seller["id"]: (0, 3000), other["id"]: (150, 2850)}
    assert [item["sellerId"] for item in order["items"]] == [shop.seller["id"]] * 2 + [other["id"]]


async def test_orders_placed_earlier_keep_their_rates(shop: Shop) -> None:
    client, admin = shop.client, await admin_token(shop.client)
    lamp = await shop.product(price=2000, category="lighting")
    await put(client, admin, "/categories/lighting", 1000)
    before = await shop.placed((lamp, 1))
    await put(client, admin, "/categories/lighting", 2500)
    after = await shop.placed((lamp, 1))
    assert shares(after) == [(2000, 500, 1500)]
    assert (
        await client.delete(f"{RATES}/categories/lighting", headers=bearer(admin))
    ).status_code == 204
    read = await client.get(f"{API}/orders/{before['id']}", headers=bearer(shop.buyer_token))
    assert shares(read.json()) == [(2000, 200, 1800)]  # as placed, at 10 %
    assert shares(await shop.placed((lamp, 1))) == [(2000, 160, 1840)]  # the default again


async def test_removing_a_sellers_rate_falls_back_and_a_missing_one_is_not_found(
    shop: Shop,
) -> None:
    client, admin = shop.client, await admin_token(shop.client)
    path = f"{RATES}/sellers/{shop.seller['id']}"
    problem_of(await client.delete(path, headers=bearer(admin)), 404, "notFound")
    await put(client, admin, f"/sellers/{shop.seller['id']}", 300)
    assert (await client.delete(path, headers=bearer(admin))).status_code == 204
    assert (await client.get(RATES, headers=bearer(admin))).json()["sellers"] == {}
    problem_of(await client.delete(f"{RATES}/categories/none", headers=bearer(admin)), 404,
               "notFound")  # fmt: skip


async def test_only_sellers_have_rates(shop: Shop) -> None:
    client, admin = shop.client, await admin_token(shop.client)
    for user_id in (shop.buyer["id"], str(uuid4())):
        problem_of(await put(client, admin, f"/sellers/{user_id}", 100), 404, "notFound")
    problem_of(await put(client, admin, "/sellers/not-a-uuid", 100), 422, "validationError")


@pytest.mark.parametrize("rate", [-1, 10001, 12.5, "100", None, True])
async def test_a_rate_outside_0_to_10000_basis_points_is_refused(shop: Shop, rate: object) -> None:
    client, admin = shop.client, await admin_token(shop.client)
    for path in ("/default", "/categories/books", f"/sellers/{shop.seller['id']}"):
        problem_of(await put(client, admin, path, rate), 422, "validationError")
    assert (await client.get(RATES, headers=bearer(admin))).json()["default"] == 800


async def test_the_bounds_themselves_are_rates(shop: Shop) -> None:
    client, admin = shop.client, await admin_token(shop.client)
    lamp = await shop.product(price=999, category="lighting")
    assert (await put(client, admin, "/default", 10000)).status_code == 200
    assert shares(await shop.placed((lamp, 1))) == [(999, 999, 0)]
    assert (await put(client, admin, "/default", 0)).status_code == 200
    assert shares(await shop.placed((lamp, 1))) == [(999, 0, 999)]


async def test_a_rate_body_holds_only_rate_bps(shop: Shop) -> None:
    client, admin = shop.client, await admin_token(shop.client)
    extra = await client.put(
        f"{RATES}/default", headers=bearer(admin), json={"rateBps": 1, "scope": "x"}
    )
    problem_of(extra, 422, "validationError")
    long_name = "x" * 101
    problem_of(await put(client, admin, f"/categories/{long_name}", 1), 422, "validationError")
