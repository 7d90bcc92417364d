"""Finding 15.6: the brake on guessing link codes was one global counter, so 65 fresh web
chat visitors exhausted it and a customer's valid code was refused ("wait 15 minutes",
though the window was 60 s). Now wrong codes count per identity, per network address and
per channel, a channel's budget never refuses an identity's first try, and a refusal says
how long to wait."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest

from bot.runtime import Runtime
from connectors.collecting import CollectingConnector
from tests.bot.linking.test_linking import BUTTONS, Customer, channel, link_code

WRONG = ("AAAA-AAAA", "BBBB-BBBB", "CCCC-CCCC", "DDDD-DDDD", "EEEE-EEEE")
Start = Callable[..., AbstractAsyncContextManager[Runtime]]


@pytest.fixture
def start(make_settings: Any, redis: Any) -> Start:
    def build(**linking: Any) -> Runtime:
        channels = [CollectingConnector(channel="telegram", capabilities=BUTTONS),
                    CollectingConnector(channel="webchat", capabilities=BUTTONS)]
        return Runtime(make_settings(linking=linking), connectors=channels, serve_http=False)
    return build


def waited_seconds(reply: str) -> int:
    match = re.search(r"wait (\d+) (seconds|minutes)", reply)
    assert match, reply
    return int(match.group(1)) * (60 if match.group(2) == "minutes" else 1)


async def test_strangers_exhausting_the_channel_budget_do_not_lock_out_a_valid_code(
    start: Start,
) -> None:
    async with start(attempts_per_channel_per_minute=10) as runtime:
        owner = Customer(runtime, channel(runtime, "telegram"), "200")
        code = await link_code(owner)
        web = channel(runtime, "webchat")
        for n in range(3):  # 15 wrong codes from 3 visitors on 3 addresses: over budget
            guesser = Customer(runtime, web, f"v-guess-{n}", address=f"10.0.1.{n}")
            for guess in WRONG:
                await guesser.says(guess)
        honest = Customer(runtime, web, "v-honest", address="10.0.2.1")
        assert "Continue the conversation" in (await honest.says(code))[0]
        # Past the budget, an identity that already sent a wrong code waits (truthfully).
        clumsy = Customer(runtime, web, "v-clumsy", address="10.0.2.2")
        assert (await clumsy.says("FFFF-FFFF"))[0].startswith("That code isn't valid.")
        refused = (await clumsy.says("GGGG-GGGG"))[0]
        assert refused.startswith("Too many wrong codes.")
        assert 0 < waited_seconds(refused) <= 60, "the channel's window, not 15 minutes"


async def test_wrong_codes_are_limited_per_network_address(start: Start) -> None:
    async with start(attempts_per_address=6) as runtime:
        owner = Customer(runtime, channel(runtime, "telegram"), "201")
        code = await link_code(owner)
        web = channel(runtime, "webchat")
        for n, guesses in enumerate((WRONG, WRONG[:1])):  # new visitors, one address
            guesser = Customer(runtime, web, f"v-same-{n}", address="10.0.3.1")
            for guess in guesses:
                await guesser.says(guess)
        another = Customer(runtime, web, "v-same-2", address="10.0.3.1")
        refused = (await another.says(code))[0]
        assert refused.startswith("Too many wrong codes.")
        assert 14 * 60 < waited_seconds(refused) <= 15 * 60
        elsewhere = Customer(runtime, web, "v-elsewhere", address="10.0.3.2")
        assert "Continue the conversation" in (await elsewhere.says(code))[0]


async def test_a_refusal_tells_the_real_remaining_wait(start: Start) -> None:
    async with start(attempts_window_minutes=1) as runtime:
        guesser = Customer(runtime, channel(runtime, "webchat"), "v-wait")
        for guess in WRONG:
            await guesser.says(guess)
        refused = (await guesser.says("FFFF-FFFF"))[0]
        assert refused.startswith("Too many wrong codes.")
        assert 0 < waited_seconds(refused) <= 60, refused
