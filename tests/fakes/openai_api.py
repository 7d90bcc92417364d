"""A fake OpenAI-compatible chat-completions server, over real HTTP on 127.0.0.1, for the
LLM provider's tests.

It serves ``POST /v1/chat/completions`` (so ``base_url`` is ``.../v1``, as for OpenAI,
vLLM, Ollama or LiteLLM) and checks every request as a strict server would, plus what we
promise about personal data: a bearer token equal to ``api_key``, the configured
``model``, ``messages`` of roles and string contents, ``tools`` present and well formed
(function tools with unique names and object parameter schemas whose ``required`` names
exist), and, unless ``refuse_pii`` is off, no phone number or e-mail address in any
message (checked with patterns of its own, not ours). A failed check is answered with
OpenAI's error shape and recorded in ``rejected``.

Answers are scripted, in order, each optionally for a message containing ``match``:
tool calls (``answer``), a slow answer (``delay``, beyond the client's timeout), an HTTP
error (``fail``) or a raw body (``garbage``: not JSON, not a completion). With nothing
scripted it answers a plain text message with no tool call.

Not imitated: streaming, ``n`` > 1, response formats, and any model behaviour.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakes.local_server import LocalServer

JSON = dict[str, Any]

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_DIGIT_RUN = re.compile(r"\+?\(?\d[\d ().-]{6,}\d")
_TOOL_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")


@dataclass(slots=True)
class Scripted:
    """One scripted answer (see ``FakeOpenAI.answer``, ``fail``, ``garbage``)."""

    match: str | None
    calls: tuple[tuple[str, Any], ...] = ()
    delay: float = 0.0
    status: int = 200
    body: str | None = None
    usage: tuple[int, int] = (120, 30)


class FakeOpenAI(LocalServer):
    """Use ``async with FakeOpenAI() as llm:`` and ``llm.base_url``."""

    def __init__(self, *, api_key: str = "sk-test", model: str = "test-model",
                 refuse_pii: bool = True) -> None:
        self.api_key, self.model, self.refuse_pii = api_key, model, refuse_pii
        #: Bodies of the requests that passed the checks, in order.
        self.requests: list[JSON] = []
        #: (why, body) of the requests refused.
        self.rejected: list[tuple[str, object]] = []
        #: Requests answered (scripted answers sent to the end), for slow-answer tests.
        self.answered = 0
        self._script: list[Scripted] = []
        self._arrived = asyncio.Condition()
        self._closing = asyncio.Event()

    url_path = "/v1"
    shutdown_timeout = 1.0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        return app

    async def close(self) -> None:
        self._closing.set()  # slow answers stop waiting
        await super().close()

    # ---------------------------------------------------------------- script
    def answer(self, *calls: tuple[str, Any], match: str | None = None, delay: float = 0.0,
               usage: tuple[int, int] = (120, 30)) -> None:
        """Answer with these tool calls, (name, arguments): a dict is sent as JSON, a
        string as it is (so bad JSON can be scripted)."""
        self._script.append(Scripted(match, calls, delay=delay, usage=usage))

    def fail(self, status: int = 500, *, match: str | None = None) -> None:
        self._script.append(Scripted(match, status=status))

    def garbage(self, body: str, *, match: str | None = None) -> None:
        """Answer 200 with ``body`` as it is, as a broken proxy might."""
        self._script.append(Scripted(match, body=body))

    async def wait_for_requests(self, count: int, timeout: float = 5.0) -> list[JSON]:
        async with asyncio.timeout(timeout), self._arrived:
            await self._arrived.wait_for(lambda: len(self.requests) >= count)
        return self.requests[:count]

    # ---------------------------------------------------------------- HTTP
    async def _completions(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return self._refuse(401, "invalid_api_key", "Incorrect API key provided", None)
        try:
            body = await request.json()
        except ValueError:
            return self._refuse(400, "invalid_json", "We could not parse the JSON body", None)
        problem = self._check(body)
        if problem is not None:
            status, why = problem
            return self._refuse(status, "invalid_request_error", why, body)
        self.requests.append(body)
        async with self._arrived:
            self._arrived.notify_all()
        scripted = self._next(body)
        if scripted.delay:
            with contextlib.suppress(TimeoutError):  # the delay passed (or we are closing)
                await asyncio.wait_for(self._closing.wait(), scripted.delay)
        self.answered += 1
        if scripted.status != 200:
            return web.json_response({"error": {"message": "The server had an error",
                                                "type": "server_error", "code": None}},
                                     status=scripted.status)
        if scripted.body is not None:
            return web.Response(text=scripted.body, content_type="application/json")
        return web.json_response(self._completion(scripted))

    def _refuse(self, status: int, code: str, message: str, body: object) -> web.Response:
        self.rejected.append((message, body))
        return web.json_response({"error": {"message": message, "type": "invalid_request_error",
                                            "param": None, "code": code}}, status=status)

    def _check(self, body: object) -> tuple[int, str] | None:
        if not isinstance(body, dict):
            return 400, "the body must be a JSON object"
        if body.get("model") != self.model:
            return 404, f"The model '{body.get('model')}' does not exist"
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return 400, "'messages' must be a non-empty array"
        for message in messages:
            if not isinstance(message, dict) or message.get("role") not in (
                    "system", "user", "assistant") or not isinstance(message.get("content"), str):
                return 400, f"invalid message: {message!r}"
            if self.refuse_pii and _has_pii(message["content"]):
                return 400, f"personal data in a {message['role']} message"
        return _check_tools(body.get("tools"))

    def _next(self, body: JSON) -> Scripted:
        said = body["messages"][-1]["content"]
        for index, scripted in enumerate(self._script):
            if scripted.match is None or scripted.match in said:
                return self._script.pop(index)
        return Scripted(None)

    def _completion(self, scripted: Scripted) -> JSON:
        calls = [{"id": f"call_{n}", "type": "function",
                  "function": {"name": name, "arguments": arguments if isinstance(arguments, str)
                               else json.dumps(arguments)}}
                 for n, (name, arguments) in enumerate(scripted.calls)]
        message: JSON = {"role": "assistant", "content": None if calls else "I am not sure."}
        if calls:
            message["tool_calls"] = calls
        prompt, completion = scripted.usage
        return {"id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion",
                "created": int(time.time()), "model": self.model,
                "choices": [{"index": 0, "message": message,
                             "finish_reason": "tool_calls" if calls else "stop"}],
                "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                          "total_tokens": prompt + completion}}


def _has_pii(text: str) -> bool:
    if _EMAIL.search(text):
        return True
    return any(sum(ch.isdigit() for ch in run.group(0)) >= 9 for run in _DIGIT_RUN.finditer(text))


def _check_tools(tools: object) -> tuple[int, str] | None:
    if not isinstance(tools, list) or not tools:
        return 400, "'tools' must be a non-empty array (this server is for tool calling)"
    names = []
    for tool in tools:
        function = tool.get("function") if isinstance(tool, dict) else None
        if tool.get("type") != "function" or not isinstance(function, dict):
            return 400, f"invalid tool: {tool!r}"
        name = function.get("name")
        if not isinstance(name, str) or not _TOOL_NAME.fullmatch(name):
            return 400, f"invalid tool name: {name!r}"
        names.append(name)
        parameters = function.get("parameters")
        if not isinstance(parameters, dict) or parameters.get("type") != "object" or \
                not isinstance(parameters.get("properties"), dict):
            return 400, f"tool {name}: parameters must be an object schema"
        missing = set(parameters.get("required", [])) - set(parameters["properties"])
        if missing:
            return 400, f"tool {name}: required names no property: {sorted(missing)}"
    if len(set(names)) != len(names):
        return 400, "tool names must be unique"
    return None
