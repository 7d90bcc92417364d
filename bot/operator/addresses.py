"""Which address a request comes from, for login limits: the peer's, unless the peer is one
of our own reverse proxies (``server.trusted_proxies``), whose ``X-Forwarded-For`` is then
believed, read from the right and only as far as our proxies reach (anything further left
was written by the client and proves nothing)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from bot.web.types import WebRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ClientAddress:
    def __init__(self, trusted_proxies: Iterable[str] = ()) -> None:
        self.trusted: list[Network] = [ipaddress.ip_network(p, strict=False)
                                       for p in trusted_proxies]

    def of(self, request: WebRequest) -> str:
        peer = request.remote or "?"
        if not self.trusted or not self._is_proxy(peer):
            return peer
        hops = [h.strip() for h in (request.header("x-forwarded-for") or "").split(",")]
        address = peer
        for hop in reversed([h for h in hops if h]):
            if _parse(hop) is None:
                break  # a garbled entry: trust nothing before it
            address = hop
            if not self._is_proxy(hop):
                break
        return address

    def _is_proxy(self, address: str) -> bool:
        parsed = _parse(address)
        return parsed is not None and any(parsed in network for network in self.trusted)


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address)
    except ValueError:
        return None
