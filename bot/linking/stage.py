"""The conversation around linking, run before the dialogue engine on each message.

- "/link" (or "link", "vincular", the menu's "continue on another channel") answers with a
  one-time code and ready links for the other enabled channels.
- A code sent on another channel (with or without the dash, any case, or "/start CODE"
  from a deep link) is not redeemed at once: the customer is asked to confirm on the
  channel where it was sent, and only their "yes" uses the code up and links.
- A platform-vouched phone number (a WhatsApp sender, one's own Telegram contact) that
  belongs to another customer gets the same offer, never an automatic link.
- Wrong, used and expired codes get the same answer; wrong tries are limited per identity,
  per network address and per channel (``bot/store/links.py``), and a refusal says how
  long to wait, truly.
- A link URL submits a code in one click, so the confirmation says what is joined to what,
  and a customer who has a history here (anything said, a flow, contact details) must
  type a word to join: neither a click nor a reflexive "yes" moves their data to someone
  else's conversation. A customer with nothing here may simply say yes.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.dialogue.answers import match_choice
from bot.dialogue.engine import TurnResult
from bot.dialogue.intents import normalise
from bot.dialogue.locales import LocaleOf
from bot.dialogue.texts import Texts
from bot.history import inbound_event, opened, outbound_event, said_something
from bot.linking import codes
from bot.messages import Choice, Choices, Inbound, Outbound, Text
from bot.model import Event, PendingLink, Profile, Session
from bot.stages import MergeRequest, Next, TurnOutcome
from bot.store.links import LinkStore
from bot.store.results import Claim
from bot.store.store import Store

#: (channel label, URL) pairs for continuing on the other enabled channels.
ChannelLinks = Callable[[str, str], list[tuple[str, str]]]
#: The question a session's flow waits on, asked again (``DialogueEngine.reprompt``).
Reprompt = Callable[[Session, str | None], Outbound | None]

YES, NO = "link:yes", "link:no"
#: A choice with this payload (e.g. in a menu) asks for a link code.
LINK_PAYLOAD = "menu:link"
CODE_SENT = "(a link code)"
#: Events read to tell whether the customer said anything (more: they certainly did).
HISTORY_LOOKED_AT = 20
_YES_WORDS = {"yes", "y", "si", "sí", "1", "ok", "vale"}
_NO_WORDS = {"no", "n", "2"}


class LinkingStage:
    """A link of the turn chain: answers messages about linking, passes the rest on."""

    def __init__(
        self,
        *,
        store: Store,
        links: LinkStore,
        texts: Texts,
        channel_links: ChannelLinks,
        reprompt: Reprompt,
        locale_of: LocaleOf,
    ) -> None:
        self.store = store
        self.reprompt = reprompt
        self.links = links
        self.texts = texts
        self.channel_links = channel_links
        self.locale_of = locale_of
        self.minutes = max(links.code_ttl // 60, 1)
        self._phrases = {normalise(p) for v in texts.all_values("intent.link").values()
                         for p in v.split("|")}

    async def __call__(self, claim: Claim, next: Next) -> TurnOutcome:
        if isinstance(claim.item, Inbound):
            answered = await self.handle(claim)
            if answered is not None:
                return answered
        return await next(claim)

    async def handle(self, claim: Claim) -> TurnResult | MergeRequest | None:
        """A turn's result when the message is about linking; None to let flows answer."""
        inbound, session = claim.inbound, claim.session
        if session.mode != "bot":
            return None
        if session.pending_link is not None:
            return await self._answer(claim, session.pending_link)
        if self._asks_for_code(claim):
            return await self._give_code(claim)
        code = codes.extract(inbound.text)
        if code is not None:
            outcome = await self._redeem(claim, code)
            if outcome is not None:
                return outcome
        phone = inbound.sender.verified_phone
        if phone and not (claim.profile.phone == phone and claim.profile.phone_verified):
            return await self._vouched_phone(claim, phone)
        return None

    # -- giving a code --------------------------------------------------------------------

    def _asks_for_code(self, claim: Claim) -> bool:
        inbound = claim.inbound
        if inbound.payload == LINK_PAYLOAD:
            return True
        frame = claim.session.frame
        if frame is not None and frame.question is not None and frame.question.choices:
            # "6" or the title typed on a text-only channel, when a menu offers the link.
            picked = match_choice(frame.question, inbound)
            if picked is not None and picked.payload == LINK_PAYLOAD:
                return True
        command = inbound.command
        if command is not None:
            return command[0] in ("link", "vincular") and not command[1]
        return bool(inbound.text) and normalise(inbound.text or "") in self._phrases

    async def _give_code(self, claim: Claim) -> TurnResult:
        code = codes.new_code()
        while not await self.links.save_code(self.links.digest(code), claim.customer_id):
            code = codes.new_code()  # that hash is taken (a live code): draw again
        locale = self._locale(claim)
        lines = [self.texts.get(locale, "link.code", minutes=self.minutes,
                                code=codes.display(code))]
        urls = self.channel_links(claim.inbound.identity.channel, code)
        if urls:
            lines.append(self.texts.get(locale, "link.links"))
            lines.extend(f"{label}: {url}" for label, url in urls)
        # The code itself is not written to the history: it is a secret until used.
        return self._result(claim, [Text(text="\n".join(lines))],
                            answered="(a one-time link code was given)")

    # -- redeeming ------------------------------------------------------------------------

    async def _redeem(self, claim: Claim, code: str) -> TurnResult | None:
        inbound = claim.inbound
        explicit = "-" in (inbound.text or "") or (inbound.text or "").lstrip().startswith("/")
        locale = self._locale(claim)
        identity_key, channel = inbound.identity.key, inbound.identity.channel
        address = inbound.sender.address
        wait = await self.links.wait_seconds(identity_key, channel, address)
        if wait:
            if not explicit:
                return None
            text = self.texts.get(locale, "link.too_many", wait=self._duration(locale, wait))
            return self._result(claim, [Text(text=text)], said=CODE_SENT)
        code_hash = self.links.digest(code)
        target = await self.links.peek(code_hash)
        if target is None:
            await self.links.failed(identity_key, channel, address)
            if not explicit:
                return None  # an ordinary word that happens to look like a code
            text = self.texts.get(locale, "link.invalid", minutes=self.minutes)
            return self._result(claim, [Text(text=text)], said=CODE_SENT)
        if target == claim.customer_id:
            return self._result(claim, [Text(text=self.texts.get(locale, "link.already"))],
                                said=CODE_SENT)
        pending = PendingLink(target=target, method="code", code_hash=code_hash,
                              channel=await self._channel_of(target),
                              expires_at=time.time() + self.links.code_ttl)
        return await self._offer(claim, pending, "link.confirm", said=CODE_SENT)

    async def _vouched_phone(self, claim: Claim, phone: str) -> TurnResult | None:
        holder = await self.links.claim_phone(phone, claim.customer_id)
        if holder == claim.customer_id or holder in claim.session.declined_links:
            return None
        pending = PendingLink(target=holder, method="phone", channel=await self._channel_of(holder),
                              expires_at=time.time() + 24 * 3600)
        return await self._offer(claim, pending, "link.confirm_phone")

    async def _offer(self, claim: Claim, pending: PendingLink, key: str,
                     said: str | None = None) -> TurnResult:
        """Ask to join, saying what joins what. With a history here, the question asks for
        a typed word and offers only "cancel": nothing on the screen joins by a tap."""
        locale = self._locale(claim)
        values = self._offer_values(claim, pending, locale)
        pending.word_required = await self._has_history(claim)
        if pending.word_required:
            contact = _contact_details(claim)
            values["contact"] = (self.texts.get(locale, "link.contact", details=contact)
                                 if contact else "")
            question = Choices(text=self.texts.get(locale, f"{key}_history", **values),
                               choices=(Choice(payload=NO,
                                               title=self.texts.get(locale, "link.cancel")),))
        else:
            question = Choices(text=self.texts.get(locale, key, **values), choices=(
                Choice(payload=YES, title=self.texts.get(locale, "link.yes")),
                Choice(payload=NO, title=self.texts.get(locale, "link.no")),
            ))
        result = self._result(claim, [question], said=said)
        result.session.pending_link = pending
        if not pending.word_required:
            # Nothing of theirs here: a flow waiting is the one a page's opening started
            # (the menu), which must not win over the conversation they are joining.
            result.session.stack.clear()
        return result

    def _offer_values(self, claim: Claim, pending: PendingLink, locale: str) -> dict[str, str]:
        return {"channel": self.texts.label(locale, pending.channel or "webchat"),
                "here": self.texts.label(locale, claim.inbound.identity.channel),
                "word": self.texts.get(locale, "link.word")}

    async def _has_history(self, claim: Claim) -> bool:
        """Whether joining would move anything of this customer's: contact details, a
        flow put aside, or anything they said (a page's automatic opening and the menu it
        started are not theirs: the web chat greets every new visitor)."""
        if _contact_details(claim) or claim.session.suspended:
            return True
        recent = await self.store.history(claim.customer_id, limit=HISTORY_LOOKED_AT)
        if claim.session.stack and not opened(recent):
            return True  # a flow someone else started (a notification, an operator)
        return len(recent) == HISTORY_LOOKED_AT or said_something(recent)

    async def _answer(self, claim: Claim, pending: PendingLink) -> TurnResult | MergeRequest | None:
        inbound = claim.inbound
        word = normalise(inbound.text or "")
        locale = self._locale(claim)
        if pending.word_required:
            said_yes = inbound.payload is None and word == normalise(
                self.texts.get(locale, "link.word"))
            if not said_yes and (inbound.payload == YES or (inbound.payload is None
                                                            and word in _YES_WORDS)):
                # A reflexive yes: say again what it takes, join nothing.
                text = self.texts.get(locale, "link.type_word",
                                      **self._offer_values(claim, pending, locale))
                result = self._result(claim, [Text(text=text)])
                result.session.pending_link = pending
                return result
        else:
            said_yes = inbound.payload == YES or (inbound.payload is None and word in _YES_WORDS)
        said_no = inbound.payload == NO or (inbound.payload is None and word in _NO_WORDS)
        if said_yes and pending.expires_at > time.time():
            if pending.method == "code":
                assert pending.code_hash is not None
                if await self.links.redeem(pending.code_hash) != pending.target:
                    text = self.texts.get(locale, "link.invalid", minutes=self.minutes)
                    result = self._result(claim, [Text(text=text)])
                    result.session.pending_link = None
                    return result
            return self._merge_request(claim, pending)
        if said_no:
            result = self._result(claim, [Text(text=self.texts.get(locale, "link.declined"))])
            result.session.pending_link = None
            if pending.method == "phone":
                result.session.declined_links.append(pending.target)
            return result
        # The customer moved on: forget the offer and let the flows answer.
        claim.session.pending_link = None
        return None

    def _merge_request(self, claim: Claim, pending: PendingLink) -> MergeRequest:
        """Join this customer into the target; greet them on this channel with the
        question the target's flow was waiting on."""
        inbound = claim.inbound
        identity = inbound.identity
        events = [
            inbound_event(inbound),
            Event(kind="link", channel=identity.channel, identity=identity.key,
                  text=f"{identity.channel} linked ({pending.method})",
                  data={"method": pending.method, "identity": identity.key}),
            Event(kind="merge", channel=identity.channel, text="customers merged",
                  data={"from": claim.customer_id, "into": pending.target}),
        ]

        def greet(session: Session, profile: Profile) -> list[Outbound]:
            locale = self.locale_of(profile, None)
            name = f" {profile.name.split()[0]}" if profile.name else ""
            replies: list[Outbound] = [
                Text(text=self.texts.get(locale, "link.welcome", name=name))]
            waiting = self.reprompt(session, locale)
            if waiting is not None:
                replies.append(Text(text=self.texts.get(locale, "link.we_were_here")))
                replies.append(waiting)
            return replies

        return MergeRequest(pending.target, pending.method, pending.channel, events, greet)

    # -- helpers --------------------------------------------------------------------------

    def _duration(self, locale: str, seconds: int) -> str:
        if seconds < 90:
            return self.texts.get(locale, "link.seconds", n=seconds)
        return self.texts.get(locale, "link.minutes", n=-(-seconds // 60))

    def _locale(self, claim: Claim) -> str:
        return self.locale_of(claim.profile, claim.inbound)

    async def _channel_of(self, customer_id: str) -> str | None:
        session, _ = await self.store.load(customer_id)
        return session.address.channel if session.address else None

    def _result(self, claim: Claim, replies: list[Outbound], *, said: str | None = None,
                answered: str | None = None) -> TurnResult:
        """A turn result; ``said`` / ``answered`` replace what the customer sent / what we
        answered in the history, so link codes never reach it."""
        inbound = claim.inbound
        session = claim.session  # the turn's own, changed in place (no copy to pay for)
        session.address = inbound.identity
        events = [inbound_event(inbound, text=said)]
        events.extend(outbound_event(r, inbound.identity, text=answered) for r in replies)
        return TurnResult(session, claim.profile, events, replies)


def _contact_details(claim: Claim) -> str:
    """The contact details this customer gave, masked, to say what a join would share."""
    profile = claim.profile
    shown = []
    if profile.email:
        name, _, domain = profile.email.partition("@")
        shown.append(f"{name[:1]}•••@{domain}")
    if profile.phone:
        shown.append(f"•••{profile.phone[-3:]}")
    return ", ".join(shown)
