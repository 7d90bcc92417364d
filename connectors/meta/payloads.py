"""Button ids that always map back to the full payload.

Meta limits button and row ids (WhatsApp rows: 200 characters). Payloads that fit are sent
as they are; longer ones are kept in the connector's state behind a short id derived from
their hash, and expanded when the tap comes back.
"""

from __future__ import annotations

import hashlib

from bot.channels import ConnectorState
from bot.messages import Inbound

PREFIX = "~p:"
TTL_SECONDS = 30 * 24 * 3600


def short_id(payload: str) -> str:
    return PREFIX + hashlib.sha256(payload.encode()).hexdigest()[:32]


async def button_id(state: ConnectorState | None, payload: str, limit: int) -> str:
    """The id to send for ``payload``: itself when it fits, else a stored short id."""
    if len(payload) <= limit and not payload.startswith(PREFIX):
        return payload
    if state is None:
        raise ValueError("a long button payload needs the connector's state (not started)")
    ident = short_id(payload)
    await state.put(f"payload:{ident}", payload, ttl_seconds=TTL_SECONDS)
    return ident


def has_short_ids(inbounds: list[Inbound]) -> bool:
    """Whether any of these messages carries a short id ``expand`` would replace."""
    for inbound in inbounds:
        payload = inbound.payload
        if payload is not None and payload.startswith(PREFIX):
            return True
    return False


async def expand(state: ConnectorState | None, inbounds: list[Inbound]) -> list[Inbound]:
    """Inbounds with short ids replaced by the payloads they stand for."""
    result: list[Inbound] = []
    for inbound in inbounds:
        payload = inbound.payload
        if payload is not None and payload.startswith(PREFIX) and state is not None:
            full = await state.get(f"payload:{payload}")
            # An expired id is passed on as it is: the flow treats it as an unknown button.
            if full is not None:
                inbound = inbound.model_copy(update={"payload": full})
        result.append(inbound)
    return result
