"""What a conversation is found by, as index terms: pure functions, the same for what is
indexed and for what an operator types, so both sides always agree.

Text is folded (lower case, accents dropped: "José" is found by "jose") and cut into
words; a word with inner punctuation is kept whole too ("a-1234", "ana@example.com") and
its parts on their own ("a", "1234"), so an order number or an e-mail address is found
whole or by a part. Words of the transcript match whole; what identifies a customer
(a name, a username) also matches from its first letters, so "ali" finds Alice while
typing; an e-mail address matches whole or by its parts. A phone number matches with or
without its country code ("600111222" finds +34600111222), however the operator writes
it ("+34 600 11 12 22").

Facets (channel, status, assignee, label) are terms too, spelled with a leading "=" that
no folded word can have, so a customer called "mode" is never a filter.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from bot.model import Event, Profile, Session

#: Longest word kept (longer runs are base64, URLs, noise: nobody types them).
MAX_WORD = 40
#: Shortest prefix of an identifying word that is indexed.
MIN_PREFIX = 2
#: Shortest phone number (digits) an operator's query is read as.
MIN_PHONE_TAIL = 6
#: The longest country code: a number is found without up to this many leading digits.
MAX_COUNTRY_CODE = 3
#: Words kept per text (a pasted document must not flood the index).
MAX_WORDS_PER_TEXT = 200

#: Channels whose user ids are phone numbers (found like one).
PHONE_CHANNELS = ("whatsapp", "sms")
_CHUNK = re.compile(r"[\w][\w@.+\-/#]*")
_PART = re.compile(r"[^\W_]+")
_PHONE_QUERY = re.compile(r"^\+?[\d\s().\-]{6,}$")

#: The statuses a conversation can be found by (the session's mode, and "resolved": back
#: with the bot after an operator resolved it).
STATUSES = ("bot", "queued", "human", "resolved")


def fold(text: str) -> str:
    """Lower case without accents: how every term is spelled."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str | None) -> set[str]:
    """The words of a text as index terms: each word, and a punctuated word whole too."""
    found: set[str] = set()
    if not text:
        return found
    for chunk in _CHUNK.findall(fold(text)):
        chunk = chunk.rstrip(".-+/#@")
        parts = _PART.findall(chunk)
        if len(parts) > 1 and len(chunk) <= MAX_WORD:
            found.add(chunk)
        found.update(p for p in parts if len(p) <= MAX_WORD)
        if len(found) >= MAX_WORDS_PER_TEXT:
            break
    return found


def prefixes(text: str | None) -> set[str]:
    """The words of an identifying field, and every prefix of each from ``MIN_PREFIX``."""
    found: set[str] = set()
    for word in words(text):
        found.update(word[:n] for n in range(MIN_PREFIX, len(word) + 1))
    return found


def phone_terms(phone: str | None) -> set[str]:
    """A phone number's digits, and the same without a country code of 1 to 3 digits
    (which of them is the code is not known here; each is one more term, not a guess)."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) < MIN_PHONE_TAIL:
        return set()
    return {digits[i:] for i in range(MAX_COUNTRY_CODE + 1) if len(digits) - i >= 6}


def facet(name: str, value: str) -> str:
    """A filter term: ``=status:queued``, ``=ch:telegram``, ``=op:ana``, ``=tag:vip``."""
    return f"={name}:{fold(value)}"


def profile_terms(profile: Profile) -> set[str]:
    terms = prefixes(profile.name) | prefixes(profile.username) | words(profile.email)
    if profile.email:
        terms.add(fold(profile.email))
    terms |= phone_terms(profile.phone)
    for tag in profile.tags:
        terms |= words(tag)
    return terms


def customer_terms(customer_id: str) -> set[str]:
    """A customer is found by their id, or its first six characters (the short id)."""
    return {customer_id, customer_id[:6]}


def identity_terms(identity_key: str | None) -> set[str]:
    """The user id on a platform (an external id: a Telegram id, a WhatsApp number)."""
    if not identity_key:
        return set()
    channel, user_id = identity_key.split(":", 1)[0], identity_key.split(":", 2)[-1]
    found = words(user_id) | {fold(user_id)}
    return found | phone_terms(user_id) if channel in PHONE_CHANNELS else found


def event_terms(event: Event) -> set[str]:
    terms = words(event.text)
    if event.kind == "inbound":
        terms |= identity_terms(event.identity)
    return terms


def session_terms(session: Session) -> set[str]:
    """What the flows collected (an order number given as a slot), beyond the words."""
    terms: set[str] = set()
    for frame in session.stack:
        for value in frame.slots.values():
            if isinstance(value, str | int) and not isinstance(value, bool):
                terms |= words(str(value))
    return terms


def query_terms(query: str) -> list[str]:
    """What an operator typed, as the terms that must all match. A phone number written
    with spaces or dashes is one term, its digits."""
    query = query.strip()
    if _PHONE_QUERY.match(query) and sum(c.isdigit() for c in query) >= MIN_PHONE_TAIL:
        return [re.sub(r"\D", "", query)]
    chunks: set[str] = set()
    for chunk in _CHUNK.findall(fold(query)):
        chunk = chunk.rstrip(".-+/#@")
        parts = _PART.findall(chunk)
        # A punctuated word is asked for whole: its parts alone would match more.
        chunks.add(chunk if len(parts) > 1 and len(chunk) <= MAX_WORD else "")
        if len(parts) == 1:
            chunks.add(parts[0][:MAX_WORD])
    return sorted(c for c in chunks if c)


def status_of(session: Session, resolved: bool) -> str:
    """The status a conversation is filed under."""
    if session.mode != "bot":
        return session.mode
    return "resolved" if resolved else "bot"


def channels_of(events: Iterable[Event]) -> set[str]:
    return {e.channel for e in events if e.kind == "inbound" and e.channel}
