"""The payment provider over HTTP, as a production client talks to one.

- Every call has a timeout and carries the caller's idempotency key, and a call with all
  its retries has a deadline, so a stalled provider costs a pay a few seconds at most.
- Calls that fail in a way that may pass (a timeout, a dropped connection, a 5xx) are
  retried with exponential backoff and jitter (tenacity). That is safe because of the key:
  the provider answers a repeat with its first answer, so nothing is charged twice.
- A circuit breaker (purgatory) counts calls that failed even after their retries; after
  `circuit_failures` in a row it opens, and for `circuit_reset_seconds` every call fails at
  once without reaching the provider. Then one call is let through to probe it.
- A declined card is an answer, not a failure: it is never retried and never trips the
  circuit. So is a conflict (409: a refund of more than is left of the charge), which says
  the provider's records and ours disagree: the caller gets `ProviderConflict`.
"""

import asyncio
from collections.abc import Awaitable, Callable
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
from src.infrastructure.payments.gateway import (
    Charge,
    OutcomeUnknown,
    PaymentGateway,
    ProviderConflict,
    ProviderRefund,
    Transfer,
    TransferRefused,
)

_CIRCUIT = "payment-provider"
# Looking a charge up has a circuit of its own: lookups that succeed while charges fail must
# not keep the charges' circuit from opening.
_LOOKUP_CIRCUIT = "payment-provider-lookups"


# One call to the provider, made again as it is retried.
_Request = Callable[[], Awaitable[httpx.Response]]


class _ProviderFailed(Exception):
    """The provider answered with a server error: worth another try."""


class HttpPaymentGateway(PaymentGateway):
    def __init__(
        self,
        base_url: str,
        *,
        timeout_seconds: float,
        attempts: int,
        circuit_failures: int,
        deadline_seconds: float,
        circuit_reset_seconds: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url, timeout=timeout_seconds, transport=transport
        )
        self._attempts = attempts
        self._deadline = deadline_seconds
        self._breakers = AsyncCircuitBreakerFactory(
            default_threshold=circuit_failures,
            default_ttl=circuit_reset_seconds,
            exclude=[PaymentDeclined, NotFound, ProviderConflict],
        )

    async def charge(
        self, *, order_ref: str, amount: int, currency: str, token: str, idempotency_key: str
    ) -> Charge:
        body = {"orderId": order_ref, "amount": amount, "currency": currency, "token": token}
        headers = {"Idempotency-Key": idempotency_key}
        answer = await self._call(lambda: self._client.post("/charges", json=body, headers=headers))
        return _charge(answer)

    async def find_charge(self, *, idempotency_key: str) -> Charge | None:
        query = {"idempotencyKey": idempotency_key}
        found = await self._call(
            lambda: self._client.get("/charges", params=query), circuit=_LOOKUP_CIRCUIT
        )
        return _charge(found[0]) if found else None

    async def refund(self, *, charge_id: str, idempotency_key: str) -> Charge:
        headers = {"Idempotency-Key": idempotency_key}
        path = f"/charges/{charge_id}/refund"
        return _charge(await self._call(lambda: self._client.post(path, headers=headers)))

    async def refund_part(
        self, *, charge_id: str, amount: int, idempotency_key: str
    ) -> ProviderRefund:
        headers = {"Idempotency-Key": idempotency_key}
        path, body = f"/charges/{charge_id}/refund", {"amount": amount}
        answer = await self._call(lambda: self._client.post(path, json=body, headers=headers))
        return _refund(answer["refund"])

    async def find_refund(self, *, idempotency_key: str) -> ProviderRefund | None:
        query = {"idempotencyKey": idempotency_key}
        found = await self._call(
            lambda: self._client.get("/refunds", params=query), circuit=_LOOKUP_CIRCUIT
        )
        return _refund(found[0]) if found else None

    async def transfer(
        self, *, seller_ref: str, amount: int, currency: str, idempotency_key: str
    ) -> Transfer:
        body = {"sellerId": seller_ref, "amount": amount, "currency": currency}
        headers = {"Idempotency-Key": idempotency_key}
        try:
            data = await self._call(
                lambda: self._client.post("/transfers", json=body, headers=headers)
            )
        except PaymentDeclined as refused:  # the provider's 402: an answer, kept per key
            raise TransferRefused("The seller's account takes no transfers") from refused
        return Transfer(id=data["id"], amount=data["amount"], currency=data["currency"])

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _call(self, send: _Request, *, circuit: str = _CIRCUIT) -> Any:
        """The provider's JSON answer to `send()`, tried again as the retry policy says,
        within the deadline and behind the circuit breaker."""
        try:
            async with (
                await self._breakers.get_breaker(circuit),
                asyncio.timeout(self._deadline),
            ):
                return await self._with_retries(send)
        except OpenedState:
            raise ServiceUnavailable(
                "The payment provider is failing; paying is paused for a moment",
                code="paymentUnavailable",
            ) from None
        except (httpx.TransportError, _ProviderFailed, TimeoutError) as error:
            raise OutcomeUnknown(
                "The payment provider is not answering; try again shortly",
                code="paymentUnavailable",
            ) from error

    async def _with_retries(self, send: _Request) -> Any:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential_jitter(multiplier=0.05, max=2.0, jitter=0.05),
            retry=retry_if_exception_type((httpx.TransportError, _ProviderFailed)),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return _answer(await send())
        raise AssertionError("unreachable: tenacity re-raises the last failure")


def _answer(response: httpx.Response) -> Any:
    if response.status_code >= 500:  # noqa: PLR2004
        raise _ProviderFailed(f"the provider answered {response.status_code}")
    if response.status_code == httpx.codes.PAYMENT_REQUIRED:
        raise PaymentDeclined("The card was declined")
    if response.status_code == httpx.codes.NOT_FOUND:
        raise NotFound("The payment provider knows no such charge")
    if response.status_code == httpx.codes.CONFLICT:
        raise ProviderConflict(f"The payment provider refused the call: {response.text[:200]}")
    response.raise_for_status()
    return response.json()


def _charge(data: dict[str, Any]) -> Charge:
    return Charge(
        id=data["id"],
        amount=data["amount"],
        currency=data["currency"],
        refunded=data["status"] == "refunded",
    )


def _refund(data: dict[str, Any]) -> ProviderRefund:
    return ProviderRefund(
        id=data["id"], charge_id=data["chargeId"], amount=data["amount"],
        currency=data["currency"],
    )  # fmt: skip
