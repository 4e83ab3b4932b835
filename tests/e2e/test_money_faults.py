"""Marketplace money through faults, on real processes (API.md, "Marketplace money"):
gunicorn with two workers, the stand-in provider losing answers after it recorded their
effect, an outbox relay killed between a transfer and its receipt, and PostgreSQL restarted
while refunds and payouts are on their way.

Whatever fails, each payout is transferred once, each refund is made once, and no money
drifts: each seller's balance is what its ledger adds up to, and what the provider holds
(charges − refunds − transfers) is the commission kept plus what sellers are still owed.
"""

import asyncio
import json
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import httpx
import pytest

from src.config.settings import PROJECT_ROOT
from tests.e2e import postgres_cluster
from tests.e2e.helpers import API, bearer, ship_and_deliver
from tests.e2e.servers import (
    migrate,
    server_environment,
    serving,
    stand_in_provider,
    wait_for,
)
from tests.e2e.test_concurrent_orders import account, order

pytestmark = [pytest.mark.server]

RATE_BPS = 1000  # the default commission rate


def commission(amount: int) -> int:
    """round-half-even(amount × rate / 10000), as API.md defines it."""
    return round(Fraction(amount * RATE_BPS, 10_000))


@dataclass
class Sale:
    """One paid order of one product: its price, quantity, and how many were refunded."""

    order_id: str
    product_id: str
    price: int
    quantity: int
    commission: int  # the seller's commission in the order, as the order shows it
    refunded: int = 0


@dataclass
class Seller:
    token: str
    user_id: str
    sales: list[Sale] = field(default_factory=list)
    payouts: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Market:
    http: httpx.AsyncClient
    provider: httpx.AsyncClient
    buyer: str
    sellers: list[Seller] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)

    async def seller(self) -> Seller:
        token = await account(self.http, "seller")
        me = (await self.http.get(f"{API}/users/me", headers=bearer(token))).json()
        made = Seller(token, str(me["id"]))
        self.sellers.append(made)
        return made

    async def sell(self, seller: Seller, price: int, quantity: int) -> Sale:
        """A paid and delivered order; a payment whose answers were all lost is asked again
        (under the same order, so charged once)."""
        body = {"title": "Lamp", "price": price, "stock": quantity, "category": "lighting"}
        created = await self.http.post(f"{API}/products", headers=bearer(seller.token), json=body)
        assert created.status_code == 201, created.text
        product_id = created.json()["id"]
        placed = await order(self.http, self.buyer, [(product_id, quantity)])
        assert placed.status_code == 201, placed.text
        order_id = placed.json()["id"]
        for _ in range(10):
            paid = await self.http.post(
                f"{API}/orders/{order_id}/pay", headers=bearer(self.buyer),
                json={"paymentToken": "tok_visa"},
            )  # fmt: skip
            if paid.status_code != 503:
                break
        assert paid.status_code == 200, paid.text
        (share,) = paid.json()["sellers"]
        assert share["commission"] == commission(price * quantity)
        await ship_and_deliver(self.http, seller.token, order_id)
        sale = Sale(order_id, product_id, price, quantity, share["commission"])
        seller.sales.append(sale)
        return sale

    async def refund(self, seller: Seller, sale: Sale, quantity: int) -> None:
        response = await self.http.post(
            f"{API}/orders/{sale.order_id}/refunds", headers=bearer(seller.token),
            json={"items": [{"productId": sale.product_id, "quantity": quantity}]},
        )  # fmt: skip
        assert response.status_code == 201, response.text
        assert response.json()["amount"] == sale.price * quantity
        sale.refunded += quantity
        self.refunds.append(response.json() | {"seller": seller})

    async def released(self, seller: Seller) -> int:
        """What the seller has available, once nothing of it is pending any more."""
        balance: dict[str, Any] = {}

        async def check() -> bool:
            nonlocal balance
            (balance,) = await self.balance(seller)
            return bool(balance["pending"] == 0)

        await until(check, what="the release of the seller's funds")
        return int(balance["available"])

    async def pay_out(self, seller: Seller) -> None:
        response = await self.http.post(
            f"{API}/sellers/me/payouts", headers=bearer(seller.token), json={"currency": "USD"}
        )
        assert response.status_code == 201, response.text
        seller.payouts.append(response.json())

    async def balance(self, seller: Seller) -> list[dict[str, Any]]:
        response = await self.http.get(f"{API}/sellers/me/balance", headers=bearer(seller.token))
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    async def ledger(self, seller: Seller) -> list[dict[str, Any]]:
        """Every entry of the seller's ledger, walked page by page."""
        entries: list[dict[str, Any]] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 7} | ({"cursor": cursor} if cursor else {})
            page = await self.http.get(
                f"{API}/sellers/me/ledger", headers=bearer(seller.token), params=params
            )
            assert page.status_code == 200, page.text
            entries += page.json()["items"]
            if (cursor := page.json()["nextCursor"]) is None:
                return entries

    async def settled(self) -> None:
        """Until the outbox has no work left: every payout paid or failed, every refund
        refunded."""

        async def check() -> bool:
            for seller in self.sellers:
                for payout in seller.payouts:
                    read = await self.http.get(
                        f"{API}/sellers/me/payouts/{payout['id']}", headers=bearer(seller.token)
                    )
                    if read.json()["status"] == "pending":
                        return False
                    payout["status"] = read.json()["status"]
            for refund in self.refunds:
                listed = await self.http.get(
                    f"{API}/orders/{refund['orderId']}/refunds",
                    headers=bearer(refund["seller"].token),
                )
                (read,) = [r for r in listed.json()["items"] if r["id"] == refund["id"]]
                if read["status"] != "refunded":
                    return False
            return True

        await until(check, seconds=40, what="the outbox to settle")
        await asyncio.sleep(0.5)  # room for a wrong extra transfer or refund to show up

    async def check_books(self) -> None:
        """0 double transfers, 0 lost refunds, 0 drift."""
        transfers = (await self.provider.get("/transfers")).json()
        mine = {seller.user_id for seller in self.sellers}
        transfers = [t for t in transfers if t["sellerId"] in mine]
        payouts = [p for seller in self.sellers for p in seller.payouts]
        assert all(p["status"] == "paid" for p in payouts), payouts
        assert sorted((t["idempotencyKey"], t["amount"]) for t in transfers) == sorted(
            (f"payout-{p['id']}", p["amount"]) for p in payouts
        )
        orders = {sale.order_id for seller in self.sellers for sale in seller.sales}
        charges = [c for c in (await self.provider.get("/charges")).json()
                   if c["orderId"] in orders]  # fmt: skip
        assert sorted(c["orderId"] for c in charges) == sorted(orders)  # one charge each
        refunds = [r for r in (await self.provider.get("/refunds")).json()
                   if r["orderId"] in orders]  # fmt: skip
        assert sorted((r["orderId"], r["amount"]) for r in refunds) == sorted(
            (r["orderId"], r["amount"]) for r in self.refunds
        )
        assert len({r["idempotencyKey"] for r in refunds}) == len(self.refunds)

        owed = 0
        for seller in self.sellers:
            (balance,) = await self.balance(seller)
            entries = await self.ledger(seller)
            assert len({e["id"] for e in entries}) == len(entries)
            moving = ("sale", "refund", "payout", "payoutReturned")
            total = sum(e["amount"] for e in entries if e["kind"] in moving)
            assert balance["pending"] + balance["available"] == total
            paid_out = -sum(e["amount"] for e in entries if e["kind"] in moving[2:])
            assert balance["paidOut"] == paid_out == sum(p["amount"] for p in seller.payouts)
            owed += balance["pending"] + balance["available"]
        kept = sum(
            sale.commission - commission(sale.price * sale.refunded)
            for seller in self.sellers for sale in seller.sales
        )  # fmt: skip
        held = (
            sum(c["amount"] for c in charges)
            - sum(r["amount"] for r in refunds)
            - sum(t["amount"] for t in transfers)
        )
        assert held == kept + owed


async def until(check: Any, *, seconds: float = 20, what: str = "it") -> None:
    for _ in range(int(seconds / 0.1)):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {seconds} s")


def environment_for(database_url: str, folder: Path, provider_url: str, **extra: str) -> Any:
    environment = server_environment(
        database_url, folder / "logs", LOG__LEVEL="WARNING",
        PAYMENTS__PROVIDER_URL=provider_url, PAYMENTS__TIMEOUT_SECONDS="0.5",
        PAYMENTS__ATTEMPTS="3", PAYMENTS__DEADLINE_SECONDS="5",
        PAYMENTS__CIRCUIT_FAILURES="1000",
        OUTBOX__POLL_SECONDS="0.1", OUTBOX__FIRST_BACKOFF_SECONDS="0.1",
        PAYOUTS__HOLD_SECONDS="0", PAYOUTS__RELEASE_INTERVAL_SECONDS="1",
    ) | extra  # fmt: skip
    migrate(environment)
    return environment


@asynccontextmanager
async def market(
    base_url: str, provider_url: str, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncIterator[Market]:
    limits = httpx.Limits(max_connections=50, max_keepalive_connections=50)
    async with (
        httpx.AsyncClient(
            base_url=base_url, timeout=60, limits=limits, transport=transport
        ) as http,
        httpx.AsyncClient(base_url=provider_url, timeout=10) as provider,
    ):
        yield Market(http, provider, await account(http, "buyer"))


async def faults(provider: httpx.AsyncClient, count: int, mode: str) -> None:
    """The next `count` calls to the provider record their effect, then lose the answer;
    once the faults set before have all struck."""

    async def struck() -> bool:
        return bool((await provider.get("/_faults")).json()["failNext"] == 0)

    await until(struck, what="the faults set before to strike")
    body = {"failNext": count, "mode": mode, "when": "after"}
    assert (await provider.post("/_faults", json=body)).status_code == 200


@pytest.mark.database
async def test_lost_provider_answers_move_no_money_twice(
    empty_database_url: str, tmp_path: Path
) -> None:
    with stand_in_provider(stall_seconds=0.8) as provider_url:
        environment = environment_for(empty_database_url, tmp_path, provider_url)
        with serving(environment, workers=2) as base_url:
            async with market(base_url, provider_url) as shop:
                sellers = [await shop.seller() for _ in range(3)]
                # 15 paid orders; every third payment loses its answers, stalling or failing.
                sales = []
                for n in range(15):
                    if n % 3 == 0:
                        await faults(shop.provider, 2, "timeout" if n % 2 else "error")
                    seller = sellers[n % 3]
                    sales.append(await shop.sell(seller, price=1005 + 10 * n, quantity=3))
                # Partial refunds of one or two units, with lost answers among them.
                await faults(shop.provider, 4, "timeout")
                for n, sale in enumerate(sales[::2]):
                    await shop.refund(sellers[(2 * n) % 3], sale, 1 + n % 2)
                await faults(shop.provider, 3, "error")
                await shop.refund(sellers[0], sales[3], 2)
                for seller in sellers:
                    assert await shop.released(seller) > 0
                # Payouts of all that is available, whose transfers lose their answers.
                await faults(shop.provider, 6, "timeout")
                await asyncio.gather(*(shop.pay_out(seller) for seller in sellers))
                await faults(shop.provider, 0, "error")
                await shop.refund(sellers[1], sales[1], 1)  # after the payout: below zero
                await shop.settled()
                await shop.check_books()


@contextmanager
def relay(environment: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m src.relay` in a process of its own, which the test may kill."""
    process = subprocess.Popen(
        [sys.executable, "-m", "src.relay"],
        cwd=PROJECT_ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


@pytest.mark.database
async def test_a_relay_killed_between_a_transfer_and_its_receipt_transfers_once(
    empty_database_url: str, tmp_path: Path
) -> None:
    with stand_in_provider(stall_seconds=30) as provider_url:
        environment = environment_for(
            empty_database_url, tmp_path, provider_url,
            OUTBOX__RELAY_IN_APP="false", OUTBOX__LEASE_SECONDS="2",
            PAYMENTS__TIMEOUT_SECONDS="20", PAYMENTS__DEADLINE_SECONDS="25",
        )  # fmt: skip
        with serving(environment, workers=2) as base_url:
            async with market(base_url, provider_url) as shop:
                await relay_run(shop, environment, provider_url)


async def relay_run(shop: Market, environment: dict[str, str], provider_url: str) -> None:
    """Sales and a refund, a payout whose relay is killed with its transfer made and not yet
    answered, then a new relay."""
    seller = await shop.seller()
    with relay(environment):
        sales = [await shop.sell(seller, price=1999, quantity=2) for _ in range(3)]
        await shop.refund(seller, sales[0], 1)
        assert await shop.released(seller) > 0
        await shop.settled()
    with relay(environment) as first:
        # The provider records the transfer, then stalls its answer: the relay is killed
        # while it waits.
        await faults(shop.provider, 1, "timeout")
        await shop.pay_out(seller)
        wait_for(
            lambda: httpx.get(f"{provider_url}/_faults").json()["failNext"] == 0,
            what="the transfer to reach the provider",
        )
        transfers = (await shop.provider.get("/transfers")).json()
        assert [t["sellerId"] for t in transfers] == [seller.user_id]
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
    (payout,) = seller.payouts
    read = await shop.http.get(
        f"{API}/sellers/me/payouts/{payout['id']}", headers=bearer(seller.token)
    )
    assert read.json()["status"] == "pending"  # made, but its receipt never recorded
    with relay(environment):  # takes the event over once its lease is out
        await shop.refund(seller, sales[1], 2)
        await shop.settled()
    await shop.check_books()


class Retrying(httpx.AsyncHTTPTransport):
    """A client that asks again while the service answers 503 (its database is down), under
    one Idempotency-Key per POST, so a request that took effect before its answer was lost
    takes effect once."""

    def __init__(self) -> None:
        super().__init__(limits=httpx.Limits(max_connections=50, max_keepalive_connections=50))
        self.unavailable = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and "Idempotency-Key" not in request.headers:
            request.headers["Idempotency-Key"] = str(uuid.uuid4())
        for _ in range(150):
            response = await super().handle_async_request(request)
            if response.status_code not in (503, 409):
                return response
            code = json.loads(await response.aread()).get("code")
            if code not in ("databaseUnavailable", "idempotencyKeyInFlight"):
                return response
            self.unavailable += code == "databaseUnavailable"
            await asyncio.sleep(0.2)
        raise AssertionError(f"{request.method} {request.url} unavailable for 30 s")


@pytest.mark.skipif(
    not postgres_cluster.available(), reason="needs PostgreSQL's server binaries (CI has them)"
)
async def test_a_database_restart_while_refunds_and_payouts_are_pending_moves_money_once(
    tmp_path: Path,
) -> None:
    with (
        postgres_cluster.private_cluster() as cluster,
        stand_in_provider(stall_seconds=0.8) as provider_url,
    ):
        # The default lease (a minute) is longer than the test waits for the outbox to
        # settle: the relay must record what it did during the outage once the database is
        # back, not leave those events to wait out their lease.
        environment = environment_for(cluster.url, tmp_path, provider_url)
        client = Retrying()
        with serving(environment, workers=2) as base_url:
            async with market(base_url, provider_url, client) as shop:
                sellers = [await shop.seller() for _ in range(2)]
                sales = [
                    await shop.sell(sellers[n % 2], price=1005 + 10 * n, quantity=3)
                    for n in range(6)
                ]
                await shop.refund(sellers[0], sales[0], 1)
                for seller in sellers:
                    assert await shop.released(seller) > 0
                # Refunds and payouts whose answers the provider stalls past the timeout: the
                # relay is still at them when the database goes away.
                await faults(shop.provider, 4, "timeout")
                await shop.refund(sellers[1], sales[1], 2)
                await asyncio.gather(*(shop.pay_out(seller) for seller in sellers))
                await shop.refund(sellers[0], sales[2], 1)
                assert {p["status"] for s in sellers for p in s.payouts} == {"pending"}
                stalls = (await shop.provider.get("/_faults")).json()["failNext"]
                assert stalls > 0, "the relay is still at the refunds and payouts"
                await asyncio.to_thread(cluster.stop)
                # A refund asked while the database is down, answered once it is back.
                during = asyncio.create_task(shop.refund(sellers[1], sales[3], 1))
                await asyncio.sleep(1.5)
                await asyncio.to_thread(cluster.start)
                await during
                assert client.unavailable > 0, "the outage was answered 503"
                # The workload goes on against the restarted database.
                late = await shop.sell(sellers[0], price=2500, quantity=2)
                await shop.refund(sellers[0], late, 1)
                await shop.refund(sellers[0], sales[4], 3)
                await shop.settled()
                await shop.check_books()
