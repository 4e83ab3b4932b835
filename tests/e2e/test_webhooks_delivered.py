"""Webhooks end to end: a real server delivers to the real stand-in receiver, which verifies
every signature with the Standard Webhooks library; failures are retried under the same
`webhook-id`, and the delivery log and redelivery work over HTTP."""

import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from src.config.settings import PROJECT_ROOT
from tests.e2e.helpers import API, PASSWORD, new_email
from tests.e2e.servers import (
    answers,
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


@contextmanager
def uvicorn_on(environment: dict[str, str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    """The server in a process of its own, which the test may kill."""
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "uvicorn", "src.main:app", "--port", str(port)],
        cwd=PROJECT_ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for(lambda: answers(f"http://127.0.0.1:{port}/health/ready"), seconds=30)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def test_a_delivery_in_flight_when_the_server_is_killed_is_sent_after_it_restarts(
    empty_database_url: str, tmp_path: Path
) -> None:
    environment = server_environment(
        empty_database_url, tmp_path / "logs",
        WEBHOOKS__ALLOW_PRIVATE_HTTP="true", WEBHOOKS__POLL_SECONDS="0.2",
        WEBHOOKS__TIMEOUT_SECONDS="3", WEBHOOKS__LEASE_SECONDS="4", OUTBOX__POLL_SECONDS="0.2",
    )  # fmt: skip
    migrate(environment)
    port, hooks_port = free_port(), free_port()
    base_url = f"http://127.0.0.1:{port}"
    with uvicorn_on(environment, port) as server, httpx.Client(base_url=base_url) as client:
        seller, buyer = headers_of(client, "seller"), headers_of(client, "buyer")
        endpoint = client.post(
            f"{API}/webhooks",
            headers=seller,
            json={"url": f"http://127.0.0.1:{hooks_port}/hooks", "events": ["order.placed"]},
        ).json()
        product = client.post(
            f"{API}/products",
            headers=seller,
            json={"title": "Lamp", "price": 1500, "stock": 3, "category": "lighting"},
        ).json()
        receiver_running = stand_in_receiver(hooks_port, endpoint["secret"], stall_seconds=30)
        with receiver_running as receiver:
            # The first attempt stalls at the receiver: the server is killed while it waits.
            httpx.post(f"{receiver}/_faults", json={"failNext": 1, "mode": "timeout"})
            client.post(f"{API}/orders", headers=buyer, json={
                "items": [{"productId": product["id"], "quantity": 1}],
                "shippingAddress": ADDRESS})  # fmt: skip
            wait_for(lambda: httpx.get(f"{receiver}/_faults").json()["failNext"] == 0,
                     what="the first attempt to arrive")  # fmt: skip
            server.send_signal(signal.SIGKILL)
            server.wait(timeout=10)
            with uvicorn_on(environment, port):
                wait_for(lambda: 204 in answered(receiver, "order.placed"), seconds=30,
                         what="the delivery, after the restart")  # fmt: skip
                log = client.get(f"{API}/webhooks/{endpoint['id']}/deliveries", headers=seller)
            (delivery,) = log.json()["items"]
            assert (delivery["status"], delivery["attempts"]) == ("succeeded", 2)
            delivered = [r for r in received(receiver) if r["answered"] == 204]
            assert [r["webhookId"] for r in delivered] == [delivery["id"]]
            assert delivered[0]["verified"]
