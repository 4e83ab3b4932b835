"""Webhooks under load: 500 orders placed at once against gunicorn with two workers, each
running its own relay and delivery worker on the one database (PostgreSQL when
TEST_POSTGRES_URL is set). Every order reaches the seller's receiver, verified, and no
delivery is sent twice: the two workers' claims never overlap."""

import asyncio
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import new_empty_database
from tests.e2e.helpers import API, PASSWORD, bearer, new_email
from tests.e2e.servers import free_port, migrate, server_environment, serving, stand_in_receiver
from tests.e2e.test_orders_api import ADDRESS

pytestmark = [pytest.mark.database, pytest.mark.server]
ORDERS = 500


async def token(http: httpx.AsyncClient, role: str) -> str:
    email = new_email(role)
    body = {"email": email, "password": PASSWORD, "fullName": role.title(), "role": role}
    assert (await http.post(f"{API}/auth/register", json=body)).status_code == 201
    login = await http.post(f"{API}/auth/login", json={"email": email, "password": PASSWORD})
    return str(login.json()["accessToken"])


async def walk(http: httpx.AsyncClient, seller: str, endpoint_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": 100} | ({"cursor": cursor} if cursor else {})
        page = (await http.get(f"{API}/webhooks/{endpoint_id}/deliveries", params=params,
                               headers=bearer(seller))).json()  # fmt: skip
        items += page["items"]
        if (cursor := page["nextCursor"]) is None:
            return items


def test_five_hundred_orders_are_each_delivered_once(tmp_path: Path) -> None:
    with new_empty_database(tmp_path) as database_url:
        environment = server_environment(
            database_url, tmp_path / "logs", LOG__LEVEL="WARNING",
            WEBHOOKS__ALLOW_PRIVATE_HTTP="true", WEBHOOKS__POLL_SECONDS="0.5",
        )  # fmt: skip
        migrate(environment)
        with serving(environment, workers=2) as base_url:
            asyncio.run(_place_and_receive(base_url))


async def _place_and_receive(base_url: str) -> None:
    limits = httpx.Limits(max_connections=60, max_keepalive_connections=60)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as http:
        seller, buyer = await token(http, "seller"), await token(http, "buyer")
        port = free_port()
        hook = await http.post(f"{API}/webhooks", headers=bearer(seller), json={
            "url": f"http://127.0.0.1:{port}/hooks", "events": ["order.placed"]})  # fmt: skip
        endpoint = hook.json()
        item = {"title": "Lamp", "price": 1000, "stock": ORDERS, "category": "lighting"}
        product = (await http.post(f"{API}/products", headers=bearer(seller), json=item)).json()
        order = {"items": [{"productId": product["id"], "quantity": 1}],
                 "shippingAddress": ADDRESS}  # fmt: skip
        with stand_in_receiver(port, endpoint["secret"]) as receiver:
            slots = asyncio.Semaphore(50)

            async def place() -> int:
                async with slots:
                    response = await http.post(f"{API}/orders", headers=bearer(buyer), json=order)
                    return response.status_code

            statuses = await asyncio.gather(*(place() for _ in range(ORDERS)))
            assert Counter(statuses) == {201: ORDERS}
            deadline = time.monotonic() + 180
            while len(got := (await http.get(f"{receiver}/received")).json()) < ORDERS:
                assert time.monotonic() < deadline, f"{len(got)} of {ORDERS} received"
                await asyncio.sleep(0.5)
            await asyncio.sleep(1)  # anything sent twice would arrive meanwhile
            got = (await http.get(f"{receiver}/received")).json()
        assert len(got) == ORDERS
        assert all(each["verified"] and each["answered"] == 204 for each in got)
        assert len({each["webhookId"] for each in got}) == ORDERS
        log = await walk(http, seller, endpoint["id"])
        assert {each["id"] for each in log} == {each["webhookId"] for each in got}
        assert {(each["status"], each["attempts"]) for each in log} == {("succeeded", 1)}
