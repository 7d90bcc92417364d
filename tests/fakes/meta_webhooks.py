"""Build and sign webhook deliveries the way Meta does (WhatsApp Cloud API and Messenger).

Imitates: the shapes of WhatsApp ``whatsapp_business_account`` deliveries (inbound
messages and message statuses, with or without the business-scoped user ids of 2026, and
the two ``system`` messages that re-key a user: a number change and a BSUID change) and
Messenger ``page`` deliveries (text, quick replies,
postbacks, echoes, attachments); Meta's body bytes (compact JSON with non-ASCII escaped
as lowercase ``\\uXXXX`` and ``/`` as ``\\/``); the ``X-Hub-Signature-256`` header (and the
legacy SHA-1 ``X-Hub-Signature`` Messenger still sends); the verification GET query.

Not imitated: delivery itself (retries, timing), most other message types (reactions,
stickers, orders, referrals, other system messages), the ``conversation``/``pricing`` objects
of statuses (see the samples in tests/data), and Meta's own key order: a signature only
has to match the bytes actually sent, so sign exactly the bytes you POST.

Everything here is pure (no I/O) except ``load`` and ``sample_names``.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import secrets
import time
from pathlib import Path
from typing import Any, Literal, TypedDict, Unpack

JSON = dict[str, Any]
DATA_DIR = Path(__file__).resolve().parent.parent / "data"

#: The error Meta puts in a ``failed`` status when the 24-hour window was closed.
REENGAGEMENT_ERROR: JSON = {
    "code": 131047,
    "title": "Re-engagement message",
    "message": "Re-engagement message",
    "error_data": {
        "details": "Message failed to send because more than 24 hours have passed since the"
        " customer last replied to this number."
    },
    "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
}


# ------------------------------------------------------------------------ bytes & signatures
def encode(payload: JSON) -> bytes:
    """The bytes Meta would send for ``payload``: compact, ASCII-only, slashes escaped."""
    text = json.dumps(payload, ensure_ascii=True, separators=(",", ":"))
    return text.replace("/", "\\/").encode("ascii")


def sign(app_secret: str, body: bytes) -> str:
    """``X-Hub-Signature-256`` for ``body``: ``"sha256=" + hex HMAC-SHA256(app_secret)``."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def sign_sha1(app_secret: str, body: bytes) -> str:
    """The legacy ``X-Hub-Signature`` (``"sha1=..."``) Messenger also sends."""
    return "sha1=" + hmac.new(app_secret.encode(), body, hashlib.sha1).hexdigest()


def signed_delivery(payload: JSON, app_secret: str) -> tuple[bytes, dict[str, str]]:
    """``(body, headers)`` of a webhook POST as Meta makes it."""
    body = encode(payload)
    return body, {
        "Content-Type": "application/json",
        "X-Hub-Signature": sign_sha1(app_secret, body),
        "X-Hub-Signature-256": sign(app_secret, body),
    }


def verification_query(
    verify_token: str, challenge: str = "1158201444", mode: str = "subscribe"
) -> dict[str, str]:
    """The query string of Meta's subscription check (answer 200 with ``challenge``)."""
    return {"hub.mode": mode, "hub.verify_token": verify_token, "hub.challenge": challenge}


def new_wamid() -> str:
    """A fresh id shaped like Meta's (``wamid.`` + base64)."""
    return "wamid." + base64.b64encode(b"\x18\x0b" + secrets.token_bytes(40)).decode()


def new_mid() -> str:
    """A fresh Messenger message id (``m_...``)."""
    return "m_" + secrets.token_urlsafe(60)


# ------------------------------------------------------------------------------ WhatsApp
class WhatsAppOptions(TypedDict, total=False):
    """Options every WhatsApp inbound-message builder takes."""

    message_id: str | None  # default: a fresh wamid
    name: str  # the sender's profile name; default "Ana"
    phone_number_id: str  # our number's id; default "PNID"
    display_phone_number: str  # default "15550001111"
    waba_id: str  # the WhatsApp Business Account id (entry id); default "WABA_ID"
    timestamp: int | str | None  # seconds; default now
    context_id: str | None  # wamid of our message this one answers (button/list replies)
    # Business-scoped user ids (2026): the sender's BSUID, always sent by Meta now (None
    # or left out: a phone-only delivery of earlier days); the parent BSUID where the
    # business has them; the username the user chose. ``wa_id=None``: the phone number
    # is withheld (a BSUID-only delivery).
    user_id: str | None
    parent_user_id: str | None
    username: str | None


def _metadata(opts: WhatsAppOptions) -> JSON:
    return {
        "display_phone_number": opts.get("display_phone_number", "15550001111"),
        "phone_number_id": opts.get("phone_number_id", "PNID"),
    }


def _whatsapp_delivery(waba_id: str, value: JSON) -> JSON:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": waba_id, "changes": [{"value": value, "field": "messages"}]}],
    }


def _whatsapp_message(wa_id: str | None, kind: str, content: Any,
                      opts: WhatsAppOptions) -> JSON:
    message: JSON = {}
    if opts.get("context_id"):
        message["context"] = {"from": _metadata(opts)["display_phone_number"],
                              "id": opts["context_id"]}
    user_id, parent = opts.get("user_id"), opts.get("parent_user_id")
    message |= _some(**{"from": wa_id, "from_user_id": user_id,
                        "from_parent_user_id": parent})
    message |= {
        "id": opts.get("message_id") or new_wamid(),
        "timestamp": str(opts.get("timestamp") or int(time.time())),
        "type": kind,
        kind: content,
    }
    value = {
        "messaging_product": "whatsapp",
        "metadata": _metadata(opts),
        "contacts": [_some(profile=_some(name=opts.get("name", "Ana"),
                                         username=opts.get("username")),
                           wa_id=wa_id, user_id=user_id, parent_user_id=parent)],
        "messages": [message],
    }
    return _whatsapp_delivery(opts.get("waba_id", "WABA_ID"), value)


def _some(**fields: Any) -> JSON:
    return {key: value for key, value in fields.items() if value is not None}


def whatsapp_text(*, wa_id: str | None = None, text: str,
                  **opts: Unpack[WhatsAppOptions]) -> JSON:
    return _whatsapp_message(wa_id, "text", {"body": text}, opts)


def whatsapp_button_reply(
    *, wa_id: str | None = None, button_id: str, title: str, **opts: Unpack[WhatsAppOptions]
) -> JSON:
    content = {"type": "button_reply", "button_reply": {"id": button_id, "title": title}}
    return _whatsapp_message(wa_id, "interactive", content, opts)


def whatsapp_list_reply(
    *, wa_id: str | None = None, row_id: str, title: str, description: str | None = None,
    **opts: Unpack[WhatsAppOptions],
) -> JSON:
    content = {"type": "list_reply",
               "list_reply": _some(id=row_id, title=title, description=description)}
    return _whatsapp_message(wa_id, "interactive", content, opts)


def whatsapp_image(
    *, wa_id: str | None = None, media_id: str, mime_type: str = "image/jpeg",
    sha256: str | None = None,
    caption: str | None = None, **opts: Unpack[WhatsAppOptions],
) -> JSON:
    sha = sha256 or base64.b64encode(hashlib.sha256(media_id.encode()).digest()).decode()
    image = _some(caption=caption, mime_type=mime_type, sha256=sha, id=media_id)
    return _whatsapp_message(wa_id, "image", image, opts)


def whatsapp_document(
    *, wa_id: str | None = None, media_id: str, filename: str,
    mime_type: str = "application/pdf",
    sha256: str | None = None, caption: str | None = None, **opts: Unpack[WhatsAppOptions],
) -> JSON:
    sha = sha256 or base64.b64encode(hashlib.sha256(media_id.encode()).digest()).decode()
    document = _some(caption=caption, filename=filename, mime_type=mime_type, sha256=sha,
                     id=media_id)
    return _whatsapp_message(wa_id, "document", document, opts)


def whatsapp_location(
    *, wa_id: str | None = None, latitude: float, longitude: float, place: str | None = None,
    address: str | None = None, **opts: Unpack[WhatsAppOptions],
) -> JSON:
    """A shared location; ``place`` becomes ``location.name`` (``name`` is the sender's)."""
    location = _some(latitude=latitude, longitude=longitude, name=place, address=address)
    return _whatsapp_message(wa_id, "location", location, opts)


def whatsapp_contacts(
    *, wa_id: str | None = None, formatted_name: str, phone: str,
    first_name: str | None = None,
    contact_wa_id: str | None = None, **opts: Unpack[WhatsAppOptions],
) -> JSON:
    """A shared contact card; ``contact_wa_id`` is set when the number is on WhatsApp."""
    name = _some(formatted_name=formatted_name, first_name=first_name or formatted_name.split()[0])
    phones = [_some(phone=phone, wa_id=contact_wa_id, type="CELL")]
    return _whatsapp_message(wa_id, "contacts", [{"name": name, "phones": phones}], opts)


def whatsapp_status(
    *, wamid: str, status: Literal["sent", "delivered", "read", "failed"],
    recipient_id: str | None = None, recipient_user_id: str | None = None,
    errors: list[JSON] | None = None, timestamp: int | str | None = None,
    phone_number_id: str = "PNID", display_phone_number: str = "15550001111",
    waba_id: str = "WABA_ID",
) -> JSON:
    """A status update for one of our messages; ``failed`` ones carry ``errors``
    (e.g. ``[REENGAGEMENT_ERROR]``). There is no ``messages`` key in these. A send to a
    BSUID is reported with ``recipient_user_id`` and, while the number is withheld, no
    ``recipient_id``."""
    item: JSON = {"id": wamid, "status": status,
                  "timestamp": str(timestamp or int(time.time()))}
    item |= _some(recipient_id=recipient_id, recipient_user_id=recipient_user_id)
    if errors:
        item["errors"] = errors
    metadata = {"display_phone_number": display_phone_number, "phone_number_id": phone_number_id}
    value = {"messaging_product": "whatsapp", "metadata": metadata, "statuses": [item]}
    return _whatsapp_delivery(waba_id, value)


def _whatsapp_system(system: JSON, message: JSON, *, phone_number_id: str,
                     display_phone_number: str, waba_id: str) -> JSON:
    """A ``system`` message: like Meta's, it comes without a ``contacts`` array."""
    message |= {"id": new_wamid(), "timestamp": str(int(time.time())), "type": "system",
                "system": system}
    metadata = {"display_phone_number": display_phone_number, "phone_number_id": phone_number_id}
    return _whatsapp_delivery(waba_id, {"messaging_product": "whatsapp", "metadata": metadata,
                                        "messages": [message]})


def whatsapp_changed_number(
    *, old_wa_id: str, new_wa_id: str, new_user_id: str | None,
    previous_user_id: str | None, name: str = "Ana", phone_number_id: str = "PNID",
    display_phone_number: str = "15550001111", waba_id: str = "WABA_ID",
) -> JSON:
    """``user_changed_number``: the old number in ``from``, the new one in
    ``system.wa_id``; the new BSUID in ``system.user_id`` (a new number gets a new BSUID),
    the old one in ``system.previous_user_id``."""
    system = _some(body=f"User {name} changed from {old_wa_id} to {new_wa_id}",
                   wa_id=new_wa_id, user_id=new_user_id, previous_user_id=previous_user_id,
                   type="user_changed_number")
    return _whatsapp_system(system, {"from": old_wa_id}, phone_number_id=phone_number_id,
                            display_phone_number=display_phone_number, waba_id=waba_id)


def whatsapp_changed_user_id(
    *, user_id: str, previous_user_id: str, name: str = "Ana",
    phone_number_id: str = "PNID", display_phone_number: str = "15550001111",
    waba_id: str = "WABA_ID",
) -> JSON:
    """``user_changed_user_id``: the BSUID changed; no phone number anywhere."""
    system = {"body": f"User {name} changed their business-scoped user ID",
              "user_id": user_id, "previous_user_id": previous_user_id,
              "type": "user_changed_user_id"}
    return _whatsapp_system(system, {"from_user_id": previous_user_id},
                            phone_number_id=phone_number_id,
                            display_phone_number=display_phone_number, waba_id=waba_id)


def whatsapp_batch(payloads: list[JSON], *, merge_changes: bool = False) -> JSON:
    """One delivery with everything in ``payloads``: one entry per WABA id (first-seen
    order), one change per payload change or, with ``merge_changes``, one change per
    phone number whose ``messages``/``statuses``/``contacts`` lists are concatenated."""
    entries: dict[str, JSON] = {}
    for payload in payloads:
        for entry in payload["entry"]:
            target = entries.setdefault(entry["id"], {"id": entry["id"], "changes": []})
            for change in copy.deepcopy(entry["changes"]):
                number = change["value"]["metadata"]["phone_number_id"]
                same = [c for c in target["changes"]
                        if c["value"]["metadata"]["phone_number_id"] == number]
                if not (merge_changes and same):
                    target["changes"].append(change)
                    continue
                for key in ("contacts", "messages", "statuses"):
                    extra = [x for x in change["value"].get(key, [])
                             if x not in same[0]["value"].get(key, [])]
                    if extra:
                        same[0]["value"].setdefault(key, []).extend(extra)
    return {"object": "whatsapp_business_account", "entry": list(entries.values())}


# ----------------------------------------------------------------------------- Messenger
class MessengerOptions(TypedDict, total=False):
    """Options every Messenger builder takes."""

    mid: str | None  # default: a fresh m_... id
    page_id: str  # default "PAGE_ID"
    timestamp: int | None  # milliseconds; default now


def _messenger(psid: str, opts: MessengerOptions, event: JSON, *, echo: bool = False,
               platform: str = "page") -> JSON:
    page_id = opts.get("page_id", "PAGE_ID" if platform == "page" else "IG_ID")
    at = opts.get("timestamp") or int(time.time() * 1000)
    sender, recipient = (page_id, psid) if echo else (psid, page_id)
    messaging = {"sender": {"id": sender}, "recipient": {"id": recipient}, "timestamp": at, **event}
    return {"object": platform,
            "entry": [{"id": page_id, "time": at, "messaging": [messaging]}]}


def messenger_text(*, psid: str, text: str, **opts: Unpack[MessengerOptions]) -> JSON:
    return _messenger(psid, opts, {"message": {"mid": opts.get("mid") or new_mid(), "text": text}})


def messenger_quick_reply(
    *, psid: str, title: str, payload: str, **opts: Unpack[MessengerOptions]
) -> JSON:
    """A tapped quick reply: the title comes back as ``text``, with ``quick_reply.payload``."""
    message = {"mid": opts.get("mid") or new_mid(), "text": title,
               "quick_reply": {"payload": payload}}
    return _messenger(psid, opts, {"message": message})


def messenger_postback(
    *, psid: str, title: str, payload: str, **opts: Unpack[MessengerOptions]
) -> JSON:
    """A tapped postback button (button template, persistent menu, Get Started)."""
    postback = {"title": title, "payload": payload, "mid": opts.get("mid") or new_mid()}
    return _messenger(psid, opts, {"postback": postback})


def messenger_image(*, psid: str, url: str, **opts: Unpack[MessengerOptions]) -> JSON:
    message = {"mid": opts.get("mid") or new_mid(),
               "attachments": [{"type": "image", "payload": {"url": url}}]}
    return _messenger(psid, opts, {"message": message})


def messenger_echo(
    *, psid: str, text: str, app_id: int = 1517776481860111, metadata: str | None = None,
    **opts: Unpack[MessengerOptions],
) -> JSON:
    """The copy Meta sends of a message the page sent (sender is the page)."""
    message = _some(mid=opts.get("mid") or new_mid(), is_echo=True, app_id=app_id,
                    metadata=metadata, text=text)
    return _messenger(psid, opts, {"message": message}, echo=True)


def messenger_batch(payloads: list[JSON], *, merge_entries: bool = False) -> JSON:
    """One delivery with every entry of ``payloads``. Meta documents one event per
    ``messaging`` list, but batches entries; ``merge_entries`` puts the events of the
    same page into one entry's ``messaging`` anyway (seen in practice)."""
    entries: list[JSON] = []
    for entry in (e for p in payloads for e in copy.deepcopy(p["entry"])):
        same = [e for e in entries if e["id"] == entry["id"]] if merge_entries else []
        if same:
            same[0]["messaging"].extend(entry["messaging"])
        else:
            entries.append(entry)
    return {"object": "page", "entry": entries}


# ----------------------------------------------------------------------------- Instagram
# Instagram deliveries are Messenger's shape with ``object: "instagram"``; ``page_id`` is
# the professional account's id (default "IG_ID") and ``psid`` the IGSID.
def _instagram(igsid: str, opts: MessengerOptions, message: JSON, *, echo: bool = False) -> JSON:
    message = {"mid": opts.get("mid") or new_mid(), **message}
    return _messenger(igsid, opts, {"message": message}, echo=echo, platform="instagram")


def instagram_text(*, igsid: str, text: str, **opts: Unpack[MessengerOptions]) -> JSON:
    return _instagram(igsid, opts, {"text": text})


def instagram_quick_reply(*, igsid: str, title: str, payload: str,
                          **opts: Unpack[MessengerOptions]) -> JSON:
    return _instagram(igsid, opts, {"text": title, "quick_reply": {"payload": payload}})


def instagram_echo(*, igsid: str, text: str, **opts: Unpack[MessengerOptions]) -> JSON:
    """The copy Instagram sends of a message the account sent (sender is the account)."""
    return _instagram(igsid, opts, {"text": text, "is_echo": True}, echo=True)


def instagram_story_reply(*, igsid: str, text: str, story_url: str = "https://cdn.example/s",
                          **opts: Unpack[MessengerOptions]) -> JSON:
    """A reply to one of the account's stories."""
    story = {"url": story_url, "id": "17900000000000001"}
    return _instagram(igsid, opts, {"text": text, "reply_to": {"story": story}})


def instagram_story_mention(*, igsid: str, story_url: str = "https://cdn.example/m",
                            **opts: Unpack[MessengerOptions]) -> JSON:
    """The customer mentioned the account in their story."""
    mention = {"type": "story_mention", "payload": {"url": story_url}}
    return _instagram(igsid, opts, {"attachments": [mention]})


# ------------------------------------------------------------------------------ samples
def load(name: str) -> JSON:
    """A sample delivery from tests/data: ``load("whatsapp/text")`` (".json" optional)."""
    path = DATA_DIR / (name if name.endswith(".json") else f"{name}.json")
    data: JSON = json.loads(path.read_text(encoding="utf-8"))
    return data


def sample_names(channel: Literal["whatsapp", "messenger"]) -> list[str]:
    """Every sample of a channel, as names for ``load`` (``"whatsapp/text"``...)."""
    return sorted(f"{channel}/{path.stem}" for path in (DATA_DIR / channel).glob("*.json"))
