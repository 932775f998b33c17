"""Who a request comes from: the connection's peer address, or, when that peer is a reverse proxy we
trust (Settings.trusted_proxies), the client address the proxies recorded in X-Forwarded-For.

Anyone can send an X-Forwarded-For header, so it is read only from a trusted peer, and from the right:
each proxy appends the address it saw, so the first address from the right that is not a trusted proxy
is the client (what a client wrote further left is ignored). Rate limits (shared.web.http_limits) and the
audit log's `client_address` (shared.web.middleware) use this one definition.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
FORWARDED_FOR = b"x-forwarded-for"


@lru_cache(maxsize=8)
def networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """Addresses or CIDR ranges ("10.0.0.0/8", "::1"); ValueError for anything else."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def forwarded_client(peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]) -> str | None:
    """The client's address given the peer and its X-Forwarded-For (see the module docstring)."""
    if peer is None or not forwarded_for or not _trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer  # a proxy that writes no address: nothing to go on beyond it
        if not _trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer


def client_of(scope: Mapping[str, Any], trusted: Sequence[Network]) -> str | None:
    """The client of an ASGI request (its scope)."""
    peer = (scope.get("client") or (None, 0))[0]
    headers = [value for name, value in scope.get("headers") or () if name == FORWARDED_FOR]
    return forwarded_client(peer, ",".join(v.decode("latin-1") for v in headers) or None, trusted)
