"""Key names, built without I/O.

Everything one customer owns shares the hash tag ``{c:<id>}``, so a multi-key commit runs
as one Lua script on a single server and on Redis Cluster alike. Lookups that are not
per-customer (identity → customer, connector state) have keys of their own.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CustomerKeys:
    prefix: str
    customer_id: str

    def _key(self, name: str) -> str:
        return f"{self.prefix}:{{c:{self.customer_id}}}:{name}"

    @property
    def session(self) -> str:
        """Hash: ``v`` version, ``d`` session JSON, ``p`` profile JSON."""
        return self._key("session")

    @property
    def identities(self) -> str:
        """Hash: identity key → linked-at (ms). Membership is checked on every ingest."""
        return self._key("ids")

    @property
    def last_inbound(self) -> str:
        """Hash: identity key → when the customer last wrote from it (ms)."""
        return self._key("lastin")

    @property
    def unreachable(self) -> str:
        """Hash: identity key → why we cannot send there any more."""
        return self._key("unreachable")

    @property
    def seen(self) -> str:
        """Sorted set: platform message ids already recorded, scored by time (dedupe)."""
        return self._key("seen")

    @property
    def inbox(self) -> str:
        """List: recorded inbound messages waiting for their turn, in arrival order."""
        return self._key("inbox")

    @property
    def lease(self) -> str:
        """String with expiry: the token of the turn that owns the customer now."""
        return self._key("lease")

    @property
    def events(self) -> str:
        """List: the history, oldest first, capped."""
        return self._key("events")

    @property
    def outbox(self) -> str:
        """Hash: outgoing message id → delivery JSON, until the platform accepted it."""
        return self._key("outbox")

    @property
    def sending(self) -> str:
        """Hash: outgoing message id → when it was claimed for sending (it counts as sent
        from then on; a takeover no longer withdraws it)."""
        return self._key("sending")


@dataclass(frozen=True, slots=True)
class Keys:
    prefix: str = "omni"

    def customer(self, customer_id: str) -> CustomerKeys:
        return CustomerKeys(self.prefix, customer_id)

    def identity(self, identity_key: str) -> str:
        """String: identity key → customer id."""
        return f"{self.prefix}:id:{identity_key}"

    def connector_state(self, connector: str, key: str) -> str:
        return f"{self.prefix}:cs:{connector}:{key}"

    @property
    def inbox_pattern(self) -> str:
        """SCAN pattern that finds every customer inbox (start-up recovery)."""
        return f"{self.prefix}:{{c:*}}:inbox"

    @property
    def outbox_pattern(self) -> str:
        return f"{self.prefix}:{{c:*}}:outbox"

    def customer_id_of(self, key: str) -> str:
        """The customer id inside a per-customer key."""
        start = key.index("{c:") + 3
        return key[start : key.index("}", start)]
