"""Key names, built without I/O.

Everything one customer owns shares the hash tag ``{c:<id>}``, so a multi-key commit runs
as one Lua script on a single server and on Redis Cluster alike. Lookups that are not
per-customer (identity → customer, connector state) have keys of their own.
"""

from __future__ import annotations

from typing import Any


class SessionFields:
    """The fields of a customer's session hash, named once: the Lua scripts spell the same
    letters (``tests/bot/store/test_boundary.py`` checks that they use exactly these)."""

    VERSION = "v"
    #: The session, as JSON.
    DATA = "d"
    #: The profile, as JSON.
    PROFILE = "p"
    #: The session's mode, readable without parsing ``d`` (a takeover withholds replies).
    MODE = "m"
    ALL = (VERSION, DATA, PROFILE, MODE)

    @classmethod
    def mapping(cls, version: int, session_json: str | bytes, profile_json: str | bytes,
                mode: str) -> dict[Any, Any]:
        """The whole hash, for a write outside the commit script (a merge)."""
        return {cls.VERSION: version, cls.DATA: session_json, cls.PROFILE: profile_json,
                cls.MODE: mode}


class OutboxFields:
    """The outbox hash's two kinds of field: a reply's id → its delivery JSON, and, from
    the reply's claim until it is sent, ``MARK`` + id → when it was claimed (ms). The Lua
    scripts spell the same ``~`` (``lua/_next.lua``); a delivery id never starts with it."""

    MARK = "~"

    @classmethod
    def is_mark(cls, field: str | bytes) -> bool:
        """Whether an outbox field is a send claim, not a reply."""
        if isinstance(field, bytes):
            return field.startswith(b"~")
        return field.startswith(cls.MARK)


class CustomerKeys:
    """The keys of what one customer owns, built at once: every turn reads several of
    them, and one formatted hash tag plus a concatenation each costs half of building
    each one through a property."""

    __slots__ = ("attached", "customer_id", "events", "hook_dead", "hook_positions", "hooks",
                 "identities", "inbox", "last_inbound", "lease", "outbox", "pointers", "seen",
                 "sending", "session", "unreachable")

    def __init__(self, prefix: str, customer_id: str) -> None:
        tag = f"{prefix}:{{c:{customer_id}}}:"
        self.customer_id = customer_id
        #: Hash of the ``SessionFields``: version, session and profile JSON, mode.
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
        #: Hash: outgoing message id → delivery JSON, until the platform accepted it; and
        #: ``~<id>`` → when it was claimed for sending (it counts as sent from then on; a
        #: takeover no longer withdraws it). See ``OutboxFields``.
        self.outbox = tag + "outbox"
        #: Hash: the send claims as the layout before issue 22 kept them (id → when), read
        #: only to move them into the outbox hash (``Outbox.adopt_old_marks``).
        self.sending = tag + "sending"
        #: Set: keys outside the tag that name this customer (directory entries, API
        #: idempotency records), so erasing the customer finds them.
        self.pointers = tag + "pointers"
        #: Hash: an e-mail or external id attached through the API → its kind, so the
        #: customer's own record can name them (the directory keeps only keyed hashes).
        self.attached = tag + "attached"
        #: Stream: business events committed with their turn, waiting for the webhooks.
        self.hooks = tag + "hooks"
        #: Hash: subscription → the last stream entry delivered (or given up) to it, and
        #: ``<subscription>:a`` / ``<subscription>:f``: attempts and first failure (ms).
        self.hook_positions = tag + "hookpos"
        #: Hash: ``<subscription>|<event id>`` → a dead letter's JSON.
        self.hook_dead = tag + "hookdead"


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

    def directory(self, kind: str, value_hash: str) -> str:
        """String: a customer's e-mail address or external id (``erp:customer:987``),
        as a keyed hash → the customer (``bot/store/directory.py``)."""
        return f"{self.prefix}:dir:{kind}:{value_hash}"

    def idempotency(self, caller: str, key_hash: str) -> str:
        """String with expiry: an API caller's ``Idempotency-Key`` → the request it was
        used for and the answer given."""
        return f"{self.prefix}:idem:{caller}:{key_hash}"

    @property
    def reminders_due(self) -> str:
        """Sorted set: ``<customer>:<reminder id>`` scored by when it is due. Its own hash
        tag: the claim script touches this key alone (one slot on a Redis Cluster)."""
        return f"{self.prefix}:{{reminders}}:due"

    @property
    def catalogue(self) -> str:
        """Hash: the one catalogue every process reads (``bot/store/catalogue.py``):
        ``v`` its version, ``d`` the document, ``h`` its digest, ``s`` where it came from,
        ``t`` when (ms), ``e`` / ``m`` the ETag and Last-Modified of the polled source."""
        return f"{self.prefix}:catalogue"

    def campaign(self, campaign_id: str) -> str:
        """The prefix of one campaign's keys (``bot/store/campaigns.py``), all under its
        ``{camp:<id>}`` hash tag: ``meta`` (hash), ``queue`` (sorted set of recipients
        due), ``held`` (sorted set: held back while paused), ``outcome`` (hash), ``stats``
        (hash)."""
        return f"{self.prefix}:{{camp:{campaign_id}}}"

    @property
    def campaigns(self) -> str:
        """Sorted set: every campaign's id → when it was created (ms)."""
        return f"{self.prefix}:campaigns"

    def connector_state(self, connector: str, key: str) -> str:
        return f"{self.prefix}:cs:{connector}:{key}"

    # -- shared across customers: the work stream, handoff, operators, links, analytics --

    @property
    def work_stream(self) -> str:
        """Stream: doorbells for worker processes (``bot/store/work.py``)."""
        return f"{self.prefix}:work"

    @property
    def hooks_due(self) -> str:
        """Sorted set: ``<subscription>|<customer>`` → when its next event is due (ms); a
        claimed pair is pushed a lease ahead, so a dead worker's pairs come due again."""
        return f"{self.prefix}:{{hooks}}:due"

    @property
    def hooks_dead(self) -> str:
        """Sorted set: customers with dead letters → when the last one died (ms)."""
        return f"{self.prefix}:{{hooks}}:dead"

    @property
    def hooks_subscriptions(self) -> str:
        """Hash: webhook subscription id → its JSON, for those made through the API
        (``bot/store/subscriptions.py``); config.yaml's are not stored."""
        return f"{self.prefix}:{{hooks}}:subs"

    @property
    def hooks_pattern(self) -> str:
        """SCAN pattern that finds every customer's event stream (start-up recovery)."""
        return f"{self.prefix}:{{c:*}}:hooks"

    def handoff(self, name: str) -> str:
        """The handoff queue's keys: ``queue`` (sorted set), ``online`` (sorted set),
        ``active:<operator>`` (set), ``handling`` (string), ``result:<action>``,
        ``intents`` (sorted set: turns about to queue a customer, see
        ``bot/handoff/queue_repair.py``), and the ``live`` pub/sub channel."""
        return f"{self.prefix}:handoff:{name}"

    def operator_session(self, session_id: str) -> str:
        return f"{self.prefix}:operator:session:{session_id}"

    def pair_failures(self, operator_id: str, address: str) -> str:
        """Counter: failed logins for one operator id from one address, in the window."""
        return f"{self.prefix}:operator:failpair:{operator_id}:{address}"

    def address_failures(self, remote: str) -> str:
        """Counter: failed logins from one address, in the current window."""
        return f"{self.prefix}:operator:failip:{remote}"

    def stats_day(self, day: str) -> str:
        """Hash: one day's analytics counters. Every analytics key shares the ``{stats}``
        hash tag: a report counts unique customers over days with one PFCOUNT, which on a
        Redis Cluster needs its keys in one slot."""
        return f"{self.prefix}:{{stats}}:{day}"

    def stats_unique(self, day: str, name: str) -> str:
        """HyperLogLog: unique customers of one kind on one day."""
        return f"{self.prefix}:{{stats}}:{day}:u:{name}"

    def chore(self, name: str) -> str:
        """String with expiry: the lease of a repair done by one process at a time
        (``bot/store/chores.py``); a hash of the same name for who keeps a view alive."""
        return f"{self.prefix}:chore:{name}"

    def search_shard(self, shard: int) -> str:
        """The prefix of one part of the search index (``bot/store/search.py``): every
        key of a part shares its ``{ix:<n>}`` hash tag."""
        return f"{self.prefix}:{{ix:{shard}}}"

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

    @property
    def sending_pattern(self) -> str:
        """SCAN pattern that finds the send claims of the old layout (``CustomerKeys``)."""
        return f"{self.prefix}:{{c:*}}:sending"

    @property
    def layout(self) -> str:
        """String: the version of the stored layout, for the one-time moves at start-up
        (``Outbox.adopt_old_marks``); missing: written by a version before issue 22."""
        return f"{self.prefix}:layout"

    def customer_id_of(self, key: str) -> str:
        """The customer id inside a per-customer key."""
        start = key.index("{c:") + 3
        return key[start : key.index("}", start)]
