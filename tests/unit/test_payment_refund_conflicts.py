"""A refund the provider refuses as more than is left of its charge (409) is an answer, not an
outage: raised as `ProviderConflict` at once, never retried, never opening the circuit."""

from collections.abc import AsyncIterator

import httpx
import pytest

from mock.payments import create_app
from src.infrastructure.errors import Undeliverable
from src.infrastructure.payments import ProviderConflict
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
def provider() -> Counting:
    return Counting()


@pytest.fixture
async def gateway(provider: Counting) -> AsyncIterator[HttpPaymentGateway]:
    client = HttpPaymentGateway(
        "http://mock", timeout_seconds=1, attempts=3, deadline_seconds=5,
        circuit_failures=2, circuit_reset_seconds=30, transport=provider,
    )  # fmt: skip
    yield client
    await client.aclose()


async def test_a_refund_beyond_the_charge_is_a_conflict_asked_once_and_opens_no_circuit(
    gateway: HttpPaymentGateway, provider: Counting
) -> None:
    charge = await gateway.charge(order_ref="order-1", amount=1000, currency="USD",
                                  token="tok_visa", idempotency_key="pay-1")  # fmt: skip
    await gateway.refund_part(charge_id=charge.id, amount=600, idempotency_key="refund-1")
    for attempt in range(3):  # more than the circuit's threshold of failures
        before = provider.requests
        with pytest.raises(ProviderConflict) as refused:
            await gateway.refund_part(
                charge_id=charge.id, amount=600, idempotency_key=f"refund-over-{attempt}"
            )
        assert provider.requests == before + 1  # not retried
        assert isinstance(refused.value, Undeliverable)  # the relay dead-letters it at once
        assert "refundExceedsCharge" in str(refused.value)
    made = await gateway.refund_part(charge_id=charge.id, amount=400, idempotency_key="refund-2")
    assert made.amount == 400  # the circuit stayed closed
