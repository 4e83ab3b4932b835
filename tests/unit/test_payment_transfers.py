"""Transfers to sellers through the provider port: once per key whatever the retries, and a
refusal is an answer (kept, never retried), over HTTP to the stand-in and in the fake."""

from collections.abc import AsyncIterator

import httpx
import pytest

from mock.payments import create_app
from src.infrastructure.payments import PaymentGateway, Transfer, TransferRefused
from src.infrastructure.payments.fake import FakePaymentGateway
from src.infrastructure.payments.http import HttpPaymentGateway


@pytest.fixture
def transport() -> httpx.ASGITransport:
    """One stand-in provider, reached by the gateway and by the test."""
    return httpx.ASGITransport(app=create_app(stall_seconds=0.1))


@pytest.fixture
async def stand_in(transport: httpx.ASGITransport) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        yield client


@pytest.fixture
async def gateway(transport: httpx.ASGITransport) -> AsyncIterator[HttpPaymentGateway]:
    client = HttpPaymentGateway(
        "http://mock", timeout_seconds=1, attempts=3, deadline_seconds=5,
        circuit_failures=2, circuit_reset_seconds=30, transport=transport,
    )  # fmt: skip
    yield client
    await client.aclose()


async def send(
    gateway: PaymentGateway, key: str, seller: str = "seller-1", amount: int = 900
) -> Transfer:
    return await gateway.transfer(seller_ref=seller, amount=amount, currency="USD",
                                  idempotency_key=key)  # fmt: skip


async def test_a_transfer_retried_after_a_lost_answer_is_made_once(
    gateway: HttpPaymentGateway, stand_in: httpx.AsyncClient
) -> None:
    await stand_in.post("/_faults", json={"failNext": 1, "when": "after"})  # made, answer lost
    made = await send(gateway, "payout-1")
    assert (made.amount, made.currency) == (900, "USD")
    assert await send(gateway, "payout-1") == made
    listed = (await stand_in.get("/transfers")).json()
    assert [(t["id"], t["idempotencyKey"]) for t in listed] == [(made.id, "payout-1")]


async def test_a_refused_transfer_is_refused_again_and_opens_no_circuit(
    gateway: HttpPaymentGateway, stand_in: httpx.AsyncClient
) -> None:
    await stand_in.post("/_refuse-transfers", json={"sellerId": "closed"})
    for _ in range(3):  # more than the circuit's threshold of failures
        with pytest.raises(TransferRefused):
            await send(gateway, "payout-closed", seller="closed")
    assert (await send(gateway, "payout-2")).amount == 900
    assert len((await stand_in.get("/transfers")).json()) == 1


async def test_the_fake_keeps_the_same_promises() -> None:
    fake = FakePaymentGateway(refusing={"closed"})
    made = await send(fake, "payout-1")
    assert await send(fake, "payout-1", amount=1) == made
    with pytest.raises(TransferRefused):
        await send(fake, "payout-2", seller="closed")
    fake.refusing.clear()
    with pytest.raises(TransferRefused):  # a refusal is the key's answer for good
        await send(fake, "payout-2", seller="closed")
