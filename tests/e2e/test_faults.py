"""Faults a production service meets: its database restarting under load, and clients
that hang up half-way through a request."""

import asyncio
import json
import random
import socket
import struct
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.e2e import postgres_cluster
from tests.e2e.helpers import API, bearer
from tests.e2e.servers import (
    answers,
    migrate,
    server_environment,
    serving_process,
    wait_for,
    worker_pids,
)
from tests.e2e.test_concurrent_orders import ADDRESS, account, product
from tests.e2e.test_orders_api import walk
from tests.e2e.test_production import _sample

pytestmark = [pytest.mark.server]


@pytest.mark.skipif(
    not postgres_cluster.available(), reason="needs PostgreSQL's server binaries (CI has them)"
)
def test_a_database_restart_under_load_is_answered_503_and_healed_without_restarts(
    tmp_path: Path,
) -> None:
    with postgres_cluster.private_cluster() as cluster:
        environment = server_environment(cluster.url, tmp_path / "logs")
        migrate(environment)
        with serving_process(environment, workers=2) as (base_url, master):
            workers = worker_pids(master)
            report = asyncio.run(_restart_under_load(base_url, cluster))
            assert worker_pids(master) == workers, "no worker was restarted"
            assert master.poll() is None

    statuses = Counter(status for status, _ in report.answers)
    assert set(statuses) <= {200, 201, 503}, f"only successes and 503s: {statuses}"
    assert statuses[503], "requests during the outage were answered 503"
    assert {code for status, code in report.answers if status == 503} == {"databaseUnavailable"}
    assert report.ready_while_down == [503] * len(report.ready_while_down)
    assert report.after == [200] * len(report.after), "every request succeeds afterwards"
    # Nothing half-written: the stock moved by exactly the orders that were stored, and every
    # order answered 201 is among them.
    assert report.placed <= report.stored
    assert report.stock == 10_000 - len(report.stored)


class _Report:
    def __init__(self) -> None:
        self.answers: list[tuple[int, str | None]] = []
        self.ready_while_down: list[int] = []
        self.after: list[int] = []
        self.placed: set[str] = set()
        self.stored: set[str] = set()
        self.stock = -1


async def _restart_under_load(base_url: str, cluster: postgres_cluster.PrivateCluster) -> _Report:
    report, stop = _Report(), asyncio.Event()
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        seller, buyer = await account(http, "seller"), await account(http, "buyer")
        lamp = await product(http, seller, stock=10_000)
        order = {"items": [{"productId": lamp, "quantity": 1}], "shippingAddress": ADDRESS}

        async def load(worker: int) -> None:
            while not stop.is_set():
                if worker % 2:
                    answer = await http.post(f"{API}/orders", headers=bearer(buyer), json=order)
                else:
                    answer = await http.get(f"{API}/products/{lamp}")
                code = answer.json().get("code") if answer.status_code >= 400 else None
                report.answers.append((answer.status_code, code))
                if answer.status_code == 201:
                    report.placed.add(answer.json()["id"])
                await asyncio.sleep(0.01)

        clients = [asyncio.create_task(load(worker)) for worker in range(8)]
        await asyncio.sleep(1.0)
        await asyncio.to_thread(cluster.stop)
        for _ in range(10):
            report.ready_while_down.append((await http.get("/health/ready")).status_code)
            await asyncio.sleep(0.2)
        await asyncio.to_thread(cluster.start)
        await asyncio.to_thread(
            wait_for, lambda: answers(f"{base_url}/health/ready"), seconds=20, what="readiness"
        )
        await asyncio.sleep(1.0)  # the load goes on against the restarted database
        stop.set()
        await asyncio.gather(*clients)
        for _ in range(40):  # fresh connections, so both workers answer some
            async with httpx.AsyncClient(base_url=base_url, timeout=30) as fresh:
                report.after.append((await fresh.get(f"{API}/products/{lamp}")).status_code)
        report.stored = await _order_ids(http, buyer)
        report.stock = (await http.get(f"{API}/products/{lamp}")).json()["stock"]
    return report


async def _order_ids(http: httpx.AsyncClient, token: str) -> set[str]:
    return {order["id"] for order in await walk(http, token, limit=100)}


@pytest.mark.database
def test_clients_hanging_up_mid_request_leave_no_connection_checked_out(
    empty_database_url: str, tmp_path: Path
) -> None:
    environment = server_environment(empty_database_url, tmp_path / "logs", LOG__LEVEL="WARNING")
    migrate(environment)
    with (
        serving_process(environment) as (base_url, _),
        httpx.Client(base_url=base_url, timeout=30) as http,
    ):
        buyer, lamp, hung_up = asyncio.run(_a_fifth_hang_up(base_url, total=1_000))

        def idle() -> bool:
            metrics = http.get("/metrics").text
            return all(
                _sample(metrics, "db_connections_in_use", engine=engine) == 0
                for engine in ("write", "read")
            )

        wait_for(idle, seconds=10, what="every connection going back to the pool")
        stock = http.get(f"{API}/products/{lamp}").json()["stock"]
        stored = asyncio.run(_stored_orders(base_url, buyer))
    assert 150 <= hung_up <= 250, "about a fifth of the requests hung up"
    assert stock == 100_000 - stored, "each order took its stock whole, or not at all"


async def _a_fifth_hang_up(base_url: str, *, total: int) -> tuple[str, str, int]:
    """A buyer, a product, and `total` requests about them: the buyer's token, the product's
    id, and how many requests hung up."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        seller, buyer = await account(http, "seller"), await account(http, "buyer")
        lamp = await product(http, seller, stock=100_000)
    return buyer, lamp, await _requests_with_hang_ups(base_url, buyer, lamp, total=total)


async def _stored_orders(base_url: str, buyer: str) -> int:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        return len(await _order_ids(http, buyer))


async def _requests_with_hang_ups(base_url: str, buyer: str, lamp: str, *, total: int) -> int:
    """`total` requests, 16 at a time, a mix of orders and reads; about one in five hangs up
    (a TCP reset) a moment after sending. Returns how many hung up."""
    pick = random.Random(7)
    plan = [(pick.random() < 0.2, pick.random() < 0.5, pick.uniform(0, 0.02)) for _ in range(total)]
    port = int(base_url.rsplit(":", 1)[1])
    order = json.dumps({"items": [{"productId": lamp, "quantity": 1}], "shippingAddress": ADDRESS})
    gate = asyncio.Semaphore(16)

    async def one(hang_up: bool, writes: bool, delay: float) -> None:
        async with gate:
            if writes:
                raw = _request("POST", f"{API}/orders", port, buyer, order)
            else:
                raw = _request("GET", f"{API}/products?limit=20&inStock=true", port, buyer, "")
            await asyncio.to_thread(_send, port, raw, hang_up_after=delay if hang_up else None)

    await asyncio.gather(*(one(*step) for step in plan))
    return sum(1 for hang_up, _, _ in plan if hang_up)


def _request(method: str, path: str, port: int, token: str, body: str) -> bytes:
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body.encode())}\r\nConnection: close\r\n\r\n"
    )
    return (head + body).encode()


def _send(port: int, raw: bytes, *, hang_up_after: float | None) -> None:
    """Send one request; either read the whole answer, or reset the connection after
    `hang_up_after` seconds (SO_LINGER 0: the server sees a reset, not a polite close)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(raw)
        if hang_up_after is not None:
            time.sleep(hang_up_after)
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        while connection.recv(65536):
            pass
