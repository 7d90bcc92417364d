"""Who we are to a browser: our public origin, which pages and websockets must match.

Behind a reverse proxy the ``Host`` a request arrives with is the proxy's choice (often
``127.0.0.1:8080``), not the address in the visitor's browser; ``server.public_url`` says
what that address is. Without it, the ``Host`` header is believed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from multidict import CIMultiDict

_DEFAULT_PORTS = {"http": 80, "https": 443}
# A Host header we are willing to repeat in a response header (no ';', spaces, quotes).
_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}(?::\d{1,5})?|\[[0-9A-Fa-f:.]{2,45}\](?::\d{1,5})?")


def _origin(url: str) -> tuple[str, str] | None:
    """(scheme, host[:port]) of a URL, lowercased, without a default port."""
    parts = urlsplit(url.strip())
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        return None
    netloc = host if port in (None, _DEFAULT_PORTS[parts.scheme]) else f"{host}:{port}"
    return parts.scheme, netloc


@dataclass(frozen=True, slots=True)
class PublicOrigin:
    """Our origin as browsers see it, from ``server.public_url`` (None: unknown)."""

    scheme: str | None = None
    netloc: str | None = None

    @classmethod
    def from_url(cls, url: str | None) -> PublicOrigin:
        parsed = _origin(url) if url else None
        if url and parsed is None:
            raise ValueError(f"{url!r} is not an http:// or https:// URL")
        return cls(*parsed) if parsed else cls()

    def as_public(self, headers: CIMultiDict[str]) -> CIMultiDict[str]:
        """``headers`` with the ``Host`` browsers used (``server.public_url``), behind a
        proxy, so handlers' Origin checks compare like with like (changed in place)."""
        if self.netloc is not None:
            headers["Host"] = self.netloc
        return headers

    def host(self, host_header: str | None) -> str | None:
        """The host[:port] browsers address us by: the public one, else the ``Host``
        header when it looks like one."""
        if self.netloc is not None:
            return self.netloc
        return host_header.lower() if host_header and _HOST.fullmatch(host_header) else None

    def allows(self, origin_header: str | None, host_header: str | None) -> bool:
        """Whether a request's ``Origin`` is ours. Requests without one are not from a
        page (a browser always sends it on websockets and cross-site POSTs): allowed."""
        if origin_header is None:
            return True
        origin = _origin(origin_header)
        if origin is None:  # "null" (a sandboxed frame, a file:// page) or garbage
            return False
        if self.netloc is not None:
            return origin == (self.scheme, self.netloc)
        host = self.host(host_header)
        return host is not None and origin == _origin(f"{origin[0]}://{host}")

    def websocket_sources(self, host_header: str | None) -> str:
        """Our websocket origins for a CSP ``connect-src`` (none if the host is unknown)."""
        host = self.host(host_header)
        if host is None:
            return ""
        if self.scheme is not None:
            return f"{'wss' if self.scheme == 'https' else 'ws'}://{host}"
        return f"ws://{host} wss://{host}"
