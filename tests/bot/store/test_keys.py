"""Key names are stored data: they must not change between versions."""

from __future__ import annotations

from bot.store.keys import Keys


def test_a_customers_keys_keep_their_names_and_share_one_hash_tag() -> None:
    keys = Keys("omni").customer("c0ffee")
    assert [keys.session, keys.identities, keys.last_inbound, keys.unreachable, keys.seen,
            keys.inbox, keys.lease, keys.events, keys.outbox, keys.sending] == [
        f"omni:{{c:c0ffee}}:{name}" for name in (
            "session", "ids", "lastin", "unreachable", "seen", "inbox", "lease", "events",
            "outbox", "sending")]
    assert Keys("omni").customer_id_of(keys.outbox) == "c0ffee"


def test_kept_customer_keys_are_bounded_and_rebuilt_the_same() -> None:
    keys = Keys("omni")
    first = keys.customer("c0")
    assert keys.customer("c0") is first  # built once while kept
    for n in range(1, Keys.KEPT + 1):
        keys.customer(f"c{n}")
    assert len(keys._customers) <= Keys.KEPT
    again = keys.customer("c0")
    assert again is not first and again.session == first.session
