"""Transfers to sellers through the provider port: once per key whatever the retries, and a
refusal is an answer (kept, never retried), over HTTP to the stand-in and in the fake. So is
a refund the provider refuses as more than is left of its charge (409): `ProviderConflict`,
asked once, opening no circuit."""

from collections.abc import AsyncIterator

import httpx
import pytest

from mock.payments import create_app
from src.infrastructure.errors import Undeliverable
from src.infrastructure.payments import (
    PaymentGateway,
    ProviderConflict,
    Transfer,
    TransferRefused,
)
from src.infrastructure.payments.fake import FakePaymentGateway
from src.infrastructure.payments.http import HttpPaymentGateway


class Counting(httpx.ASGITransport):
    """The stand-in provider, counting the requests that reach it."""

    def __init__(self) -> None:
        super().__init__(app=create_app(stall_seconds=0.1))
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return await super().handle_async_request(request)


@pytest.fixture
def transport() -> Counting:
    """One stand-in provider, reached by the gateway and by the test."""
    return Counting()


@pytest.fixture
async def stand_in(transport: Counting) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        yield client


@pytest.fixture
async def gateway(transport: Counting) -> AsyncIterator[HttpPaymentGateway]:
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


async def test_a_refund_beyond_the_charge_is_a_conflict_asked_once_and_opens_no_circuit(
    gateway: HttpPaymentGateway, transport: Counting
) -> None:
    charge = await gateway.charge(order_ref="order-1", amount=1000, currency="USD",
                                  token="tok_visa", idempotency_key="pay-1")  # fmt: skip
    await gateway.refund_part(charge_id=charge.id, amount=600, idempotency_key="refund-1")
    for attempt in range(3):  # more than the circuit's threshold of failures
        before = transport.requests
        with pytest.raises(ProviderConflict) as refused:
            await gateway.refund_part(
                charge_id=charge.id, amount=600, idempotency_key=f"refund-over-{attempt}"
            )
        assert transport.requests == before + 1  # not retried
        assert isinstance(refused.value, Undeliverable)  # the relay dead-letters it at once
        assert "refundExceedsCharge" in str(refused.value)
    made = await gateway.refund_part(charge_id=charge.id, amount=400, idempotency_key="refund-2")
    assert made.amount == 400  # the circuit stayed closed
