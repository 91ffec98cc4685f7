"""Where webhooks may be sent: public http(s) addresses only, checked again at delivery.

Private, loopback, link-local (which includes cloud metadata at 169.254.169.254), shared,
multicast and reserved addresses are refused, for every address a host name resolves to, so a
customer cannot point stackvet at its own internal network (server-side request forgery).
IPv6 addresses that carry an IPv4 address are judged by it (IPv4-mapped, NAT64), and the
transition tunnels that can reach any IPv4 address through a relay (6to4 `2002::/16`, Teredo
`2001::/32`) are refused outright.
`STACKVET_WEBHOOK_ALLOW_PRIVATE_TARGETS=true` lifts this for development and tests.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data"})
SHARED_SPACE = ipaddress.ip_network("100.64.0.0/10")
SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
TEREDO = ipaddress.ip_network("2001::/32")
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


class TargetRefused(ValueError):
    """The URL may not receive webhooks; the message says why."""


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[Address, ...]


def check_url(url: str) -> tuple[str, str, int]:
    """Scheme, host and port of a webhook URL, or TargetRefused."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise TargetRefused("only http and https URLs can receive webhooks")
    if not parts.hostname:
        raise TargetRefused("the URL has no host name")
    if parts.username or parts.password:
        raise TargetRefused("credentials in the URL are not allowed; use the signature instead")
    try:
        port = parts.port
        if port is None:
            port = 443 if parts.scheme == "https" else 80
    except ValueError as exc:
        raise TargetRefused("the URL's port is not valid") from exc
    if port == 0:
        raise TargetRefused("port 0 cannot receive webhooks")
    return parts.scheme, parts.hostname.lower().rstrip("."), port


def resolve(url: str, *, allow_private: bool) -> Target:
    """Resolve the URL's host and refuse it unless every address is public (or allowed)."""
    scheme, host, port = check_url(url)
    if host in METADATA_HOSTS and not allow_private:
        raise TargetRefused(f"{host} is a cloud metadata service")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefused(f"{host} does not resolve to an address") from exc
    addresses = tuple(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    if not allow_private:
        for address in addresses:
            reason = refusal(address)
            if reason:
                raise TargetRefused(f"{host} resolves to {address}, {reason}")
    return Target(url=url, scheme=scheme, host=host, port=port, addresses=addresses)


def refusal(address: Address) -> str | None:
    """Why an address may not receive webhooks, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_refusal(address)
        if embedded:
            return embedded
    checks = (
        (address.is_unspecified, "an unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address (cloud metadata lives there)"),
        (
            isinstance(address, ipaddress.IPv4Address) and address in SHARED_SPACE,
            "a shared address",
        ),
        (address.is_private, "a private address"),
        (address.is_multicast, "a multicast address"),
        (address.is_reserved, "a reserved address"),
    )
    return next((reason for refused, reason in checks if refused), None)


def _embedded_refusal(address: ipaddress.IPv6Address) -> str | None:
    """Why an IPv6 address that embeds or tunnels to IPv4 is refused, or None."""
    if address.ipv4_mapped:
        return refusal(address.ipv4_mapped)
    if address in SIX_TO_FOUR:
        return "a 6to4 address (2002::/16), which can reach private IPv4 addresses"
    if address in TEREDO:
        return "a Teredo address (2001::/32), which can reach private IPv4 addresses"
    for network in NAT64:
        if address in network:
            inner = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
            reason = refusal(inner)
            return f"a NAT64 address for {inner}, {reason}" if reason else None
    return None
