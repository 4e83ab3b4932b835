"""Paying through the real stand-in provider while it misbehaves (`POST /_faults`).

The stand-in runs as its own process, as a payment provider would; the marketplace runs
in-process, configured with short timeouts so a stalled provider costs a fraction of a
second per try.
"""

import asyncio
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from httpx import ASGITransport, AsyncClient

from src.config.settings import OutboxSettings, PaymentsSettings, RateLimitSettings
from tests.conftest import build_app, make_settings
from tests.e2e.helpers import API, bearer, problem_of
from tests.e2e.servers import free_port, stand_in_provider
from tests.e2e.test_orders_api import Shop, admin_token

pytestmark = [pytest.mark.database, pytest.mark.server]

ATTEMPTS, CIRCUIT_FAILURES, CIRCUIT_RESET = 3, 3, 0.5
# Under ATTEMPTS × the 0.3 s timeout, so a stalled provider meets the deadline; and far above
# the ~0.3 s that ATTEMPTS quick failures and their backoff take, so that on a busy machine
# the deadline never cuts short the tries the circuit test counts (at 0.5 s, it once did).
DEADLINE = 0.8
VISA = "tok_visa"  # any token the provider does not decline


@pytest.fixture(scope="module")
def provider_url() -> Iterator[str]:
    with stand_in_provider(stall_seconds=2) as url:
        yield url


@pytest.fixture
async def provider(provider_url: str) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(base_url=provider_url, timeout=10) as stand_in:
        await stand_in.post("/_reset")
        yield stand_in


@pytest.fixture
async def shop(database_url: str, provider_url: str) -> AsyncIterator[Shop]:
    settings = make_settings(
        database_url,
        payments=PaymentsSettings(
            provider_url=provider_url,
            timeout_seconds=0.3,
            attempts=ATTEMPTS,
            deadline_seconds=DEADLINE,
            circuit_failures=CIRCUIT_FAILURES,
            circuit_reset_seconds=CIRCUIT_RESET,
        ),
        outbox=OutboxSettings(poll_seconds=0.1, first_backoff_seconds=0.1),
        rate_limit=RateLimitSettings(default_limit="100000/minute"),  # 1,000s of calls here
    )
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app, client=("203.0.113.9", 50000))
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            yield await Shop(client).open()


async def pay(shop: Shop, order: dict[str, Any], token: str = VISA) -> httpx.Response:
    return await shop.client.post(
        f"{API}/orders/{order['id']}/pay",
        headers=bearer(shop.buyer_token),
        json={"paymentToken": token},
    )


async def charges(provider: AsyncClient, order: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (
        await provider.get("/charges", params={"orderId": order["id"]})
    ).json()
    return found


async def faults(provider: AsyncClient, **fault: object) -> None:
    response = await provider.post("/_faults", json=fault)
    assert response.status_code == 200, response.text


async def status_of(shop: Shop, order: dict[str, Any]) -> str:
    response = await shop.client.get(
        f"{API}/orders/{order['id']}", headers=bearer(shop.buyer_token)
    )
    return str(response.json()["status"])


@pytest.mark.parametrize("mode", ["timeout", "error"])
async def test_a_charge_made_before_the_provider_failed_is_found_by_the_retry(
    shop: Shop, provider: AsyncClient, mode: str
) -> None:
    order = await shop.placed((await shop.product(price=700), 2))
    await faults(provider, failNext=1, mode=mode, when="after")

    response = await pay(shop, order)

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "paid"
    made = await charges(provider, order)
    assert [(c["amount"], c["status"]) for c in made] == [(1400, "succeeded")]


async def test_a_provider_down_for_every_try_answers_503_and_charges_nothing(
    shop: Shop, provider: AsyncClient
) -> None:
    order = await shop.placed((await shop.product(), 1))
    await faults(provider, failNext=ATTEMPTS, mode="error", when="before")

    problem_of(await pay(shop, order), 503, "paymentUnavailable")

    assert await status_of(shop, order) == "pendingPayment"
    assert await charges(provider, order) == []
    assert (await pay(shop, order)).status_code == 200  # the faults are spent
    assert len(await charges(provider, order)) == 1


async def test_a_stalled_provider_is_given_up_on_at_the_deadline(
    shop: Shop, provider: AsyncClient
) -> None:
    order = await shop.placed((await shop.product(), 1))
    await faults(provider, failNext=ATTEMPTS, mode="timeout", when="before")  # 2 s stalls

    started = time.perf_counter()
    problem_of(await pay(shop, order), 503, "paymentUnavailable")
    took = time.perf_counter() - started

    assert took < DEADLINE + 0.25, f"a stalled provider held the pay for {took:.2f} s"
    assert await status_of(shop, order) == "pendingPayment"
    assert await charges(provider, order) == []


async def test_a_provider_refusing_connections_answers_503_at_once(database_url: str) -> None:
    settings = make_settings(
        database_url, payments=PaymentsSettings(provider_url=f"http://127.0.0.1:{free_port()}")
    )
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app, client=("203.0.113.10", 50000))
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            shop = await Shop(client).open()
            order = await shop.placed((await shop.product(), 1))
            started = time.perf_counter()
            problem_of(await pay(shop, order), 503, "paymentUnavailable")
            took = time.perf_counter() - started
    assert took < 1.0, f"a refused connection took {took:.2f} s to answer"


async def test_a_failing_provider_opens_the_circuit_then_it_recovers(
    shop: Shop, provider: AsyncClient
) -> None:
    order = await shop.placed((await shop.product(), 1))
    await faults(provider, failNext=1000, mode="error", when="before")
    for _ in range(CIRCUIT_FAILURES):
        problem_of(await pay(shop, order), 503, "paymentUnavailable")
    pending = (await provider.get("/_faults")).json()["failNext"]
    assert pending == 1000 - CIRCUIT_FAILURES * ATTEMPTS

    started = time.perf_counter()
    problem_of(await pay(shop, order), 503, "paymentUnavailable")
    took = time.perf_counter() - started

    assert took < 0.05, f"an open circuit answered in {took * 1000:.0f} ms"
    assert (await provider.get("/_faults")).json()["failNext"] == pending  # never called
    await faults(provider, failNext=0)
    await asyncio.sleep(CIRCUIT_RESET + 0.1)
    assert (await pay(shop, order)).json()["status"] == "paid"
    assert len(await charges(provider, order)) == 1


async def test_a_decline_leaves_the_order_payable_with_a_good_token(
    shop: Shop, provider: AsyncClient
) -> None:
    order = await shop.placed((await shop.product(), 1))
    problem_of(await pay(shop, order, "tok_decline_stolen"), 402, "paymentDeclined")
    assert await status_of(shop, order) == "pendingPayment"
    assert (await pay(shop, order, "tok_mastercard")).json()["status"] == "paid"
    assert len(await charges(provider, order)) == 1


@pytest.mark.parametrize("when", ["before", "after"])
async def test_a_cancelled_paid_order_is_refunded_exactly_once_despite_faults(
    shop: Shop, provider: AsyncClient, when: str
) -> None:
    order = await shop.placed((await shop.product(), 1))
    assert (await pay(shop, order)).status_code == 200
    # Every try of the first delivery fails (with "after", the refund is made but its answer
    # lost); the relay backs off and delivers the event again.
    await faults(provider, failNext=ATTEMPTS, mode="error", when=when)
    cancel = f"{API}/orders/{order['id']}/cancel"

    assert (await shop.client.post(cancel, headers=bearer(shop.buyer_token))).status_code == 200
    problem_of(await shop.client.post(cancel, headers=bearer(shop.buyer_token)), 409,
               "invalidState")  # fmt: skip

    for _ in range(100):
        (charge,) = await charges(provider, order)
        if charge["status"] == "refunded":
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # time for a wrong second refund to happen
    (charge,) = await charges(provider, order)
    # One refund, asked for under one key however often the relay tried.
    assert (charge["status"], charge["refunds"], len(charge["refundKeys"])) == ("refunded", 1, 1)


@pytest.mark.parametrize(
    ("when", "mode"), [("before", "error"), ("after", "error"), ("after", "timeout")]
)
async def test_partial_refunds_are_made_once_each_despite_faults(
    shop: Shop, provider: AsyncClient, when: str, mode: str
) -> None:
    """Every try of each refund's first delivery fails (with "after", the provider made the
    refund but its answer was lost); the relay delivers again, finds what the refund's key
    did, and makes no second refund."""
    admin = await admin_token(shop.client)
    lamp = await shop.product(price=1000, stock=5)
    order = await shop.placed((lamp, 3))
    assert (await pay(shop, order)).status_code == 200
    await faults(provider, failNext=ATTEMPTS, mode=mode, when=when)
    path = f"{API}/orders/{order['id']}/refunds"
    body = {"items": [{"productId": lamp["id"], "quantity": 1}]}
    for _ in range(2):
        made = await shop.client.post(path, headers=bearer(admin), json=body)
        assert made.status_code == 201, made.text

    for _ in range(200):
        listed = (await shop.client.get(path, headers=bearer(admin))).json()["items"]
        if all(each["status"] == "refunded" for each in listed):
            break
        await asyncio.sleep(0.05)
    assert [each["status"] for each in listed] == ["refunded", "refunded"]
    await asyncio.sleep(0.3)  # time for a wrong second refund to happen
    refunds = (await provider.get("/refunds", params={"orderId": order["id"]})).json()
    assert sorted(each["amount"] for each in refunds) == [1000, 1000]
    assert len({each["idempotencyKey"] for each in refunds}) == 2
    (charge,) = await charges(provider, order)
    assert (charge["refunded"], charge["status"]) == (2000, "succeeded")


async def test_a_provider_failing_at_random_during_500_pays_leaves_no_order_charged_but_unpaid(
    shop: Shop, provider: AsyncClient
) -> None:
    """Faults of every kind land on whichever calls come next; some pays answer 503 after
    the card was charged. The relay settles those: once it has, every charged order is paid,
    every paid order was charged once, and no order was charged twice."""
    pick = random.Random(500)
    lamp = await shop.product(stock=1_000)
    orders = [await shop.placed((lamp, 1)) for _ in range(500)]
    answers: Counter[int] = Counter()

    async def pay_one(order: dict[str, Any]) -> None:
        answers[(await pay(shop, order)).status_code] += 1

    for batch in range(0, len(orders), 5):
        await faults(provider, failNext=pick.randint(0, 15), mode=pick.choice(["error", "timeout"]),
                     when=pick.choice(["before", "after"]))  # fmt: skip
        await asyncio.gather(*(pay_one(order) for order in orders[batch : batch + 5]))
    await faults(provider, failNext=0)
    assert answers[503], "some pays met a fault"
    assert set(answers) <= {200, 503}, answers

    async def settled() -> tuple[dict[str, list[str]], dict[str, str]]:
        made: dict[str, list[str]] = {}
        for charge in (await provider.get("/charges")).json():
            made.setdefault(charge["orderId"], []).append(charge["status"])
        return made, {order["id"]: await status_of(shop, order) for order in orders}

    for _ in range(100):  # the relay settles within moments
        made, statuses = await settled()
        if all(statuses[order_id] == "paid" for order_id in made):
            break
        await asyncio.sleep(0.1)
    charged_unpaid = [order_id for order_id in made if statuses[order_id] != "paid"]
    assert not charged_unpaid, f"{len(charged_unpaid)} orders charged but not paid"
    assert all(charges == ["succeeded"] for charges in made.values()), "one charge per order"
    paid = {order_id for order_id, status in statuses.items() if status == "paid"}
    assert paid == set(made), "every paid order was charged"
    assert len(paid) >= answers[200]
