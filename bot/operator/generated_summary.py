"""A summary of a conversation written by the understanding's model, for the operator
who takes it (``handoff.generated_summary``, off by default).

Why the same client as the understanding (``openai``, the ``omnicanal[llm]`` extra): it is
the one every OpenAI-compatible server is tested against, and the operator configured
that server already (``understanding.openai``); a second model setting would be one more
secret to keep. The answer comes as a call of one tool (``write_summary``), so a model that
chats instead of summarising is told apart from one that summarises. Phone numbers and
e-mails are masked before anything leaves (``bot/understanding/masking.py``). Any failure
(timeout, error, an unusable answer) is a ``ProviderError``: the console then shows the
structured summary alone, which never depends on the model.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, cast

from bot.config.settings import Settings
from bot.config.understanding import OpenAISettings
from bot.errors import ProviderError
from bot.model import Event
from bot.operator.views import author
from bot.understanding.masking import PiiMask

#: The most of the history the model reads, and the longest summary accepted.
HISTORY_MESSAGES = 30
MAX_SUMMARY = 1200
TOOL = {"type": "function", "function": {
    "name": "write_summary",
    "description": "Give the operator the summary of the conversation.",
    "parameters": {"type": "object", "properties": {"summary": {
        "type": "string", "description": "Two or three sentences: what the customer "
        "wants, what the assistant did, what is still open."}}, "required": ["summary"]}}}
PROMPT = ("You summarise a customer-service conversation for the human operator who takes "
          "it over from a chatbot. Be factual and short; never invent details. Answer by "
          "calling write_summary, in the language of the conversation.")


class SummaryWriter:
    """Asks ``settings``' model for a summary of one conversation."""

    def __init__(self, settings: OpenAISettings) -> None:
        self.settings = settings

    async def write(self, facts: dict[str, Any], events: list[Event]) -> str:
        mask = PiiMask()
        said = [e for e in events if e.kind in ("inbound", "outbound") and e.text]
        lines = [f"{author(e)}: {e.text}" for e in said[-HISTORY_MESSAGES:]]
        summary_facts = {k: v for k, v in facts.items() if k != "last_messages"}
        content = mask.mask(f"Facts: {json.dumps(summary_facts, ensure_ascii=False)}\n"
                            "Conversation:\n" + "\n".join(lines))
        arguments = await self._ask([{"role": "system", "content": PROMPT},
                                     {"role": "user", "content": content}])
        text = arguments.get("summary") if isinstance(arguments, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise ProviderError("openai", "invalid", "write_summary without a summary")
        return text.strip()[:MAX_SUMMARY]

    async def _ask(self, messages: list[dict[str, str]]) -> Any:
        import openai  # the ``llm`` extra, present when the provider is configured

        settings = self.settings
        try:
            async with asyncio.timeout(settings.timeout_seconds), openai.AsyncOpenAI(
                    base_url=settings.base_url, api_key=settings.api_key.get_secret_value()
                    or "none", timeout=settings.timeout_seconds, max_retries=0) as client:
                response = await client.chat.completions.create(
                    model=settings.model, messages=cast(Any, messages), tools=cast(Any, [TOOL]),
                    tool_choice=cast(Any, {"type": "function",
                                           "function": {"name": "write_summary"}}))
        except TimeoutError:
            raise ProviderError("openai", "timeout", "no summary in time") from None
        except openai.OpenAIError as exc:
            raise ProviderError("openai", "error", f"summary: {type(exc).__name__}") from None
        try:
            call: Any = (response.choices[0].message.tool_calls or [])[0]
            function = call.function
            return json.loads(function.arguments) if function.name == "write_summary" else None
        except (AttributeError, IndexError, TypeError, ValueError):
            raise ProviderError("openai", "invalid", "no write_summary call") from None


def summary_writer(settings: Settings) -> SummaryWriter | None:
    """A writer when ``handoff.generated_summary`` is on and the model is configured."""
    openai = settings.understanding.openai
    if not settings.handoff.generated_summary or openai is None \
            or settings.understanding.provider != "openai":
        return None
    return SummaryWriter(openai)
