"""Sending a webhook delivery: signed as Standard Webhooks specifies, to a checked address.

Each attempt resolves the receiver's host again and checks every address (`addresses`),
then connects to the approved address itself, naming the host in the Host header and as the
TLS server name, so that the certificate is verified for the name while the connection goes
where the check said. Redirects are never followed (a 3xx is a failed attempt), no proxy is
taken from the environment, and at most `max_response_bytes` of an answer are read.
Connections are not kept alive: one reused for another name on the same address would carry
that request under the first name's TLS session.
"""

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import httpx
from standardwebhooks import Webhook

from src.infrastructure.webhooks.addresses import (
    Resolver,
    UrlRefused,
    resolve_target,
    system_resolver,
)

_MAX_ERROR = 500
_USER_AGENT = "marketplace-webhooks/1"


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one attempt came to: a 2xx, or the receiver's status or the error."""

    succeeded: bool
    status: int | None = None
    error: str | None = None


class DeliverySender(Protocol):
    """What the delivery worker sends through (`WebhookSender`, or a fake in tests)."""

    async def send(
        self, *, url: str, secret: str, message_id: str, body: str, now: datetime
    ) -> Attempt: ...


def signed_headers(secret: str, message_id: str, sent_at: datetime, body: str) -> dict[str, str]:
    """The Standard Webhooks headers of `body`: its id, its time and its signature."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, sent_at, body),
    }


class WebhookSender:
    """Sends signed deliveries to checked addresses; one client for the process."""

    def __init__(
        self,
        *,
        timeout_seconds: float,
        max_response_bytes: int,
        allow_private: bool,
        resolver: Resolver = system_resolver,
        transport: httpx.AsyncBaseTransport | None = None,
        verify: bool | str | object = True,
    ) -> None:
        self._timeout = timeout_seconds
        self._max_response = max_response_bytes
        self._allow_private = allow_private
        self._resolver = resolver
        self._client = httpx.AsyncClient(
            timeout=timeout_seconds,
            follow_redirects=False,
            trust_env=False,
            limits=httpx.Limits(max_keepalive_connections=0),
            transport=transport,
            verify=verify,  # type: ignore[arg-type]
        )

    async def check(self, url: str) -> None:
        """Refuse (`UrlRefused`) a URL that no delivery could be sent to; a host that does
        not resolve within the delivery timeout is refused too."""
        try:
            async with asyncio.timeout(self._timeout):
                await resolve_target(
                    url, allow_private=self._allow_private, resolver=self._resolver
                )
        except TimeoutError as error:
            raise UrlRefused("the host did not resolve in time") from error

    async def send(
        self, *, url: str, secret: str, message_id: str, body: str, now: datetime
    ) -> Attempt:
        """Try one delivery of `body`; never raises for anything the receiver does."""
        try:
            async with asyncio.timeout(self._timeout):
                return await self._send(url, signed_headers(secret, message_id, now, body), body)
        except UrlRefused as refused:
            return Attempt(False, error=f"refused: {refused}")
        except TimeoutError:
            return Attempt(False, error=f"no answer within {self._timeout:g} s")
        except httpx.HTTPError as error:
            return Attempt(False, error=repr(error)[:_MAX_ERROR])

    async def _send(self, url: str, signed: Mapping[str, str], body: str) -> Attempt:
        target = await resolve_target(
            url, allow_private=self._allow_private, resolver=self._resolver
        )
        pinned = target.url.copy_with(host=str(target.address))
        headers = {
            "Host": target.url.netloc.decode("ascii"),
            "Content-Type": "application/json",
            "User-Agent": _USER_AGENT,
            **signed,
        }
        request = self._client.build_request(
            "POST", pinned, content=body.encode(), headers=headers,
            extensions={"sni_hostname": target.host},
        )  # fmt: skip
        response = await self._client.send(request, stream=True)
        try:
            await self._read_some(response)
        finally:
            await response.aclose()
        if response.is_success:
            return Attempt(True, status=response.status_code)
        return Attempt(False, status=response.status_code, error=f"answered {response.status_code}")

    async def _read_some(self, response: httpx.Response) -> None:
        """Read at most the allowed bytes of the answer, and let the rest go."""
        read = 0
        async for chunk in response.aiter_raw():
            read += len(chunk)
            if read >= self._max_response:
                break

    async def aclose(self) -> None:
        await self._client.aclose()
