"""Receiving details over both SDKs: the polling offset, long button payloads."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence

import pytest
from redis.asyncio import Redis

from bot.channels import SendContext
from bot.errors import StoreError
from bot.messages import Choice, Choices, Inbound
from bot.store.keys import Keys
from connectors.telegram.render import short_key
from tests.connectors.telegram.test_scenarios import (
    IDENTITY,
    KINDS,
    USER,
    Factory,
    fake,
    start_bot,
    with_keyboard,
)

__all__ = ["fake", "start_bot"]  # fixtures shared with the scenario suite

pytestmark = pytest.mark.timeout(30)


@pytest.mark.parametrize("kind", KINDS)
async def test_polling_confirms_updates_only_after_recording(start_bot: Factory,
                                                             kind: str) -> None:
    h = await start_bot(kind, "polling")
    connector = h.connector
    context = connector._context
    assert context is not None
    failed = asyncio.Event()

    async def failing_once(messages: Sequence[Inbound]) -> None:
        if not failed.is_set():
            failed.set()
            raise StoreError("store down (test)")
        await context.sink(messages)

    connector._context = dataclasses.replace(context, sink=failing_once)
    update = h.fake.user_sends_text(USER, "/start")
    await asyncio.wait_for(failed.wait(), 5)
    assert update in h.fake.pending_updates(), "not confirmed: Telegram keeps it"
    await h.fake.wait_for(with_keyboard)  # fetched again after the back-off, then answered
    await h.runtime.settle()
    assert len(h.fake.messages_to(USER)) == 1


@pytest.mark.parametrize("kind", KINDS)
async def test_long_payloads_round_trip_and_unknown_keys_are_safe(
    start_bot: Factory, kind: str, redis: Redis
) -> None:
    h = await start_bot(kind, "webhook")
    connector = h.connector
    context = connector._context
    assert context is not None
    seen: list[Inbound] = []

    async def capture(messages: Sequence[Inbound]) -> None:
        seen.extend(messages)

    connector._context = dataclasses.replace(context, sink=capture)
    long = "product:" + "x" * 100
    await connector.send(IDENTITY, Choices(text="Pick", choices=(
        Choice(payload=long, title="The long one"), Choice(payload="short", title="Short"))),
        key="", context=SendContext())
    assert await h.deliver(h.fake.user_presses_button(USER, short_key(long))) == 200
    assert [m.payload for m in seen] == [long]
    # The stored key expired: the button's title comes as text, with no payload.
    stale = "product:" + "y" * 100
    await connector.send(IDENTITY, Choices(text="Old", choices=(
        Choice(payload=stale, title="Stale button"),)), key="", context=SendContext())
    assert await redis.delete(Keys().connector_state(connector.channel, f"cb:{short_key(stale)}"))
    assert await h.deliver(h.fake.user_presses_button(USER, short_key(stale))) == 200
    assert (seen[-1].payload, seen[-1].text) == (None, "Stale button")
    assert len(h.fake.answered_callbacks) == 2


@pytest.mark.parametrize("kind", KINDS)
async def test_a_webhook_update_not_recorded_gets_503_for_redelivery(start_bot: Factory,
                                                                     kind: str) -> None:
    h = await start_bot(kind, "webhook")
    connector = h.connector
    context = connector._context
    assert context is not None

    async def store_down(messages: Sequence[Inbound]) -> None:
        raise StoreError("store down (test)")

    connector._context = dataclasses.replace(context, sink=store_down)
    update = h.fake.user_sends_text(USER, "/start")
    assert await h.deliver(update) == 503
    connector._context = context
    assert await h.deliver(update) == 200  # Telegram's redelivery
    await h.fake.wait_for(with_keyboard)
