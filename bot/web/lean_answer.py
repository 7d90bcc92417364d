"""What the lean webhook listener (``bot.web.lean``) reads and writes: a request's head
checked against everything aiohttp's parser would refuse or treat specially, and an
answer's bytes as aiohttp writes them.

Both halves lean on aiohttp's own pieces where they exist (its header serializer, its
date), so that a client
cannot tell which of the two answered: ``tests/bot/web/test_lean.py`` compares the bytes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Final

from aiohttp import hdrs, web
from aiohttp.helpers import rfc822_formatted_time
from aiohttp.http import SERVER_SOFTWARE
from aiohttp.http_writer import _serialize_headers
from multidict import CIMultiDict

from bot.web.headers import add_security_headers
from bot.web.origin import PublicOrigin
from bot.web.types import WebResponse

#: aiohttp's logger for a handler's exception (the same record as when it answers).
server_log = logging.getLogger("aiohttp.server")

#: aiohttp's own parser limits (``RequestHandler``'s defaults): past them it answers an
#: error of its own, so such a request is handed to it.
MAX_FIELD: Final = 8190
MAX_HEADERS: Final = 128
#: Headers aiohttp refuses twice (``SINGLETON_HEADERS`` in its parser).
SINGLETONS: Final = frozenset({
    b"content-length", b"content-location", b"content-range", b"content-type", b"etag",
    b"host", b"max-forwards", b"server", b"transfer-encoding", b"user-agent"})
#: Headers that ask for more than a whole ``Content-Length`` body and one answer: a
#: chunked or encoded body, ``100 Continue``, a protocol switch. aiohttp serves them.
HANDED_OVER: Final = frozenset({
    b"transfer-encoding", b"expect", b"upgrade", b"content-encoding", b"sec-websocket-key1"})


@dataclass(slots=True)
class Head:
    """A request's head as the parser reported it (raw bytes, names as sent)."""

    url: bytes = b""
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    #: The body's length from ``Content-Length``; None when the head must go to aiohttp.
    length: int | None = None

    def check(self, method: bytes, version: str, max_body: int) -> int | None:
        """The body's length when the lean path may answer this request, else None."""
        if method != b"POST" or version not in ("1.1", "1.0") or len(
                self.headers) > MAX_HEADERS:
            return None
        seen: set[bytes] = set()
        length = 0
        for name, value in self.headers:
            lower = name.lower()
            if lower in HANDED_OVER or len(name) + len(value) > MAX_FIELD:
                return None
            if lower in SINGLETONS:
                if lower in seen:
                    return None
                seen.add(lower)
            if lower == b"content-length":
                if not value.isdigit():
                    return None
                length = int(value)
        if version == "1.1" and b"host" not in seen:
            return None  # aiohttp's 400 "Missing 'Host' header"
        return length if length <= max_body else None  # aiohttp's 413, then lingering

    def multidict(self) -> CIMultiDict[str]:
        """The headers as aiohttp's parser decodes them (trailing blanks stripped)."""
        return CIMultiDict([(name.decode("utf-8", "surrogateescape"),
                             value.rstrip(b" \t").decode("utf-8", "surrogateescape"))
                            for name, value in self.headers])


#: aiohttp's reason phrases (``web_response.REASON_PHRASES``).
_REASONS: Final = {status.value: status.phrase for status in HTTPStatus}


def _must_be_empty(status: int) -> bool:
    return status < 200 or status in (204, 304)


#: Answers kept per (response, HTTP version, keep-alive): the response itself (so its id
#: is not reused while kept), the ``Date`` the bytes carry, and the bytes.
_Kept = dict[tuple[int, str, bool], tuple[WebResponse, str, bytes]]
#: Responses whose answers are kept at most; past it the lot is dropped (bounded).
KEPT_ANSWERS: Final = 64
_kept: _Kept = {}


def encode(response: WebResponse, *, version: str, keep_alive: bool, origin: PublicOrigin,
           host: str | None) -> bytes:
    """The bytes aiohttp writes for ``response`` as the web server converts it
    (``web.Response(status, body, content_type, headers)``, refusing what it refuses),
    with the security headers ``WebServer`` adds.

    A handler answering with one frozen value (every recorded webhook's 200) gets the
    same bytes each time but for the ``Date``, which changes once a second: those are
    kept and reused while the date holds (building them is most of an answer's CPU).
    Only responses without headers of their own and not a page (whose policy names the
    request's host) are kept: then the bytes depend on nothing else."""
    date = rfc822_formatted_time()
    if response.headers or response.content_type == "text/html":
        return _encoded(response, version=version, keep_alive=keep_alive, origin=origin,
                        host=host, date=date)
    key = (id(response), version, keep_alive)
    kept = _kept.get(key)
    if kept is not None and kept[0] is response and kept[1] == date:
        return kept[2]
    answer = _encoded(response, version=version, keep_alive=keep_alive, origin=origin,
                      host=host, date=date)
    if len(_kept) >= KEPT_ANSWERS:
        _kept.clear()
    _kept[key] = (response, date, answer)
    return answer


def _encoded(response: WebResponse, *, version: str, keep_alive: bool, origin: PublicOrigin,
             host: str | None, date: str) -> bytes:
    content_type = response.content_type
    if "charset" in content_type:
        raise ValueError("charset must not be in content_type argument")
    headers: CIMultiDict[str] = CIMultiDict(response.headers) if response.headers else (
        CIMultiDict())
    if hdrs.CONTENT_TYPE in headers:
        raise ValueError("passing both Content-Type header and content_type or charset "
                         "params is forbidden")
    headers[hdrs.CONTENT_TYPE] = content_type
    body = response.body.encode() if isinstance(response.body, str) else response.body
    return _bytes(response.status, headers, body, content_type, version=version,
                  keep_alive=keep_alive, origin=origin, host=host, date=date)


def exception(exc: web.HTTPException, *, version: str, keep_alive: bool,
              origin: PublicOrigin, host: str | None) -> bytes:
    """The bytes aiohttp writes for a ``web.HTTPException`` a handler raised: the front
    door (and aiohttp's own handler) answers with the exception as the response, its
    status, reason, headers and body (``keep_alive``: the connection's, the exception's
    own ``keep_alive=False`` already taken into it)."""
    body = exc.body
    if body is None:
        body = b""
    elif not isinstance(body, bytes):
        raise ValueError(f"a {type(body).__name__} body of an HTTPException (the deprecated"
                         " body= argument) is not answered on the lean path: use text=")
    return _bytes(exc.status, CIMultiDict(exc.headers), body, exc.content_type,
                  version=version, keep_alive=keep_alive, origin=origin, host=host,
                  reason=exc.reason)


def error(status: int, *, version: str, accept: str, origin: PublicOrigin,
          host: str | None) -> bytes:
    """aiohttp's answer to a handler's exception (``RequestHandler.handle_error``: 500,
    or 504 for a ``TimeoutError``), which closes the connection."""
    body = b""
    content_type = "text/plain"
    if status == HTTPStatus.INTERNAL_SERVER_ERROR:
        title = f"{status} {HTTPStatus(status).phrase}"
        description = HTTPStatus(status).description
        if "text/html" in accept:
            text = (f"<html><head><title>{title}</title></head><body>\n<h1>{title}</h1>"
                    f"\n{description}\n</body></html>\n")
            content_type = "text/html"
        else:
            text = f"{title}\n\n{description}"
        body = text.encode()
    headers = CIMultiDict({hdrs.CONTENT_TYPE: content_type + (
        "; charset=utf-8" if body else "")})
    return _bytes(status, headers, body, content_type, version=version, keep_alive=False,
                  origin=origin, host=host)


def _bytes(status: int, headers: CIMultiDict[str], body: bytes, content_type: str, *,
           version: str, keep_alive: bool, origin: PublicOrigin, host: str | None,
           reason: str | None = None, date: str | None = None) -> bytes:
    """What ``StreamResponse.prepare`` adds and its writer serializes, in its order."""
    mimetype = content_type.split(";", 1)[0].strip().lower()
    add_security_headers(headers, content_type=mimetype, origin=origin,
                         host_header=host if mimetype == "text/html" else None)
    if _must_be_empty(status):
        body = b""
        headers.popall(hdrs.CONTENT_LENGTH, None)
    else:
        headers[hdrs.CONTENT_LENGTH] = str(len(body))
    if hdrs.DATE not in headers:
        headers[hdrs.DATE] = date or rfc822_formatted_time()
    headers.setdefault(hdrs.SERVER, SERVER_SOFTWARE)
    if hdrs.CONNECTION not in headers:
        if keep_alive and version == "1.0":
            headers[hdrs.CONNECTION] = "keep-alive"
        elif not keep_alive and version == "1.1":
            headers[hdrs.CONNECTION] = "close"
    phrase = _REASONS.get(status, "") if reason is None else reason
    status_line = f"HTTP/{version} {status} {phrase}"
    return bytes(_serialize_headers(status_line, headers)) + body
