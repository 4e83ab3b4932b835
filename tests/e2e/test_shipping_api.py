"""Shipping over HTTP: each seller ships its part; the order follows its shipments."""

from typing import Any
from uuid import uuid4

import pytest
from httpx import AsyncClient

from tests.e2e.helpers import API, bearer, problem_of, signed_in
from tests.e2e.test_orders_api import Shop, admin_token
from tests.e2e.test_payments_api import pay

pytestmark = pytest.mark.database

PARCEL = {"carrier": "DHL", "trackingNumber": "JD014600003SE"}


class TwoSellers:
    """An order holding products of two sellers, paid."""

    async def open(self, shop: Shop) -> "TwoSellers":
        self.shop = shop
        self.other_seller, self.other_token = await signed_in(shop.client, role="seller")
        lamp = await shop.product()
        desk = await shop.product(token=self.other_token, title="Desk")
        self.order = await shop.placed((lamp, 1), (desk, 1))
        assert (await pay(shop, self.order)).status_code == 200
        return self

    async def ship(self, token: str, order: dict[str, Any] | None = None) -> Any:
        target = order or self.order
        return await self.shop.client.post(
            f"{API}/orders/{target['id']}/shipments", headers=bearer(token), json=PARCEL
        )

    async def deliver(self, token: str, shipment: dict[str, Any], **body: str) -> Any:
        return await self.shop.client.patch(
            f"{API}/shipments/{shipment['id']}",
            headers=bearer(token),
            json=body or {"status": "delivered"},
        )

    async def status(self) -> str:
        response = await self.shop.client.get(
            f"{API}/orders/{self.order['id']}", headers=bearer(self.shop.buyer_token)
        )
        return str(response.json()["status"])


@pytest.fixture
async def split(client: AsyncClient) -> TwoSellers:
    return await TwoSellers().open(await Shop(client).open())


async def test_an_order_ships_when_every_seller_has_and_delivers_when_every_parcel_has(
    split: TwoSellers,
) -> None:
    shop = split.shop
    first = await split.ship(shop.seller_token)
    assert first.status_code == 201, first.text
    parcel = first.json()
    assert first.headers["location"] == f"{API}/shipments/{parcel['id']}"
    assert (parcel["status"], parcel["sellerId"]) == ("inProgress", shop.seller["id"])
    assert (parcel["carrier"], parcel["trackingNumber"]) == ("DHL", "JD014600003SE")
    assert await split.status() == "paid"

    second = (await split.ship(split.other_token)).json()
    assert await split.status() == "shipped"

    delivered = await split.deliver(shop.seller_token, parcel)
    assert delivered.json()["status"] == "delivered"
    assert await split.status() == "shipped"
    assert (await split.deliver(split.other_token, second)).status_code == 200
    assert await split.status() == "delivered"

    listing = await shop.client.get(
        f"{API}/orders/{split.order['id']}/shipments", headers=bearer(shop.buyer_token)
    )
    assert sorted(s["id"] for s in listing.json()["items"]) == sorted([parcel["id"], second["id"]])
    assert {s["status"] for s in listing.json()["items"]} == {"delivered"}


async def test_a_seller_ships_its_part_once(split: TwoSellers) -> None:
    assert (await split.ship(split.shop.seller_token)).status_code == 201
    problem_of(await split.ship(split.shop.seller_token), 409, "invalidState")


async def test_only_sellers_in_the_order_ship(split: TwoSellers, client: AsyncClient) -> None:
    _, stranger = await signed_in(client, role="seller")
    problem_of(await split.ship(split.shop.buyer_token), 403, "forbidden")
    problem_of(await split.ship(await admin_token(client)), 403, "forbidden")
    problem_of(await split.ship(stranger), 404, "notFound")
    problem_of(await split.ship(split.shop.seller_token, {"id": str(uuid4())}), 404, "notFound")


async def test_an_unpaid_or_cancelled_order_does_not_ship(split: TwoSellers) -> None:
    shop = split.shop
    unpaid = await shop.placed((await shop.product(), 1))
    problem_of(await split.ship(shop.seller_token, unpaid), 409, "invalidState")
    await shop.client.post(f"{API}/orders/{unpaid['id']}/cancel", headers=bearer(shop.buyer_token))
    problem_of(await split.ship(shop.seller_token, unpaid), 409, "invalidState")


async def test_an_order_with_a_shipment_can_no_longer_be_cancelled(split: TwoSellers) -> None:
    await split.ship(split.shop.seller_token)
    cancel = await split.shop.client.post(
        f"{API}/orders/{split.order['id']}/cancel", headers=bearer(split.shop.buyer_token)
    )
    problem_of(cancel, 409, "invalidState")
    assert await split.status() == "paid"


async def test_who_marks_a_shipment_delivered(split: TwoSellers, client: AsyncClient) -> None:
    parcel = (await split.ship(split.shop.seller_token)).json()
    _, stranger = await signed_in(client, role="seller")
    problem_of(await split.deliver(split.shop.buyer_token, parcel), 403, "forbidden")
    problem_of(await split.deliver(split.other_token, parcel), 403, "forbidden")
    problem_of(await split.deliver(stranger, parcel), 404, "notFound")
    problem_of(await split.deliver(split.shop.seller_token, {"id": str(uuid4())}), 404,
               "notFound")  # fmt: skip
    problem_of(await split.deliver(split.shop.seller_token, parcel, status="inProgress"), 422,
               "validationError")  # fmt: skip
    assert (await split.deliver(await admin_token(client), parcel)).status_code == 200
    problem_of(await split.deliver(split.shop.seller_token, parcel), 409, "invalidState")


async def test_a_shipment_out_of_sight_is_not_found_alike_for_reading_and_delivering(
    split: TwoSellers, client: AsyncClient
) -> None:
    parcel = (await split.ship(split.shop.seller_token)).json()
    _, stranger = await signed_in(client, role="seller")
    unknown = {"id": str(uuid4())}
    answers = [
        problem_of(await split.deliver(stranger, parcel), 404, "notFound"),
        problem_of(await split.deliver(stranger, unknown), 404, "notFound"),
        problem_of(await client.get(f"{API}/shipments/{parcel['id']}", headers=bearer(stranger)),
                   404, "notFound"),
        problem_of(await client.get(f"{API}/shipments/{unknown['id']}", headers=bearer(stranger)),
                   404, "notFound"),
    ]  # fmt: skip
    assert all(answer == answers[0] for answer in answers), answers


async def test_shipments_are_seen_by_whoever_sees_the_order(
    split: TwoSellers, client: AsyncClient
) -> None:
    parcel = (await split.ship(split.shop.seller_token)).json()
    _, stranger = await signed_in(client, role="buyer")
    for token in (split.shop.buyer_token, split.other_token, await admin_token(client)):
        one = await client.get(f"{API}/shipments/{parcel['id']}", headers=bearer(token))
        assert one.json() == parcel
    problem_of(await client.get(f"{API}/shipments/{parcel['id']}", headers=bearer(stranger)),
               404, "notFound")  # fmt: skip
    listing = await client.get(
        f"{API}/orders/{split.order['id']}/shipments", headers=bearer(stranger)
    )
    problem_of(listing, 404, "notFound")


@pytest.mark.parametrize(
    "body", [{}, {"carrier": "DHL"}, {"carrier": " ", "trackingNumber": "1"},
             PARCEL | {"status": "delivered"}, PARCEL | {"carrier": "x" * 101}],
)  # fmt: skip
async def test_a_shipment_body_is_validated(split: TwoSellers, body: dict[str, Any]) -> None:
    response = await split.shop.client.post(
        f"{API}/orders/{split.order['id']}/shipments",
        headers=bearer(split.shop.seller_token),
        json=body,
    )
    problem_of(response, 422, "validationError")
