"""Variants through the API: options, one variant per combination sold, stock per variant."""

from typing import Any

import pytest
from httpx import AsyncClient

from tests.e2e.helpers import API, bearer, problem_of, signed_in
from tests.e2e.test_orders_api import ADDRESS, Shop, admin_token

pytestmark = pytest.mark.database

SHIRT: dict[str, Any] = {
    "title": "Linen shirt",
    "category": "clothing",
    "options": [
        {"name": "Size", "values": ["S", "M", "L"]},
        {"name": "Colour", "values": ["White", "Navy"]},
    ],
    "variants": [
        {"sku": "SH-S-W", "options": {"Size": "S", "Colour": "White"}, "price": 3000, "stock": 2},
        {"sku": "SH-M-W", "options": {"Colour": "White", "Size": "M"}, "price": 3200, "stock": 0},
        {"sku": "SH-L-N", "options": {"Size": "L", "Colour": "Navy"}, "price": 2900, "stock": 5},
    ],
}


@pytest.fixture
async def shop(client: AsyncClient) -> Shop:
    return await Shop(client).open()


async def shirt(shop: Shop, **changes: Any) -> dict[str, Any]:
    response = await shop.client.post(
        f"{API}/products", headers=bearer(shop.seller_token), json=SHIRT | changes
    )
    assert response.status_code == 201, response.text
    product: dict[str, Any] = response.json()
    return product


def by_sku(product: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {variant["sku"]: variant for variant in product["variants"]}


async def order(shop: Shop, *lines: tuple[dict[str, Any], str | None, int]) -> Any:
    items = [
        {"productId": product["id"], "quantity": quantity}
        | ({"variantId": variant} if variant else {})
        for product, variant, quantity in lines
    ]
    return await shop.client.post(
        f"{API}/orders",
        headers=bearer(shop.buyer_token),
        json={"items": items, "shippingAddress": ADDRESS},
    )


async def test_a_product_with_options_sells_its_variants_and_sums_them_up(shop: Shop) -> None:
    product = await shirt(shop)
    assert product["options"] == SHIRT["options"]
    assert [(v["sku"], v["options"], v["price"], v["stock"]) for v in product["variants"]] == [
        (v["sku"], v["options"], v["price"], v["stock"]) for v in SHIRT["variants"]
    ]
    assert all(isinstance(v["id"], str) for v in product["variants"])
    # Its price is the lowest variant price, its stock their total.
    assert (product["price"], product["stock"]) == (2900, 7)
    read = (await shop.client.get(f"{API}/products/{product['id']}")).json()
    assert read == product
    listed = await shop.client.get(f"{API}/products", params={"sellerId": shop.seller["id"]})
    assert listed.json()["items"] == [product]


async def test_a_product_without_options_has_one_variant_in_step_with_it(shop: Shop) -> None:
    lamp = await shop.product(price=1250, stock=5)
    assert lamp["options"] == []
    assert lamp["variants"] == [
        {"id": lamp["id"], "sku": lamp["id"].replace("-", ""), "options": {}, "price": 1250,
         "stock": 5}
    ]  # fmt: skip
    changed = await shop.client.patch(
        f"{API}/products/{lamp['id']}",
        headers=bearer(shop.seller_token),
        json={"price": 999, "stock": 2},
    )
    assert changed.status_code == 200, changed.text
    assert [(v["price"], v["stock"]) for v in changed.json()["variants"]] == [(999, 2)]
    # Its one variant can be changed too, and the product follows it.
    variant = lamp["variants"][0]["id"]
    response = await shop.client.patch(
        f"{API}/products/{lamp['id']}/variants/{variant}",
        headers=bearer(shop.seller_token),
        json={"sku": "LAMP-1", "stock": 9},
    )
    assert response.status_code == 200, response.text
    assert (response.json()["price"], response.json()["stock"]) == (999, 9)
    assert response.json()["variants"][0]["sku"] == "LAMP-1"
    # It cannot get a second one, nor lose its only one.
    added = await shop.client.post(
        f"{API}/products/{lamp['id']}/variants",
        headers=bearer(shop.seller_token),
        json={"sku": "LAMP-2", "options": {}, "price": 5, "stock": 1},
    )
    problem_of(added, 409, "invalidState")
    removed = await shop.client.delete(
        f"{API}/products/{lamp['id']}/variants/{variant}", headers=bearer(shop.seller_token)
    )
    problem_of(removed, 409, "invalidState")


async def test_a_single_variant_may_carry_its_own_sku(shop: Shop) -> None:
    body = {"title": "Mug", "category": "kitchen",
            "variants": [{"sku": "MUG-1", "price": 800, "stock": 3}]}  # fmt: skip
    response = await shop.client.post(f"{API}/products", headers=bearer(shop.seller_token),
                                      json=body)  # fmt: skip
    assert response.status_code == 201, response.text
    mug = response.json()
    assert (mug["price"], mug["stock"]) == (800, 3)
    assert mug["variants"] == [
        {"id": mug["id"], "sku": "MUG-1", "options": {}, "price": 800, "stock": 3}
    ]


BAD_PRODUCTS: list[tuple[dict[str, Any], list[str | int]]] = [
    ({"price": 100}, ["body", "price"]),  # price and stock come from the variants
    ({"stock": 1}, ["body", "stock"]),
    ({"variants": []}, ["body", "variants"]),  # options, but nothing sold
    ({"options": [*SHIRT["options"], {"name": "size", "values": ["x"]}]},
     ["body", "options", 2, "name"]),  # a name twice, ignoring case
    ({"options": [{"name": "Size", "values": ["S", "s"]}]}, ["body", "options", 0, "values"]),
    ({"options": [{"name": "Size", "values": []}]}, ["body", "options", 0, "values"]),
    ({"options": [{"name": n, "values": ["x"]} for n in "ABCD"]}, ["body", "options"]),
    ({"variants": [{**SHIRT["variants"][0], "options": {"Size": "S"}}]},
     ["body", "variants", 0, "options", "Colour"]),  # an option left out
    ({"variants": [{**SHIRT["variants"][0], "options": {"Size": "XL", "Colour": "White"}}]},
     ["body", "variants", 0, "options", "Size"]),  # a value it does not have
    ({"variants": [{**SHIRT["variants"][0],
                    "options": {"Size": "S", "Colour": "White", "Fit": "Slim"}}]},
     ["body", "variants", 0, "options", "Fit"]),  # an option it does not have
    ({"variants": [SHIRT["variants"][0], {**SHIRT["variants"][0], "sku": "OTHER"}]},
     ["body", "variants", 1, "options"]),  # a combination twice
    ({"variants": [SHIRT["variants"][0], {**SHIRT["variants"][2], "sku": "SH-S-W"}]},
     ["body", "variants", 1, "sku"]),  # a SKU twice
    ({"variants": [{**SHIRT["variants"][0], "sku": "x" * 65}]}, ["body", "variants", 0, "sku"]),
    ({"variants": [{**SHIRT["variants"][0], "price": 0}]}, ["body", "variants", 0, "price"]),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "loc"), BAD_PRODUCTS)
async def test_invalid_options_and_variants_are_422_naming_the_field(
    shop: Shop, changes: dict[str, Any], loc: list[str | int]
) -> None:
    response = await shop.client.post(
        f"{API}/products", headers=bearer(shop.seller_token), json=SHIRT | changes
    )
    problem = problem_of(response, 422, "validationError")
    assert loc in [error["loc"] for error in problem["errors"]], problem


async def test_without_options_or_variants_price_and_stock_are_required(shop: Shop) -> None:
    response = await shop.client.post(
        f"{API}/products", headers=bearer(shop.seller_token),
        json={"title": "Lamp", "category": "lighting"},
    )  # fmt: skip
    problem = problem_of(response, 422, "validationError")
    assert [e["loc"] for e in problem["errors"]] == [["body", "price"], ["body", "stock"]]


async def test_a_bad_value_of_an_optional_field_is_named_at_the_field(shop: Shop) -> None:
    lamp = await shop.product()
    response = await shop.client.patch(
        f"{API}/products/{lamp['id']}", headers=bearer(shop.seller_token), json={"price": 0}
    )
    problem = problem_of(response, 422, "validationError")
    assert [e["loc"] for e in problem["errors"]] == [["body", "price"]]


async def test_a_sku_is_unique_among_the_sellers_variants(shop: Shop, client: AsyncClient) -> None:
    await shirt(shop)
    again = await client.post(f"{API}/products", headers=bearer(shop.seller_token), json=SHIRT)
    problem_of(again, 409, "skuTaken")
    _, other = await signed_in(client, role="seller")
    assert (await client.post(f"{API}/products", headers=bearer(other), json=SHIRT)).is_success


async def test_a_product_with_options_takes_price_and_stock_from_its_variants(
    shop: Shop,
) -> None:
    product = await shirt(shop)
    for field in ({"price": 100}, {"stock": 3}):
        response = await shop.client.patch(
            f"{API}/products/{product['id']}", headers=bearer(shop.seller_token), json=field
        )
        problem = problem_of(response, 422, "validationError")
        assert [e["loc"] for e in problem["errors"]] == [["body", *field]]
    renamed = await shop.client.patch(
        f"{API}/products/{product['id']}", headers=bearer(shop.seller_token), json={"title": "T"}
    )
    assert renamed.status_code == 200
    assert renamed.json()["variants"] == product["variants"]


async def test_variants_are_added_changed_and_removed_and_the_product_follows(
    shop: Shop,
) -> None:
    product = await shirt(shop)
    url, headers = f"{API}/products/{product['id']}/variants", bearer(shop.seller_token)
    added = await shop.client.post(url, headers=headers, json={
        "sku": "SH-M-N", "options": {"Size": "M", "Colour": "Navy"}, "price": 2500, "stock": 4,
    })  # fmt: skip
    assert added.status_code == 201, added.text
    assert added.headers["location"] == f"{API}/products/{product['id']}"
    now = added.json()
    assert [v["sku"] for v in now["variants"]] == ["SH-S-W", "SH-M-W", "SH-L-N", "SH-M-N"]
    assert (now["price"], now["stock"]) == (2500, 11)

    cheapest = by_sku(now)["SH-M-N"]["id"]
    changed = await shop.client.patch(f"{url}/{cheapest}", headers=headers,
                                      json={"price": 9000, "stock": 0})  # fmt: skip
    assert changed.status_code == 200, changed.text
    assert (changed.json()["price"], changed.json()["stock"]) == (2900, 7)

    removed = await shop.client.delete(f"{url}/{by_sku(now)['SH-L-N']['id']}", headers=headers)
    assert removed.status_code == 204
    after = (await shop.client.get(f"{API}/products/{product['id']}")).json()
    assert [v["sku"] for v in after["variants"]] == ["SH-S-W", "SH-M-W", "SH-M-N"]
    assert (after["price"], after["stock"]) == (3000, 2)


async def test_adding_a_variant_checks_it_against_the_options(shop: Shop) -> None:
    product = await shirt(shop)
    url, headers = f"{API}/products/{product['id']}/variants", bearer(shop.seller_token)
    sold = {"sku": "NEW", "options": {"Size": "S", "Colour": "White"}, "price": 1, "stock": 1}
    problem = problem_of(await shop.client.post(url, headers=headers, json=sold), 422,
                         "validationError")  # fmt: skip
    assert problem["errors"][0]["loc"] == ["body", "options"]
    unknown = sold | {"options": {"Size": "XXL", "Colour": "White"}}
    problem_of(await shop.client.post(url, headers=headers, json=unknown), 422, "validationError")
    taken = sold | {"sku": "SH-L-N", "options": {"Size": "L", "Colour": "White"}}
    problem_of(await shop.client.post(url, headers=headers, json=taken), 409, "skuTaken")
    unknown_variant = f"{url}/{product['id']}"
    problem_of(await shop.client.patch(unknown_variant, headers=headers, json={"stock": 1}),
               404, "notFound")  # fmt: skip


async def test_only_the_products_seller_or_an_admin_changes_its_variants(
    shop: Shop, client: AsyncClient
) -> None:
    product = await shirt(shop)
    variant = product["variants"][0]["id"]
    url = f"{API}/products/{product['id']}/variants/{variant}"
    _, other = await signed_in(client, role="seller")
    problem_of(await client.patch(url, headers=bearer(other), json={"stock": 1}), 403,
               "forbidden")  # fmt: skip
    admin = await admin_token(client)
    response = await client.patch(url, headers=bearer(admin), json={"stock": 1})
    assert response.status_code == 200, response.text


async def test_an_order_names_variants_and_snapshots_them(shop: Shop) -> None:
    product = await shirt(shop)
    variants = by_sku(product)
    response = await order(
        shop, (product, variants["SH-L-N"]["id"], 2), (product, variants["SH-S-W"]["id"], 1)
    )
    assert response.status_code == 201, response.text
    placed = response.json()
    assert [(i["variantId"], i["sku"], i["options"], i["unitPrice"], i["quantity"])
            for i in placed["items"]] == [
        (variants["SH-L-N"]["id"], "SH-L-N", {"Size": "L", "Colour": "Navy"}, 2900, 2),
        (variants["SH-S-W"]["id"], "SH-S-W", {"Size": "S", "Colour": "White"}, 3000, 1),
    ]  # fmt: skip
    assert placed["total"] == 2 * 2900 + 3000
    after = (await shop.client.get(f"{API}/products/{product['id']}")).json()
    assert [v["stock"] for v in after["variants"]] == [1, 0, 3]
    assert after["stock"] == 4

    # The snapshot stays when the variant changes or goes.
    await shop.client.delete(f"{API}/products/{product['id']}/variants/{variants['SH-L-N']['id']}",
                             headers=bearer(shop.seller_token))  # fmt: skip
    again = (await shop.client.get(f"{API}/orders/{placed['id']}",
                                   headers=bearer(shop.buyer_token))).json()  # fmt: skip
    assert again["items"] == placed["items"]


async def test_cancelling_returns_stock_to_each_variant(shop: Shop) -> None:
    product = await shirt(shop)
    variants = by_sku(product)
    placed = (await order(shop, (product, variants["SH-L-N"]["id"], 5))).json()
    cancelled = await shop.client.post(f"{API}/orders/{placed['id']}/cancel",
                                       headers=bearer(shop.buyer_token))  # fmt: skip
    assert cancelled.status_code == 200, cancelled.text
    after = (await shop.client.get(f"{API}/products/{product['id']}")).json()
    assert after["variants"] == product["variants"]
    assert after["stock"] == product["stock"]


async def test_a_removed_variants_stock_does_not_come_back_on_cancel(shop: Shop) -> None:
    product = await shirt(shop)
    variants = by_sku(product)
    placed = (await order(shop, (product, variants["SH-S-W"]["id"], 2))).json()
    await shop.client.delete(f"{API}/products/{product['id']}/variants/{variants['SH-S-W']['id']}",
                             headers=bearer(shop.seller_token))  # fmt: skip
    await shop.client.post(f"{API}/orders/{placed['id']}/cancel", headers=bearer(shop.buyer_token))
    after = (await shop.client.get(f"{API}/products/{product['id']}")).json()
    assert after["stock"] == sum(v["stock"] for v in after["variants"]) == 5


async def test_order_refusals_name_the_variant(shop: Shop) -> None:
    product = await shirt(shop)
    variants = by_sku(product)
    lamp = await shop.product()
    # A product with several variants needs its variant named.
    problem = problem_of(await order(shop, (product, None, 1)), 422, "validationError")
    assert problem["errors"][0]["loc"] == ["body", "items", 0, "variantId"]
    # The same variant twice, named or not.
    twice = await order(shop, (product, variants["SH-S-W"]["id"], 1),
                        (product, variants["SH-S-W"]["id"], 1))  # fmt: skip
    problem_of(twice, 422, "validationError")
    problem_of(await order(shop, (lamp, None, 1), (lamp, lamp["id"], 1)), 422, "validationError")
    # A variant of another product.
    other = await order(shop, (lamp, variants["SH-S-W"]["id"], 1))
    problem = problem_of(other, 422, "productUnavailable")
    assert problem["errors"][0]["loc"] == ["body", "items", 0, "variantId"]
    # Short of stock: nothing is taken, from any variant.
    short = await order(shop, (product, variants["SH-L-N"]["id"], 1),
                        (product, variants["SH-M-W"]["id"], 1))  # fmt: skip
    problem = problem_of(short, 409, "outOfStock")
    assert "SH-M-W" in problem["detail"]
    after = (await shop.client.get(f"{API}/products/{product['id']}")).json()
    assert after["variants"] == product["variants"]
    # Two variants of one product are two lines of one order.
    both = await order(shop, (product, variants["SH-L-N"]["id"], 1),
                       (product, variants["SH-S-W"]["id"], 2), (lamp, None, 1))  # fmt: skip
    assert both.status_code == 201, both.text


async def test_analytics_count_an_order_of_several_variants_once_by_product(
    shop: Shop,
) -> None:
    product = await shirt(shop)
    variants = by_sku(product)
    placed = (await order(shop, (product, variants["SH-L-N"]["id"], 2),
                          (product, variants["SH-S-W"]["id"], 1))).json()  # fmt: skip
    paid = await shop.client.post(f"{API}/orders/{placed['id']}/pay",
                                  headers=bearer(shop.buyer_token),
                                  json={"paymentToken": "tok_visa"})  # fmt: skip
    assert paid.status_code == 200, paid.text
    stats = await shop.client.get(f"{API}/analytics/products/{product['id']}/orders",
                                  headers=bearer(shop.seller_token))  # fmt: skip
    assert stats.status_code == 200, stats.text
    body = stats.json()
    assert (body["ordersCount"], body["unitsSold"], body["revenue"]) == (1, 3, 2 * 2900 + 3000)
    assert body["byStatus"]["paid"] == 1
