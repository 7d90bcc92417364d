"""Security headers on every response the server sends: handlers' and static files' alike.

HTML pages get a Content-Security-Policy header: what their ``<meta>`` policy says, plus
what only a header can say (``frame-ancestors``: no other site may frame our pages) and
``connect-src`` narrowed to our own websocket origin (the page's ``ws: wss:`` would allow
any host). A browser enforces both policies, so the stricter wins everywhere.
"""

from __future__ import annotations

from collections.abc import MutableMapping

from bot.web.origin import PublicOrigin

EVERY_RESPONSE = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

_PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; "
                "img-src 'self' data: https:; connect-src 'self'{ws}; base-uri 'none'; "
                "form-action 'self'; frame-ancestors 'none'; object-src 'none'")


def content_security_policy(origin: PublicOrigin, host_header: str | None) -> str:
    sources = origin.websocket_sources(host_header)
    return _PAGE_POLICY.format(ws=f" {sources}" if sources else "")


def add_security_headers(headers: MutableMapping[str, str], *, content_type: str,
                         origin: PublicOrigin, host_header: str | None) -> None:
    """Add what a handler did not set itself."""
    for name, value in EVERY_RESPONSE.items():
        headers.setdefault(name, value)
    if content_type == "text/html":
        headers.setdefault("Content-Security-Policy",
                           content_security_policy(origin, host_header))
