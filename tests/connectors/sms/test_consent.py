"""The carrier's keywords over real HTTP: STOP withdraws the customer's consent, recorded in
the profile and the history, with no question and no answer (the carrier confirms it);
START gives it back and the conversation goes on; a STOP mid-flow leaves the flow as it
was."""

from __future__ import annotations

import pytest

from tests.connectors.sms.conftest import Texter
from tests.fakes.twilio_api import FakeTwilio

pytestmark = pytest.mark.timeout(60)


async def test_stop_withdraws_consent_without_a_question(phone: Texter,
                                                         twilio: FakeTwilio) -> None:
    await phone.says("hi")
    assert await phone.says("STOP") == []  # no "are you sure?", no answer at all
    consent = (await phone.profile()).consents["marketing"]
    assert not consent.granted and consent.channel == "sms"
    history = await phone.history()
    said = [i for i, e in enumerate(history) if e.kind == "inbound" and e.text == "STOP"]
    assert said and history[said[0] + 1].kind == "consent"
    assert history[said[0] + 1].data == {"granted": False, "purpose": "marketing",
                                         "scope": "all", "source": "carrier",
                                         "keyword": "STOP",
                                         "message_id": history[said[0]].data["message_id"]}
    assert not [e for e in history[said[0]:] if e.kind in ("flow", "outbound")]
    assert phone.number in twilio.opted_out  # and the carrier stops our messages


async def test_start_gives_it_back_and_the_conversation_goes_on(phone: Texter) -> None:
    await phone.says("stop")
    assert not (await phone.profile()).consents["marketing"].granted
    replies = await phone.says("Start")
    assert replies  # the bot answers a START like any message (the menu)
    consent = (await phone.profile()).consents["marketing"]
    assert consent.granted
    kinds = [e.kind for e in await phone.history()]
    assert kinds.count("consent") == 2


async def test_a_stop_mid_flow_leaves_the_question_waiting(phone: Texter) -> None:
    assert "ticket number" in (await phone.says("/report"))[-1]
    assert await phone.says("UNSUBSCRIBE") == []
    history = await phone.history()
    assert [e.kind for e in history[-2:]] == ["inbound", "consent"]  # nothing answered
    session, _ = await phone.runtime.store.load(await phone.customer())
    assert session.frame is not None and session.frame.flow == "report"
    await phone.says("START")
    assert "Which part is faulty?" in (await phone.says("T100"))[-1]


async def test_yes_is_an_answer_not_a_consent(phone: Texter) -> None:
    await phone.says("stop")
    await phone.says("yes")
    assert not (await phone.profile()).consents["marketing"].granted
