"""Checkout benchmark: checking a 3-line cart out against `POST /orders` of the same lines,
and adding a line to a cart against reading a product, on one uvicorn worker.

    python -m tests.benchmarks.bench_checkout                   # SQLite
    python -m tests.benchmarks.bench_checkout --postgres-url postgresql+asyncpg://postgres@127.0.0.1/test

Each database gets a fresh, migrated schema holding one seller's products (stock that cannot
run out) and one buyer, and guest carts written straight into its tables: 3-line carts to
check out (a fresh slice of them for every wrk run, since a cart checks out once and a
second checkout is a cheap replay) and empty ones to add to (each cart takes the products of
its own three, so its lines are made, then grow). The app runs under one uvicorn worker
pinned to one core, wrk on the other. Each round drives every endpoint in turn; every figure
is the median of `--runs` rounds.
"""

import argparse
import asyncio
import json
import os
import random
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

import httpx
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from src.infrastructure.database.tables import CartItemsTable, CartsTable, OrdersTable
from tests.benchmarks.bench_catalog import API, Figures, _median, report, run_wrk, server, uvicorn
from tests.benchmarks.bench_orders import ADDRESS, fresh_database, locked_errors
from tests.e2e.servers import free_port, migrate

PRODUCTS = 200
ADD_CARTS = 2_000
# Checkouts one run could make at most, to size each run's slice of carts.
MOST_CHECKOUTS_PER_SECOND = 1_000
CHECKOUT, ORDER, ADD, READ = (
    "POST /carts/{id}/checkout (3 lines)",
    "POST /orders (the same 3 lines)",
    "POST /carts/{id}/items (add a line)",
    "GET /products/{id}",
)
Line = tuple[str, str, int]  # product id, variant id, price


def stock_up(base: str) -> tuple[list[Line], str]:
    """A seller's products that cannot sell out, and a buyer: the products' (id, variant id,
    price) and the buyer's access token."""
    with httpx.Client(base_url=base, timeout=30) as client:
        tokens: dict[str, str] = {}
        for role in ("seller", "buyer"):
            email = f"bench-{role}-{uuid4().hex[:8]}@example.com"
            account = {"email": email, "password": "bench-password", "fullName": role,
                       "role": role}  # fmt: skip
            client.post(f"{API}/auth/register", json=account).raise_for_status()
            login = {"email": email, "password": "bench-password"}
            tokens[role] = client.post(f"{API}/auth/login", json=login).json()["accessToken"]
        seller = {"Authorization": f"Bearer {tokens['seller']}"}
        lines = []
        for n in range(PRODUCTS):
            body = {"title": f"Item {n}", "price": 100 + n, "stock": 10**9, "category": "c"}
            made = client.post(f"{API}/products", headers=seller, json=body).json()
            lines.append((made["id"], made["variants"][0]["id"], made["price"]))
    return lines, tokens["buyer"]


async def write_carts(url: str, carts: list[list[Line]]) -> list[str]:
    """Guest carts holding the lines given (none: an empty cart), straight into the tables;
    their ids."""
    now = datetime.now(UTC)
    ids = [uuid4() for _ in carts]
    rows = [
        {"id": cart_id, "buyer_id": None, "status": "open", "currency": "USD" if lines else None,
         "order_id": None, "created_at": now, "updated_at": now}
        for cart_id, lines in zip(ids, carts, strict=True)
    ]  # fmt: skip
    items = [
        {"id": uuid4(), "cart_id": cart_id, "position": position, "product_id": UUID(product),
         "variant_id": UUID(variant), "quantity": 1, "unit_price": price}
        for cart_id, lines in zip(ids, carts, strict=True)
        for position, (product, variant, price) in enumerate(lines)
    ]  # fmt: skip
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        for start in range(0, len(rows), 1_000):
            await connection.execute(insert(CartsTable), rows[start : start + 1_000])
        for start in range(0, len(items), 1_000):
            await connection.execute(insert(CartItemsTable), items[start : start + 1_000])
        if connection.dialect.name == "postgresql":  # plan with the rows there are, at once
            await connection.execute(text("ANALYZE carts, cart_items"))
    await engine.dispose()
    return [str(cart_id) for cart_id in ids]


async def orders_of_carts(url: str) -> int:
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        statement = select(func.count()).where(OrdersTable.cart_id.is_not(None))
        count = int((await connection.execute(statement)).scalar_one())
    await engine.dispose()
    return count


def lua(path: Path, *, method: str, body: str, paths: list[str], data: list[str], token: str,
        pick: str) -> str:  # fmt: skip
    """A wrk script: request n goes to `paths` and `data` at the index `pick` names (Lua:
    `n` counts requests from 1, `#paths` is their number); each `%s` of a path and of the
    body takes the same entry of `data`."""
    path.write_text(
        f"local paths = {{{', '.join(json.dumps(p) for p in paths)}}}\n"
        f"local data = {{{', '.join(json.dumps(d) for d in data)}}}\n"
        f"local body = {json.dumps(body)}\n"
        "local n = 0\n"
        f'wrk.method = "{method}"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
        "request = function()\n"
        "  n = n + 1\n"
        f"  local i = {pick}\n"
        "  local sent = nil\n"
        '  if body ~= "" then sent = string.format(body, data[i]) end\n'
        "  return wrk.format(nil, paths[i], nil, sent)\n"
        "end\n"
    )
    return str(path)


def scripts(
    folder: Path, *, token: str, lines: list[Line], checkout_slices: list[list[str]],
    add_carts: list[str], add_lines: list[list[Line]],
) -> dict[str, list[str]]:  # fmt: skip
    """Each endpoint's wrk script for every run (checkout: a slice of carts of its own)."""
    runs = len(checkout_slices)
    address = json.dumps(ADDRESS, separators=(",", ":"))
    checkout = []
    for run, carts in enumerate(checkout_slices):
        checkout.append(lua(
            folder / f"checkout-{run}.lua", method="POST", token=token,
            body='{"shippingAddress":' + address + "}",
            paths=[f"{API}/carts/{cart}/checkout" for cart in carts], data=[""] * len(carts),
            pick="math.min(n, #paths)",
        ))  # fmt: skip
    triples = [
        ",".join(f'{{"productId":"{p}","variantId":"{v}","quantity":1}}' for p, v, _ in cart)
        for cart in add_lines
    ]
    order = lua(
        folder / "orders.lua", method="POST", token=token,
        body='{"items":[%s],"shippingAddress":' + address + "}",
        paths=[f"{API}/orders"] * len(triples), data=triples, pick="math.random(#paths)",
    )  # fmt: skip
    adds = [
        (cart, f'"productId":"{p}","variantId":"{v}"')
        for cart, three in zip(add_carts, add_lines, strict=True)
        for p, v, _ in three
    ]
    add = lua(
        folder / "add.lua", method="POST", token=token, body="{%s,\"quantity\":1}",
        paths=[f"{API}/carts/{cart}/items" for cart, _ in adds], data=[d for _, d in adds],
        pick="math.random(#paths)",
    )  # fmt: skip
    read = lua(
        folder / "read.lua", method="GET", token=token, body="",
        paths=[f"{API}/products/{p}" for p, _, _ in lines], data=[""] * len(lines),
        pick="math.random(#paths)",
    )  # fmt: skip
    return {CHECKOUT: checkout, ORDER: [order] * runs, ADD: [add] * runs, READ: [read] * runs}


def configuration(
    arguments: argparse.Namespace, folder: Path, kind: str
) -> tuple[dict[str, Figures], int, int, int]:
    """Every endpoint's medians on one fresh database; how many "database is locked" reached
    the logs; the carts checked out, and the most a run could have."""
    folder.mkdir()
    with fresh_database(kind, folder, arguments.postgres_url) as url:
        environment = os.environ | {
            "DATABASE__URL": url,
            "LOG__DIRECTORY": str(folder / "logs"),
            "LOG__LEVEL": arguments.log_level,
            "AUTH__ACCESS_TOKEN_TTL": "86400",
            # One load generator is one client: let it through, but keep counting it.
            "RATE_LIMIT__DEFAULT_LIMIT": "100000000/minute",
        }
        migrate(environment)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        options = {"duration": arguments.duration, "connections": arguments.connections,
                   "cpu": "1"}  # fmt: skip
        per_run = MOST_CHECKOUTS_PER_SECOND * arguments.duration
        with server(uvicorn("src.main:app", port), environment, "/health", port=port):
            lines, token = stock_up(base)
            pick = random.Random(7)
            three = [pick.sample(lines, 3) for _ in range(per_run * arguments.runs)]
            checkout_carts = asyncio.run(write_carts(url, three))
            add_lines = [pick.sample(lines, 3) for _ in range(ADD_CARTS)]
            add_carts = asyncio.run(write_carts(url, [[] for _ in add_lines]))
            slices = [checkout_carts[run * per_run : (run + 1) * per_run]
                      for run in range(arguments.runs)]  # fmt: skip
            plan = scripts(folder, token=token, lines=lines, checkout_slices=slices,
                           add_carts=add_carts, add_lines=add_lines)  # fmt: skip
            results: dict[str, list[Figures]] = {name: [] for name in plan}
            for run in range(arguments.runs):
                for name, each in plan.items():
                    results[name].append(run_wrk(base, script=each[run], **options))
            checked_out = asyncio.run(orders_of_carts(url))
        figures = {name: _median(values) for name, values in results.items()}
        return figures, locked_errors(folder / "logs", "marketplace*"), checked_out, per_run


def print_ratios(figures: dict[str, Figures]) -> None:
    checkout, order = figures[CHECKOUT], figures[ORDER]
    add, read = figures[ADD], figures[READ]
    ratios = (
        checkout.requests_per_second / order.requests_per_second,
        (add.requests_per_second / read.requests_per_second),
    )
    rows = [
        ("checkout / POST /orders", f"{ratios[0]:.2f}x", ">= 0.8x", ratios[0] >= 0.8),
        ("checkout p99", f"{checkout.p99_ms:.0f} ms", "<= 200 ms", checkout.p99_ms <= 200),
        ("add a line / GET /products/{id}", f"{ratios[1]:.2f}x", ">= 0.5x", ratios[1] >= 0.5),
    ]
    for label, figure, target, met in rows:
        print(f"  {label:<44} {figure:>9}   target {target:<10} {'met' if met else 'MISSED'}")


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
    plan = ([] if arguments.skip_sqlite else ["sqlite"]) + (
        ["postgresql"] if arguments.postgres_url else []
    )
    with tempfile.TemporaryDirectory(prefix="marketplace-bench-") as directory:
        for kind in plan:
            figures, locked, checked_out, per_run = configuration(
                arguments, Path(directory) / kind, kind
            )
            report(f"Checkout, {kind}, 1 uvicorn worker ({arguments.connections} connections)",
                   figures)  # fmt: skip
            print_ratios(figures)
            print(f"  {'database is locked':<44} {locked:>9}")
            most = figures[CHECKOUT].requests_per_second * arguments.duration
            if most > per_run:
                print(f"  a run may have run out of carts: {most:.0f} > {per_run}")
            print(f"  {'carts checked out (all runs)':<44} {checked_out:>9}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
