"""The README's production recipe: gunicorn with uvicorn workers from `src/gunicorn_conf.py`,
metrics added up across workers, and a graceful stop that loses nothing half-written."""

import asyncio
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from src.config.settings import PROJECT_ROOT
from tests.e2e.helpers import API
from tests.e2e.servers import (
    answers,
    free_port,
    migrate,
    server_environment,
    serving,
    wait_for,
)
from tests.e2e.test_concurrent_orders import ADDRESS, account, product

pytestmark = [pytest.mark.database, pytest.mark.server]


@pytest.fixture
def gunicorn(
    empty_database_url: str, tmp_path: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes], dict[str, str]]]:
    """Two workers, started as the README's production recipe starts them."""
    port = free_port()
    environment = server_environment(
        empty_database_url, tmp_path / "logs",
        SERVER__BIND=f"127.0.0.1:{port}", SERVER__WORKERS="2", SERVER__GRACEFUL_TIMEOUT="20",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
    )  # fmt: skip
    migrate(environment)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:src.gunicorn_conf", "src.main:app"],
        cwd=PROJECT_ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: answers(f"{base_url}/health/ready"), seconds=30, what="gunicorn")
        yield base_url, process, environment
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def _sample(metrics: str, name: str, **labels: str) -> float:
    """The value of one series in Prometheus' text format (0 if absent)."""
    for line in metrics.splitlines():
        if not line.startswith(name + "{"):
            continue
        series, value = line.rsplit(" ", 1)
        found = dict(re.findall(r'(\w+)="([^"]*)"', series))
        if all(found.get(key) == wanted for key, wanted in labels.items()):
            return float(value)
    return 0.0


def test_metrics_add_up_requests_from_both_workers(
    gunicorn: tuple[str, subprocess.Popen[bytes], dict[str, str]],
) -> None:
    base_url, _, _ = gunicorn
    for _ in range(40):  # a new connection each time, so both workers serve some
        assert httpx.get(f"{base_url}{API}/categories").status_code == 200
    httpx.get(f"{base_url}{API}/products/{'0' * 8}-0000-0000-0000-{'0' * 12}")

    route, product = f"{API}/categories", f"{API}/products/{{product_id}}"

    def scrape() -> str:
        return httpx.get(f"{base_url}/metrics").text

    # A request is counted just after its answer is sent: wait for the last one to land.
    wait_for(lambda: _sample(scrape(), "http_requests_total", route=product) == 1, seconds=5,
             what="the last request's count")  # fmt: skip
    metrics = scrape()
    workers = {line.split('pid="')[1].split('"')[0] for line in metrics.splitlines()
               if line.startswith("marketplace_worker_up{")}  # fmt: skip
    assert len(workers) == 2, "both workers report"
    assert _sample(metrics, "http_requests_total", route=route, status="200") == 40
    # By template, not by raw path:
    assert _sample(metrics, "http_requests_total", route=product, status="404") == 1
    assert _sample(metrics, "http_request_duration_seconds_count", route=route) == 40
    assert "db_connections_in_use" in metrics
    assert _sample(metrics, "outbox_events", state="dead") == 0


def test_sigterm_lets_in_flight_orders_finish_and_loses_none_half_way(
    gunicorn: tuple[str, subprocess.Popen[bytes], dict[str, str]],
) -> None:
    base_url, process, environment = gunicorn
    buyer, lamp, answers = asyncio.run(_orders_then_sigterm(base_url, process))
    assert process.wait(timeout=30) == 0  # a graceful stop
    placed = {a.json()["id"] for a in answers if a is not None and a.status_code == 201}
    others = [a.status_code for a in answers if a is not None and a.status_code != 201]
    assert placed, "some orders were in flight when the stop began"
    assert not others, f"in-flight orders were cut short: {others}"

    with serving(environment) as again, httpx.Client(base_url=again, timeout=30) as client:
        listing = client.get(f"{API}/orders", headers={"Authorization": f"Bearer {buyer}"},
                             params={"limit": 100}).json()  # fmt: skip
        stored = {order["id"] for order in listing["items"]}
        stock = client.get(f"{API}/products/{lamp}").json()["stock"]
    # Each order answered 201 is stored whole; none is stored without its answer; and the
    # stock moved by exactly the stored orders.
    assert stored == placed
    assert all(len(order["items"]) == 1 for order in listing["items"])
    assert stock == 1000 - len(stored)


async def _orders_then_sigterm(
    base_url: str, process: subprocess.Popen[bytes]
) -> tuple[str, str, list[httpx.Response | None]]:
    limits = httpx.Limits(max_connections=150)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as http:
        seller, buyer = await account(http, "seller"), await account(http, "buyer")
        lamp = await product(http, seller, stock=1000)
        body = {"items": [{"productId": lamp, "quantity": 1}], "shippingAddress": ADDRESS}
        headers = {"Authorization": f"Bearer {buyer}"}

        async def place() -> httpx.Response | None:
            try:
                return await http.post(f"{API}/orders", headers=headers, json=body)
            except httpx.TransportError:  # not accepted before the stop: never written
                return None

        requests = [asyncio.create_task(place()) for _ in range(100)]
        await asyncio.sleep(0.05)  # the requests are in flight
        process.send_signal(signal.SIGTERM)
        return buyer, lamp, await asyncio.gather(*requests)
