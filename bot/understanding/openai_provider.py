"""Understanding with any OpenAI-compatible chat-completions server (OpenAI, Azure's v1
API, vLLM, Ollama, LiteLLM proxies): the request becomes tools and a prompt
(``openai_tools``), the model's tool calls become checked commands (``openai_commands``).

Built on the ``openai`` package (the ``omnicanal[llm]`` extra) rather than plain aiohttp:
it is the client every one of those servers is tested against, so its request shape, error
mapping and ``usage`` parsing are the compatible ones; and it is async (httpx). Its own
retries are off (``max_retries=0``): a customer waits on this call, and on any failure the
fallback provider answers at once instead (``fallback.py``). The per-call timeout is
enforced around the whole call too, as the SDK's applies to each read, not to the answer.

Phone numbers and e-mails in what is sent are masked (``masking.py``) unless the flow the
customer is in allows them, and put back in the slot values the model returns.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any, cast

import openai

from bot.config.understanding import OpenAISettings
from bot.errors import ProviderError
from bot.understanding.contract import Request, Understanding
from bot.understanding.masking import PiiMask
from bot.understanding.openai_commands import parse_calls
from bot.understanding.openai_tools import build_messages, build_tools, current_flow


class OpenAIProvider:
    """A ``Provider`` asking ``model`` at ``base_url``. Raises ``ProviderError`` on a
    timeout, a failed call, or an answer of which nothing is usable; calls of it that are
    unusable are ignored and counted in ``invalid`` (by reason) when others are fine."""

    name = "openai"

    def __init__(self, *, base_url: str, model: str, api_key: str = "",
                 timeout_seconds: float = 5.0) -> None:
        self.model = model
        self.timeout = timeout_seconds
        self._client = openai.AsyncOpenAI(base_url=base_url, api_key=api_key or "none",
                                          timeout=timeout_seconds, max_retries=0)
        #: Tool calls ignored, by reason (see ``ParsedCalls.invalid``), for the metrics.
        self.invalid: Counter[str] = Counter()
        #: Tokens used in all, ``prompt`` and ``completion``, failed answers included.
        self.tokens: Counter[str] = Counter()

    @classmethod
    def from_settings(cls, settings: OpenAISettings) -> OpenAIProvider:
        return cls(base_url=settings.base_url, model=settings.model,
                   api_key=settings.api_key.get_secret_value(),
                   timeout_seconds=settings.timeout_seconds)

    async def understand(self, request: Request) -> Understanding:
        flow = current_flow(request)
        mask = PiiMask(active=not (flow is not None and flow.allows_pii))
        response = await self._complete(build_messages(request, mask), build_tools(request))
        prompt_tokens, completion_tokens = _usage(response)
        self.tokens.update(prompt=prompt_tokens, completion=completion_tokens)
        calls = _tool_calls(response)
        if calls is None:
            raise ProviderError(self.name, "invalid", "the answer has no message")
        parsed = parse_calls(calls, request, mask)
        self.invalid.update(parsed.invalid)
        if calls and not parsed.commands:
            reasons = ", ".join(sorted(parsed.invalid))
            raise ProviderError(self.name, "invalid", f"no usable tool call ({reasons})")
        return Understanding(commands=tuple(parsed.commands), confidence=parsed.confidence,
                             locale=parsed.locale, provider=self.name,
                             prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)

    async def _complete(self, messages: list[dict[str, Any]],
                        tools: list[dict[str, Any]]) -> Any:
        try:
            async with asyncio.timeout(self.timeout):
                return await self._client.chat.completions.create(
                    model=self.model, messages=cast(Any, messages), tools=cast(Any, tools),
                    tool_choice="auto")
        except (TimeoutError, openai.APITimeoutError):
            raise ProviderError(self.name, "timeout",
                                f"no answer within {self.timeout:g}s") from None
        except openai.APIStatusError as exc:
            raise ProviderError(self.name, "error",
                                f"the server answered HTTP {exc.status_code}") from None
        except (openai.APIResponseValidationError, ValueError):  # ValueError: not JSON
            raise ProviderError(self.name, "invalid", "the answer is not a chat "
                                "completion") from None
        except openai.OpenAIError as exc:
            raise ProviderError(self.name, "error", f"{type(exc).__name__}: the call "
                                "failed; check understanding.openai.base_url") from None

    async def close(self) -> None:
        await self._client.close()


def _usage(response: Any) -> tuple[int, int]:
    usage = getattr(response, "usage", None)
    prompt = getattr(usage, "prompt_tokens", 0)
    completion = getattr(usage, "completion_tokens", 0)
    return (prompt if isinstance(prompt, int) else 0,
            completion if isinstance(completion, int) else 0)


def _tool_calls(response: Any) -> list[tuple[str, str]] | None:
    """The (name, arguments) of each function call in the first choice: [] when the model
    called none, None when the answer has no message at all (not a chat completion)."""
    choices = getattr(response, "choices", None)
    if not isinstance(choices, list) or not choices:
        return None
    message = getattr(choices[0], "message", None)
    if message is None:
        return None
    calls: list[tuple[str, str]] = []
    for call in getattr(message, "tool_calls", None) or ():
        function = getattr(call, "function", None)
        name = getattr(function, "name", None)
        arguments = getattr(function, "arguments", None)
        calls.append((name if isinstance(name, str) else "",
                      arguments if isinstance(arguments, str) else "null"))
    return calls
