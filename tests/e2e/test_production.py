"""The README's production recipe: gunicorn with uvicorn workers from `src/gunicorn_conf.py`,
metrics added up across workers, and a graceful stop that loses nothing half-written."""

import asyncio
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

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


@contextmanager
def production_recipe(
    database_url: str, folder: Path, **extra: str
) -> Iterator[tuple[str, subprocess.Popen[bytes], dict[str, str]]]:
    """Two workers, started as the README's production recipe starts them."""
    port = free_port()
    environment = server_environment(
        database_url, folder / "logs",
        SERVER__BIND=f"127.0.0.1:{port}", SERVER__WORKERS="2", SERVER__GRACEFUL_TIMEOUT="20",
        PROMETHEUS_MULTIPROC_DIR=str(folder / "metrics"), **extra,
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


@pytest.fixture
def gunicorn(
    empty_database_url: str, tmp_path: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes], dict[str, str]]]:
    with production_recipe(empty_database_url, tmp_path) as recipe:
        yield recipe


def _sample(metrics: str, name: str, default: float | None = None, **labels: str) -> float:
    """The value of one series in Prometheus' text format; a missing series fails the test
    unless a `default` is given (a counter not yet incremented)."""
    for line in metrics.splitlines():
        if not line.startswith(name + "{"):
            continue
        series, value = line.rsplit(" ", 1)
        found = dict(re.findall(r'(\w+)="([^"]*)"', series))
        if all(found.get(key) == wanted for key, wanted in labels.items()):
            return float(value)
    assert default is not None, f"no {name} series with {labels}"
    return default


@pytest.fixture
def failing_mail(
    empty_database_url: str, tmp_path: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes], dict[str, str]]]:
    """The recipe with a mail server that is never there, and one delivery attempt per
    event: every email's event is dead-lettered at once."""
    with production_recipe(
        empty_database_url, tmp_path, NOTIFICATIONS__SENDER="email",
        NOTIFICATIONS__SMTP_HOST="127.0.0.1", NOTIFICATIONS__SMTP_PORT=str(free_port()),
        OUTBOX__MAX_ATTEMPTS="1",
    ) as recipe:  # fmt: skip
        yield recipe


def test_metrics_add_up_requests_from_both_workers(
    failing_mail: tuple[str, subprocess.Popen[bytes], dict[str, str]],
) -> None:
    base_url, _, environment = failing_mail
    for n in range(3):  # three welcome emails that cannot be sent
        body = {"email": f"metrics-{n}@example.com", "password": "a long password", "fullName": "M"}
        assert httpx.post(f"{base_url}{API}/auth/register", json=body).status_code == 201
    for _ in range(40):  # a new connection each time, so both workers serve some
        assert httpx.get(f"{base_url}{API}/categories").status_code == 200
    httpx.request("PROPFIND", f"{base_url}{API}/categories")  # WebDAV's, not HTTP's
    httpx.get(f"{base_url}{API}/products/{'0' * 8}-0000-0000-0000-{'0' * 12}")

    route, product = f"{API}/categories", f"{API}/products/{{product_id}}"

    def scrape() -> str:
        return httpx.get(f"{base_url}/metrics").text

    # A request is counted just after its answer is sent: wait for the last one to land.
    wait_for(lambda: _sample(scrape(), "http_requests_total", 0, route=product) == 1, seconds=5,
             what="the last request's count")  # fmt: skip
    metrics = scrape()
    workers = {line.split('pid="')[1].split('"')[0] for line in metrics.splitlines()
               if line.startswith("marketplace_worker_up{")}  # fmt: skip
    assert len(workers) == 2, "both workers report"
    assert _sample(metrics, "http_requests_total", route=route, status="200") == 40
    served = _requests_by_worker(Path(environment["PROMETHEUS_MULTIPROC_DIR"]), route)
    assert sorted(served) == sorted(int(pid) for pid in workers), "each worker writes its own"
    assert sum(served.values()) == 40
    assert all(served.values()), f"both workers served, and /metrics added them up: {served}"
    # By template, not by raw path:
    assert _sample(metrics, "http_requests_total", route=product, status="404") == 1
    assert _sample(metrics, "http_request_duration_seconds_count", route=route) == 40
    # A method HTTP does not define is one series for all of them, not one each.
    assert _sample(metrics, "http_requests_total", method="OTHER", status="405") == 1
    assert 'method="PROPFIND"' not in metrics
    # Only the scrape itself is in progress (each worker adds its own).
    assert _sample(metrics, "http_requests_in_progress", method="POST") == 0
    assert _sample(metrics, "http_requests_in_progress", method="GET") == 1
    wait_for(lambda: _sample(scrape(), "outbox_events", state="dead") == 3, seconds=10,
             what="three dead letters")  # fmt: skip
    metrics = scrape()
    assert _sample(metrics, "outbox_events", state="pending") == 0

    # Idle: every connection is back in its pool. Each worker writes the gauge as each of its
    # requests ends, so a reading can be from just before the relay returned its connection
    # (CI once saw 1): scrape until both workers have written one since. A connection that
    # never came back would keep it above 0.
    def idle(engine: str) -> bool:
        return _sample(scrape(), "db_connections_in_use", engine=engine) == 0

    wait_for(lambda: idle("write") and idle("read"), seconds=5, what="no connection in use")


def _requests_by_worker(folder: Path, route: str) -> dict[int, float]:
    """Each worker's own count of 200s on `route`, read from its files alone."""
    served = {}
    for counters in folder.glob("counter_*.db"):
        pid = int(counters.stem.removeprefix("counter_"))
        with tempfile.TemporaryDirectory() as alone:
            shutil.copy(counters, alone)
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=alone)  # type: ignore[no-untyped-call]
            served[pid] = _sample(generate_latest(registry).decode(), "http_requests_total", 0,
                                  route=route, status="200")  # fmt: skip
    return served


def test_sigterm_lets_in_flight_orders_finish_and_loses_none_half_way(
    gunicorn: tuple[str, subprocess.Popen[bytes], dict[str, str]],
) -> None:
    """100 orders are held inside the workers (the test holds the database lock they need),
    then gunicorn is told to stop, then the lock is let go: a graceful stop answers all 100
    and stores each whole, with its stock and its event; an abrupt one would cut them off."""
    base_url, process, environment = gunicorn
    database_url = environment["DATABASE__URL"]
    buyer, lamp, answers = asyncio.run(_orders_held_across_sigterm(base_url, process, database_url))
    assert process.wait(timeout=30) == 0  # a graceful stop
    statuses = Counter(a.status_code if a is not None else "cut off" for a in answers)
    assert statuses == {201: 100}, statuses
    placed = {a.json()["id"] for a in answers if a is not None}

    with serving(environment) as again, httpx.Client(base_url=again, timeout=30) as client:
        listing = client.get(f"{API}/orders", headers={"Authorization": f"Bearer {buyer}"},
                             params={"limit": 100}).json()  # fmt: skip
        stored = {order["id"] for order in listing["items"]}
        stock = client.get(f"{API}/products/{lamp}").json()["stock"]
    assert stored == placed
    assert all(len(order["items"]) == 1 for order in listing["items"])
    assert stock == 1000 - len(stored)
    assert asyncio.run(_events(database_url, "order.placed")) == len(stored)


async def _orders_held_across_sigterm(
    base_url: str, process: subprocess.Popen[bytes], database_url: str
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
            except httpx.TransportError:  # cut off by the stop
                return None

        async with _holding_the_product(database_url, lamp):
            requests = [asyncio.create_task(place()) for _ in range(100)]
            await _until_in_progress(http, "POST", 100)  # inside a worker, waiting for the lock
            process.send_signal(signal.SIGTERM)
            await asyncio.sleep(0.5)  # the workers have begun to stop
        return buyer, lamp, await asyncio.gather(*requests)


async def _until_in_progress(http: httpx.AsyncClient, method: str, count: int) -> None:
    """Wait until the workers, added up, have `count` requests of `method` received and not
    yet answered (read from `/metrics`, which a worker answers while others wait)."""
    deadline = asyncio.get_running_loop().time() + 20
    while True:
        metrics = (await http.get("/metrics")).text
        if _sample(metrics, "http_requests_in_progress", 0, method=method) >= count:
            return
        assert asyncio.get_running_loop().time() < deadline, f"{count} {method}s never arrived"
        await asyncio.sleep(0.05)


@asynccontextmanager
async def _holding_the_product(database_url: str, product_id: str) -> AsyncIterator[None]:
    """Hold what an order of the product needs to write: SQLite's one write lock, or the
    product's row on PostgreSQL. Briefly: SQLite's busy timeout is 5 s."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                await connection.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                await connection.execute(
                    text("SELECT id FROM products WHERE id = :id FOR UPDATE"), {"id": product_id}
                )
            yield
            await connection.rollback()
    finally:
        await engine.dispose()


async def _events(database_url: str, topic: str) -> int:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            found = await connection.execute(
                text("SELECT count(*) FROM outbox WHERE topic = :topic"), {"topic": topic}
            )
            return int(found.scalar_one())
    finally:
        await engine.dispose()
