"""Finding 15.19: delivery statuses over the real WhatsApp webhook. Five redeliveries of
one status made five history events, and a status for a recipient we never met created
a customer. Now a status is recorded once, and only for an identity the store knows."""

from __future__ import annotations

from bot.messages import Identity
from bot.runtime import Runtime
from tests.connectors.meta.conftest import Meta, history_of
from tests.fakes import meta_webhooks as hooks

WA_ID = "34600111222"  # the recipient of the status samples


async def test_a_redelivered_status_is_recorded_once(meta: Meta, runtime: Runtime) -> None:
    assert await meta.whatsapp(hooks.whatsapp_text(wa_id=WA_ID, text="hi")) == 200
    await runtime.settle()
    for _ in range(5):
        assert await meta.whatsapp(hooks.load("whatsapp/status_delivered")) == 200
    assert await meta.whatsapp(hooks.load("whatsapp/status_read")) == 200
    statuses = [e.text for e in await history_of(runtime, "whatsapp", WA_ID)
                if e.kind == "delivery"]
    assert statuses == ["delivered", "read"], "one event per (message id, status)"


async def test_a_status_for_an_unknown_recipient_creates_no_customer(
    meta: Meta, runtime: Runtime,
) -> None:
    assert await meta.whatsapp(hooks.load("whatsapp/status_delivered")) == 200
    identity = Identity(channel="whatsapp", account="PNID", user_id=WA_ID)
    assert await runtime.store.redis.get(runtime.store.keys.identity(identity.key)) is None
    assert [k async for k in runtime.store.redis.scan_iter("*{c:*")] == []
