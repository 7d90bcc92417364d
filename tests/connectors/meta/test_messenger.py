"""Messenger: parsing samples, quick replies and postbacks over real HTTP, echoes ignored."""

from __future__ import annotations

from bot.runtime import Runtime
from connectors.meta.messenger import MessengerConnector, MessengerSettings
from tests.connectors.meta.conftest import APP_SECRET, VERIFY_TOKEN, Meta, history_of
from tests.fakes import meta_webhooks as hooks
from tests.fakes.graph_api import FakeGraphAPI

PSID = "6783214901234567"


def _connector() -> MessengerConnector:
    return MessengerConnector(settings=MessengerSettings(
        page_token="t", app_secret=APP_SECRET, verify_token=VERIFY_TOKEN))


def test_parse_samples() -> None:
    connector = _connector()
    [text] = connector.parse(hooks.load("messenger/text"))
    assert text.identity.key == f"messenger:PAGE_ID:{PSID}" and text.message_id.startswith("m_")
    [quick] = connector.parse(hooks.load("messenger/quick_reply"))
    assert (quick.payload, quick.text) == ("CONFIRM_ORDER:1234", "Sí")
    [postback] = connector.parse(hooks.load("messenger/postback"))
    assert (postback.payload, postback.text) == ("ORDER_STATUS:1234", "Ver pedido")
    [image] = connector.parse(hooks.load("messenger/image"))
    assert image.attachments[0].kind == "image" and image.attachments[0].url
    assert connector.parse(hooks.load("messenger/echo")) == []
    batch = connector.parse(hooks.load("messenger/batch"))
    assert len({m.message_id for m in batch}) == len(batch) == 4


async def test_quick_replies_advance_the_flow(meta: Meta, graph: FakeGraphAPI) -> None:
    assert await meta.messenger(hooks.messenger_text(psid=PSID, text="hi")) == 200
    [menu] = await graph.wait_for_messenger(1, recipient=PSID)
    assert menu.json["messaging_type"] == "RESPONSE"
    replies = menu.json["message"]["quick_replies"]
    assert [r["title"] for r in replies] == [
        "Browse the shelf", "Check a ticket", "Report a fault", "Talk to a person",
        "Continue on another…", "Español"], "titles cut to Messenger's 20 characters"
    [ticket] = [r for r in replies if r["payload"] == "menu:ticket"]
    await meta.messenger(hooks.messenger_quick_reply(psid=PSID, title=ticket["title"],
                                                     payload=ticket["payload"]))
    ask = (await graph.wait_for_messenger(2, recipient=PSID))[1]
    assert ask.text == "What's your ticket number? It looks like T123."
    assert not graph.rejected


async def test_a_postback_starts_a_flow(meta: Meta, graph: FakeGraphAPI) -> None:
    await meta.messenger(hooks.messenger_postback(psid=PSID, title="Report a fault",
                                                  payload="menu:report"))
    [ask] = await graph.wait_for_messenger(1, recipient=PSID)
    assert ask.text == "Let's report a fault. What's the ticket number? (like T100)"


async def test_echoes_are_ignored(meta: Meta, runtime: Runtime, graph: FakeGraphAPI) -> None:
    assert await meta.messenger(hooks.messenger_echo(psid=PSID, text="our own message")) == 200
    assert await meta.messenger(hooks.load("messenger/echo")) == 200
    assert graph.messenger_sent == []
    assert await history_of(runtime, "messenger", PSID) == []


async def test_a_batch_gets_one_reply_per_message(meta: Meta, graph: FakeGraphAPI) -> None:
    people = [f"90000000000{i}" for i in range(4)]
    batch = hooks.messenger_batch(
        [hooks.messenger_text(psid=p, text="/ticket") for p in people], merge_entries=True)
    assert await meta.messenger(batch) == 200
    assert await meta.messenger(batch) == 200
    await graph.wait_for_messenger(4)
    assert sorted(c.to for c in graph.messenger_sent) == people
