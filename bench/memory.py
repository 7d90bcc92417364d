"""What one finished customer leaves in the store, key by key (issue 22, target 4).

``template_customer`` runs one customer through the whole form (the ``ours`` pipeline) and
reads back what it left; ``customer_memory`` asks the server what each key costs
(``MEMORY USAGE``, which counts the key name, the value's encoding and the allocator's
rounding) and says what each is for. The flatness bench copies the same template to fill
its stores (``bench/flatness.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from bench.ours import OursBench

#: Why each key of a finished customer is kept (the key's last part, ``bot/store/keys.py``).
PURPOSE = {
    "identity": "identity -> customer: how the next message finds the customer (and the "
                "cross-channel link)",
    "session": "version (compare-and-set), the session JSON (flow stack, address, "
               "greeted_on), the profile JSON (the slots kept), the mode",
    "ids": "the customer's identities: every message checks its identity still belongs here",
    "lastin": "when the customer last wrote from each identity (platform service windows)",
    "seen": "dedupe: platform message ids recorded in the last store.dedupe_hours",
    "events": "the history (every message and reply), capped at store.history_limit",
}


@dataclass
class Template:
    prefix: str
    customer_id: str
    identity_key: str
    session_dump: bytes
    seen_dump: bytes
    events: list[bytes]
    keys: dict[str, str]


async def template_customer(url: str) -> Template:
    """One customer through the form on an empty database, and what it left."""
    bench = OursBench(url, prefix="t")
    await bench.run(range(1), 1)
    await bench.pipeline.turns.wait_idle()
    await bench.dispatcher.senders.wait_idle()
    await bench.close()
    redis = Redis.from_url(url, decode_responses=False)
    try:
        names = sorted(_text(k) for k in await redis.keys("*"))
        identity = next(k for k in names if ":id:" in k)
        prefix = identity.split(":id:")[0]
        customer_id = _text(await redis.get(identity))
        tag = f"{prefix}:{{c:{customer_id}}}:"
        keys = {"identity": identity}
        keys.update({k.removeprefix(tag): k for k in names if k.startswith(tag)})
        return Template(prefix=prefix, customer_id=customer_id,
                        identity_key=identity.split(":id:", 1)[1],
                        session_dump=bytes(await redis.dump(keys["session"]) or b""),
                        seen_dump=bytes(await redis.dump(keys["seen"]) or b""),
                        events=[_raw(e) for e in await redis.lrange(keys["events"], 0, -1)],
                        keys=keys)
    finally:
        await redis.aclose()


async def customer_memory(url: str, template: Template) -> dict[str, Any]:
    """Bytes per key of the template customer, with what each is for; the total."""
    redis = Redis.from_url(url)
    try:
        rows: dict[str, Any] = {}
        for part, key in template.keys.items():
            usage = await redis.memory_usage(key, samples=0)
            rows[part] = {"bytes": usage, "key_name_bytes": len(key),
                          "type": _text(await redis.type(key)),
                          "for": PURPOSE.get(part, "(not expected on a finished customer)")}
        session = await redis.hgetall(template.keys["session"])
        detail: dict[str, float] = {f"session.{_text(field)}_bytes": len(value)
                                    for field, value in session.items()}
        detail["events"] = len(template.events)
        detail["event_json_bytes_mean"] = (sum(len(e) for e in template.events)
                                           / max(len(template.events), 1))
        return {"keys": rows, "total_bytes": sum(r["bytes"] or 0 for r in rows.values()),
                "detail": detail}
    finally:
        await redis.aclose()


def _text(value: bytes | str | None) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _raw(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()
