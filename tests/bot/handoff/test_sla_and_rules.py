"""The pure parts of SLA clocks and assignment rules: states by share of the target,
per-channel targets, which clocks run in which mode, and which rule decides."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.config.handoff import AssignmentRule, OperatorAccount, SlaSettings
from bot.handoff.assignment import preference
from bot.handoff.sla import clock, sla_view
from bot.messages import Identity
from bot.model import HandoffInfo, Session

SLA = SlaSettings(waiting_minutes=10, first_response_minutes=20, warn_at=0.8,
                  channels={"whatsapp": {"waiting_minutes": 1}})  # type: ignore[dict-item]


def test_a_clock_is_ok_then_warns_at_its_share_then_is_missed() -> None:
    assert clock(SLA, "waiting", started=0, now=60)["state"] == "ok"  # type: ignore[index]
    assert clock(SLA, "waiting", started=0, now=480)["state"] == "warning"  # type: ignore[index]
    missed = clock(SLA, "waiting", started=0, now=601)
    assert missed == {"target_seconds": 600, "left_seconds": -1, "warn_seconds": 120,
                      "state": "missed"}
    assert clock(SlaSettings(), "waiting", started=0, now=1e9) is None, "no target"


def test_which_clocks_run_and_a_channels_own_targets() -> None:
    queued = Session(mode="queued", handoff=HandoffInfo(reason="asked", requested_at=0),
                     address=Identity(channel="whatsapp", user_id="1"))
    view = sla_view(SLA, queued, now=30)
    assert view["waiting"]["target_seconds"] == 60, "WhatsApp's queue has its own target"
    assert view["first_response"]["target_seconds"] == 1200, "the rest is the queue's"
    taken = queued.model_copy(update={"mode": "human", "address": None,
                                      "handoff": HandoffInfo(reason="asked", requested_at=0,
                                                             taken_at=5)})
    assert set(sla_view(SLA, taken, now=30)) == {"first_response"}
    answered = taken.model_copy(update={"handoff": taken.handoff.model_copy(  # type: ignore[union-attr]
        update={"first_reply_at": 9})})
    assert sla_view(SLA, answered, now=30) == {}


def test_the_first_matching_rule_decides_else_a_label_some_operator_has() -> None:
    operators = [OperatorAccount(id="ana", token="token-of-ana-0123456789",  # type: ignore[arg-type]
                                 skills=["returns"])]
    rules = [AssignmentRule(label="vip", channel="whatsapp", skill="pt"),
             AssignmentRule(channel="email", skill="writing")]
    vip = preference(rules, operators, labels=["VIP"], channel="whatsapp")
    assert vip is not None and vip.skill == "pt"
    assert preference(rules, operators, labels=["vip"], channel="webchat") is None
    mail = preference(rules, operators, labels=[], channel="email")
    assert mail is not None and mail.skill == "writing"
    labelled = preference(rules, operators, labels=["returns"], channel="webchat")
    assert labelled is not None and labelled.skill == "returns"
    with pytest.raises(ValidationError, match="needs skill"):
        AssignmentRule(channel="email")
