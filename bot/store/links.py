"""Link codes, wrong-code counters and the vouched-phone index, in Redis.

None of these are per-customer, so they have keys of their own: a code's keyed hash → the
customer who asked for it (expiring), wrong-code counters per identity, per network
address and per channel, and a keyed hash of each platform-vouched phone number → its
customer. The hashes are HMAC-SHA256 under a server secret (``bot/store/secrets.py``):
without it a dump of these keys reveals neither codes nor phone numbers.

The brakes on guessing (README, "Security model: Linking"):
- an identity may send ``attempts_per_identity`` wrong codes per window, a network address
  (when the channel knows it: the web chat) ``attempts_per_address``;
- a channel's budget (``attempts_per_channel_per_minute``) never refuses an identity's
  first try: past it, only identities that already sent a wrong code in their window
  must wait. A customer typing a valid code once is never locked out by strangers.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from redis.asyncio import Redis

from bot.store.boundary import boundary
from bot.store.keys import Keys
from bot.store.scripts import held_or_set

_CHANNEL_WINDOW_SECONDS = 60
_DELETE_IF_HELD_BY = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


@dataclass(frozen=True, slots=True)
class LinkLimits:
    """How many wrong codes are accepted before a try must wait."""

    per_identity: int = 5
    per_address: int = 20
    window_seconds: int = 900
    per_channel_per_minute: int = 300


@boundary
class LinkStore:
    def __init__(
        self,
        redis: Redis,
        *,
        keys: Keys,
        secret: bytes,
        code_ttl_seconds: int = 600,
        limits: LinkLimits = LinkLimits(),
    ) -> None:
        if len(secret) < 16:
            raise ValueError("the link secret must be at least 16 bytes")
        self.redis = redis
        self.keys = keys
        self.secret = secret
        self.code_ttl = code_ttl_seconds
        self.limits = limits

    def digest(self, code: str) -> str:
        """The keyed hash a code is stored under (the code itself never is)."""
        return keyed_hash(self.secret, "link", code)

    async def save_code(self, code_hash: str, customer_id: str) -> bool:
        """Store a new code's keyed hash for ``customer_id``; False when that hash is taken
        already (draw another code)."""
        return bool(await self.redis.set(self.keys.link_code(code_hash), customer_id,
                                         ex=self.code_ttl, nx=True))

    async def peek(self, code_hash: str) -> str | None:
        """The customer a code belongs to, without using it up."""
        value = await self.redis.get(self.keys.link_code(code_hash))
        return value.decode() if isinstance(value, bytes) else value

    async def redeem(self, code_hash: str) -> str | None:
        """Use a code up: of two concurrent redemptions, one gets the customer."""
        value = await self.redis.getdel(self.keys.link_code(code_hash))
        return value.decode() if isinstance(value, bytes) else value

    # -- wrong codes ----------------------------------------------------------------------

    async def wait_seconds(self, identity_key: str, channel: str, address: str | None) -> int:
        """Seconds before this identity (from this address) may try a code; 0: now."""
        scopes = self._scopes(identity_key, channel, address)
        # One GET and one PTTL per key, not an MGET: they live in different cluster slots.
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in scopes.values():
                pipe.get(key)
                pipe.pttl(key)
            answers = await pipe.execute()
        counts = {scope: (int(answers[2 * i] or 0), _seconds(answers[2 * i + 1]))
                  for i, scope in enumerate(scopes)}
        mine, mine_left = counts["identity"]
        if mine >= self.limits.per_identity:
            return mine_left
        if "address" in counts and counts["address"][0] >= self.limits.per_address:
            return counts["address"][1]
        on_channel, channel_left = counts["channel"]
        if on_channel >= self.limits.per_channel_per_minute and mine > 0:
            # Whichever ends first lets this identity try again.
            return min(mine_left, channel_left)
        return 0

    async def failed(self, identity_key: str, channel: str, address: str | None) -> None:
        """Count one wrong code against the identity, its address and its channel."""
        scopes = self._scopes(identity_key, channel, address)
        async with self.redis.pipeline(transaction=False) as pipe:
            for scope, key in scopes.items():
                window = (_CHANNEL_WINDOW_SECONDS if scope == "channel"
                          else self.limits.window_seconds)
                pipe.incr(key)
                pipe.expire(key, window, nx=True)
            await pipe.execute()

    def _scopes(self, identity_key: str, channel: str, address: str | None) -> dict[str, str]:
        scopes = {"identity": self.keys.link_failures(identity_key),
                  "channel": self.keys.link_failures(f"channel:{channel}")}
        if address:
            # Hashed like a phone number: the key names no visitor's address.
            hashed = keyed_hash(self.secret, "address", address)
            scopes["address"] = self.keys.link_failures(f"addr:{hashed}")
        return scopes

    # -- vouched phone numbers ------------------------------------------------------------

    def _phone_key(self, e164: str) -> str:
        return self.keys.phone(keyed_hash(self.secret, "phone", e164))

    def _legacy_phone_key(self, e164: str) -> str:
        """Where the number was kept before the index was keyed (an unkeyed SHA-256)."""
        return self.keys.legacy_phone(
            hashlib.sha256(f"omnicanal-phone:{e164}".encode()).hexdigest())

    def phone_keys(self, e164: str) -> list[str]:
        """The index entries a number may be kept under (keyed, and from before)."""
        return [self._phone_key(e164), self._legacy_phone_key(e164)]

    async def claim_phone(self, e164: str, customer_id: str) -> str:
        """Record that a platform vouched ``e164`` for ``customer_id`` unless another
        customer holds it already; returns the customer that holds it now."""
        key = self._phone_key(e164)
        # An entry from before the index was keyed still names who holds the number: it
        # moves to the keyed entry (and the unkeyed one goes) the first time the number
        # is vouched again.
        earlier = await self.redis.getdel(self._legacy_phone_key(e164))
        if earlier is not None:
            customer_id = earlier.decode() if isinstance(earlier, bytes) else str(earlier)
        holder = await held_or_set(self.redis, key, customer_id)
        if holder is None:
            return customer_id
        return holder.decode() if isinstance(holder, bytes) else str(holder)

    async def phone_holder(self, e164: str) -> str | None:
        """The customer a platform vouched ``e164`` for, if any."""
        for key in (self._phone_key(e164), self._legacy_phone_key(e164)):
            holder = await self.redis.get(key)
            if holder is not None:
                return holder.decode() if isinstance(holder, bytes) else str(holder)
        return None

    async def release_phone(self, e164: str, customer_id: str) -> None:
        """Forget that ``e164`` is ``customer_id``'s (they changed number: whoever has it
        now must not be offered their conversation)."""
        for key in (self._phone_key(e164), self._legacy_phone_key(e164)):
            # Compared and deleted in one step: a number moved to someone else between a
            # read and a delete would lose its new holder's entry.
            await self.redis.eval(_DELETE_IF_HELD_BY, 1, key, customer_id)

    async def move_phone(self, e164: str, customer_id: str) -> None:
        await self.redis.set(self._phone_key(e164), customer_id)


def _seconds(pttl: int | None) -> int:
    """A PTTL answer as whole seconds to wait, rounded up (never "0 seconds")."""
    return max(1, -(-int(pttl or 0) // 1000))


def keyed_hash(secret: bytes, purpose: str, value: str) -> str:
    """HMAC-SHA256 of ``value`` under ``secret``, separated by ``purpose`` (a code and a
    phone number never hash alike)."""
    return hmac.new(secret, f"omnicanal-{purpose}:{value}".encode(), hashlib.sha256).hexdigest()
