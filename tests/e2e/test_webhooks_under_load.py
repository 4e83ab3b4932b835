"""Webhooks under load: 500 orders placed at once against gunicorn with two workers, each
running its own relay and delivery worker on the one database (PostgreSQL when
TEST_POSTGRES_URL is set), to three endpoints: the seller's, the seller's second one whose
receiver fails half its calls, and an admin's. Every endpoint gets every order, verified,
each under one `webhook-id`; the healthy ones get each exactly once (the two workers' claims
never overlap), the failing one gets its failures again until they succeed."""

import asyncio
import subprocess
import sys
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from src.config.settings import PROJECT_ROOT
from tests.conftest import new_empty_database
from tests.e2e.helpers import API, PASSWORD, bearer, new_email
from tests.e2e.servers import free_port, migrate, server_environment, serving, stand_in_receiver
from tests.e2e.test_orders_api import ADDRESS

pytestmark = [pytest.mark.database, pytest.mark.server]
ORDERS = 500
ADMIN_EMAIL = "hooks-admin@example.com"


async def token(http: httpx.AsyncClient, role: str) -> str:
    email = ADMIN_EMAIL if role == "admin" else new_email(role)
    if role != "admin":  # the admin is made by the seed script, as operators do
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
            WEBHOOKS__FIRST_BACKOFF_SECONDS="0.5", WEBHOOKS__MAX_BACKOFF_SECONDS="2",
        )  # fmt: skip
        migrate(environment)
        subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "seed.create_admin", "--email", ADMIN_EMAIL,
             "--password", PASSWORD],
            cwd=PROJECT_ROOT, env=environment, check=True, capture_output=True,
        )  # fmt: skip
        with serving(environment, workers=2) as base_url:
            asyncio.run(_place_and_receive(base_url))


async def _place_and_receive(base_url: str) -> None:
    limits = httpx.Limits(max_connections=60, max_keepalive_connections=60)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as http:
        seller, buyer = await token(http, "seller"), await token(http, "buyer")
        owners = {"seller": seller, "flaky": seller, "admin": await token(http, "admin")}
        ports = {name: free_port() for name in owners}
        endpoints = {}
        for name, owner in owners.items():
            hook = await http.post(f"{API}/webhooks", headers=bearer(owner), json={
                "url": f"http://127.0.0.1:{ports[name]}/{name}",
                "events": ["order.placed"]})  # fmt: skip
            assert hook.status_code == 201, hook.text
            endpoints[name] = hook.json()
        item = {"title": "Lamp", "price": 1000, "stock": ORDERS, "category": "lighting"}
        product = (await http.post(f"{API}/products", headers=bearer(seller), json=item)).json()
        order = {"items": [{"productId": product["id"], "quantity": 1}],
                 "shippingAddress": ADDRESS}  # fmt: skip
        with ExitStack() as stack:
            receivers = {
                name: stack.enter_context(stand_in_receiver(ports[name], endpoints[name]["secret"]))
                for name in owners
            }
            fail_half = {"failNext": ORDERS // 2, "mode": "error"}
            assert (await http.post(f"{receivers['flaky']}/_faults", json=fail_half)).is_success
            slots = asyncio.Semaphore(50)

            async def place() -> int:
                async with slots:
                    response = await http.post(f"{API}/orders", headers=bearer(buyer), json=order)
                    return response.status_code

            statuses = await asyncio.gather(*(place() for _ in range(ORDERS)))
            assert Counter(statuses) == {201: ORDERS}
            got = {name: await _all_succeeded(http, url) for name, url in receivers.items()}
        for name, deliveries in got.items():
            succeeded = [each for each in deliveries if each["answered"] == 204]
            assert all(each["verified"] for each in deliveries), name
            assert len({each["webhookId"] for each in succeeded}) == ORDERS, name
            owner = owners[name]
            log = await walk(http, owner, endpoints[name]["id"])
            assert {each["id"] for each in log} == {each["webhookId"] for each in succeeded}, name
            assert {each["status"] for each in log} == {"succeeded"}, name
        for name in ("seller", "admin"):  # answered at once, so each sent once
            assert len(got[name]) == ORDERS, name
            log = await walk(http, owners[name], endpoints[name]["id"])
            assert {each["attempts"] for each in log} == {1}, name
        failed = [each for each in got["flaky"] if each["answered"] != 204]
        assert len(failed) == ORDERS // 2  # each failure came again, under its own id
        assert {each["webhookId"] for each in failed} <= {
            each["webhookId"] for each in got["flaky"] if each["answered"] == 204
        }


async def _all_succeeded(http: httpx.AsyncClient, receiver: str) -> list[dict[str, Any]]:
    """What `receiver` got once every order reached it with a success, and a second more
    (anything sent twice would arrive meanwhile)."""
    deadline = time.monotonic() + 180

    def succeeded(got: list[dict[str, Any]]) -> int:
        return len({each["webhookId"] for each in got if each["answered"] == 204})

    while succeeded(got := (await http.get(f"{receiver}/received")).json()) < ORDERS:
        assert time.monotonic() < deadline, f"{succeeded(got)} of {ORDERS} at {receiver}"
        await asyncio.sleep(0.5)
    await asyncio.sleep(1)
    received: list[dict[str, Any]] = (await http.get(f"{receiver}/received")).json()
    return received
