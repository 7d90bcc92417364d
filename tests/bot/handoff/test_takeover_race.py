"""docs/architecture.md invariant 4 under load: 100 conversations are taken over at random moments
while bot turns run. No bot message goes out after a takeover commits, and no customer
message is lost."""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import Any

import pytest

from bot.channels import SendContext, SendReceipt
from bot.messages import Identity, Inbound
from bot.model import OperatorAction
from bot.runtime import Runtime
from connectors.collecting import CollectingConnector

pytestmark = pytest.mark.timeout(120)


class SlowChannel(CollectingConnector):
    """A channel whose sends take a little while, so takeovers land between a bot reply's
    commit and its sending (where the race is)."""

    async def send(self, to: Identity, message: Any, *, key: str,
                   context: SendContext) -> SendReceipt:
        await asyncio.sleep(random.uniform(0, 0.004))  # a platform round trip
        return await super().send(to, message, key=key, context=context)


async def test_no_bot_message_after_a_takeover_commits(make_settings: Any) -> None:
    channel = SlowChannel(channel="webchat")
    # A supervisor: only they may take a conversation that is with the bot.
    settings = make_settings(handoff={"operators": [{"id": "ana", "role": "supervisor",
                                                     "token": "token-of-ana-0123456789",
                                                     "capacity": 100}]})
    rng = random.Random(4)
    async with Runtime(settings, connectors=[channel], serve_http=False) as runtime:
        customers = [Identity(channel="webchat", user_id=f"c{i}") for i in range(100)]
        said: dict[str, list[str]] = {c.user_id: [] for c in customers}

        async def converse(identity: Identity) -> str:
            customer_id = await runtime.store.resolve(identity)
            take_after = rng.randint(0, 5)
            for n in range(8):
                text = ["/shelf", "1", "2", "hello", "/ticket", "T100", "x", "y"][n]
                said[identity.user_id].append(text)
                await runtime.pipeline.submit([Inbound(identity=identity,
                                                       message_id=f"{identity.user_id}-{n}",
                                                       text=text)])
                if n == take_after:
                    await asyncio.sleep(rng.uniform(0, 0.003))  # mid-turn, at random
                    await runtime.pipeline.act(customer_id, OperatorAction(
                        id=uuid.uuid4().hex, operator="ana", action="take"))
                await asyncio.sleep(rng.uniform(0, 0.002))
            return customer_id

        ids = await asyncio.gather(*(converse(c) for c in customers))
        await runtime.settle()

        withdrawn = 0
        for identity, customer_id in zip(customers, ids, strict=True):
            history = await runtime.store.history(customer_id, limit=1000)
            taken = next(i for i, e in enumerate(history)
                         if e.kind == "handoff" and e.data.get("state") == "taken")
            # Every customer message is in the history, once, in order: nothing lost.
            assert [e.text for e in history if e.kind == "inbound"] == said[identity.user_id]
            # No bot reply was committed after the takeover...
            assert not [e for e in history[taken + 1:] if e.kind == "outbound"
                        and e.data.get("author") != "system"
                        and not str(e.data.get("author", "")).startswith("operator:")]
            # ...the bot messages that reached the customer are the first of those committed
            # before it, in order; the rest, not yet claimed for sending when it committed,
            # were withdrawn, not sent.
            joined = "ana from our team is here to help."
            sent = [s.text for s in channel.to(identity.user_id) if s.text != joined]
            committed = [e.text for e in history[:taken] if e.kind == "outbound"]
            assert sent == committed[:len(sent)], identity.user_id
            assert [s.text for s in channel.to(identity.user_id)].count(joined) == 1
            withdrawn += len(committed) - len(sent)
            assert await runtime.store.outbox.pending(customer_id) == []
        assert withdrawn > 0, "the takeovers never raced a pending bot reply: no test"
