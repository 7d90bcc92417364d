"""A fake Meta Graph API, served over real HTTP on 127.0.0.1, for connector tests.

Imitates the WhatsApp Cloud API (``POST /{version}/{phone_number_id}/messages`` with a
bearer token, including read receipts / typing indicators) and the Messenger Send API
(``POST /{version}/me/messages`` or ``/{version}/{page_id}/messages`` with
``?access_token=``, including sender actions), and Instagram messaging through the same
endpoint with an Instagram token (or ``/{version}/{ig_user_id}/messages``): text of at
most 1000 characters, no file attachments, HUMAN_AGENT as the only tag. Sends are
validated against Meta's documented limits, answered with Meta's success and error shapes
and recorded; the 24-hour window (7 days for Messenger's HUMAN_AGENT tag) can be enforced.

WhatsApp sends take ``to`` (a phone number) or ``recipient`` (a business-scoped user ID,
BSUID, 2026); ``to`` wins when both are given, and a BSUID send is answered with
``contacts[0].user_id`` and no ``wa_id``. Templates named in ``phone_only_templates``
(authentication ones) are refused for a BSUID with 131062, as Meta does.

Not imitated: webhooks (see ``meta_webhooks``), media upload/download, templates' contents
(only name and language are checked), form-encoded Messenger bodies, throughput, and the
exact wording of ``details``. Validation failures answer code 100; the real Cloud API
answers some interactive ones with 131009 "Parameter value is not valid" (pass
``validation_code=131009`` to imitate that). The real Cloud API may also accept a send
(200) and report 131047 (re-engagement) or 131026 (undeliverable) later in a ``failed``
status webhook; this fake answers 131047 synchronously. Build the asynchronous case with
``meta_webhooks.whatsapp_status(..., status="failed", errors=[...])``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, cast

from aiohttp import web

from tests.fakes.local_server import LocalServer

JSON = dict[str, Any]
Channel = Literal["whatsapp", "messenger", "instagram"]

STANDARD_WINDOW = 24 * 3600.0
#: A business-scoped user ID (``US.1349...``) or a parent one (``US.ENT.1181...``).
BSUID = re.compile(r"[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}")
HUMAN_AGENT_WINDOW = 7 * 24 * 3600.0

#: Titles Meta puts in ``error.message`` as "(#code) title" (190 has no prefix).
TITLES: dict[int, str] = {
    2: "Service temporarily unavailable",
    4: "Application request limit reached",
    10: "This message is sent outside of allowed window.",
    100: "Invalid parameter",
    131009: "Parameter value is not valid",
    190: "Invalid OAuth access token - Cannot parse access token",
    130429: "Rate limit hit",
    131026: "Message Undeliverable.",
    131047: "Re-engagement message",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    131062: "Business-scoped User ID recipients are not supported for this message.",
}
#: WhatsApp ``error.error_data.details`` for the codes tests inject most.
DETAILS: dict[int, str] = {
    130429: "Message failed to send because there were too many messages sent from this"
    " phone number in a short period of time",
    131026: "Message failed to send because it was undeliverable.",
    131047: "Message failed to send because more than 24 hours have passed since the"
    " customer last replied to this number.",
    131056: "Message failed to send because there were too many messages sent from this"
    " phone number to the same phone number in a short period of time.",
    131062: "Business-scoped User ID recipients are not supported for this message.",
}


@dataclass(frozen=True, slots=True)
class GraphCall:
    """One accepted send: the request path, its JSON body, the id we answered, when."""

    path: str
    json: JSON
    message_id: str
    at: float

    @property
    def to(self) -> str:
        """Whom it went to: the WhatsApp ``to`` (a phone number; it wins when both are
        given), else its ``recipient`` (a BSUID); the Messenger ``recipient.id``."""
        recipient = self.json.get("recipient")
        if isinstance(recipient, dict):
            return str(recipient.get("id"))
        return str(self.json.get("to") or recipient)

    @property
    def text(self) -> str | None:
        """The text of a text send (WhatsApp ``text.body``, Messenger ``message.text``)."""
        for outer, inner in (("text", "body"), ("message", "text")):
            part = self.json.get(outer)
            if isinstance(part, dict) and isinstance(part.get(inner), str):
                return cast(str, part[inner])
        return None


class GraphError(Exception):
    """An error the fake answers in Graph's ``{"error": {...}}`` shape."""

    def __init__(self, http_status: int, code: int, message: str = "", *,
                 details: str | None = None, subcode: int | None = None,
                 kind: str = "OAuthException") -> None:
        title = TITLES.get(code, "Unknown error")
        default = title if code == 190 else f"(#{code}) {title}"
        super().__init__(message or default)
        self.http_status, self.code, self.subcode, self.kind = http_status, code, subcode, kind
        self.message = message or default
        self.details = details if details is not None else DETAILS.get(code, self.message)

    def body(self, channel: Channel | None) -> JSON:
        error: JSON = {"message": self.message, "type": self.kind, "code": self.code}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if channel == "whatsapp":
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        error["fbtrace_id"] = "A" + secrets.token_urlsafe(16)
        return {"error": error}


@dataclass(slots=True)
class _Failure:
    error: GraphError
    times: int


class FakeGraphAPI(LocalServer):
    """The fake server. Use ``async with FakeGraphAPI() as graph:`` and ``graph.base_url``."""

    def __init__(
        self,
        *,
        api_version: str = "v21.0",
        whatsapp_token: str = "wa-token",
        phone_number_id: str = "PNID",
        page_token: str = "page-token",
        instagram_token: str = "ig-token",
        ig_user_id: str = "IG_ID",
        enforce_window: bool = False,
        page_id: str = "PAGE_ID",
        validation_code: int = 100,
        idempotent: bool = False,
        phone_only_templates: frozenset[str] = frozenset(),
    ) -> None:
        self.api_version, self.phone_number_id, self.page_id = api_version, phone_number_id, page_id
        self.whatsapp_token, self.page_token = whatsapp_token, page_token
        self.instagram_token, self.ig_user_id = instagram_token, ig_user_id
        self.enforce_window, self.validation_code = enforce_window, validation_code
        self.whatsapp_sent: list[GraphCall] = []
        self.messenger_sent: list[GraphCall] = []
        self.instagram_sent: list[GraphCall] = []
        self.rejected: list[tuple[str, JSON, int]] = []
        self.requests_log: list[tuple[str, str]] = []
        self.whatsapp_read: list[JSON] = []  # read receipts / typing indicators, in order
        #: With ``idempotent``, a send repeating a ``biz_opaque_callback_data`` already
        #: accepted is answered with the first message id and not delivered again (what an
        #: idempotent platform does); ``repeats`` counts them.
        self.idempotent = idempotent
        #: Templates Meta sends only to phone numbers (authentication ones): sent to a
        #: BSUID (``recipient`` without ``to``) they are refused with 131062.
        self.phone_only_templates = phone_only_templates
        self.repeats = 0
        self._keys: dict[str, str] = {}
        self.messenger_actions: list[tuple[str, str]] = []  # (psid, sender_action)
        self._last_wrote: dict[str, float] = {}
        self._failures: dict[Channel, list[_Failure]] = {"whatsapp": [], "messenger": [],
                                                          "instagram": []}
        self._changed = asyncio.Condition()
        self._counter = 0

    # ---------------------------------------------------------------- lifecycle
    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._log_middleware])
        app.router.add_post("/{version}/{node}/messages", self._post_messages)
        return app

    # ---------------------------------------------------------------- test controls
    def customer_wrote(self, to: str, at: float | None = None) -> None:
        """Record that the customer (wa_id or PSID) wrote at ``at`` (default: now)."""
        self._last_wrote[_wa_id(to)] = time.time() if at is None else at

    def fail_next(
        self, channel: Channel, *, http_status: int, code: int, message: str = "",
        subcode: int | None = None, times: int = 1,
    ) -> None:
        """Answer the next ``times`` message sends on ``channel`` with this error (after
        the token check; read receipts and sender actions are not affected)."""
        error = GraphError(http_status, code, message, subcode=subcode)
        self._failures[channel].append(_Failure(error, times))

    async def wait_for_whatsapp(self, count: int = 1, *, to: str | None = None,
                                timeout: float = 5.0) -> list[GraphCall]:
        """The first ``count`` accepted WhatsApp sends (to ``to``, if given), once there."""
        wanted = None if to is None else _wa_id(to)
        return await self._wait(self.whatsapp_sent, count, timeout, "WhatsApp sends",
                                lambda c: wanted is None or _wa_id(c.to) == wanted)

    async def wait_for_messenger(self, count: int = 1, *, recipient: str | None = None,
                                 timeout: float = 5.0) -> list[GraphCall]:
        """The first ``count`` accepted Messenger sends (to ``recipient``), once there."""
        return await self._wait(self.messenger_sent, count, timeout, "Messenger sends",
                                lambda c: recipient is None or c.to == recipient)

    async def wait_for_instagram(self, count: int = 1, *, recipient: str | None = None,
                                 timeout: float = 5.0) -> list[GraphCall]:
        """The first ``count`` accepted Instagram sends (to ``recipient``), once there."""
        return await self._wait(self.instagram_sent, count, timeout, "Instagram sends",
                                lambda c: recipient is None or c.to == recipient)

    async def _wait(self, calls: list[GraphCall], count: int, timeout: float,
                    what: str, match: Callable[[GraphCall], bool]) -> list[GraphCall]:
        def matching() -> list[GraphCall]:
            return [c for c in calls if match(c)]

        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(lambda: len(matching()) >= count)
        except TimeoutError:
            raise TimeoutError(
                f"waited {timeout}s for {count} {what}, got {len(matching())};"
                f" last rejections: {self.rejected[-3:]!r}") from None
        return matching()[:count]

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ---------------------------------------------------------------- HTTP handlers
    @web.middleware
    async def _log_middleware(
        self, request: web.Request,
        handler: Callable[[web.Request], Any],
    ) -> web.StreamResponse:
        self.requests_log.append((request.method, request.path))
        return cast(web.StreamResponse, await handler(request))

    async def _post_messages(self, request: web.Request) -> web.Response:
        node, path = request.match_info["node"], request.path
        channel: Channel | None = None
        if node == self.phone_number_id:
            channel = "whatsapp"
        elif node == self.ig_user_id or (node == "me" and _token(request)
                                          == self.instagram_token):
            channel = "instagram"
        elif node in ("me", self.page_id):
            channel = "messenger"
        try:
            payload: JSON | None = await request.json()
        except ValueError:
            payload = None
        body = payload if isinstance(payload, dict) else {}
        try:
            if channel is None:
                raise _unknown_object(node, "post")
            self._authorize(channel, request)
            if not isinstance(payload, dict):
                raise GraphError(400, 100, details="The request body must be a JSON object.")
            if channel == "whatsapp":
                answer = self._send_whatsapp(path, body)
            else:
                answer = self._send_messaging(channel, path, body)
        except GraphError as err:
            self.rejected.append((path, body, err.code))
            await self._notify()
            return web.json_response(err.body(channel), status=err.http_status)
        await self._notify()
        return web.json_response(answer)

    def _send_whatsapp(self, path: str, body: JSON) -> JSON:
        if body.get("status") == "read":  # read receipt, maybe with a typing indicator
            self._validate("whatsapp", body)
            self.whatsapp_read.append(body)
            return {"success": True}
        self._injected_failure("whatsapp")
        self._validate("whatsapp", body)
        # ``to`` (a phone number) wins over ``recipient`` (a BSUID) when both are given.
        by_phone = isinstance(body.get("to"), str)
        to = str(body["to"] if by_phone else body["recipient"])
        template = body.get("template")
        if not by_phone and isinstance(template, dict) \
                and template.get("name") in self.phone_only_templates:
            raise GraphError(400, 131062)
        if body.get("type", "text") != "template" and not self._in_window(to, STANDARD_WINDOW):
            raise GraphError(400, 131047)
        key = body.get("biz_opaque_callback_data")
        if self.idempotent and isinstance(key, str) and key in self._keys:
            self.repeats += 1
            return {"messaging_product": "whatsapp", "messages": [{"id": self._keys[key]}]}
        self._counter += 1
        digest = hashlib.sha1(f"{to}:{self._counter}:{secrets.token_hex(4)}".encode()).digest()
        wamid = "wamid." + base64.b64encode(b"\x15\x02\x00\x11\x18\x12" + digest).decode()
        if isinstance(key, str):
            self._keys[key] = wamid
        self.whatsapp_sent.append(GraphCall(path, body, wamid, time.time()))
        contact = {"input": to, "wa_id": _wa_id(to)} if by_phone else {"input": to, "user_id": to}
        return {"messaging_product": "whatsapp", "contacts": [contact],
                "messages": [{"id": wamid}]}

    def _send_messaging(self, channel: Channel, path: str, body: JSON) -> JSON:
        """A Messenger or Instagram send (the same Send API)."""
        if "sender_action" not in body:
            self._injected_failure(channel)
        self._validate(channel, body)
        psid = str(body["recipient"]["id"])
        if "sender_action" in body:
            self.messenger_actions.append((psid, str(body["sender_action"])))
            return {"recipient_id": psid}
        tagged = body.get("messaging_type") == "MESSAGE_TAG"
        if tagged and body.get("tag") != "HUMAN_AGENT":
            allowed = True  # the other tags are not bound to a window
        else:
            allowed = self._in_window(psid, HUMAN_AGENT_WINDOW if tagged else STANDARD_WINDOW)
        if not allowed:
            raise GraphError(400, 10, subcode=2018278)
        mid = "m_" + secrets.token_urlsafe(32)
        sent = self.instagram_sent if channel == "instagram" else self.messenger_sent
        sent.append(GraphCall(path, body, mid, time.time()))
        return {"recipient_id": psid, "message_id": mid}

    # ---------------------------------------------------------------- rules
    def _authorize(self, channel: Channel, request: web.Request) -> None:
        header = request.headers.get("Authorization", "")
        bearer = header.removeprefix("Bearer ") if header.startswith("Bearer ") else None
        if channel == "whatsapp":
            if bearer != self.whatsapp_token:
                raise GraphError(401, 190)
        elif channel == "instagram":
            if _token(request) != self.instagram_token:
                raise GraphError(400, 190)
        elif _token(request) != self.page_token:
            raise GraphError(400, 190)  # the Send API answers bad page tokens with 400

    def _injected_failure(self, channel: Channel) -> None:
        queue = self._failures[channel]
        if queue:
            failure = queue[0]
            failure.times -= 1
            if failure.times <= 0:
                queue.pop(0)
            raise failure.error

    def _validate(self, channel: Channel, body: JSON) -> None:
        try:
            if channel == "whatsapp":
                validate_whatsapp_send(body)
            else:
                validate_messenger_send(body, instagram=channel == "instagram")
        except InvalidSend as err:
            code = self.validation_code if channel == "whatsapp" else 100
            raise GraphError(400, code, _prefixed(code, str(err), channel),
                             details=str(err)) from None

    def _in_window(self, who: str, seconds: float) -> bool:
        if not self.enforce_window:
            return True
        last = self._last_wrote.get(_wa_id(who))
        return last is not None and time.time() - last < seconds


def _token(request: web.Request) -> str | None:
    """The Send API's token: ``?access_token=`` or a bearer header."""
    header = request.headers.get("Authorization", "")
    bearer = header.removeprefix("Bearer ") if header.startswith("Bearer ") else None
    return request.query.get("access_token") or bearer


def _prefixed(code: int, details: str, channel: Channel) -> str:
    """WhatsApp says "(#100) Invalid parameter" + details; Messenger puts details inline."""
    title = TITLES.get(code, "Invalid parameter")
    return f"(#{code}) {title}" if channel == "whatsapp" else f"(#{code}) {details}"


def _unknown_object(node: str, verb: str) -> GraphError:
    return GraphError(
        400, 100, f"Unsupported {verb} request. Object with ID '{node}' does not exist, cannot"
        " be loaded due to missing permissions, or does not support this operation.",
        subcode=33, kind="GraphMethodException")


def _wa_id(to: str) -> str:
    """WhatsApp accepts "+34 600-111-222" and answers wa_id "34600111222"; PSIDs pass."""
    digits = re.sub(r"[\s+\-()]", "", to)
    return digits if digits.isdigit() else to


# -------------------------------------------------------------------- send validation
class InvalidSend(ValueError):
    """A send Meta refuses as an invalid parameter; the text is the ``details``."""


Rule = tuple[str, int, bool]  # (path, most characters or elements, required)
_B, _S = "interactive.action.buttons[]", "interactive.action.sections[]"
_INTERACTIVE: list[Rule] = [("interactive.body.text", 1024, True),
                            ("interactive.header.text", 60, False),
                            ("interactive.footer.text", 60, False)]
_MEDIA = {kind: [(f"{kind}.link", 2048, False), (f"{kind}.caption", 1024, False),
                 (f"{kind}.filename", 240, False)]
          for kind in ("image", "document", "audio", "video", "sticker")}
#: Meta's documented limits for strings, by message (or interactive) type. "[]" applies a
#: rule to each element of a list.
WHATSAPP_STRINGS: dict[str, list[Rule]] = {
    "text": [("text.body", 4096, True)],
    "template": [("template.name", 512, True), ("template.language.code", 15, True)],
    "button": [*_INTERACTIVE, (f"{_B}.reply.id", 256, True), (f"{_B}.reply.title", 20, True)],
    "list": [*_INTERACTIVE, ("interactive.action.button", 20, True),
             (f"{_S}.title", 24, False), (f"{_S}.rows[].id", 200, True),
             (f"{_S}.rows[].title", 24, True), (f"{_S}.rows[].description", 72, False)],
    **_MEDIA,
}
#: ... and for lists (non-empty, at most N elements).
WHATSAPP_LISTS: dict[str, list[Rule]] = {
    "button": [("interactive.action.buttons", 3, True)],
    "list": [("interactive.action.sections", 10, True), (f"{_S}.rows", 10, True)],
}
_BT = "message.attachment.payload"
MESSENGER_STRINGS: list[Rule] = [
    ("recipient.id", 64, False), ("message.text", 2000, False),
    ("message.quick_replies[].title", 20, False), ("message.quick_replies[].payload", 1000, False),
    (f"{_BT}.url", 2048, False), (f"{_BT}.text", 640, False),
    (f"{_BT}.buttons[].title", 20, True), (f"{_BT}.buttons[].payload", 1000, False),
]
MESSENGER_LISTS: list[Rule] = [("message.quick_replies", 13, False), (f"{_BT}.buttons", 3, False)]
MESSENGER_TAGS = frozenset({"HUMAN_AGENT", "ACCOUNT_UPDATE", "POST_PURCHASE_UPDATE",
                            "CONFIRMED_EVENT_UPDATE"})


def _need(ok: object, details: str) -> None:
    if not ok:
        raise InvalidSend(details)


def _at(node: Any, path: str, name: str = "") -> Iterator[tuple[str, Any]]:
    """Yield (Meta-style name, value) for each value at ``path`` (None where missing)."""
    if not path:
        yield name, node
        return
    head, _, rest = path.partition(".")
    key = head.removesuffix("[]")
    value = node.get(key) if isinstance(node, dict) else None
    name = f"{name}['{key}']" if name else key
    if head.endswith("[]"):
        for i, item in enumerate(value if isinstance(value, list) else []):
            yield from _at(item, rest, f"{name}[{i}]")
    else:
        yield from _at(value, rest, name)


def _check(body: JSON, strings: list[Rule], lists: list[Rule]) -> None:
    for path, most, required in lists:
        for name, value in _at(body, path):
            if value is None and not required:
                continue
            _need(isinstance(value, list) and value and all(isinstance(v, dict) for v in value),
                  f"The parameter {name} is required and must be a non-empty list of objects.")
            _need(len(value) <= most, f"Param {name} must have at most {most} elements"
                  f" (got {len(value)}).")
    for path, most, required in strings:
        for name, value in _at(body, path):
            if value is None or value == "":
                _need(not required, f"The parameter {name} is required and cannot be empty.")
                continue
            _need(isinstance(value, str), f"Param {name} must be a string.")
            _need(len(value) <= most, f"Param {name} must be at most {most} characters long"
                  f" (got {len(value)}).")


def _unique(ids: list[Any], what: str) -> None:
    dupes = sorted({str(i) for i in ids if ids.count(i) > 1})
    _need(not dupes, f"{what} must be unique; duplicated: {', '.join(dupes)}.")


def validate_whatsapp_send(body: JSON) -> None:
    """Raise ``InvalidSend`` where the Cloud API would refuse this ``/messages`` body."""
    _need(body.get("messaging_product") == "whatsapp",
          "The parameter messaging_product is required and must be 'whatsapp'.")
    if body.get("status") == "read":  # a read receipt (maybe with a typing indicator)
        _check(body, [("message_id", 512, True)], [])
        return
    _need(body.get("recipient_type", "individual") == "individual",
          "Param recipient_type must be 'individual'.")
    kind = body.get("type", "text")
    _need(isinstance(kind, str) and isinstance(body.get(kind), dict),
          f"The parameter {kind} is required and must be an object (type={kind!r}).")
    part: JSON = body[kind]
    if kind == "interactive":
        kind = part.get("type")
        _need(kind in {"button", "list", "cta_url", "flow", "product", "product_list"},
              f"Param interactive['type'] is not supported: {kind!r}.")
    else:
        _need(kind in {"text", "template", "location", "contacts", "reaction", *_MEDIA},
              f"Param type is not supported: {kind!r}.")
    _need(isinstance(body.get("to"), str) or isinstance(body.get("recipient"), str),
          "The parameter to (a phone number) or recipient (a business-scoped user ID) is"
          " required.")
    recipient = body.get("recipient")
    _need(recipient is None or (isinstance(recipient, str) and BSUID.fullmatch(recipient)),
          f"Param recipient must be a business-scoped user ID (got {recipient!r}).")
    _check(body, [("to", 64, False), *WHATSAPP_STRINGS.get(kind, [])],
           WHATSAPP_LISTS.get(kind, []))
    if kind in _MEDIA:
        _need(("link" in part) != ("id" in part), f"Param {kind} needs exactly one of link or id.")
        _need(str(part.get("link", "https:")).startswith(("http:", "https:")),
              f"Param {kind}['link'] must be an http(s) URL.")
    elif kind == "button":
        buttons = part["action"]["buttons"]
        _need(all(b.get("type") == "reply" for b in buttons),
              "Every button's type must be 'reply'.")
        _unique([b["reply"]["id"] for b in buttons], "Button ids")
    elif kind == "list":
        sections = part["action"]["sections"]
        _need(len(sections) == 1 or all(s.get("title") for s in sections),
              "Every section needs a title when there are several.")
        rows = [row["id"] for section in sections for row in section["rows"]]
        _need(len(rows) <= 10, f"Total row count exceed max allowed count: 10 (got {len(rows)}).")
        _unique(rows, "Row ids")


def validate_messenger_send(body: JSON, *, instagram: bool = False) -> None:
    """Raise ``InvalidSend`` where the Send API would refuse this ``/messages`` body
    (Instagram's, with ``instagram``: shorter texts, one tag, no files)."""
    _check(body, [("recipient.id", 64, True)], [])
    if "sender_action" in body:
        _need(body["sender_action"] in {"typing_on", "typing_off", "mark_seen"},
              "Param sender_action must be typing_on, typing_off or mark_seen.")
        _need("message" not in body, "Param sender_action cannot go with message.")
        return
    kind, message = body.get("messaging_type"), cast(JSON, body.get("message"))
    _need(kind in {"RESPONSE", "UPDATE", "MESSAGE_TAG"},
          "Param messaging_type is required and must be RESPONSE, UPDATE or MESSAGE_TAG.")
    _need(kind != "MESSAGE_TAG" or body.get("tag") in MESSENGER_TAGS,
          f"Param tag must be one of {', '.join(sorted(MESSENGER_TAGS))} with MESSAGE_TAG.")
    _need(isinstance(message, dict) and bool(message.get("text")) != ("attachment" in message),
          "Param message must have exactly one of a non-empty text or an attachment.")
    _check(body, MESSENGER_STRINGS, MESSENGER_LISTS)
    if instagram:
        _need(len(message.get("text") or "") <= 1000,
              "Param message['text'] must be at most 1000 characters on Instagram.")
        _need(kind != "MESSAGE_TAG" or body.get("tag") == "HUMAN_AGENT",
              "Param tag must be HUMAN_AGENT on Instagram.")
        _need(as_type(message.get("attachment")) != "file",
              "Param message['attachment']['type'] file is not supported on Instagram.")
    for i, reply in enumerate(message.get("quick_replies") or []):
        kind = reply.get("content_type")
        _need(kind in {"text", "user_phone_number", "user_email"},
              f"Param message['quick_replies'][{i}]['content_type'] is not supported: {kind!r}.")
        _need(kind != "text" or (reply.get("title") and reply.get("payload")),
              f"Param message['quick_replies'][{i}] needs a title and a payload.")
    attachment = message.get("attachment")
    if isinstance(attachment, dict):
        _validate_attachment(attachment)


def as_type(attachment: object) -> object:
    return attachment.get("type") if isinstance(attachment, dict) else None


def _validate_attachment(attachment: JSON) -> None:
    kind, payload = attachment.get("type"), attachment.get("payload")
    where = "message['attachment']['payload']"
    _need(kind in {"image", "audio", "video", "file", "template"},
          "Param message['attachment']['type'] must be image, audio, video, file or template.")
    _need(isinstance(payload, dict), f"The parameter {where} is required.")
    payload = cast(JSON, payload)
    if kind != "template":
        url = str(payload.get("url", ""))
        _need(url.startswith(("http:", "https:")) or "attachment_id" in payload,
              "Param message['attachment']['payload'] needs an http(s) url or an attachment_id.")
        return
    template = payload.get("template_type")
    _need(template in {"button", "generic", "media", "receipt"},
          f"Param {where}['template_type'] is not supported: {template!r}.")
    if template == "button":
        _check({"message": {"attachment": attachment}},
               [(f"{_BT}.text", 640, True)], [(f"{_BT}.buttons", 3, True)])
        for i, button in enumerate(payload["buttons"]):
            kind = button.get("type")
            _need(kind in {"postback", "web_url", "phone_number"},
                  f"Param {where}['buttons'][{i}]['type'] is not supported: {kind!r}.")
            needed = "url" if kind == "web_url" else "payload"
            _need(button.get(needed), f"Param {where}['buttons'][{i}]['{needed}'] is required.")
