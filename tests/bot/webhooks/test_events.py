"""Which business events a turn makes, from what it already produced."""

from __future__ import annotations

import json

from bot.model import Event, Profile
from bot.webhooks.events import EVENT_TYPES, BusinessEvent, turn_events
from bot.webhooks.requests import EventHead


def exportable(flow: str) -> tuple[str, ...]:
    return ("order", "reason") if flow == "returns" else ()


def test_flow_completed_carries_only_the_slots_the_flow_exports() -> None:
    history = [Event(kind="flow", data={"flow": "returns", "state": "completed",
                                        "slots": {"order": "A1", "reason": "small",
                                                  "note": "internal"}}),
               Event(kind="flow", data={"flow": "other", "state": "completed",
                                        "slots": {"secret": "x"}}),
               Event(kind="flow", data={"flow": "returns", "state": "started"})]
    made = turn_events("c1", created=False, profile=None, history=history,
                       exportable=exportable)
    assert [(e.type, e.data["slots"]) for e in made] == [
        ("flow.completed", {"order": "A1", "reason": "small"}),
        ("flow.completed", {})]


def test_handoff_consent_and_link_events() -> None:
    history = [Event(kind="handoff", text="x", data={"state": "requested"}),
               Event(kind="handoff", data={"state": "queued", "reason": "asked"}),
               Event(kind="handoff", data={"state": "taken", "operator": "op1"}),
               Event(kind="handoff", data={"state": "resolve", "operator": "op1"}),
               Event(kind="consent", data={"purpose": "marketing", "scope": "all",
                                           "granted": False, "source": "keyword"}),
               Event(kind="link", channel="whatsapp"),
               Event(kind="note", text="a private note")]
    made = turn_events("c1", created=False, profile=None, history=history,
                       exportable=exportable)
    assert [e.type for e in made] == ["handoff.requested", "handoff.assigned",
                                      "handoff.resolved", "consent.changed",
                                      "customer.linked"]
    assert made[0].data["reason"] == "asked" and made[1].data["operator"] == "op1"
    assert (made[3].data["purpose"], made[3].data["granted"]) == ("marketing", False)


def test_created_comes_first_and_updated_last_with_the_profile() -> None:
    profile = Profile(name="Ana", tags=["vip"])
    history = [Event(kind="inbound", text="hi", data={"message_id": "m1"})]
    created = turn_events("c1", created=True, profile=profile, history=history,
                          exportable=exportable)
    assert [e.type for e in created] == ["customer.created", "message.received"]
    updated = turn_events("c1", created=False, profile=profile, history=history,
                          exportable=exportable)
    assert [e.type for e in updated] == ["message.received", "customer.updated"]
    assert updated[1].data["profile"]["tags"] == ["vip"]
    again = BusinessEvent.from_json(updated[1].to_json())
    assert again == updated[1]


def test_a_requests_event_head_is_read_off_the_body_as_json_would_read_it() -> None:
    bodies = [BusinessEvent(kind, "c1", {"text": 'a "quoted" \\ word'}).to_json()
              for kind in EVENT_TYPES]
    bodies += [  # not as to_json writes them: parsed in full
        b'{"type":"customer.created","id":"evt_1","data":{}}',
        b'{"id":"evt_\\"2","type":"message.sent"}',
        b'{"id":"evt_3","type":"message.\\u0073ent"}',
        b'{"id": "evt_4", "type": "message.sent"}',
        b'{"id":"evt_5\\\\","type":"message.sent"}',  # the id ends in a backslash
    ]
    for body in bodies:
        parsed = json.loads(body)
        assert EventHead.of(body) == EventHead(parsed["id"], parsed["type"])
