"""Key names, built without I/O.

Everything one customer owns shares the hash tag ``{c:<id>}``, so a multi-key commit runs
as one Lua script on a single server and on Redis Cluster alike. Lookups that are not
per-customer (identity → customer, connector state) have keys of their own.
"""

from __future__ import annotations


class CustomerKeys:
    """The keys of what one customer owns, built at once: every turn reads several of
    them, and one formatted hash tag plus a concatenation each costs half of building
    each one through a property."""

    __slots__ = ("customer_id", "events", "identities", "inbox", "last_inbound", "lease",
                 "outbox", "seen", "sending", "session", "unreachable")

    def __init__(self, prefix: str, customer_id: str) -> None:
        tag = f"{prefix}:{{c:{customer_id}}}:"
        self.customer_id = customer_id
        #: Hash: ``v`` version, ``d`` session JSON, ``p`` profile JSON.
        self.session = tag + "session"
        #: Hash: identity key → linked-at (ms). Membership is checked on every ingest.
        self.identities = tag + "ids"
        #: Hash: identity key → when the customer last wrote from it (ms).
        self.last_inbound = tag + "lastin"
        #: Hash: identity key → why we cannot send there any more.
        self.unreachable = tag + "unreachable"
        #: Sorted set: platform message ids already recorded, scored by time (dedupe).
        self.seen = tag + "seen"
        #: List: recorded inbound messages waiting for their turn, in arrival order.
        self.inbox = tag + "inbox"
        #: String with expiry: the token of the turn that owns the customer now.
        self.lease = tag + "lease"
        #: List: the history, oldest first, capped.
        self.events = tag + "events"
        #: Hash: outgoing message id → delivery JSON, until the platform accepted it.
        self.outbox = tag + "outbox"
        #: Hash: outgoing message id → when it was claimed for sending (it counts as sent
        #: from then on; a takeover no longer withdraws it).
        self.sending = tag + "sending"


class Keys:
    """Key names under one prefix. A customer's keys are built once and kept while the
    customer is active: every message uses them three times (record, commit, sent)."""

    __slots__ = ("_customers", "prefix")

    #: Customers whose keys are kept; past this many the memory starts over (it only
    #: saves string building, so forgetting costs nothing but the rebuild).
    KEPT = 10_000

    def __init__(self, prefix: str = "omni") -> None:
        self.prefix = prefix
        self._customers: dict[str, CustomerKeys] = {}

    def __repr__(self) -> str:
        return f"Keys({self.prefix!r})"

    def customer(self, customer_id: str) -> CustomerKeys:
        keys = self._customers.get(customer_id)
        if keys is None:
            if len(self._customers) >= self.KEPT:
                self._customers.clear()
            keys = self._customers[customer_id] = CustomerKeys(self.prefix, customer_id)
        return keys

    def identity(self, identity_key: str) -> str:
        """String: identity key → customer id."""
        return f"{self.prefix}:id:{identity_key}"

    def secret(self, name: str) -> str:
        """String: a generated server secret (see ``bot/store/secrets.py``)."""
        return f"{self.prefix}:secret:{name}"

    def link_code(self, code_hash: str) -> str:
        """String with expiry: a link code's keyed hash → the customer who asked for it."""
        return f"{self.prefix}:link:{code_hash}"

    def phone(self, phone_hash: str) -> str:
        """String: a platform-vouched phone number's keyed hash → its customer. (Before the
        hash was keyed, entries were ``<prefix>:phone:<sha256>``; see ``legacy_phone``.)"""
        return f"{self.prefix}:vphone:{phone_hash}"

    def legacy_phone(self, sha256_hex: str) -> str:
        """String: an unkeyed entry of the phone index, moved on the number's next use."""
        return f"{self.prefix}:phone:{sha256_hex}"

    def link_failures(self, scope: str) -> str:
        """String with expiry: wrong link codes counted for one identity, one network
        address (``addr:...``) or one channel (``channel:...``)."""
        return f"{self.prefix}:linkfail:{scope}"

    def connector_state(self, connector: str, key: str) -> str:
        return f"{self.prefix}:cs:{connector}:{key}"

    @property
    def inbox_pattern(self) -> str:
        """SCAN pattern that finds every customer inbox (start-up recovery)."""
        return f"{self.prefix}:{{c:*}}:inbox"

    @property
    def session_pattern(self) -> str:
        """SCAN pattern that finds every customer session (the handoff queue's repair)."""
        return f"{self.prefix}:{{c:*}}:session"

    @property
    def outbox_pattern(self) -> str:
        return f"{self.prefix}:{{c:*}}:outbox"

    def customer_id_of(self, key: str) -> str:
        """The customer id inside a per-customer key."""
        start = key.index("{c:") + 3
        return key[start : key.index("}", start)]
