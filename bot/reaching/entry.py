"""QR codes and links that bring the shop's customers online (``entry_points`` in
config.yaml).

Each entry point has a signed source reference, ``qr-<name>-<signature>`` (an HMAC under
the server's link secret, so nobody can forge a source the business never printed; it
fits Telegram's 64-character start payload), and the links that carry it on each enabled
channel: the web chat (``/?link=``), ``wa.me`` with the reference as the prefilled text,
``t.me/<bot>?start=``, ``m.me/<page>?ref=``, ``ig.me``. ``/qr/<name>`` is the landing page
that lists them; the poster is ``/qr/<name>/poster.svg`` (printable: the headline, the
QR code of the landing page, the channels) and ``/qr/<name>/poster.png`` (the QR code).
segno draws the codes: pure Python, no imaging library.

A message that is a valid reference (or ``/start`` with one) is a scan: the stage records
the entry point as the customer's last touch (and first, the first time) with a
``source`` history event, then starts the entry point's flow (a "scan to get offers"
opt-in) or lets the bot greet as for any first message.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import html
import io
import re
from collections.abc import Callable, Mapping

import segno

from bot.config.reaching import EntryPointSettings
from bot.dialogue.engine import DialogueEngine, TurnResult
from bot.history import inbound_event
from bot.messages import Inbound
from bot.model import Event, Touch
from bot.stages import Next, TurnOutcome
from bot.store.results import Claim
from bot.web.types import Route, WebRequest, WebResponse

_REF = re.compile(r"^\s*(?:/start\s+)?qr-([a-z0-9_]{1,24})-([A-Za-z0-9_-]{12})\s*$")

#: channel → its link carrying a reference (``BaseConnector.continue_link``).
Links = Callable[[str], Mapping[str, str]]


def signature(secret: bytes, name: str) -> str:
    digest = hmac.new(secret, f"omnicanal-entry:{name}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:12]


def reference(secret: bytes, name: str) -> str:
    return f"qr-{name}-{signature(secret, name)}"


def scanned(secret: bytes, text: str | None) -> str | None:
    """The entry point a message's reference names, when its signature is ours."""
    match = _REF.match(text or "") if text and len(text) < 80 else None
    if match is None:
        return None
    name, sent = match.groups()
    return name if hmac.compare_digest(signature(secret, name), sent) else None


class EntryStage:
    """A link of the turn chain, before the handoff stage: records scans."""

    def __init__(self, *, secret: bytes, entries: Mapping[str, EntryPointSettings],
                 engine: DialogueEngine) -> None:
        self.secret = secret
        self.entries = entries
        self.engine = engine

    async def __call__(self, claim: Claim, next: Next) -> TurnOutcome:
        item = claim.item
        name = scanned(self.secret, item.text) if isinstance(item, Inbound) else None
        entry = self.entries.get(name) if name is not None else None
        if name is None or entry is None or not isinstance(item, Inbound):
            return await next(claim)
        touch = Touch(entry=name, channel=item.identity.channel, at=item.timestamp,
                      campaign=entry.campaign)
        first = claim.profile.first_touch is None
        event = Event(kind="source", at=item.timestamp, channel=touch.channel,
                      identity=item.identity.key, text=f"came through {name}",
                      data={"entry": name, "campaign": entry.campaign, "first": first})
        if entry.flow is not None and claim.session.mode == "bot" \
                and entry.flow in self.engine.flows:
            answered: TurnOutcome = await self.engine.start_flow(
                customer_id=claim.customer_id, session=claim.session, profile=claim.profile,
                flow=entry.flow, identity=item.identity)
            if isinstance(answered, TurnResult):
                answered.session.address = item.identity
                answered.events[:0] = [inbound_event(item)]
        else:  # the bot greets as for a first message (the reference is no answer)
            answered = await next(dataclasses.replace(
                claim, item=item.model_copy(update={"text": None})))
        if isinstance(answered, TurnResult):
            if first:
                answered.profile.first_touch = touch
            answered.profile.last_touch = touch
            answered.events.insert(1 if answered.events and answered.events[0].kind
                                   == "inbound" else 0, event)
        return answered


class EntryPoints:
    """The landing pages and posters (public: they are printed anyway)."""

    def __init__(self, *, secret: bytes, entries: Mapping[str, EntryPointSettings],
                 links: Links, public_url: str | None, default_locale: str) -> None:
        self.secret = secret
        self.entries = entries
        self.links = links
        self.public_url = public_url
        self.default_locale = default_locale

    def routes(self) -> list[Route]:
        return [Route("GET", "/qr/{name}", self._landing),
                Route("GET", "/qr/{name}/poster.svg", self._svg),
                Route("GET", "/qr/{name}/poster.png", self._png)]

    def links_of(self, name: str) -> dict[str, str]:
        """Channel → the link that opens it with this entry point's reference."""
        return dict(self.links(reference(self.secret, name)))

    def _landing_url(self, request: WebRequest, name: str) -> str:
        base = self.public_url or f"http://{request.header('host') or '127.0.0.1'}"
        return f"{base.rstrip('/')}/qr/{name}"

    def _title(self, entry: EntryPointSettings) -> str:
        return entry.title.get(self.default_locale) or next(iter(entry.title.values()), "")

    async def _landing(self, request: WebRequest) -> WebResponse:
        name = request.params.get("name", "")
        entry = self.entries.get(name)
        if entry is None:
            return WebResponse.text(404, "no such entry point")
        items = "".join(f'<li><a href="{html.escape(url)}">{html.escape(channel)}</a></li>'
                        for channel, url in self.links_of(name).items())
        page = (f"<!doctype html><meta charset=utf-8><meta name=viewport "
                f"content='width=device-width'><title>{html.escape(self._title(entry))}"
                f"</title><h1>{html.escape(self._title(entry))}</h1><ul>{items}</ul>")
        return WebResponse(200, page, content_type="text/html")

    def _code(self, request: WebRequest, name: str) -> segno.QRCode:
        return segno.make(self._landing_url(request, name), error="m")

    async def _svg(self, request: WebRequest) -> WebResponse:
        name = request.params.get("name", "")
        entry = self.entries.get(name)
        if entry is None:
            return WebResponse.text(404, "no such entry point")
        out = io.BytesIO()
        self._code(request, name).save(out, kind="svg", scale=8, border=2, xmldecl=False,
                                       svgns=False)
        qr = out.getvalue().decode()
        channels = html.escape(" · ".join(self.links_of(name)))
        poster = ('<svg xmlns="http://www.w3.org/2000/svg" width="600" height="800" '
                  'viewBox="0 0 600 800"><rect width="600" height="800" fill="white"/>'
                  f'<text x="300" y="90" font-size="40" text-anchor="middle" '
                  f'font-family="sans-serif">{html.escape(self._title(entry))}</text>'
                  f'<g transform="translate(100,150)">{qr}</g>'
                  f'<text x="300" y="720" font-size="24" text-anchor="middle" '
                  f'font-family="sans-serif">{channels}</text></svg>')
        return WebResponse(200, poster, content_type="image/svg+xml")

    async def _png(self, request: WebRequest) -> WebResponse:
        name = request.params.get("name", "")
        if name not in self.entries:
            return WebResponse.text(404, "no such entry point")
        out = io.BytesIO()
        self._code(request, name).save(out, kind="png", scale=10, border=4)
        return WebResponse(200, out.getvalue(), content_type="image/png")
