"""Where a webhook may be sent: never to the deployment's own network (SSRF).

A receiver's URL must be `https`, and every address its host resolves to must be a public
unicast one: not loopback, private, shared, link-local, multicast, reserved, unspecified or a
cloud metadata address, in IPv4 or IPv6, nor an IPv6 form that embeds a refused IPv4 address
(IPv4-mapped, IPv4-compatible, 6to4, NAT64, Teredo). The check gives the address it approved,
and the sender connects to that address and no other, so a name that resolves differently a
moment later (DNS rebinding) cannot steer the connection elsewhere.

`allow_private` (WEBHOOKS__ALLOW_PRIVATE_HTTP, refused in production) lifts both rules for
receivers on a developer's machine or in tests.
"""

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import httpx

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# host, port -> the addresses the host resolves to.
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

# Named apart from the ranges they fall in, so that a change of Python's tables cannot let
# them through: the instance metadata services of the big clouds.
METADATA = frozenset(
    ipaddress.ip_address(address)
    for address in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_MAX_NAME, _MAX_LABEL = 253, 63  # characters of a DNS name, and of each of its labels


class UrlRefused(ValueError):
    """A webhook URL that may not be called; the message says why."""


@dataclass(frozen=True, slots=True)
class Target:
    """A URL that passed the check, and the address to connect to for it."""

    url: httpx.URL
    host: str  # as the URL names it: the Host header and the TLS server name
    address: IpAddress


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for, if it is one of the forms that carry one."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64 or address in _IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refusal(address: IpAddress) -> str | None:
    """Why a receiver may not be at `address`; None for a public unicast address."""
    if address in METADATA:
        return "a cloud metadata address"
    if isinstance(address, ipaddress.IPv6Address):
        if address in _NAT64_LOCAL:
            return "a local NAT64 address"
        embedded = _embedded_ipv4(address)
        if embedded is not None and address != ipaddress.IPv6Address("::1"):
            reason = refusal(embedded)
            return None if reason is None else f"{reason} (in IPv6 form)"
    kinds = (
        ("loopback", address.is_loopback),
        ("unspecified", address.is_unspecified),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("site-local", isinstance(address, ipaddress.IPv6Address) and address.is_site_local),
        ("not public", not address.is_global),
    )
    for kind, applies in kinds:
        if applies:
            return f"a {kind} address"
    return None


async def system_resolver(host: str, port: int) -> Sequence[str]:
    """The addresses the system's resolver gives for `host`."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _is_host_name(host: str) -> bool:
    """Whether DNS could hold `host` (RFC 1035 lengths); an IP address passes too."""
    labels = host.rstrip(".").split(".")
    return len(host) <= _MAX_NAME and all(0 < len(label) <= _MAX_LABEL for label in labels)


def check_url_form(url: str, *, allow_private: bool) -> httpx.URL:
    """`url` parsed, if its form is one a webhook may have (before resolving its host)."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as error:
        raise UrlRefused(f"not a URL: {error}") from error
    schemes = ("https", "http") if allow_private else ("https",)
    if parsed.scheme not in schemes:
        raise UrlRefused("the URL must be https")
    if not parsed.host:
        raise UrlRefused("the URL must name a host")
    if not _is_host_name(parsed.host):
        raise UrlRefused("the host is no valid name (at most 253 characters, 63 a label)")
    if parsed.userinfo:
        raise UrlRefused("the URL may not hold a user name or password")
    return parsed


async def resolve_target(
    url: str, *, allow_private: bool, resolver: Resolver = system_resolver
) -> Target:
    """The address to send to for `url`, if every address its host resolves to may be
    called; else `UrlRefused`."""
    parsed = check_url_form(url, allow_private=allow_private)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        addresses = [ipaddress.ip_address(parsed.host)]
    except ValueError:
        try:
            found = await resolver(parsed.host, port)
        except (OSError, ValueError) as error:  # ValueError: not a name IDNA can spell
            raise UrlRefused(f"the host {parsed.host} does not resolve") from error
        addresses = [ipaddress.ip_address(each.split("%", 1)[0]) for each in found]
    if not addresses:
        raise UrlRefused(f"the host {parsed.host} does not resolve")
    if not allow_private:
        for address in addresses:
            if (reason := refusal(address)) is not None:
                raise UrlRefused(f"the host {parsed.host} resolves to {reason}")
    return Target(url=parsed, host=parsed.host, address=addresses[0])
