"""The LLM provider against a fake OpenAI-compatible server on 127.0.0.1: each command
kind from a tool call, garbage ignored and counted, timeouts, errors and garbage answered
by the fallback, personal data masked in what is sent and restored in what comes back."""

from __future__ import annotations

import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.config.understanding import OpenAISettings, UnderstandingSettings
from bot.errors import ConfigError, ProviderError
from bot.understanding.contract import (
    AnswerFromKnowledge,
    Cancel,
    Command,
    FlowSpec,
    HandOff,
    Passage,
    Request,
    SetSlots,
    SlotSpec,
    StartFlow,
    SwitchLanguage,
    Understanding,
)
from bot.understanding.fallback import FallbackProvider
from bot.understanding.openai_commands import DEFAULT_CONFIDENCE
from bot.understanding.openai_provider import OpenAIProvider
from bot.understanding.providers import build_provider
from tests.fakes.openai_api import FakeOpenAI

STRING = {"type": "string"}
RETURNS = FlowSpec("returns", description={"en": "Return an item of an order"},
                   examples={"en": ["I want to return my jeans"], "es": ["quiero devolver"]},
                   slots=(SlotSpec("order_id", {"en": "the order number"}, STRING),
                          SlotSpec("item", {"en": "what to return"}, STRING),
                          SlotSpec("quantity", {}, {"type": "integer"})))
CALLBACK = FlowSpec("callback", description={"en": "A person calls the customer back"},
                    slots=(SlotSpec("phone", {"en": "a phone number"}, STRING),
                           SlotSpec("email", {}, STRING)))
SUBSCRIBE = FlowSpec("subscribe", description={"en": "News by e-mail"},
                     slots=(SlotSpec("email", {}, STRING),), allows_pii=True)
SHIPPING = Passage("shipping-times", "Shipping times", "2 to 3 working days.", "en", 0.9)
PAYMENT = Passage("payment", "Payment methods", "Cards and PayPal.", "en", 0.5)


def ask(text: str, **fields: Any) -> Request:
    return Request(**{"text": text, "locale": "en", "locales": ("en", "es"),
                      "flows": (RETURNS, CALLBACK, SUBSCRIBE), **fields})


class Keywords:
    """The fallback of these tests: always hands off, so its answer is recognisable."""

    name = "keywords"

    def __init__(self) -> None:
        self.asked: list[Request] = []

    async def understand(self, request: Request) -> Understanding:
        self.asked.append(request)
        return Understanding(commands=(HandOff(),), confidence=1.0, provider=self.name)


@pytest.fixture
async def llm() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as fake:
        yield fake
    assert not fake.rejected, fake.rejected


@pytest.fixture
async def provider(llm: FakeOpenAI) -> AsyncIterator[OpenAIProvider]:
    provider = OpenAIProvider(base_url=llm.base_url, api_key="sk-test", model="test-model",
                              timeout_seconds=1.0)
    yield provider
    await provider.close()


def tools_of(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {tool["function"]["name"]: tool["function"]["parameters"] for tool in body["tools"]}


IN_RETURNS = {"current_flow": "returns", "pending_slot": "order_id"}
WITH_PASSAGES = {"passages": (SHIPPING, PAYMENT)}

CASES: list[tuple[str, dict[str, Any], tuple[str, dict[str, Any]], Command]] = [
    ("I'd like to return the jeans from order A1001", {},
     ("start_flow", {"flow": "returns", "slots": {"order_id": "A1001", "item": "jeans"}}),
     StartFlow("returns", {"order_id": "A1001", "item": "jeans"})),
    ("it's A1001", IN_RETURNS, ("set_slots", {"slots": {"order_id": "A1001"}}),
     SetSlots({"order_id": "A1001"})),
    ("how long does shipping take?", WITH_PASSAGES,
     ("answer_from_knowledge", {"passage_id": "shipping-times"}),
     AnswerFromKnowledge("shipping-times")),
    ("how long does shipping take, and can I pay by card?", WITH_PASSAGES,
     ("answer_from_knowledge", {"passage_id": "shipping-times", "cites": ["payment"],
                                "answer": "It takes 2 to 3 working days; cards are fine."}),
     AnswerFromKnowledge("shipping-times", "It takes 2 to 3 working days; cards are fine.",
                         ("shipping-times", "payment"))),
    ("I want to talk to a human", {}, ("hand_off", {"reason": "asked for a person"}),
     HandOff("asked for a person")),
    ("forget it", IN_RETURNS, ("cancel", {}), Cancel()),
    ("en español, por favor", {}, ("switch_language", {"locale": "es"}), SwitchLanguage("es")),
]


@pytest.mark.parametrize(("text", "fields", "call", "command"), CASES,
                         ids=[case[2][0] + str(n) for n, case in enumerate(CASES)])
async def test_each_command_kind_comes_from_its_tool_call(
    llm: FakeOpenAI, provider: OpenAIProvider, text: str, fields: dict[str, Any],
    call: tuple[str, dict[str, Any]], command: Command,
) -> None:
    llm.answer(call)
    understood = await provider.understand(ask(text, **fields))
    assert understood.commands == (command,)
    assert understood.confidence == DEFAULT_CONFIDENCE, "no confidence given: the constant"
    assert understood.provider == "openai"
    body = llm.requests[-1]
    assert body["messages"][-1] == {"role": "user", "content": text}
    assert call[0] in tools_of(body)


async def test_the_tools_and_prompt_describe_flows_slots_passages_and_the_question(
    llm: FakeOpenAI, provider: OpenAIProvider,
) -> None:
    await provider.understand(ask("A1001", history=(("customer", "I want to return jeans"),
                                                    ("bot", "What is the order number?")),
                                  **IN_RETURNS, **WITH_PASSAGES))
    body = llm.requests[0]
    tools = tools_of(body)
    assert set(tools) == {"start_flow", "set_slots", "answer_from_knowledge", "hand_off",
                          "cancel", "switch_language"}
    assert tools["start_flow"]["properties"]["flow"]["enum"] == ["returns", "callback",
                                                                "subscribe"]
    per_flow = {option["title"]: option for option in
                tools["start_flow"]["properties"]["slots"]["anyOf"]}
    assert per_flow["returns"]["properties"]["quantity"]["type"] == "integer"
    assert set(per_flow["subscribe"]["properties"]) == {"email"}
    assert set(tools["set_slots"]["properties"]["slots"]["properties"]) == {
        "order_id", "item", "quantity"}
    assert tools["answer_from_knowledge"]["properties"]["passage_id"]["enum"] == [
        "shipping-times", "payment"]
    assert tools["switch_language"]["properties"]["locale"]["enum"] == ["en", "es"]
    system = body["messages"][0]["content"]
    assert "returns: Return an item of an order" in system and '"quiero devolver"' in system
    assert "waiting for the slot 'order_id' (the order number)" in system
    assert "[shipping-times] Shipping times: 2 to 3 working days." in system
    assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "user"]
    # Outside a flow, with no passages: no set_slots, cancel nor knowledge tool.
    await provider.understand(ask("hello"))
    assert set(tools_of(llm.requests[1])) == {"start_flow", "hand_off", "switch_language"}


async def test_several_calls_confidence_language_and_usage_tokens(
    llm: FakeOpenAI, provider: OpenAIProvider,
) -> None:
    llm.answer(("switch_language", {"locale": "es", "confidence": 0.95, "language": "es"}),
               ("start_flow", {"flow": "returns", "confidence": 0.7}), usage=(321, 45))
    understood = await provider.understand(ask("quiero devolver unos vaqueros"))
    assert understood.commands == (SwitchLanguage("es"), StartFlow("returns"))
    assert understood.confidence == 0.7, "the least sure of the commands applied together"
    assert understood.locale == "es"
    assert (understood.prompt_tokens, understood.completion_tokens) == (321, 45)
    assert provider.tokens == {"prompt": 321, "completion": 45}


async def test_garbage_calls_are_ignored_and_counted_and_the_valid_one_kept(
    llm: FakeOpenAI, provider: OpenAIProvider,
) -> None:
    llm.answer(("delete_everything", {}),
               ("start_flow", "{not json"),
               ("start_flow", "[1, 2]"),
               ("start_flow", {"flow": "refunds"}),
               ("start_flow", {"flow": "returns", "slots": {"colour": "blue"}}),
               ("start_flow", {"flow": "returns", "slots": {"quantity": "two"}}),
               ("start_flow", {"flow": "returns", "confidence": "very"}),
               ("answer_from_knowledge", {"passage_id": "made-up"}),
               ("switch_language", {"locale": "fr"}),
               ("cancel", {}),  # not in a flow
               ("hand_off", {}))
    understood = await provider.understand(ask("???", **WITH_PASSAGES))
    assert understood.commands == (HandOff(),)
    assert provider.invalid == {"unknown_tool": 1, "bad_json": 2, "unknown_flow": 2,
                                "unknown_slot": 1, "wrong_type": 2, "unknown_passage": 1,
                                "unknown_locale": 1}


async def test_no_tool_call_is_an_answer_that_understood_nothing(
    llm: FakeOpenAI, provider: OpenAIProvider,
) -> None:
    understood = await provider.understand(ask("purple monkey dishwasher"))
    assert understood.commands == () and understood.confidence == 0
    assert understood.prompt_tokens == 120


async def fallback_for(llm: FakeOpenAI, *, timeout: float = 1.0,
                       api_key: str = "sk-test") -> tuple[FallbackProvider, Keywords]:
    keywords = Keywords()
    primary = OpenAIProvider(base_url=llm.base_url, api_key=api_key, model="test-model",
                             timeout_seconds=timeout)
    return FallbackProvider(primary, keywords), keywords


async def test_a_slow_model_is_cut_at_the_timeout_and_the_fallback_answers(
    llm: FakeOpenAI,
) -> None:
    llm.answer(("start_flow", {"flow": "returns"}), delay=10)
    provider, keywords = await fallback_for(llm, timeout=0.5)
    assert not keywords.asked
    started = time.monotonic()
    understood = await provider.understand(ask("return please"))
    assert time.monotonic() - started < 2
    assert understood.provider == "keywords" and understood.commands == (HandOff(),)
    assert provider.fallbacks == {"timeout": 1} and provider.errors == {"openai": 1}
    assert len(keywords.asked) == 1
    await provider.close()


@pytest.mark.parametrize(("script", "reason"), [
    (lambda llm: llm.fail(500), "error"),
    (lambda llm: llm.fail(503), "error"),
    (lambda llm: llm.garbage("<html>Bad gateway</html>"), "invalid"),
    (lambda llm: llm.garbage('{"choices": "none"}'), "invalid"),
    (lambda llm: llm.answer(("start_flow", {"flow": "refunds"}), ("nope", "{")), "invalid"),
], ids=["500", "503", "not-json", "not-a-completion", "only-invalid-calls"])
async def test_errors_and_garbage_are_answered_by_the_fallback(
    llm: FakeOpenAI, script: Any, reason: str,
) -> None:
    script(llm)
    provider, keywords = await fallback_for(llm)
    understood = await provider.understand(ask("return please"))
    assert understood.provider == "keywords", "the customer still gets an answer"
    assert provider.fallbacks == {reason: 1}
    assert len(keywords.asked) == 1
    await provider.close()


async def test_a_wrong_api_key_is_an_error_the_fallback_answers() -> None:
    async with FakeOpenAI(api_key="sk-right") as llm:
        provider, _ = await fallback_for(llm, api_key="sk-wrong")
        assert (await provider.understand(ask("hi"))).provider == "keywords"
        assert provider.fallbacks == {"error": 1}
        assert llm.rejected[0][0] == "Incorrect API key provided"
        await provider.close()


async def test_phones_and_emails_are_masked_in_text_and_history_and_restored_in_slots(
    llm: FakeOpenAI, provider: OpenAIProvider,
) -> None:
    llm.answer(("set_slots", {"slots": {"phone": "<phone_1>", "email": "<email_1>"}}),
               ("start_flow", {"flow": "returns", "slots": {"item": "<phone_2> or <phone_9>"}}))
    history = (("customer", "my old number was 611 222 333"),
               ("bot", "Noted: 611 222 333. Your new one?"))
    text = "call me on +34 600 111 222 or write to ana.lopez@example.com, not 611 222 333"
    understood = await provider.understand(ask(text, current_flow="callback", history=history))
    sent = [m["content"] for m in llm.requests[0]["messages"]]
    assert sent[1:] == ["my old number was <phone_1>", "Noted: <phone_1>. Your new one?",
                        "call me on <phone_2> or write to <email_1>, not <phone_1>"]
    assert understood.commands == (
        SetSlots({"phone": "611 222 333", "email": "ana.lopez@example.com"}),
        StartFlow("returns", {"item": "+34 600 111 222 or <phone_9>"}))


async def test_a_flow_that_allows_personal_data_sends_it_as_written(
    llm: FakeOpenAI, provider: OpenAIProvider,
) -> None:
    llm.refuse_pii = False
    llm.answer(("set_slots", {"slots": {"email": "ana@example.com"}}))
    understood = await provider.understand(ask("ana@example.com", current_flow="subscribe"))
    assert llm.requests[0]["messages"][-1]["content"] == "ana@example.com"
    assert "Placeholders" not in llm.requests[0]["messages"][0]["content"]
    assert understood.commands == (SetSlots({"email": "ana@example.com"}),)


async def test_build_provider_names_the_extra_when_openai_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = UnderstandingSettings(provider="openai", openai=OpenAISettings(
        base_url="http://127.0.0.1:9/v1", model="m"))
    keywords = Keywords()
    assert build_provider(UnderstandingSettings(), (), builtin=keywords) is keywords
    built = build_provider(settings, (), builtin=keywords)
    assert isinstance(built, FallbackProvider) and built.fallback is keywords
    assert isinstance(built.primary, OpenAIProvider)
    await built.close()
    monkeypatch.setitem(sys.modules, "openai", None)  # what an uninstalled package does
    monkeypatch.delitem(sys.modules, "bot.understanding.openai_provider")
    with pytest.raises(ConfigError, match=r"pip install 'omnicanal\[llm\]'"):
        build_provider(settings, (), builtin=keywords)


async def test_a_provider_error_names_its_reason(llm: FakeOpenAI,
                                                 provider: OpenAIProvider) -> None:
    llm.fail(500)
    with pytest.raises(ProviderError, match="HTTP 500") as raised:
        await provider.understand(ask("hi"))
    assert raised.value.reason == "error"
