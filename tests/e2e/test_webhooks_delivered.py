"""Webhooks end to end: a real server delivers to the real stand-in receiver, which verifies
every signature with the Standard Webhooks library; failures are retried under the same
`webhook-id`, and the delivery log and redelivery work over HTTP."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.helpers import API, PASSWORD, new_email
from tests.e2e.servers import (
    free_port,
    migrate,
    server_environment,
    serving,
    stand_in_receiver,
    wait_for,
)
from tests.e2e.test_orders_api import ADDRESS

pytestmark = [pytest.mark.database, pytest.mark.server]


def headers_of(client: httpx.Client, role: str) -> dict[str, str]:
    email = new_email(role)
    body = {"email": email, "password": PASSWORD, "fullName": role.title(), "role": role}
    assert client.post(f"{API}/auth/register", json=body).status_code == 201
    login = client.post(f"{API}/auth/login", json={"email": email, "password": PASSWORD})
    return {"Authorization": f"Bearer {login.json()['accessToken']}"}


@pytest.fixture
def marketplace(empty_database_url: str, tmp_path: Path) -> Iterator[str]:
    environment = server_environment(
        empty_database_url, tmp_path / "logs",
        WEBHOOKS__ALLOW_PRIVATE_HTTP="true", WEBHOOKS__POLL_SECONDS="0.2",
        WEBHOOKS__FIRST_BACKOFF_SECONDS="0.3", WEBHOOKS__TIMEOUT_SECONDS="1",
        OUTBOX__POLL_SECONDS="0.2",
    )  # fmt: skip
    migrate(environment)
    with serving(environment) as base_url:
        yield base_url


def received(receiver: str, **filters: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = httpx.get(f"{receiver}/received", params=filters).json()
    return found


def answered(receiver: str, topic: str) -> list[int]:
    return [each["answered"] for each in received(receiver, type=topic)]


def test_a_paid_order_reaches_the_sellers_receiver_signed_and_retried(marketplace: str) -> None:
    port = free_port()
    with httpx.Client(base_url=marketplace, timeout=30) as client:
        seller, buyer = headers_of(client, "seller"), headers_of(client, "buyer")
        hook = client.post(
            f"{API}/webhooks",
            headers=seller,
            json={
                "url": f"http://127.0.0.1:{port}/hooks",
                "events": ["order.placed", "order.paid"],
            },
        )
        assert hook.status_code == 201, hook.text
        endpoint = hook.json()
        with stand_in_receiver(port, endpoint["secret"]) as receiver:
            product = client.post(
                f"{API}/products",
                headers=seller,
                json={"title": "Lamp", "price": 1500, "stock": 3, "category": "lighting"},
            ).json()
            order = client.post(
                f"{API}/orders",
                headers=buyer,
                json={
                    "items": [{"productId": product["id"], "quantity": 1}],
                    "shippingAddress": ADDRESS,
                },
            ).json()
            wait_for(lambda: len(received(receiver, type="order.placed")) == 1, what="placed")
            # The first two attempts at the next delivery fail: it is retried.
            httpx.post(f"{receiver}/_faults", json={"failNext": 2, "mode": "error"})
            paid = client.post(
                f"{API}/orders/{order['id']}/pay", headers=buyer, json={"paymentToken": "tok_visa"}
            )
            assert paid.status_code == 200
            wait_for(lambda: 204 in answered(receiver, "order.paid"), what="paid, retried")
            assert all(each["verified"] for each in received(receiver))
            attempts = received(receiver, type="order.paid")
            assert [each["answered"] for each in attempts] == [503, 503, 204]
            assert len({each["webhookId"] for each in attempts}) == 1  # one id, every attempt
            assert attempts[0]["data"]["orderId"] == order["id"]
            assert attempts[0]["host"] == f"127.0.0.1:{port}"

            log = client.get(f"{API}/webhooks/{endpoint['id']}/deliveries", headers=seller)
            by_topic = {each["topic"]: each for each in log.json()["items"]}
            assert (by_topic["order.paid"]["attempts"], by_topic["order.paid"]["status"]) == (
                3, "succeeded",
            )  # fmt: skip
            assert by_topic["order.paid"]["lastStatus"] == 204
            assert by_topic["order.paid"]["id"] == attempts[0]["webhookId"]
            assert by_topic["order.placed"]["attempts"] == 1

            placed = by_topic["order.placed"]["id"]
            again = client.post(
                f"{API}/webhooks/{endpoint['id']}/deliveries/{placed}/redeliver", headers=seller
            )
            assert again.status_code == 202
            wait_for(lambda: len(received(receiver, type="order.placed")) == 2, what="redelivery")
            first, second = received(receiver, type="order.placed")
            assert first["webhookId"] == second["webhookId"] == placed
            assert second["verified"]
