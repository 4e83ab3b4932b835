"""Paying for orders and refunding them, over HTTP, with the in-process fake provider."""

import asyncio
from typing import Any

import pytest
from httpx import AsyncClient

from src.infrastructure.payments.fake import FakePaymentGateway
from src.infrastructure.runtime import runtime
from tests.e2e.helpers import API, bearer, problem_of, signed_in
from tests.e2e.test_orders_api import Shop, admin_token

pytestmark = pytest.mark.database
VISA = "tok_visa"  # any token the provider does not decline


@pytest.fixture
async def shop(client: AsyncClient) -> Shop:
    return await Shop(client).open()


def provider() -> FakePaymentGateway:
    gateway = runtime().payments
    assert isinstance(gateway, FakePaymentGateway)
    return gateway


async def pay(shop: Shop, order: dict[str, Any], token: str = VISA, **headers: str) -> Any:
    return await shop.client.post(
        f"{API}/orders/{order['id']}/pay",
        headers=bearer(shop.buyer_token) | headers,
        json={"paymentToken": token},
    )


async def test_paying_charges_the_total_once_and_marks_the_order_paid(shop: Shop) -> None:
    lamp = await shop.product(price=1250)
    order = await shop.placed((lamp, 2))

    response = await pay(shop, order)

    assert response.status_code == 200, response.text
    paid = response.json()
    assert (paid["id"], paid["status"]) == (order["id"], "paid")
    assert [(c.amount, c.currency) for c in provider().charges.values()] == [(2500, "USD")]
    problem_of(await pay(shop, order), 409, "invalidState")
    assert len(provider().charges) == 1


async def test_a_declined_card_leaves_the_order_payable_with_another(shop: Shop) -> None:
    order = await shop.placed((await shop.product(), 1))

    problem_of(await pay(shop, order, "tok_decline_insufficient_funds"), 402, "paymentDeclined")
    still = await shop.client.get(f"{API}/orders/{order['id']}", headers=bearer(shop.buyer_token))
    assert still.json()["status"] == "pendingPayment"
    assert provider().charges == {}
    problem_of(await pay(shop, order, "tok_decline_again"), 402, "paymentDeclined")

    assert (await pay(shop, order, "tok_visa")).json()["status"] == "paid"
    assert len(provider().charges) == 1


async def test_concurrent_pays_charge_once(shop: Shop) -> None:
    order = await shop.placed((await shop.product(), 1))
    responses = await asyncio.gather(*(pay(shop, order) for _ in range(10)))
    statuses = sorted(response.status_code for response in responses)
    assert statuses.count(200) >= 1
    assert set(statuses) <= {200, 409}
    assert len(provider().charges) == 1


async def test_only_the_buyer_pays(shop: Shop, client: AsyncClient) -> None:
    order = await shop.placed((await shop.product(), 1))
    path = f"{API}/orders/{order['id']}/pay"
    body = {"paymentToken": "tok_visa"}
    _, stranger = await signed_in(client, role="buyer")
    problem_of(await client.post(path, headers=bearer(shop.seller_token), json=body), 403,
               "forbidden")  # fmt: skip
    problem_of(await client.post(path, headers=bearer(await admin_token(client)), json=body),
               403, "forbidden")  # fmt: skip
    problem_of(await client.post(path, headers=bearer(stranger), json=body), 404, "notFound")
    problem_of(await client.post(path, json=body), 401, "unauthorized")
    assert provider().charges == {}


@pytest.mark.parametrize(
    "body", [{}, {"paymentToken": ""}, {"paymentToken": "tok_visa", "amount": 1}, {"token": "x"}]
)
async def test_a_pay_body_is_validated(shop: Shop, body: dict[str, Any]) -> None:
    order = await shop.placed((await shop.product(), 1))
    response = await shop.client.post(
        f"{API}/orders/{order['id']}/pay", headers=bearer(shop.buyer_token), json=body
    )
    problem_of(response, 422, "validationError")


async def test_a_pay_key_replays_a_payment_and_a_decline(shop: Shop) -> None:
    lamp = await shop.product()
    order, other = await shop.placed((lamp, 1)), await shop.placed((lamp, 1))
    first = await pay(shop, order, **{"Idempotency-Key": "pay-1"})
    again = await pay(shop, order, **{"Idempotency-Key": "pay-1"})
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    problem_of(await pay(shop, order, "tok_other", **{"Idempotency-Key": "pay-1"}), 422,
               "idempotencyKeyReused")  # fmt: skip

    declined = await pay(shop, other, "tok_decline", **{"Idempotency-Key": "pay-2"})
    problem_of(declined, 402, "paymentDeclined")
    replayed = await pay(shop, other, "tok_decline", **{"Idempotency-Key": "pay-2"})
    problem_of(replayed, 402, "paymentDeclined")
    assert replayed.headers["idempotent-replayed"] == "true"
    assert (await pay(shop, other, "tok_visa")).status_code == 200
    assert len(provider().charges) == 2


async def refunds_settle() -> dict[str, int]:
    """The fake provider's refunds once the relay has nothing left to deliver."""
    for _ in range(100):
        await asyncio.sleep(0.02)
        if provider().refunds:
            break
    await asyncio.sleep(0.1)  # room for a (wrong) second refund to show up
    return dict(provider().refunds)


async def test_cancelling_a_paid_order_refunds_it_exactly_once(shop: Shop) -> None:
    lamp = await shop.product(stock=5)
    order = await shop.placed((lamp, 2))
    await pay(shop, order)
    path = f"{API}/orders/{order['id']}/cancel"

    cancels = await asyncio.gather(
        *(shop.client.post(path, headers=bearer(shop.buyer_token)) for _ in range(5))
    )

    assert sorted(c.status_code for c in cancels) == [200, 409, 409, 409, 409]
    (charge_id,) = provider().charges
    assert await refunds_settle() == {charge_id: 1}
    assert provider().charges[charge_id].refunded
    assert await shop.stock(lamp) == 5
    problem_of(await shop.client.post(path, headers=bearer(shop.buyer_token)), 409,
               "invalidState")  # fmt: skip
    assert await refunds_settle() == {charge_id: 1}


async def test_cancelling_an_unpaid_order_refunds_nothing(shop: Shop) -> None:
    order = await shop.placed((await shop.product(), 1))
    cancelled = await shop.client.post(
        f"{API}/orders/{order['id']}/cancel", headers=bearer(shop.buyer_token)
    )
    assert cancelled.json()["status"] == "cancelled"
    await asyncio.sleep(0.2)
    assert provider().refunds == {}
