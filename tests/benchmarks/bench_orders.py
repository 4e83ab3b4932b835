"""Ordering benchmark: `POST /orders` against a bare write route, on the same database.

    python -m tests.benchmarks.bench_orders                     # SQLite: 1 worker, then 2
    python -m tests.benchmarks.bench_orders --postgres-url postgresql+asyncpg://postgres@127.0.0.1/test

Each configuration gets a fresh, migrated database holding one seller's products (stock that
cannot run out) and one buyer. wrk then places single-item orders for random products as
fast as `--connections` connections allow, through all our layers (JWT, validation, the
order's conditional stock UPDATE and its INSERTs, one transaction). The ceiling is
`POST /orders` of `tests/benchmarks/ceilings.py`: the same conditional UPDATE and an INSERT
with a plain `AsyncSession`, and nothing else. Every figure is the median of `--runs` runs.
"""

import argparse
import asyncio
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

import httpx
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from src.config.settings import PROJECT_ROOT
from tests.benchmarks.bench_catalog import (
    API,
    PORT,
    Figures,
    children,
    gunicorn,
    median_of,
    peak_memory_mib,
    report,
    server,
    uvicorn,
)
from tests.e2e.servers import migrate

ADDRESS = {"fullName": "Ada", "line1": "1 Main St", "city": "London", "postalCode": "N1",
           "country": "GB"}  # fmt: skip
BASE = f"http://127.0.0.1:{PORT}"
PRODUCTS = 200


def stock_up(base: str) -> tuple[list[str], str, str]:
    """A seller with products that cannot sell out, and a buyer: product ids, the buyer's
    id and access token."""
    with httpx.Client(base_url=base, timeout=30) as client:
        tokens, ids = {}, {}
        for role in ("seller", "buyer"):
            email = f"bench-{role}-{uuid4().hex[:8]}@example.com"
            body = {"email": email, "password": "bench-password", "fullName": role, "role": role}
            ids[role] = client.post(f"{API}/auth/register", json=body).json()["id"]
            login = {"email": email, "password": "bench-password"}
            tokens[role] = client.post(f"{API}/auth/login", json=login).json()["accessToken"]
        seller = {"Authorization": f"Bearer {tokens['seller']}"}
        products = [
            client.post(
                f"{API}/products",
                headers=seller,
                json={"title": f"Item {n}", "price": 100 + n, "stock": 10**9, "category": "c"},
            ).json()["id"]
            for n in range(PRODUCTS)
        ]
    return products, ids["buyer"], tokens["buyer"]


def lua_script(folder: Path, products: list[str], buyer: str, token: str, *, bare: bool) -> str:
    """A wrk script posting single-item orders for random products."""
    if bare:
        body = '{"productId":"%s","quantity":1,"buyerId":"' + buyer + '"}'
    else:
        address = json.dumps(ADDRESS, separators=(",", ":"))
        body = '{"items":[{"productId":"%s","quantity":1}],"shippingAddress":' + address + "}"
    path = folder / ("bare.lua" if bare else "orders.lua")
    path.write_text(
        f"local ids = {{{', '.join(json.dumps(p) for p in products)}}}\n"
        f'wrk.method = "POST"\n'
        f'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
        f"local body = {json.dumps(body)}\n"
        "request = function()\n"
        "  return wrk.format(nil, nil, nil, string.format(body, ids[math.random(#ids)]))\n"
        "end\n"
    )
    return str(path)


def locked_errors(folder: Path, pattern: str) -> int:
    """How often "database is locked" reached the logs matching `pattern` (rotated, gzipped
    files included)."""
    return sum(
        (gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes())
        .decode(errors="replace")
        .count("database is locked")
        for path in folder.glob(pattern)
    )


@contextmanager
def fresh_database(kind: str, folder: Path, postgres_url: str) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / 'orders.db'}"
        return
    name = f"marketplace_bench_{uuid4().hex[:8]}"

    async def admin(statement: str) -> None:
        engine = create_async_engine(postgres_url, isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await connection.execute(text(statement))
        await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def relay_apart(environment: dict[str, str], *, apart: bool) -> Iterator[None]:
    """`python -m src.relay` beside the server when the relay runs apart."""
    if not apart:
        yield
        return
    process = subprocess.Popen(
        [sys.executable, "-m", "src.relay"], cwd=PROJECT_ROOT, env=environment,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def configuration(
    arguments: argparse.Namespace, folder: Path, *, kind: str, workers: int, apart: bool
) -> tuple[Figures, Figures, float, tuple[int, int]]:
    """Ours and the bare route on one fresh database: figures, peak memory, and how often
    "database is locked" reached our logs and the bare route's.

    `apart`: the web workers run no relay (`OUTBOX__RELAY_IN_APP=false`) and one
    `python -m src.relay` process delivers the notifications instead.
    """
    folder.mkdir()
    with fresh_database(kind, folder, arguments.postgres_url) as url:
        environment = os.environ | {
            "DATABASE__URL": url,
            "LOG__DIRECTORY": str(folder / "logs"),
            "LOG__LEVEL": arguments.log_level,
            "AUTH__ACCESS_TOKEN_TTL": "86400",
            # One load generator is one client: let it through, but keep counting it.
            "RATE_LIMIT__DEFAULT_LIMIT": "100000000/minute",
            "OUTBOX__RELAY_IN_APP": "false" if apart else "true",
        }
        migrate(environment)
        pinned = workers == 1
        options = {
            "duration": arguments.duration,
            "connections": arguments.connections,
            "cpu": "1" if pinned else None,
        }
        ours_command = uvicorn("src.main:app") if pinned else gunicorn(workers)
        with (
            server(ours_command, environment, "/health") as pid,
            relay_apart(environment, apart=apart),
        ):
            products, buyer, token = stock_up(BASE)
            script = lua_script(folder, products, buyer, token, bare=False)
            ours = median_of(arguments.runs, f"{BASE}{API}/orders", script=script, **options)
            pids = [pid] if pinned else children(pid)
            memory = max(peak_memory_mib(each) for each in pids)
        bare_command = (
            uvicorn("tests.benchmarks.ceilings:app")
            if pinned
            else gunicorn(workers, "tests.benchmarks.ceilings:app")
        )
        script = lua_script(folder, products, buyer, token, bare=True)
        stderr = folder / "logs" / "bare.log"
        with server(bare_command, environment, "/keyset", stderr=stderr):
            bare = median_of(arguments.runs, f"{BASE}/orders", script=script, **options)
        logs = folder / "logs"
        return (
            ours,
            bare,
            memory,
            (locked_errors(logs, "marketplace*"), locked_errors(logs, "bare.log")),
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--postgres-url", default="")
    parser.add_argument("--skip-sqlite", action="store_true")
    arguments = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2
    # (database, workers, relay apart?): the default set-up, a relay in every worker, first.
    plan = [] if arguments.skip_sqlite else [("sqlite", 1, False), ("sqlite", 1, True),
                                             ("sqlite", 2, False)]  # fmt: skip
    plan += [("postgresql", 2, False), ("postgresql", 2, True)] if arguments.postgres_url else []
    targets = {"sqlite": (">= 0.8x", "<= 200 ms"), "postgresql": (">= 0.8x", "")}
    with tempfile.TemporaryDirectory(prefix="marketplace-bench-") as directory:
        for kind, workers, apart in plan:
            where = f"{kind}-{workers}-{'apart' if apart else 'in-app'}"
            ours, bare, memory, locked = configuration(
                arguments, Path(directory) / where, kind=kind, workers=workers, apart=apart
            )
            relay = "relay apart" if apart else "relay in the app"
            title = f"POST /orders, {kind}, {workers} worker{'s' if workers > 1 else ''}, {relay}"
            report(
                f"{title} ({arguments.connections} connections)",
                {"ours POST /api/v1/orders": ours, "bare UPDATE + INSERT": bare},
                f" — peak worker memory {memory:.0f} MiB",
            )
            ratio_target, p99_target = targets[kind]
            ratio = ours.requests_per_second / bare.requests_per_second
            print(f"  {'ours / bare':<44} {ratio:>6.2f}x   target {ratio_target}")
            if workers == 1 and p99_target:
                print(f"  {'our p99':<44} {ours.p99_ms:>6.0f} ms  target {p99_target}")
            print(f"  {'database is locked: ours, bare route':<44} {locked[0]:>6} {locked[1]:>6}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
