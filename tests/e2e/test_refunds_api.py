"""Refunds over HTTP (API.md, "Marketplace money", Refunds), with the in-process fake
provider: who may refund what, every refusal, and what a refund does to the order, the
provider and the sellers' balances."""

import asyncio
from typing import Any
from uuid import UUID

import pytest
from httpx import AsyncClient, Response

from src.domain.money.ledger import LedgerEntry, balances_of
from src.domain.money.ledger_repository import LedgerRepository, SellerBalanceRepository
from src.infrastructure.database import transaction
from src.infrastructure.payments.fake import FakePaymentGateway
from src.infrastructure.runtime import runtime
from tests.e2e.helpers import API, bearer, problem_of, signed_in
from tests.e2e.test_orders_api import Shop, admin_token

pytestmark = pytest.mark.database


@pytest.fixture
async def shop(client: AsyncClient) -> Shop:
    return await Shop(client).open()


def provider() -> FakePaymentGateway:
    gateway = runtime().payments
    assert isinstance(gateway, FakePaymentGateway)
    return gateway


async def paid(shop: Shop, *lines: tuple[dict[str, Any], int]) -> dict[str, Any]:
    order = await shop.placed(*lines)
    response = await shop.client.post(
        f"{API}/orders/{order['id']}/pay", headers=bearer(shop.buyer_token),
        json={"paymentToken": "tok_visa"},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    paid_order: dict[str, Any] = response.json()
    return paid_order


async def refund(
    shop: Shop, order: dict[str, Any], token: str, *items: dict[str, Any], **extra: Any
) -> Response:
    headers = bearer(token) | extra.pop("headers", {})
    return await shop.client.post(
        f"{API}/orders/{order['id']}/refunds", headers=headers, json={"items": list(items)} | extra
    )


def item(product: dict[str, Any], quantity: int) -> dict[str, Any]:
    return {"productId": product["id"], "quantity": quantity}


async def refunds_of(shop: Shop, order: dict[str, Any], token: str) -> Response:
    return await shop.client.get(f"{API}/orders/{order['id']}/refunds", headers=bearer(token))


async def settled(shop: Shop, order: dict[str, Any], token: str) -> list[dict[str, Any]]:
    """The order's refunds once the relay has had the provider make them."""
    for _ in range(100):
        found: list[dict[str, Any]] = (await refunds_of(shop, order, token)).json()["items"]
        if all(each["status"] == "refunded" for each in found):
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"refunds still pending: {found}")


@transaction(readonly=True)
async def balance(seller: dict[str, Any]) -> dict[str, int]:
    """The seller's stored balance in USD (read directly: the balance routes are the payouts
    work's), checked against the sums of its ledger entries."""
    seller_id = UUID(seller["id"])
    stored = (await SellerBalanceRepository().of_sellers([seller_id]))[seller_id, "USD"]
    entries = await LedgerRepository().of_sellers([seller_id])
    assert balances_of(entries)[seller_id, "USD"] == stored
    return {"pending": stored.pending, "available": stored.available, "paidOut": stored.paid_out}


@transaction(readonly=True)
async def newest_entry(seller: dict[str, Any]) -> LedgerEntry:
    return (await LedgerRepository().of_sellers([UUID(seller["id"])]))[-1]


async def test_an_admin_refunds_part_of_an_order_once_and_the_seller_loses_its_payout(
    shop: Shop,
) -> None:
    admin = await admin_token(shop.client)
    lamp, desk = await shop.product(price=1250, stock=9), await shop.product(price=3000)
    order = await paid(shop, (lamp, 3), (desk, 1))
    (share,) = order["sellers"]
    before = await balance(shop.seller)
    assert before["pending"] == share["payout"]

    response = await refund(shop, order, admin, item(lamp, 2), reason="Two arrived broken")

    assert response.status_code == 201, response.text
    made = response.json()
    assert response.headers["location"] == f"{API}/orders/{order['id']}/refunds/{made['id']}"
    assert set(made) == {"id", "orderId", "amount", "currency", "items", "status", "reason",
                         "createdAt"}  # fmt: skip
    assert (made["orderId"], made["amount"], made["currency"], made["reason"]) == (
        order["id"], 2500, "USD", "Two arrived broken")  # fmt: skip
    assert made["status"] in {"pending", "refunded"}
    (line,) = made["items"]
    assert (line["productId"], line["variantId"], line["sellerId"], line["quantity"],
            line["amount"]) == (lamp["id"], lamp["id"], shop.seller["id"], 2, 2500)  # fmt: skip
    assert line["commission"] == 250  # 10 % of 25.00, the default rate

    (done,) = await settled(shop, order, shop.buyer_token)
    assert done["id"] == made["id"]
    assert [(p.charge_id, p.amount) for p in provider().parts.values()] == [
        (next(iter(provider().charges)), 2500)
    ]
    read = await shop.client.get(f"{API}/orders/{order['id']}", headers=bearer(shop.buyer_token))
    assert (read.json()["refunded"], read.json()["status"]) == (2500, "paid")
    one = await shop.client.get(response.headers["location"], headers=bearer(admin))
    assert one.json() == done
    assert await balance(shop.seller) == {
        "pending": before["pending"] - 2250,
        "available": 0,
        "paidOut": 0,
    }
    newest = await newest_entry(shop.seller)
    assert (newest.kind, newest.amount, str(newest.order_id), newest.bucket) == (
        "refund", -2250, order["id"], "pending")  # fmt: skip


async def test_refunds_in_parts_add_up_to_the_whole_order_and_then_nothing_more(
    shop: Shop,
) -> None:
    admin = await admin_token(shop.client)
    lamp = await shop.product(price=1333, stock=9)
    order = await paid(shop, (lamp, 3))
    for _ in range(3):
        assert (await refund(shop, order, admin, item(lamp, 1))).status_code == 201
    problem_of(await refund(shop, order, admin, item(lamp, 1)), 409, "refundExceedsOrder")
    found = await settled(shop, order, admin)
    assert sum(each["amount"] for each in found) == order["total"]
    assert (
        sum(each["items"][0]["commission"] for each in found) == order["sellers"][0]["commission"]
    )
    assert await balance(shop.seller) == {"pending": 0, "available": 0, "paidOut": 0}
    (charge,) = provider().charges.values()
    assert charge.refunded
    assert provider().refunds == {charge.id: 3}


async def test_more_than_was_ordered_less_what_was_refunded_is_refused(shop: Shop) -> None:
    admin = await admin_token(shop.client)
    lamp = await shop.product(stock=9)
    order = await paid(shop, (lamp, 3))
    problem_of(await refund(shop, order, admin, item(lamp, 4)), 409, "refundExceedsOrder")
    assert (await refund(shop, order, admin, item(lamp, 2))).status_code == 201
    problem_of(await refund(shop, order, admin, item(lamp, 2)), 409, "refundExceedsOrder")
    assert len((await refunds_of(shop, order, admin)).json()["items"]) == 1


async def test_a_seller_refunds_its_own_items_only(shop: Shop) -> None:
    _, other_token = await signed_in(shop.client, role="seller")
    stranger = (await signed_in(shop.client, role="seller"))[1]
    mine, theirs = await shop.product(), await shop.product(other_token)
    order = await paid(shop, (mine, 1), (theirs, 1))

    problem_of(await refund(shop, order, shop.seller_token, item(theirs, 1)), 403, "forbidden")
    problem_of(await refund(shop, order, shop.seller_token, item(mine, 1), item(theirs, 1)),
               403, "forbidden")  # fmt: skip
    problem_of(await refund(shop, order, stranger, item(mine, 1)), 404, "notFound")
    problem_of(await refund(shop, order, shop.buyer_token, item(mine, 1)), 403, "forbidden")
    own = await refund(shop, order, other_token, item(theirs, 1))
    assert own.status_code == 201, own.text

    # Its buyer and admins read every refund; a seller those of its items; others nothing.
    assert len((await refunds_of(shop, order, shop.buyer_token)).json()["items"]) == 1
    assert (await refunds_of(shop, order, shop.seller_token)).json() == {"items": []}
    assert len((await refunds_of(shop, order, other_token)).json()["items"]) == 1
    problem_of(await refunds_of(shop, order, stranger), 404, "notFound")
    location = f"{API}/orders/{order['id']}/refunds/{own.json()['id']}"
    problem_of(await shop.client.get(location, headers=bearer(shop.seller_token)), 404,
               "notFound")  # fmt: skip
    anonymous = await shop.client.post(f"{API}/orders/{order['id']}/refunds",
                                       json={"items": [item(mine, 1)]})  # fmt: skip
    problem_of(anonymous, 401, "unauthorized")


async def test_only_a_paid_shipped_or_delivered_order_is_refunded(shop: Shop) -> None:
    admin = await admin_token(shop.client)
    lamp = await shop.product(stock=9)
    waiting = await shop.placed((lamp, 1))
    problem_of(await refund(shop, waiting, admin, item(lamp, 1)), 409, "invalidState")
    cancelled = await paid(shop, (lamp, 1))
    cancel = await shop.client.post(f"{API}/orders/{cancelled['id']}/cancel",
                                    headers=bearer(shop.buyer_token))  # fmt: skip
    assert cancel.status_code == 200
    problem_of(await refund(shop, cancelled, admin, item(lamp, 1)), 409, "invalidState")

    shipped = await paid(shop, (lamp, 2))
    parcel = await shop.client.post(
        f"{API}/orders/{shipped['id']}/shipments", headers=bearer(shop.seller_token),
        json={"carrier": "DHL", "trackingNumber": "1"},
    )  # fmt: skip
    assert parcel.status_code == 201
    assert (await refund(shop, shipped, shop.seller_token, item(lamp, 1))).status_code == 201
    delivered = await shop.client.patch(f"{API}/shipments/{parcel.json()['id']}",
                                        headers=bearer(shop.seller_token),
                                        json={"status": "delivered"})  # fmt: skip
    assert delivered.status_code == 200
    assert (await refund(shop, shipped, admin, item(lamp, 1))).status_code == 201


async def test_cancelling_a_paid_order_is_a_full_refund_by_the_same_rules(shop: Shop) -> None:
    admin = await admin_token(shop.client)
    lamp, desk = await shop.product(price=1250, stock=9), await shop.product(price=999)
    order = await paid(shop, (lamp, 3), (desk, 1))
    assert (await refund(shop, order, admin, item(lamp, 1))).status_code == 201

    cancel = await shop.client.post(f"{API}/orders/{order['id']}/cancel",
                                    headers=bearer(shop.buyer_token))  # fmt: skip

    assert (cancel.json()["status"], cancel.json()["refunded"]) == ("cancelled", order["total"])
    _, rest = await settled(shop, order, shop.buyer_token)
    assert (rest["amount"], rest["reason"]) == (order["total"] - 1250, "cancelled")
    assert [(i["productId"], i["quantity"]) for i in rest["items"]] == [
        (lamp["id"], 2), (desk["id"], 1)]  # fmt: skip
    assert sum(p.amount for p in provider().parts.values()) == order["total"]
    assert await balance(shop.seller) == {"pending": 0, "available": 0, "paidOut": 0}


async def test_a_repeated_idempotency_key_answers_the_first_refund(shop: Shop) -> None:
    admin = await admin_token(shop.client)
    lamp = await shop.product(stock=9)
    order = await paid(shop, (lamp, 3))
    key = {"Idempotency-Key": "refund-lamp-1"}
    first = await refund(shop, order, admin, item(lamp, 1), headers=key)
    again = await refund(shop, order, admin, item(lamp, 1), headers=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    problem_of(await refund(shop, order, admin, item(lamp, 2), headers=key), 422,
               "idempotencyKeyReused")  # fmt: skip
    assert len((await refunds_of(shop, order, admin)).json()["items"]) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"items": []},
        {"items": [{"productId": "not-a-uuid", "quantity": 1}]},
        {"items": [{"quantity": 1}]},
        {"reason": "no items"},
        {"items": "all"},
    ],
)
async def test_a_malformed_refund_is_a_validation_error(shop: Shop, body: Any) -> None:
    admin = await admin_token(shop.client)
    order = await paid(shop, (await shop.product(), 1))
    response = await shop.client.post(
        f"{API}/orders/{order['id']}/refunds", headers=bearer(admin), json=body
    )
    problem_of(response, 422, "validationError")


async def test_every_line_error_is_a_validation_error(shop: Shop) -> None:
    admin = await admin_token(shop.client)
    lamp = await shop.product(stock=9)
    order = await paid(shop, (lamp, 1))
    cases = [
        {"productId": lamp["id"], "quantity": 0},
        {"productId": lamp["id"], "quantity": 1001},
        {"productId": lamp["id"], "quantity": 1, "status": "refunded"},
        {"productId": (await shop.product())["id"], "quantity": 1},
        {"productId": lamp["id"], "variantId": order["id"], "quantity": 1},
    ]
    for line in cases:
        problem_of(await refund(shop, order, admin, line), 422, "validationError")
    twice = await refund(shop, order, admin, item(lamp, 1), item(lamp, 1))
    assert problem_of(twice, 422, "validationError")["errors"][0]["loc"] == [
        "body", "items", 1, "productId"]  # fmt: skip
    problem_of(await refund(shop, order, admin, item(lamp, 1), reason="x" * 501), 422,
               "validationError")  # fmt: skip
    not_an_id = await shop.client.post(f"{API}/orders/nope/refunds", headers=bearer(admin),
                                       json={"items": [item(lamp, 1)]})  # fmt: skip
    problem_of(not_an_id, 422, "validationError")
    problem_of(await refund(shop, {"id": lamp["id"]}, admin, item(lamp, 1)), 404, "notFound")
    assert (await refunds_of(shop, order, admin)).json() == {"items": []}


async def test_analytics_count_a_products_refunds_and_keep_revenue_gross(shop: Shop) -> None:
    admin = await admin_token(shop.client)
    lamp, desk = await shop.product(price=1250, stock=20), await shop.product(price=999)
    first = await paid(shop, (lamp, 3), (desk, 1))
    second = await paid(shop, (lamp, 2))
    gone = await paid(shop, (lamp, 1))
    assert (await refund(shop, first, admin, item(lamp, 2), item(desk, 1))).status_code == 201
    assert (await refund(shop, second, shop.seller_token, item(lamp, 1))).status_code == 201
    cancel = await shop.client.post(f"{API}/orders/{gone['id']}/cancel",
                                    headers=bearer(shop.buyer_token))  # fmt: skip
    assert cancel.status_code == 200

    stats = await shop.client.get(f"{API}/analytics/products/{lamp['id']}/orders",
                                  headers=bearer(shop.seller_token))  # fmt: skip

    assert stats.status_code == 200, stats.text
    # A cancelled order counts in neither revenue nor refunded.
    assert (stats.json()["revenue"], stats.json()["refunded"]) == (5 * 1250, 3 * 1250)
    desk_stats = await shop.client.get(f"{API}/analytics/products/{desk['id']}/orders",
                                       headers=bearer(admin))  # fmt: skip
    assert (desk_stats.json()["revenue"], desk_stats.json()["refunded"]) == (999, 999)
