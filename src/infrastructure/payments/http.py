"""The payment provider over HTTP, as a production client talks to one.

- Every call has a timeout and carries the caller's idempotency key.
- Calls that fail in a way that may pass (a timeout, a dropped connection, a 5xx) are
  retried with exponential backoff and jitter (tenacity). That is safe because of the key:
  the provider answers a repeat with its first answer, so nothing is charged twice.
- A circuit breaker (purgatory) counts calls that failed even after their retries; after
  `circuit_failures` in a row it opens, and for `circuit_reset_seconds` every call fails at
  once without reaching the provider. Then one call is let through to probe it.
- A declined card is an answer, not a failure: it is never retried and never trips the
  circuit.
"""

from typing import Any

import httpx
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from src.infrastructure.errors import NotFound, PaymentDeclined, ServiceUnavailable
from src.infrastructure.payments.gateway import Charge, PaymentGateway

_CIRCUIT = "payment-provider"


class _ProviderFailed(Exception):
    """The provider answered with a server error: worth another try."""


def unavailable(
    detail: str = "The payment provider is not answering; try again shortly",
) -> ServiceUnavailable:
    return ServiceUnavailable(detail, code="paymentUnavailable")


class HttpPaymentGateway(PaymentGateway):
    def __init__(
        self,
        base_url: str,
        *,
        timeout_seconds: float,
        attempts: int,
        circuit_failures: int,
        circuit_reset_seconds: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url, timeout=timeout_seconds, transport=transport
        )
        self._attempts = attempts
        self._breakers = AsyncCircuitBreakerFactory(
            default_threshold=circuit_failures,
            default_ttl=circuit_reset_seconds,
            exclude=[PaymentDeclined, NotFound],
        )

    async def charge(
        self, *, order_ref: str, amount: int, currency: str, token: str, idempotency_key: str
    ) -> Charge:
        body = {"orderId": order_ref, "amount": amount, "currency": currency, "token": token}
        return await self._call("/charges", body, idempotency_key)

    async def refund(self, *, charge_id: str, idempotency_key: str) -> Charge:
        return await self._call(f"/charges/{charge_id}/refund", None, idempotency_key)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _call(self, path: str, body: dict[str, Any] | None, key: str) -> Charge:
        try:
            async with await self._breakers.get_breaker(_CIRCUIT):
                return await self._post_with_retries(path, body, key)
        except OpenedState:
            raise unavailable(
                "The payment provider is failing; paying is paused for a moment"
            ) from None
        except (httpx.TransportError, _ProviderFailed) as error:
            raise unavailable() from error

    async def _post_with_retries(self, path: str, body: dict[str, Any] | None, key: str) -> Charge:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential_jitter(multiplier=0.05, max=2.0, jitter=0.05),
            retry=retry_if_exception_type((httpx.TransportError, _ProviderFailed)),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                response = await self._client.post(
                    path, json=body, headers={"Idempotency-Key": key}
                )
                return _answer(response)
        raise AssertionError("unreachable: tenacity re-raises the last failure")


def _answer(response: httpx.Response) -> Charge:
    if response.status_code >= 500:  # noqa: PLR2004
        raise _ProviderFailed(f"the provider answered {response.status_code}")
    if response.status_code == httpx.codes.PAYMENT_REQUIRED:
        raise PaymentDeclined("The card was declined")
    if response.status_code == httpx.codes.NOT_FOUND:
        raise NotFound("The payment provider knows no such charge")
    response.raise_for_status()
    data = response.json()
    return Charge(
        id=data["id"],
        amount=data["amount"],
        currency=data["currency"],
        refunded=data["status"] == "refunded",
    )
