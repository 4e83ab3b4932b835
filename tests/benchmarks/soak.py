"""Soak test: mixed traffic for a long while on gunicorn with two workers; not in the gate.

    python -m tests.benchmarks.soak                       # 10 minutes on SQLite
    python -m tests.benchmarks.soak --minutes 2 --postgres-url postgresql+asyncpg://postgres@127.0.0.1/test

Buyers browse, search and read products, place orders, pay, and cancel some; sellers list
products and ship; a few new people register. Every `--sample-seconds` it reads each
worker's resident memory. At the end it prints the answers by status, latency percentiles,
and each worker's memory after the first minute (the warm-up: caches and pools fill) against
its last reading. It exits non-zero on any 5xx or a worker growing by 10% or more.
"""

import argparse
import asyncio
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx

from tests.benchmarks.bench_orders import fresh_database
from tests.e2e.servers import (
    migrate,
    server_environment,
    serving_process,
    stand_in_provider,
    worker_pids,
)

API = "/api/v1"
ADDRESS = {
    "fullName": "Ada",
    "line1": "1 Main St",
    "city": "London",
    "postalCode": "N1",
    "country": "GB",
}
PASSWORD = "soak-password"
WARM_UP_SECONDS = 60


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    memory: dict[int, list[float]] = field(default_factory=dict)
    # Connections that failed without an answer, by error; a worker that died would show
    # here and as a new pid in `memory`.
    broken: Counter[str] = field(default_factory=Counter)

    def record(self, response: httpx.Response, started: float) -> httpx.Response:
        self.statuses[response.status_code] += 1
        self.latencies_ms.append((time.perf_counter() - started) * 1000)
        return response


class Traffic:
    """One simulated person's requests, through one shared client."""

    def __init__(self, http: httpx.AsyncClient, tally: Tally, pick: random.Random) -> None:
        self.http, self.tally, self.pick = http, tally, pick

    async def call(
        self, method: str, path: str, token: str | None = None, **options: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        started = time.perf_counter()
        response = await self.http.request(method, path, headers=headers, **options)
        return self.tally.record(response, started)

    async def person(self, role: str) -> str:
        email = f"soak-{role}-{uuid4().hex[:10]}@example.com"
        body = {"email": email, "password": PASSWORD, "fullName": role.title(), "role": role}
        await self.call("POST", f"{API}/auth/register", json=body)
        return await self.login(email)

    async def login(self, email: str) -> str:
        login = await self.call(
            "POST", f"{API}/auth/login", json={"email": email, "password": PASSWORD}
        )
        return str(login.json()["accessToken"])

    async def browse(self) -> list[str]:
        sort = self.pick.choice(["-createdAt", "price", "-price", "title"])
        page = await self.call("GET", f"{API}/products", params={"limit": 20, "sort": sort})
        ids = [item["id"] for item in page.json()["items"]]
        if page.json()["nextCursor"]:
            await self.call(
                "GET",
                f"{API}/products",
                params={"limit": 20, "sort": sort, "cursor": page.json()["nextCursor"]},
            )
        await self.call("GET", f"{API}/products", params={"q": self.pick.choice(["lamp", "mug"])})
        await self.call("GET", f"{API}/categories")
        for product_id in self.pick.sample(ids, min(3, len(ids))):
            await self.call("GET", f"{API}/products/{product_id}")
        return ids

    async def buy(self, buyer: str, seller: str, ids: list[str]) -> None:
        items = [
            {"productId": i, "quantity": self.pick.randint(1, 3)}
            for i in self.pick.sample(ids, min(self.pick.randint(1, 3), len(ids)))
        ]
        body = {"items": items, "shippingAddress": ADDRESS}
        placed = await self.call("POST", f"{API}/orders", buyer, json=body)
        if placed.status_code != 201:
            return
        order = placed.json()["id"]
        await self.call("GET", f"{API}/orders/{order}", buyer)
        choice = self.pick.random()
        if choice < 0.2:
            await self.call("POST", f"{API}/orders/{order}/cancel", buyer)
            return
        await self.call(
            "POST", f"{API}/orders/{order}/pay", buyer, json={"paymentToken": "tok_visa"}
        )
        if choice < 0.3:
            await self.call("POST", f"{API}/orders/{order}/cancel", buyer)  # refunded
        elif choice < 0.8:
            await self.call(
                "POST",
                f"{API}/orders/{order}/shipments",
                seller,
                json={"carrier": "UPS", "trackingNumber": uuid4().hex[:12]},
            )
        await self.call("GET", f"{API}/orders", buyer, params={"limit": 20})


@dataclass
class Seller:
    """The one seller of the catalog; its token is renewed well before it expires."""

    email: str
    token: str
    issued: float = field(default_factory=time.monotonic)

    async def renew_if_old(self, traffic: "Traffic", after_seconds: float = 600) -> None:
        if time.monotonic() - self.issued > after_seconds:
            self.issued = time.monotonic()  # first come renews; the others carry on
            self.token = await traffic.login(self.email)


async def run_person(
    traffic: Traffic, seller: Seller, deadline: float, new_people_every: int = 25
) -> None:
    buyer, rounds = await traffic.person("buyer"), 0
    while time.monotonic() < deadline:
        try:
            ids = await traffic.browse()
            if ids:
                await traffic.buy(buyer, seller.token, ids)
            rounds += 1
            if rounds % new_people_every == 0:
                buyer = await traffic.person("buyer")  # a fresh token before the old expires
            await seller.renew_if_old(traffic)
        except httpx.TransportError as error:  # counted, and the person starts a new round
            traffic.tally.broken[type(error).__name__] += 1


async def stock_catalog(traffic: Traffic, products: int) -> Seller:
    email = f"soak-seller-{uuid4().hex[:10]}@example.com"
    account = {"email": email, "password": PASSWORD, "fullName": "Seller", "role": "seller"}
    await traffic.call("POST", f"{API}/auth/register", json=account)
    seller = Seller(email, await traffic.login(email))
    words = ["lamp", "mug", "chair", "desk", "rug", "vase"]
    for n in range(products):
        body = {
            "title": f"{traffic.pick.choice(words).title()} {n}",
            "price": 100 + n,
            "stock": 10**8,
            "category": traffic.pick.choice(["home", "office", "garden"]),
        }
        await traffic.call("POST", f"{API}/products", seller.token, json=body)
    return seller


async def sample_memory(
    master: subprocess.Popen[bytes], tally: Tally, deadline: float, every: float
) -> None:
    while time.monotonic() < deadline:
        for pid in worker_pids(master):
            tally.memory.setdefault(pid, []).append(_rss_mib(pid))
        await asyncio.sleep(every)


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def soak(
    base_url: str, master: subprocess.Popen[bytes], arguments: argparse.Namespace
) -> Tally:
    tally, pick = Tally(), random.Random(arguments.seed)
    limits = httpx.Limits(max_connections=arguments.people)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as http:
        seller = await stock_catalog(Traffic(http, tally, pick), arguments.products)
        deadline = time.monotonic() + arguments.minutes * 60
        people = [
            run_person(Traffic(http, tally, random.Random(pick.random())), seller, deadline)
            for _ in range(arguments.people)
        ]
        memory = sample_memory(master, tally, deadline, arguments.sample_seconds)
        await asyncio.gather(memory, *people)
    return tally


def print_report(tally: Tally, arguments: argparse.Namespace, elapsed: float) -> bool:
    total = sum(tally.statuses.values())
    latencies = sorted(tally.latencies_ms)
    quantiles = statistics.quantiles(latencies, n=100)
    print(
        f"\n{total:,} requests in {elapsed:.0f} s ({total / elapsed:.0f}/s), "
        f"{arguments.people} people on 2 workers"
    )
    print("by status: " + ", ".join(f"{s}: {n:,}" for s, n in sorted(tally.statuses.items())))
    print(
        f"latency ms: p50 {quantiles[49]:.1f}, p90 {quantiles[89]:.1f}, "
        f"p99 {quantiles[98]:.1f}, max {latencies[-1]:.1f}"
    )
    samples_in_warm_up = max(1, int(WARM_UP_SECONDS / arguments.sample_seconds))
    worst = 0.0
    for pid, readings in sorted(tally.memory.items()):
        base = readings[min(samples_in_warm_up, len(readings) - 1)]
        growth = (readings[-1] - base) / base * 100
        worst = max(worst, growth)
        print(
            f"worker {pid}: {base:.1f} MiB after warm-up -> {readings[-1]:.1f} MiB at the end "
            f"({growth:+.1f}%), peak {max(readings):.1f} MiB"
        )
        # A minute at a time, so a plateau can be told from a steady climb.
        per_minute = readings[:: max(1, round(60 / arguments.sample_seconds))]
        print("  by minute: " + " ".join(f"{mib:.0f}" for mib in per_minute))
    errors = sum(n for status, n in tally.statuses.items() if status >= 500)
    restarts = len(tally.memory) - 2
    broken = ", ".join(f"{name}: {n}" for name, n in tally.broken.items()) or "none"
    print(
        f"5xx: {errors}; connections broken without an answer: {broken}; "
        f"worker restarts: {restarts}; worst memory growth {worst:+.1f}% (limit +10%)"
    )
    return errors == 0 and restarts == 0 and worst < 10


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--people", type=int, default=32)
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--sample-seconds", type=float, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres-url", default="")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="marketplace-soak-") as folder:
        workdir = Path(folder)
        kind = "postgres" if arguments.postgres_url else "sqlite"
        with fresh_database(kind, workdir, arguments.postgres_url) as database_url:
            environment = server_environment(database_url, workdir / "logs", LOG__LEVEL="WARNING")
            migrate(environment)
            # Two workers share a payment provider, as in production: the in-process fake
            # keeps each worker's charges in that worker's memory.
            with (
                stand_in_provider() as provider_url,
                serving_process(
                    environment | {"PAYMENTS__PROVIDER_URL": provider_url}, workers=2
                ) as (base_url, master),
            ):
                print(
                    f"soaking {base_url} (workers {sorted(worker_pids(master))}) "
                    f"for {arguments.minutes:g} min"
                )
                started = time.monotonic()
                tally = asyncio.run(soak(base_url, master, arguments))
                passed = print_report(tally, arguments, time.monotonic() - started)
            print_server_errors(workdir / "logs" / "marketplace.log")
    return 0 if passed else 1


def print_server_errors(log: Path, most: int = 20) -> None:
    """The server's own ERROR and CRITICAL lines, which die with the temporary folder."""
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    errors = [line for line in lines if "| ERROR " in line or "| CRITICAL " in line]
    print(f"server log: {len(errors)} error lines" + (":" if errors else ""))
    for line in errors[:most]:
        print("  " + line[:300])


if __name__ == "__main__":
    sys.exit(main())
