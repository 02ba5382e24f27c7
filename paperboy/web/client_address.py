"""Which address a request comes from: resolved once per request, behind a reverse proxy or not.

The rule (one, here; `paperboy serve` turns uvicorn's own forwarded-header handling off):
the socket peer is the client, unless the peer is one of the trusted_proxies. Then the
client is the rightmost X-Forwarded-For address that is not a trusted proxy: every proxy
appends the address it was reached from, so the entries left of that one were written by
the client and are not believed. X-Forwarded-Proto from a trusted peer sets the scheme.
The access log shows the result (request.client); every per-IP rate limit counts
client_ip's, which is the same for IPv4 and the /64 network for IPv6: one subscriber's
line gets a whole /64 (2^64 addresses), so counting single IPv6 addresses would be no limit.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from paperboy.config import ConfigError, Settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def trusted_networks(settings: Settings) -> tuple[Network, ...]:
    """settings.trusted_proxies as networks; ConfigError naming the entry that is not one."""
    networks = []
    for entry in settings.trusted_proxies:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ConfigError(
                f"trusted_proxies: {entry[:100]!r} is not an IP address or network "
                "(give addresses or CIDR networks like 10.0.0.0/8 or ::1, comma-separated)"
            ) from None
    return tuple(networks)


def resolve_client(peer: str, forwarded_for: Sequence[str], trusted: Sequence[Network]) -> str:
    """The client's address, given the socket peer and the X-Forwarded-For header values in order."""
    peer_address = parse_address(peer)
    if peer_address is None or not _is_trusted(peer_address, trusted):
        return str(peer_address) if peer_address else peer
    client = peer_address
    hops = [hop for value in forwarded_for for hop in value.split(",")]
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            break  # not an address: the nearest proxy that wrote one is all we can trust
        client = address
        if not _is_trusted(address, trusted):
            break
    return str(client)


def parse_address(text: str) -> Address | None:
    """An IP address from "1.2.3.4", "1.2.3.4:5678", "::1" or "[::1]:5678"; None if it is not one."""
    text = text.strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped  # ::ffff:203.0.113.9 is 203.0.113.9: one allowance, not two
    return address


def _is_trusted(address: Address, trusted: Sequence[Network]) -> bool:
    return any(address.version == network.version and address in network for network in trusted)


class ClientAddress:
    """ASGI middleware: put the resolved client address in scope["client"] (request.client)."""

    def __init__(self, app: ASGIApp, trusted: Sequence[Network]) -> None:
        self.app = app
        self.trusted = tuple(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and scope.get("client"):
            peer_host, peer_port = scope["client"]
            peer = parse_address(peer_host)
            if peer is not None and _is_trusted(peer, self.trusted):
                headers = scope.get("headers", [])
                forwarded_for = [v.decode("latin-1") for k, v in headers if k == b"x-forwarded-for"]
                scope["client"] = (resolve_client(peer_host, forwarded_for, self.trusted), 0)
                self._forwarded_scheme(scope)
            elif peer is not None:
                scope["client"] = (str(peer), peer_port)  # one spelling per address
        await self.app(scope, receive, send)

    @staticmethod
    def _forwarded_scheme(scope: Scope) -> None:
        for name, value in scope.get("headers", []):
            if name == b"x-forwarded-proto":
                proto = value.decode("latin-1").split(",")[0].strip().lower()
                if proto in ("http", "https"):
                    scope["scheme"] = proto if scope["type"] == "http" else proto.replace("http", "ws")
                return


# The prefix an IPv6 site (one subscriber, one machine's privacy addresses) is given whole.
IPV6_LIMIT_PREFIX = 64


def client_ip(request: Request) -> str:
    """What per-IP limits count for the request: the address ClientAddress resolved, or for
    IPv6 its /64 network (e.g. 2001:db8:1:2::/64)."""
    if not request.client:
        return "unknown"
    return limit_key(request.client.host)


def limit_key(host: str) -> str:
    """An IPv4 address as it is; an IPv6 address as its /64 network; anything else as given."""
    address = parse_address(host)
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, IPV6_LIMIT_PREFIX), strict=False))
    return str(address) if address is not None else host
