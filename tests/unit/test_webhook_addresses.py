"""Webhooks never reach the deployment's own network: the SSRF table, at registration and
at each delivery, with the connection pinned to the address that was checked."""

import ipaddress
from collections.abc import Sequence
from contextlib import aclosing
from datetime import UTC, datetime

import httpx
import pytest

from src.infrastructure.webhooks import UrlRefused, WebhookSender, refusal, resolve_target
from src.infrastructure.webhooks.sealing import new_signing_secret

# Names the fake resolver knows, and what they resolve to.
DNS = {
    "hooks.example.com": ["93.184.215.14"],
    "v6.example.com": ["2606:4700::1111"],
    "loopback.example.com": ["127.0.0.1"],
    "sneaky.example.com": ["93.184.215.14", "10.0.0.7"],  # one bad address is enough
    "metadata.example.com": ["169.254.169.254"],
    "ula.example.com": ["fd00:ec2::254"],
}


async def resolver(host: str, port: int) -> Sequence[str]:
    if host not in DNS:
        raise OSError(f"{host} does not resolve")
    return DNS[host]


REFUSED_ADDRESSES = [
    "127.0.0.1", "127.255.255.254", "0.0.0.0",  # noqa: S104 - refused, never bound
    "10.0.0.1", "172.16.5.4", "192.168.1.1",
    "100.64.0.1", "169.254.169.254", "169.254.1.1", "224.0.0.1", "239.255.255.250",
    "240.0.0.1", "255.255.255.255", "192.0.2.1", "198.18.0.1", "100.100.100.200",
    "::1", "::", "fe80::1", "fc00::1", "fd00:ec2::254", "ff02::1", "::ffff:127.0.0.1",
    "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::127.0.0.1", "::7f00:1",
    "64:ff9b::7f00:1", "64:ff9b::a00:1", "2002:7f00:1::1", "2002:a9fe:a9fe::1",
    "2001:db8::1", "fec0::1",
]  # fmt: skip
ALLOWED_ADDRESSES = ["93.184.215.14", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8",
                     "64:ff9b::808:808", "2002:808:808::1"]  # fmt: skip


@pytest.mark.parametrize("address", REFUSED_ADDRESSES)
def test_internal_addresses_are_refused(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ALLOWED_ADDRESSES)
def test_public_unicast_addresses_are_allowed(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


REFUSED_URLS = [
    ("http://127.0.0.1/hook", "https"),
    ("http://hooks.example.com/hook", "https"),
    ("https://10.0.0.1/hook", "private"),
    ("https://[::ffff:127.0.0.1]/hook", "loopback"),
    ("https://[::1]:8443/hook", "loopback"),
    ("https://169.254.169.254/latest/meta-data/", "metadata"),
    ("https://[fd00:ec2::254]/", "metadata"),
    ("https://loopback.example.com/hook", "loopback"),
    ("https://sneaky.example.com/hook", "private"),
    ("https://metadata.example.com/hook", "metadata"),
    ("https://ula.example.com/hook", "metadata"),
    ("https://nowhere.example.com/hook", "does not resolve"),
    ("https://user:pw@hooks.example.com/hook", "user name"),
    ("ftp://hooks.example.com/hook", "https"),
    ("hooks.example.com/hook", "https"),
    (f"https://{'0' * 64}.example.com/hook", "no valid name"),
    (f"https://{'a.' * 127}com/hook", "no valid name"),
]


@pytest.mark.parametrize(("url", "why"), REFUSED_URLS)
async def test_a_url_reaching_inside_is_refused(url: str, why: str) -> None:
    with pytest.raises(UrlRefused, match=why):
        await resolve_target(url, allow_private=False, resolver=resolver)


async def test_a_public_name_is_pinned_to_the_address_it_resolved_to() -> None:
    target = await resolve_target(
        "https://hooks.example.com:8443/hook?x=1", allow_private=False, resolver=resolver
    )
    assert (target.host, str(target.address)) == ("hooks.example.com", "93.184.215.14")


async def test_allowing_private_http_lifts_both_rules() -> None:
    target = await resolve_target(
        "http://loopback.example.com:8090/hook", allow_private=True, resolver=resolver
    )
    assert str(target.address) == "127.0.0.1"


class Recorder:
    """A transport that answers every request as told, and keeps what it was sent."""

    def __init__(
        self, status: int, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> None:
        self.status, self.headers, self.body = status, headers or {}, body
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status, headers=self.headers, stream=httpx.ByteStream(self.body))


def sender(recorder: Recorder, *, allow_private: bool = False) -> WebhookSender:
    return WebhookSender(
        timeout_seconds=10, max_response_bytes=4096, allow_private=allow_private,
        resolver=resolver, transport=httpx.MockTransport(recorder),
    )  # fmt: skip


async def send(webhooks: WebhookSender, url: str) -> tuple[bool, int | None, str | None]:
    attempt = await webhooks.send(
        url=url, secret=new_signing_secret(), message_id="d1", body="{}", now=datetime.now(UTC)
    )
    return attempt.succeeded, attempt.status, attempt.error


@pytest.mark.parametrize(("url", "why"), REFUSED_URLS)
async def test_a_delivery_to_a_refused_url_contacts_nobody(url: str, why: str) -> None:
    recorder = Recorder(204)
    async with aclosing(sender(recorder)) as webhooks:
        succeeded, status, error = await send(webhooks, url)
    assert (succeeded, status) == (False, None)
    assert error is not None
    assert why in error
    assert recorder.requests == []


async def test_a_redirect_to_loopback_is_not_followed() -> None:
    recorder = Recorder(302, {"Location": "http://127.0.0.1:8000/admin"})
    async with aclosing(sender(recorder)) as webhooks:
        assert await send(webhooks, "https://hooks.example.com/hook") == (
            False, 302, "answered 302",
        )  # fmt: skip
    assert [str(request.url) for request in recorder.requests] == ["https://93.184.215.14/hook"]


async def test_the_connection_goes_to_the_checked_address_under_the_name() -> None:
    recorder = Recorder(200, body=b"x" * 100_000)
    async with aclosing(sender(recorder)) as webhooks:
        assert await send(webhooks, "https://v6.example.com:8443/in?a=1") == (True, 200, None)
    (request,) = recorder.requests
    assert str(request.url) == "https://[2606:4700::1111]:8443/in?a=1"
    assert request.headers["host"] == "v6.example.com:8443"
    assert request.extensions["sni_hostname"] == "v6.example.com"
    assert {"webhook-id", "webhook-timestamp", "webhook-signature"} <= set(request.headers)


async def test_a_name_that_now_resolves_inside_is_refused_at_delivery() -> None:
    """Checked at registration, then the name moved (DNS rebinding): refused when sending."""
    recorder = Recorder(204)
    async with aclosing(sender(recorder)) as webhooks:
        DNS["rebinding.example.com"] = ["93.184.215.14"]
        await webhooks.check("https://rebinding.example.com/hook")
        DNS["rebinding.example.com"] = ["127.0.0.1"]
        try:
            succeeded, _, error = await send(webhooks, "https://rebinding.example.com/hook")
        finally:
            del DNS["rebinding.example.com"]
    assert not succeeded
    assert error is not None
    assert "loopback" in error
    assert recorder.requests == []


async def test_a_name_the_resolver_cannot_encode_is_refused_not_raised() -> None:
    async def refusing_idna(host: str, port: int) -> list[str]:
        raise UnicodeError("encoding with 'idna' codec failed")

    with pytest.raises(UrlRefused, match="does not resolve"):
        await resolve_target(
            "https://hooks.example.com/", allow_private=False, resolver=refusing_idna
        )
