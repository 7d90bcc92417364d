"""Channel-neutral messages: what connectors produce (``Inbound``) and what flows say
(the ``Outbound`` kinds).

All are frozen pydantic models. ``Inbound.raw`` is the one escape hatch to the platform
payload; it is never stored and flows never read it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Generic, Literal, Self, TypeVar, overload

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class _once(Generic[T]):
    """A value worked out on first read and kept on the (frozen) instance. Like
    ``functools.cached_property`` without its lock, which on Python 3.11 costs more than
    the strings it would save building on a message's short life."""

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> _once[T]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...

    def __get__(self, instance: object, owner: type | None = None) -> T | _once[T]:
        if instance is None:
            return self
        value: T = self.func(instance)
        instance.__dict__[self.name] = value  # read from there from now on
        return value


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", ignored_types=(_once,))

    def model_copy(self, *, update: Mapping[str, Any] | None = None,
                   deep: bool = False) -> Self:
        """A copy; values worked out from the fields (``@_once``) are worked out again
        from the copy's own when ``update`` changed some."""
        copied = super().model_copy(update=update, deep=deep)
        if update:
            fields = type(self).model_fields
            for name in [n for n in copied.__dict__ if n not in fields]:
                del copied.__dict__[name]
        return copied


class Identity(_Frozen):
    """Who wrote, as one platform knows them: (channel, account, user id).

    ``channel`` is the connector's name in config.yaml (``telegram``, ``whatsapp``,
    ``webchat``...); ``account`` tells apart several bots or numbers on one channel.
    """

    channel: str
    account: str = "default"
    user_id: str

    @_once
    def key(self) -> str:
        """A stable string form, used in store keys and history events (built once: the
        hot path reads it several times per message; the model is frozen)."""
        return f"{self.channel}:{self.account}:{self.user_id}"

    @classmethod
    def from_key(cls, key: str) -> Identity:
        channel, account, user_id = key.split(":", 2)
        return cls(channel=channel, account=account, user_id=user_id)


AttachmentKind = Literal["image", "file", "audio", "video", "location", "contact", "sticker"]


class Attachment(_Frozen):
    """Media, a location or a shared contact that came with an inbound message."""

    kind: AttachmentKind
    url: str | None = None
    file_id: str | None = None
    mime_type: str | None = None
    name: str | None = None
    caption: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    phone: str | None = None
    #: True when the platform vouches that ``phone`` is the sender's own number.
    own_phone: bool = False


class SenderHint(_Frozen):
    """What the platform tells about the sender; the core decides what to keep."""

    name: str | None = None
    locale: str | None = None
    #: A phone number in E.164 that the platform vouches belongs to the sender (set only
    #: when the platform actually sent one: an id alone proves no number).
    verified_phone: str | None = None
    #: The handle the sender chose on the platform, for display only: it can change, so
    #: it never identifies anyone.
    username: str | None = None
    #: The network address the message came from, when the channel sees it (the web
    #: chat): wrong link codes are limited per address too.
    address: str | None = None
    #: The sender's device or app, as the channel can tell ("Chrome on Android"): shown
    #: to operators, to tell two identities of one channel apart (a laptop, a phone).
    device: str | None = None


class ConsentChange(_Frozen):
    """The sender's decision about being messaged, as the platform reports it (an SMS
    carrier's STOP or START keyword). The core records it in the profile's consents and
    in the history. A withdrawal is the platform's notice, not something to answer: no
    turn runs and nothing is sent (the carrier confirms it and stops delivery itself). A
    grant is recorded, and the message then runs like any other."""

    granted: bool
    #: The consent purposes it decides, on every channel (e.g. "marketing": see
    #: ``bot/consent/ledger.py``).
    purposes: tuple[str, ...] = Field(min_length=1)
    #: The platform's word for it (the keyword the customer sent), for the history.
    keyword: str | None = None


class Inbound(_Frozen):
    """One message from a customer, as every connector reports it.

    ``message_id`` must be unique per (channel, account) and stable across redeliveries:
    it is the dedupe key. ``payload`` is set when the customer pressed a button.
    """

    identity: Identity
    message_id: str
    text: str | None = None
    payload: str | None = None
    attachments: tuple[Attachment, ...] = ()
    sender: SenderHint = SenderHint()
    timestamp: float = Field(default_factory=time.time)
    #: Other ids the platform gives for this same sender (an older form of its id, e.g. a
    #: phone number where a platform-scoped id now comes): a first message from
    #: ``identity`` joins the customer of the first alias already known, so a platform
    #: changing how it names people never splits a customer.
    aliases: tuple[Identity, ...] = ()
    #: Set when this is not something the customer said but the platform's notice about
    #: them. ``"identity_changed"``: the sender is now ``identity`` and the ``aliases``
    #: are retired (their customer, flow and history carry over; nothing is answered).
    notice: Literal["identity_changed"] | None = None
    #: Set when the platform says the message changes the sender's consent.
    consent: ConsentChange | None = None
    raw: Any = Field(default=None, exclude=True, repr=False)

    @_once
    def command(self) -> tuple[str, str] | None:
        """``("start", "ABC")`` for ``/start ABC``; None when the text is not a command.
        Worked out once per message (intents, triggers and linking all ask)."""
        text = (self.text or "").strip()
        if not text.startswith("/") or len(text) < 2:
            return None
        head, _, rest = text[1:].partition(" ")
        name = head.split("@", 1)[0].lower()
        return (name, rest.strip()) if name else None


class Choice(_Frozen):
    """One option offered to the customer. ``payload`` comes back when it is chosen.

    Built with keywords only, ``Choice(payload="lunch", title="Lunch")``; anything else is
    a ``TypeError`` that shows that call (``omnicanal check`` finds it in a step's source
    too, before a customer meets it)."""

    payload: str
    title: str
    description: str | None = None

    if not TYPE_CHECKING:  # mypy keeps pydantic's keyword signature, and flags the rest

        def __init__(self, *args, **fields):
            if args or not {"payload", "title"} <= fields.keys():
                shown = [repr(a) for a in args] or [
                    repr(fields[k]) for k in ("payload", "title") if k in fields]
                raise TypeError(choice_hint(shown))
            super().__init__(**fields)


def choice_hint(given: Sequence[str]) -> str:
    """How to build a ``Choice``, shown where one was built wrongly (``given``: the
    positional arguments as written)."""
    first = given[0] if given else '"what comes back"'
    title = given[1] if len(given) > 1 else (first if given else '"what the customer sees"')
    return (f"Choice takes keyword arguments, payload (what comes back) and title (what the "
            f"customer sees): write Choice(payload={first}, title={title})")


class Text(_Frozen):
    kind: Literal["text"] = "text"
    text: str
    #: The display name of the person who wrote it (an operator); None: the bot. A
    #: channel that can show who speaks (the web chat) shows it; the others ignore it.
    #: Left out of the JSON when None: stored replies keep the layout older versions read.
    author: str | None = Field(default=None, exclude_if=lambda v: v is None)


class Choices(_Frozen):
    """A question with options: buttons where the channel has them, a numbered list elsewhere."""

    kind: Literal["choices"] = "choices"
    text: str
    choices: tuple[Choice, ...]


class Image(_Frozen):
    kind: Literal["image"] = "image"
    url: str
    caption: str | None = None


class File(_Frozen):
    kind: Literal["file"] = "file"
    url: str
    name: str | None = None
    caption: str | None = None


class Typing(_Frozen):
    kind: Literal["typing"] = "typing"


class RequestPhone(_Frozen):
    """Ask for the customer's phone number; a one-tap share button where the channel has one."""

    kind: Literal["request_phone"] = "request_phone"
    text: str
    button: str


class Template(_Frozen):
    """A message the business sends first (a notification): ``text`` on every channel,
    and on a channel with pre-approved templates (``Capabilities.templates``: WhatsApp)
    the platform's template ``name`` with ``parameters`` when its window is closed. Other
    channels get it as plain text (the renderer)."""

    kind: Literal["template"] = "template"
    text: str
    name: str
    #: The platform's language code for it (``es_ES``).
    language: str
    #: The template's body parameters {{1}}, {{2}}... in order.
    parameters: tuple[str, ...] = ()


Outbound = Annotated[
    Text | Choices | Image | File | Typing | RequestPhone | Template,
    Field(discriminator="kind")
]


def text_of(message: Outbound) -> str:
    """The human-readable text of an outbound message, for transcripts and logs."""
    if isinstance(message, Text | Choices | RequestPhone | Template):
        return message.text
    if isinstance(message, Image | File):
        return message.caption or message.url
    return ""
