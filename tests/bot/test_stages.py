"""The turn chain: a stage of a developer's own, added through config.yaml alone and
driven over a real Runtime; a bad ``module:factory`` path is a config error naming the
key."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.errors import ConfigError
from bot.messages import Identity, Inbound
from bot.model import OperatorAction
from bot.runtime import Runtime
from connectors.collecting import CollectingConnector
from tests.bot import profanity

ANA = Identity(channel="webchat", user_id="ana")
_ids = itertools.count()


@pytest.fixture
async def runtime(make_settings: Any) -> AsyncIterator[Runtime]:
    settings = make_settings(pipeline={"stages": ["tests.bot.profanity:profanity_filter"]})
    async with Runtime(settings, connectors=[CollectingConnector(channel="webchat")],
                       serve_http=False) as rt:
        yield rt


async def says(runtime: Runtime, text: str) -> list[str]:
    chat = runtime.connectors["webchat"]
    assert isinstance(chat, CollectingConnector)
    before = len(chat.to(ANA.user_id))
    await runtime.pipeline.submit([Inbound(identity=ANA, message_id=f"m{next(_ids)}",
                                           text=text)])
    await runtime.settle()
    return [getattr(s.message, "text", "") for s in chat.to(ANA.user_id)[before:]]


async def test_a_stage_from_config_answers_without_running_the_flow(runtime: Runtime) -> None:
    assert await says(runtime, "darn this order") == [profanity.ANSWER]
    customer = await runtime.store.resolve(ANA)
    session, _ = await runtime.store.load(customer)
    assert session.frame is None  # no flow ran
    assert [e.text for e in await runtime.store.history(customer)] == [
        "(filtered)", profanity.ANSWER]
    # Anything else goes on down the chain: the flows answer.
    answered = await says(runtime, "hello")
    assert answered and profanity.ANSWER not in answered


async def test_a_custom_stage_never_sees_operator_actions_nor_a_person_s_conversation(
    runtime: Runtime,
) -> None:
    await says(runtime, "hello")
    stage = profanity.built[-1]
    seen = stage.seen
    customer = await runtime.store.resolve(ANA)
    await runtime.pipeline.act(customer, OperatorAction(id="t1", operator="admin",
                                                        action="take"))
    await runtime.settle()
    assert await says(runtime, "darn") == []  # a person has it: the bot says nothing
    assert stage.seen == seen


def test_a_bad_stage_path_is_a_config_error_naming_the_key(make_settings: Any) -> None:
    for path, why in [("tests.bot.nowhere:factory", "cannot import"),
                      ("tests.bot.profanity:missing", "has no 'missing'"),
                      ("tests.bot.profanity", "not a 'package.module:name' path"),
                      ("tests.bot.profanity:ANSWER", "is not callable")]:
        with pytest.raises(ConfigError) as error:
            make_settings(pipeline={"stages": [path]})
        assert "pipeline.stages" in str(error.value) and why in str(error.value), path
