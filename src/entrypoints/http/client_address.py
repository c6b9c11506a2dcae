"""The client's address, as far as it can be trusted (for throttling and logs)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from typing import Any

from litestar import Request

Network = IPv4Network | IPv6Network
UNKNOWN = "unknown"
_PORT = re.compile(r"[0-9]{1,5}")


def _parsed(text: str) -> IPv4Address | IPv6Address | None:
    try:
        address = ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1
    return address


def _is_port(text: str) -> bool:
    return _PORT.fullmatch(text) is not None and int(text) <= 65535


def _forwarded_hop(entry: str) -> IPv4Address | IPv6Address | None:
    """One ``X-Forwarded-For`` entry's address: a bare address, ``203.0.113.7:4711``,
    ``[2001:db8::1]`` or ``[2001:db8::1]:4711`` (proxies differ; the port is dropped);
    None when it is none of these. An unbracketed IPv6 address is read whole (its last
    group is never taken for a port)."""
    entry = entry.strip()
    if entry.startswith("["):
        inside, bracket, rest = entry[1:].partition("]")
        if not bracket or ":" not in inside or (rest and not rest.startswith(":")):
            return None
        if rest and not _is_port(rest[1:]):
            return None
        return _parsed(inside) if inside == inside.strip() else None
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")  # one colon: IPv4 (or a name) and a port
        return _parsed(host) if host == host.strip() and _is_port(port) else None
    return _parsed(entry)


def _trusted(address: IPv4Address | IPv6Address, networks: Sequence[Network]) -> bool:
    return any(address in network for network in networks)


def pick_client_address(
    peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]
) -> str:
    """The peer's address, unless the peer is a trusted proxy: then the first address of
    ``X-Forwarded-For``, read from the right, that is not a trusted proxy (every hop
    appends the address it received from, so only entries right of an untrusted one can
    be forged). A malformed entry on that way gives the peer's address."""
    if not peer:
        return UNKNOWN
    if not trusted or not forwarded_for:
        return peer
    peer_address = _parsed(peer)
    if peer_address is None or not _trusted(peer_address, trusted):
        return peer
    hop = peer_address
    for entry in reversed(forwarded_for.split(",")):
        parsed = _forwarded_hop(entry)
        if parsed is None:
            return peer
        hop = parsed
        if not _trusted(hop, trusted):
            break
    # Every hop trusted: the request began inside the trusted networks, at the leftmost.
    return str(hop)


def client_address(request: Request[Any, Any, Any], trusted: Sequence[Network]) -> str:
    """``pick_client_address`` for a request (several X-Forwarded-For headers are one list)."""
    peer = request.client.host if request.client else None
    if not trusted:
        return peer or UNKNOWN
    forwarded_for = ",".join(request.headers.getall("x-forwarded-for", []))
    return pick_client_address(peer, forwarded_for, trusted)


def address_group(address: str) -> str:
    """What per-address limits count: the address, or for IPv6 its /64, since one client
    (a home or a VM) is usually handed a whole /64 and could rotate through it."""
    parsed = _parsed(address)
    if isinstance(parsed, IPv6Address):
        return str(IPv6Network((parsed, 64), strict=False))
    return address
