"""What the web chat page is told about the conversation when it opens: the customer's
language (the page's own words follow it), the messages said on their other channels
and devices (shown above this page's own, each with its channel), and, for a visitor
with no conversation yet, a greeting from the bot instead of an empty page.

The page asks for these in its hello (``greet``, ``history``), so clients of the bare
protocol (tests, other front ends) get only the frames they asked for."""

from __future__ import annotations

import logging
from typing import Any

from bot.channels import ConnectorContext
from bot.channels.recall import Recollection
from bot.errors import StoreError
from bot.history import OPENING_ID
from bot.messages import Identity, Inbound, SenderHint
from bot.web.types import WebSocket
from connectors.webchat import frames

log = logging.getLogger(__name__)

#: The message that starts a conversation the page opened: the menus' usual trigger.
GREETING = "/start"


def history_frame(recollection: Recollection | None, identity: Identity) -> dict[str, Any]:
    """The ``history`` frame: the locale, and the messages said elsewhere (this page
    keeps its own). Each carries its channel, for the page's badge."""
    messages = [] if recollection is None else [
        {"speaker": m.speaker, "text": m.text, "at": m.at, "channel": m.channel,
         **({"author": m.author} if m.author else {})}
        for m in recollection.messages if m.identity != identity.key]
    return {"type": "history", "locale": recollection.locale if recollection else None,
            "channel": identity.channel, "messages": messages}


async def recall(context: ConnectorContext, identity: Identity) -> Recollection | None:
    """The recollection, or None when there is none or the store is down (the page then
    shows what it has: nothing is refused for it)."""
    if context.recall is None:
        return None
    try:
        return await context.recall(identity)
    except StoreError:
        log.warning("web chat: the conversation so far not recalled: store unavailable")
        return None


async def on_open(ws: WebSocket, context: ConnectorContext, identity: Identity,
                  hello: dict[str, Any], sender: SenderHint) -> None:
    """Answer what the hello asked for: the history frame, and the greeting of a visitor
    whose conversation has not begun (never again on a reload: by then it has)."""
    if not (hello.get("history") or hello.get("greet")):
        return
    recollection = await recall(context, identity)
    if hello.get("history"):
        await frames.send(ws, history_frame(recollection, identity))
    if hello.get("greet") and (recollection is None or not recollection.messages):
        try:
            await context.sink([Inbound(identity=identity, message_id=OPENING_ID,
                                        text=GREETING, sender=sender)])
        except StoreError:
            log.warning("web chat greeting not recorded: store unavailable")
