"""A fake Telegram Bot API server for tests, spoken to over HTTP on 127.0.0.1.

It imitates the parts of https://api.telegram.org that a bot built on aiogram 3 or
python-telegram-bot 22 touches: `/bot{token}/{method}` (any HTTP verb, method names
case-insensitive; url-encoded, multipart, JSON or empty bodies), the `{"ok": ...}`
envelope with real error texts and status codes, long-polling `getUpdates` (offset
confirmation, negative offsets, `limit`, blocking `timeout`, `allowed_updates` filtering,
409 when a webhook is set, and a newer poll terminating an older one with 409 exactly like
tdlib/telegram-bot-api does), webhook registration, sending/editing/deleting messages with
schema-valid results (aiogram validates them strictly), inline-keyboard rules, text
limits, `getFile` plus `/file/bot{token}/{path}` downloads, and injected failures.

It does NOT imitate: groups and channels beyond a stub chat, media groups, inline mode,
payments, reactions, the real parse_mode renderer (only HTML tags are stripped when
measuring and echoing text; MarkdownV2 text is measured raw, so the fake is stricter),
UTF-16 length counting, flood limits (inject them with `fail_next`), the "same offset
within 3 s raises the timeout to 3 s" quirk, or pushing updates to webhooks (while a
webhook is set, `user_*` updates are not queued: POST them with `deliver_webhook`).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import ClientSession, ClientTimeout, web

JSON = dict[str, Any]
_INT_PARAMS = frozenset(
    {"chat_id", "message_id", "user_id", "offset", "limit", "from_chat_id", "message_thread_id",
     "reply_to_message_id", "cache_time", "max_connections"}
)
_MESSAGE_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "sendLocation", "sendContact"}
)
_NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


@dataclass
class SentCall:
    """One Bot API call the bot made. `params` has JSON strings decoded and ids as ints."""

    method: str  # canonical camelCase, e.g. "sendMessage"
    token: str
    params: JSON
    files: dict[str, bytes] = field(default_factory=dict)  # keyed by parameter ("photo")
    filenames: dict[str, str] = field(default_factory=dict)
    result: Any = None  # what the fake answered, e.g. the Message dict
    error: str | None = None  # the error description, for calls in `rejected`


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after

    def response(self) -> web.Response:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return web.json_response(body, status=self.code)


@dataclass
class _Failure:
    error: ApiError
    times: int


@dataclass
class _Bot:
    token: str
    user: JSON
    updates: list[JSON] = field(default_factory=list)
    next_update_id: int = 10001
    webhook: JSON | None = None
    allowed_updates: frozenset[str] | None = None  # None: Telegram's default set
    long_poll: asyncio.Future[str | None] | None = None  # result: None = wake, str = 409 text
    commands: list[Any] = field(default_factory=list)


class FakeBotAPI:
    def __init__(
        self, *, tokens: Iterable[str] = ("123456:TEST-token",), bot_username: str = "omni_test_bot"
    ) -> None:
        self._bots: dict[str, _Bot] = {}
        for token in tokens:
            bot_user = {"id": int(token.split(":", 1)[0]), "is_bot": True,
                        "first_name": "Omni Test", "username": bot_username,
                        "can_join_groups": True,
                        "can_read_all_group_messages": False, "supports_inline_queries": False,
                        "can_connect_to_business": False, "has_main_web_app": False}
            self._bots[token] = _Bot(token, bot_user)
        self._default_token = next(iter(self._bots))
        self.base_url = ""
        self.sent: list[SentCall] = []
        self.rejected: list[SentCall] = []  # calls answered with an error (injected or not)
        self.answered_callbacks: list[str] = []
        self.requests_log: list[tuple[str, str]] = []
        self.files: dict[str, bytes] = {}  # file_path -> content, served under /file/bot{token}/
        self._file_paths: dict[str, str] = {}  # file_id -> file_path
        self._users: dict[int, JSON] = {}
        self._messages: dict[tuple[str, int, int], JSON] = {}  # (token, chat, message_id)
        self._last_message_id: dict[tuple[str, int], int] = {}
        self._pending_callbacks: set[str] = set()
        self._failures: dict[str, list[_Failure]] = {}
        self._ids = itertools.count(1)
        self._cond = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        names = [name[3:] for name in dir(self) if name.startswith("_m_")]
        self._canonical = {name.lower(): name for name in names}
        self._canonical["getupdates"] = "getUpdates"

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 2**20)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.+}", self._serve_file)
        # handler_cancellation: a client that hangs up (stop_polling) ends its long poll.
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None,
                                     shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        for bot in self._bots.values():
            self._wake(bot, None)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def webhook(self) -> JSON | None:
        """The last setWebhook params of the default token, None after deleteWebhook."""
        return self._bots[self._default_token].webhook

    # -- simulated users -------------------------------------------------------------------------
    def user_sends_text(self, user_id: int, text: str, *, token: str | None = None,
                        first_name: str = "Ana", language_code: str = "en") -> JSON:
        content: JSON = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]  # "/start" or "/start@omni_test_bot"
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self._user_message(token, self._user(user_id, first_name, language_code), content)

    def user_presses_button(self, user_id: int, callback_data: str, *,
                            message_id: int | None = None, token: str | None = None) -> JSON:
        bot, user = self._bot(token), self._user(user_id)
        message = self._keyboard_message(bot.token, user_id, callback_data, message_id)
        query_id = str(next(self._ids) + 4_000_000_000)
        self._pending_callbacks.add(query_id)
        query = {"id": query_id, "from": user, "chat_instance": f"{-user_id}{bot.user['id']}",
                 "data": callback_data, "message": message}
        return self._push(bot, "callback_query", query)

    def user_shares_contact(self, user_id: int, phone_number: str, *, contact_user_id: int | None,
                            token: str | None = None) -> JSON:
        user = self._user(user_id)
        contact: JSON = {"phone_number": phone_number, "first_name": user["first_name"]}
        if contact_user_id is not None:
            contact["user_id"] = contact_user_id
        return self._user_message(token, user, {"contact": contact})

    def user_sends_photo(self, user_id: int, data: bytes = b"\xff\xd8\xff\xe0fake-jpeg", *,
                         caption: str | None = None, token: str | None = None) -> JSON:
        file_id = self.add_file(data, file_path=f"photos/file_{next(self._ids)}.jpg")
        content: JSON = {"photo": [self._file_obj(file_id, width=90, height=90),
                                   self._file_obj(file_id, width=800, height=600)]}
        if caption is not None:
            content["caption"] = caption
        return self._user_message(token, self._user(user_id), content)

    def user_sends_document(self, user_id: int, data: bytes, *, file_name: str = "document.pdf",
                            mime_type: str = "application/pdf", caption: str | None = None,
                            token: str | None = None) -> JSON:
        file_id = self.add_file(data, file_path=f"documents/file_{next(self._ids)}_{file_name}")
        document = self._file_obj(file_id, file_name=file_name, mime_type=mime_type)
        content: JSON = {"document": document}
        if caption is not None:
            content["caption"] = caption
        return self._user_message(token, self._user(user_id), content)

    def user_sends_location(self, user_id: int, latitude: float, longitude: float, *,
                            token: str | None = None) -> JSON:
        location = {"latitude": latitude, "longitude": longitude}
        return self._user_message(token, self._user(user_id), {"location": location})

    def add_file(self, data: bytes, *, file_path: str | None = None) -> str:
        """Register downloadable content; returns its file_id (usable with getFile)."""
        file_id = f"AgAD{next(self._ids):08d}"
        path = file_path or f"files/{file_id}"
        self.files[path], self._file_paths[file_id] = data, path
        return file_id

    async def deliver_webhook(self, url: str, update: JSON, secret_token: str | None = None, *,
                              timeout: float = 10.0) -> int:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret_token} if secret_token else {}
        async with ClientSession(timeout=ClientTimeout(total=timeout)) as session, \
                session.post(url, json=update, headers=headers) as resp:
            return resp.status

    # -- what the bot did ------------------------------------------------------------------------
    def messages_to(self, chat_id: int) -> list[SentCall]:
        return [c for c in self.sent
                if c.method in _MESSAGE_METHODS and c.params.get("chat_id") == chat_id]

    async def wait_for(self, predicate: Callable[[SentCall], bool], *,
                       timeout: float = 5.0) -> SentCall:
        """The first call in `sent` (already there or still to come) matching `predicate`."""
        found = await self._wait(lambda: [c for c in self.sent if predicate(c)][:1], timeout)
        return found[0]

    async def wait_for_count(self, method: str, n: int, *, chat_id: int | None = None,
                             timeout: float = 5.0) -> list[SentCall]:
        def matching() -> list[SentCall]:
            calls = [c for c in self.sent if c.method.lower() == method.lower()
                     and (chat_id is None or c.params.get("chat_id") == chat_id)]
            return calls if len(calls) >= n else []
        return await self._wait(matching, timeout)

    async def _wait(self, find: Callable[[], list[SentCall]],
                    timeout: float) -> list[SentCall]:
        found: list[SentCall] = []

        def ready() -> bool:
            found[:] = find()
            return bool(found)
        try:
            async with self._cond:
                await asyncio.wait_for(self._cond.wait_for(ready), timeout)
        except TimeoutError:
            seen = [(c.method, c.params.get("chat_id")) for c in self.sent]
            raise TimeoutError(f"no matching call within {timeout}s; sent so far: {seen}") from None
        return found

    def pending_updates(self, *, token: str | None = None) -> list[JSON]:
        """Updates queued for getUpdates and not yet confirmed by an offset."""
        return list(self._bot(token).updates)

    async def wait_long_poll(self, *, token: str | None = None,
                             timeout: float = 5.0) -> None:
        """Wait until a getUpdates call is parked waiting for updates (the bot is polling)."""
        bot = self._bot(token)
        async with self._cond:
            await asyncio.wait_for(self._cond.wait_for(lambda: bot.long_poll is not None), timeout)

    def fail_next(self, method: str, *, error_code: int, description: str,
                  retry_after: int | None = None, times: int = 1) -> None:
        error = ApiError(error_code, description, retry_after)
        self._failures.setdefault(method.lower(), []).append(_Failure(error, times))

    # -- HTTP ------------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = request.match_info["method"]
        name = self._canonical.get(raw.lower(), raw)
        self.requests_log.append((request.method, name))
        bot = self._bots.get(request.match_info["token"])
        if bot is None:
            return ApiError(401, "Unauthorized").response()
        if raw.lower() not in self._canonical:
            return ApiError(404, "Not Found: method not found").response()
        params, files, filenames = await _read_params(request)
        call = SentCall(name, bot.token, params, files, filenames)
        try:
            self._injected_failure(name)
            if name == "getUpdates":
                call.result = await self._get_updates(bot, params)
            else:
                call.result = getattr(self, f"_m_{name}")(bot, call)
        except (KeyError, ValueError, TypeError) as exc:  # a missing or malformed parameter
            return self._reject(call, ApiError(400, f"Bad Request: {type(exc).__name__}: {exc}"))
        except ApiError as exc:
            return self._reject(call, exc)
        if not name.startswith("get"):
            async with self._cond:
                self.sent.append(call)
                self._cond.notify_all()
        return web.json_response({"ok": True, "result": call.result})

    def _reject(self, call: SentCall, exc: ApiError) -> web.Response:
        call.error = exc.description
        self.rejected.append(call)
        return exc.response()

    async def _serve_file(self, request: web.Request) -> web.StreamResponse:
        data = self.files.get(request.match_info["path"])
        if request.match_info["token"] not in self._bots or data is None:
            return ApiError(404, "Not Found").response()
        return web.Response(body=data, content_type="application/octet-stream")

    def _injected_failure(self, name: str) -> None:
        queue = self._failures.get(name.lower())
        if queue:
            queue[0].times -= 1
            failure = queue.pop(0) if queue[0].times <= 0 else queue[0]
            raise failure.error

    # -- polling ---------------------------------------------------------------------------------
    async def _get_updates(self, bot: _Bot, p: JSON) -> list[JSON]:
        if bot.webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        offset, limit = int(p.get("offset", 0)), min(max(int(p.get("limit", 100)), 1), 100)
        timeout = min(max(float(p.get("timeout", 0)), 0.0), 50.0)
        self._set_allowed(bot, p.get("allowed_updates"))
        if offset < 0:
            bot.updates = bot.updates[offset:]
        elif offset > 0:
            bot.updates = [u for u in bot.updates if u["update_id"] >= offset]
        if not bot.updates and timeout > 0:  # park; a newer long poll ends an older one (409)
            self._wake(bot, "Conflict: terminated by other getUpdates request; "
                            "make sure that only one bot instance is running")
            poll = bot.long_poll = asyncio.get_running_loop().create_future()
            async with self._cond:
                self._cond.notify_all()
            try:
                conflict = await asyncio.wait_for(poll, timeout)
            except TimeoutError:
                conflict = None
            finally:
                if bot.long_poll is poll:
                    bot.long_poll = None
            if conflict is not None:
                raise ApiError(409, conflict)
        return bot.updates[:limit]

    def _wake(self, bot: _Bot, conflict: str | None) -> None:
        if bot.long_poll is not None and not bot.long_poll.done():
            bot.long_poll.set_result(conflict)

    def _set_allowed(self, bot: _Bot, allowed: Any) -> None:
        if isinstance(allowed, list):
            bot.allowed_updates = frozenset(allowed) or None

    def _push(self, bot: _Bot, kind: str, payload: JSON) -> JSON:
        update = {"update_id": bot.next_update_id, kind: payload}
        bot.next_update_id += 1
        allowed = kind not in _NOT_DEFAULT_UPDATES if bot.allowed_updates is None \
            else kind in bot.allowed_updates
        if bot.webhook is None and allowed:
            bot.updates.append(update)
            self._wake(bot, None)
        return update

    # -- model helpers ---------------------------------------------------------------------------
    def _bot(self, token: str | None) -> _Bot:
        return self._bots[token or self._default_token]

    def _user(self, user_id: int, first_name: str | None = None, language_code: str = "en") -> JSON:
        if first_name is not None or user_id not in self._users:
            self._users[user_id] = {"id": user_id, "is_bot": False,
                                    "first_name": first_name or "Ana",
                                    "language_code": language_code}
        return self._users[user_id]

    def _chat(self, chat_id: int) -> JSON:
        if chat_id > 0:
            return {"id": chat_id, "type": "private",
                    "first_name": self._users.get(chat_id, {}).get("first_name", "User")}
        kind = "supergroup" if chat_id < -1_000_000_000_000 else "group"
        return {"id": chat_id, "type": kind, "title": "Test group"}

    def _new_message(self, token: str, sender: JSON, chat_id: int, content: JSON) -> JSON:
        key = (token, chat_id)
        self._last_message_id[key] = message_id = self._last_message_id.get(key, 0) + 1
        message = {"message_id": message_id, "from": sender, "chat": self._chat(chat_id),
                   "date": int(time.time()), **content}
        self._messages[(token, chat_id, message_id)] = message
        return dict(message)

    def _user_message(self, token: str | None, user: JSON, content: JSON) -> JSON:
        bot = self._bot(token)
        return self._push(bot, "message", self._new_message(bot.token, user, user["id"], content))

    def _keyboard_message(self, token: str, chat_id: int, data: str,
                          message_id: int | None) -> JSON:
        """The bot message whose keyboard was pressed: by id, else the latest carrying `data`."""
        if message_id is not None and (token, chat_id, message_id) in self._messages:
            return dict(self._messages[(token, chat_id, message_id)])
        for (tok, chat, _), message in reversed(self._messages.items()):
            buttons = message.get("reply_markup", {}).get("inline_keyboard", [])
            if (tok, chat) == (token, chat_id) and any(b.get("callback_data") == data
                                                       for row in buttons for b in row):
                return dict(message)
        return {"message_id": message_id or 1, "date": int(time.time()),
                "chat": self._chat(chat_id), "from": self._bots[token].user}

    def _file_obj(self, file_id: str, **extra: Any) -> JSON:
        size = len(self.files.get(self._file_paths.get(file_id, ""), b""))
        return {"file_id": file_id, "file_unique_id": f"u{file_id[-10:]}", "file_size": size,
                **extra}

    def _stored(self, bot: _Bot, p: JSON, action: str) -> JSON:
        message = self._messages.get((bot.token, _chat_id(p), int(p.get("message_id", 0))))
        if message is None:
            raise ApiError(400, f"Bad Request: message to {action} not found")
        return message

    def _bot_message(self, bot: _Bot, p: JSON, content: JSON) -> JSON:
        markup = _checked_markup(p)
        if markup is not None:
            content["reply_markup"] = markup
        if p.get("caption"):
            caption = _visible(str(p["caption"]), p.get("parse_mode"))
            if len(caption) > 1024:
                raise ApiError(400, "Bad Request: message caption is too long")
            content["caption"] = caption
        return self._new_message(bot.token, bot.user, _chat_id(p), content)

    def _media(self, call: SentCall, kind: str) -> str:
        """The file_id of an uploaded, file_id or URL `kind` parameter."""
        if kind in call.files:
            path = f"{kind}s/file_{next(self._ids)}_{call.filenames.get(kind, kind)}"
            return self.add_file(call.files[kind], file_path=path)
        value = call.params.get(kind)
        if not isinstance(value, str) or not value:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        if "://" in value:  # a URL: Telegram downloads it and assigns a new file_id
            path = f"{kind}s/file_{next(self._ids)}_{value.rsplit('/', 1)[-1]}"
            return self.add_file(b"", file_path=path)
        return value

    # -- Bot API methods (name after `_m_` is the canonical method name) ----------------------
    def _m_getMe(self, bot: _Bot, call: SentCall) -> JSON:
        return bot.user

    def _m_sendMessage(self, bot: _Bot, call: SentCall) -> JSON:
        content: JSON = {"text": _text(call.params)}
        if "entities" in call.params:
            content["entities"] = call.params["entities"]
        return self._bot_message(bot, call.params, content)

    def _m_sendPhoto(self, bot: _Bot, call: SentCall) -> JSON:
        file_id = self._media(call, "photo")
        sizes = [self._file_obj(file_id, width=90, height=90),
                 self._file_obj(file_id, width=800, height=600)]
        return self._bot_message(bot, call.params, {"photo": sizes})

    def _m_sendDocument(self, bot: _Bot, call: SentCall) -> JSON:
        file_id = self._media(call, "document")
        name = call.filenames.get("document") or self._file_paths[file_id].rsplit("/")[-1]
        document = self._file_obj(file_id, file_name=name)
        return self._bot_message(bot, call.params, {"document": document})

    def _m_sendLocation(self, bot: _Bot, call: SentCall) -> JSON:
        p = call.params
        location = {"latitude": float(p["latitude"]), "longitude": float(p["longitude"])}
        return self._bot_message(bot, p, {"location": location})

    def _m_sendContact(self, bot: _Bot, call: SentCall) -> JSON:
        contact = {"phone_number": str(call.params["phone_number"]),
                   "first_name": str(call.params["first_name"])}
        return self._bot_message(bot, call.params, {"contact": contact})

    def _m_sendChatAction(self, bot: _Bot, call: SentCall) -> bool:
        _chat_id(call.params)
        return True

    def _m_editMessageText(self, bot: _Bot, call: SentCall) -> JSON | bool:
        if "inline_message_id" in call.params:
            return True
        message = self._stored(bot, call.params, "edit")
        text, markup = _text(call.params), _checked_markup(call.params)
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        if message["text"] == text and message.get("reply_markup") == markup:
            raise ApiError(400, _NOT_MODIFIED)
        message.update(text=text, edit_date=int(time.time()))
        return _set_markup(message, markup)

    def _m_editMessageReplyMarkup(self, bot: _Bot, call: SentCall) -> JSON | bool:
        if "inline_message_id" in call.params:
            return True
        message, markup = self._stored(bot, call.params, "edit"), _checked_markup(call.params)
        if message.get("reply_markup") == markup:
            raise ApiError(400, _NOT_MODIFIED)
        message["edit_date"] = int(time.time())
        return _set_markup(message, markup)

    def _m_deleteMessage(self, bot: _Bot, call: SentCall) -> bool:
        message = self._stored(bot, call.params, "delete")
        del self._messages[(bot.token, message["chat"]["id"], message["message_id"])]
        return True

    def _m_answerCallbackQuery(self, bot: _Bot, call: SentCall) -> bool:
        query_id = str(call.params.get("callback_query_id", ""))
        if query_id not in self._pending_callbacks:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired "
                                "or query ID is invalid")
        self._pending_callbacks.discard(query_id)
        self.answered_callbacks.append(query_id)
        return True

    def _m_setMyCommands(self, bot: _Bot, call: SentCall) -> bool:
        bot.commands = list(call.params.get("commands") or [])
        return True

    def _m_getMyCommands(self, bot: _Bot, call: SentCall) -> list[Any]:
        return bot.commands

    def _m_deleteMyCommands(self, bot: _Bot, call: SentCall) -> bool:
        bot.commands = []
        return True

    def _m_getChat(self, bot: _Bot, call: SentCall) -> JSON:
        gifts = dict.fromkeys(("unlimited_gifts", "limited_gifts", "unique_gifts",
                               "premium_subscription", "gifts_from_channels"), False)
        return {**self._chat(_chat_id(call.params)), "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": gifts}

    def _m_getFile(self, bot: _Bot, call: SentCall) -> JSON:
        file_id = str(call.params.get("file_id", ""))
        if file_id not in self._file_paths:
            raise ApiError(400, "Bad Request: invalid file_id")
        return self._file_obj(file_id, file_path=self._file_paths[file_id])

    def _m_setWebhook(self, bot: _Bot, call: SentCall) -> bool:
        if not call.params.get("url"):
            return self._m_deleteWebhook(bot, call)
        self._wake(bot, "Conflict: terminated by setWebhook request")
        self._set_allowed(bot, call.params.get("allowed_updates"))
        if _true(call.params.get("drop_pending_updates")):
            bot.updates.clear()
        bot.webhook = dict(call.params)
        return True

    def _m_deleteWebhook(self, bot: _Bot, call: SentCall) -> bool:
        if _true(call.params.get("drop_pending_updates")):
            bot.updates.clear()
        bot.webhook = None
        return True

    def _m_getWebhookInfo(self, bot: _Bot, call: SentCall) -> JSON:
        info: JSON = {"url": (bot.webhook or {}).get("url", ""), "has_custom_certificate": False,
                      "pending_update_count": len(bot.updates)}
        if bot.allowed_updates is not None:
            info["allowed_updates"] = sorted(bot.allowed_updates)
        return info

    def _m_logOut(self, bot: _Bot, call: SentCall) -> bool:
        return True

    def _m_close(self, bot: _Bot, call: SentCall) -> bool:
        return True


async def _read_params(request: web.Request) -> tuple[JSON, dict[str, bytes], dict[str, str]]:
    params: JSON = dict(request.query)
    files: dict[str, bytes] = {}
    filenames: dict[str, str] = {}
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                files[key], filenames[key] = value.file.read(), value.filename
            else:
                params[key] = value if isinstance(value, str) else bytes(value).decode()
    else:  # JSON, or an empty body with any content type (PTB's getMe: application/octet-stream)
        body = await request.read()
        if body.strip():
            if request.content_type == "application/json" or body.lstrip()[:1] == b"{":
                params.update(json.loads(body))
            else:
                params.update(parse_qsl(body.decode(), keep_blank_values=True))
    for key, value in list(params.items()):  # aiogram uploads as `photo=attach://<part name>`
        if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
            del params[key]  # so that both clients' uploads look alike
            files[key] = files.pop(value[9:])
            filenames[key] = filenames.pop(value[9:], key)
        elif isinstance(value, str) and key in _INT_PARAMS and re.fullmatch(r"-?\d+", value):
            params[key] = int(value)
        elif isinstance(value, str) and value[:1] in ("{", "["):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
    return params, files, filenames


def _chat_id(p: JSON) -> int:
    value = p.get("chat_id")
    if value is None or value == "":
        raise ApiError(400, "Bad Request: chat_id is empty")
    if not isinstance(value, int):
        raise ApiError(400, "Bad Request: chat not found")
    return value


def _visible(text: str, parse_mode: Any) -> str:
    if str(parse_mode).lower() == "html":
        return html.unescape(re.sub(r"<[^>]*>", "", text))
    return text


def _text(p: JSON) -> str:
    text = _visible(str(p.get("text", "")), p.get("parse_mode"))
    if not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if len(text) > 4096:
        raise ApiError(400, "Bad Request: message is too long")
    return text


def _checked_markup(p: JSON) -> JSON | None:
    """The inline keyboard to echo back (Telegram echoes no other markup), validated."""
    markup = p.get("reply_markup")
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    for button in (b for row in markup["inline_keyboard"] for b in row):
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode()) <= 64:
            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        if set(button) <= {"text"}:
            raise ApiError(400, "Bad Request: can't parse inline keyboard button: "
                                "Text buttons are unallowed in the inline keyboard")
    return markup


def _set_markup(message: JSON, markup: JSON | None) -> JSON:
    if markup is None:
        message.pop("reply_markup", None)
    else:
        message["reply_markup"] = markup
    return dict(message)


def _true(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")
