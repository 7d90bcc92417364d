"""Instagram Direct over real HTTP with a real runtime: a conversation with quick replies,
forged signatures, echoes, stories, the window and its HUMAN_AGENT tag, a switch from
Messenger by link code, and a fuzz of the parser."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import parse_settings
from bot.errors import ConfigError
from bot.messages import Identity
from bot.runtime import Runtime
from connectors.meta.instagram import InstagramConnector, InstagramSettings
from tests.connectors.meta.conftest import (
    APP_SECRET,
    IG_PATH,
    IG_USERNAME,
    VERIFY_TOKEN,
    Meta,
    history_of,
)
from tests.connectors.meta.test_window import _errors, _send
from tests.fakes import meta_webhooks as hooks
from tests.fakes.graph_api import FakeGraphAPI

IGSID = "1254459154682919"
PSID = "6783214901234567"
IG = Identity(channel="instagram", account="IG_ID", user_id=IGSID)
CODE = re.compile(r"\b([A-Z2-9]{4}-[A-Z2-9]{4})\b")


def _connector(**extra: Any) -> InstagramConnector:
    return InstagramConnector(settings=InstagramSettings(
        access_token="t", app_secret=APP_SECRET, verify_token=VERIFY_TOKEN,
        ig_user_id="IG_ID", **extra))


def test_parse_text_quick_reply_stories_and_echoes() -> None:
    connector = _connector()
    [text] = connector.parse(hooks.instagram_text(igsid=IGSID, text="hola"))
    assert text.identity.key == f"instagram:IG_ID:{IGSID}" and text.text == "hola"
    [quick] = connector.parse(hooks.instagram_quick_reply(igsid=IGSID, title="Sí",
                                                          payload="yes"))
    assert (quick.payload, quick.text) == ("yes", "Sí")
    [reply] = connector.parse(hooks.instagram_story_reply(igsid=IGSID, text="¡Qué bonito!"))
    assert reply.text == "[story reply] ¡Qué bonito!"
    [mention] = connector.parse(hooks.instagram_story_mention(
        igsid=IGSID, story_url="https://cdn.example/story"))
    assert mention.text == "[story mention]"
    assert mention.attachments[0].url == "https://cdn.example/story"
    assert connector.parse(hooks.instagram_echo(igsid=IGSID, text="ours")) == []
    referral = hooks.instagram_text(igsid=IGSID, text="")
    event = referral["entry"][0]["messaging"][0]
    del event["message"]
    event["referral"] = {"ref": "ABCD2345", "source": "SHORTLINK", "type": "OPEN_THREAD"}
    [opened] = connector.parse(referral)
    assert opened.text == "/start ABCD2345", "an ig.me link with ?ref= (shared with Messenger)"


def test_continue_link_opens_the_chat_with_the_code() -> None:
    assert _connector(username="shop").continue_link("ABCD2345") == (
        "https://ig.me/m/shop?text=ABCD2345")
    assert _connector().continue_link("ABCD2345") is None


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["entry", "messaging", "sender", "id", "message", "mid", "text",
                         "quick_reply", "payload", "is_echo", "reply_to", "story",
                         "attachments", "type", "url", "postback", "timestamp"]),
        inner, max_size=4),
    max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(_json)
def test_the_parser_takes_any_json_without_raising(update: Any) -> None:
    connector = _connector()
    for inbound in connector.parse(update if isinstance(update, dict) else {"entry": update}):
        assert inbound.identity.channel == "instagram" and inbound.message_id


async def test_a_conversation_with_quick_replies(meta: Meta, graph: FakeGraphAPI) -> None:
    assert await meta.instagram(hooks.instagram_text(igsid=IGSID, text="hi")) == 200
    [menu] = await graph.wait_for_instagram(1, recipient=IGSID)
    assert menu.json["messaging_type"] == "RESPONSE"
    replies = menu.json["message"]["quick_replies"]
    assert all(len(r["title"]) <= 20 for r in replies) and len(replies) <= 13
    [ticket] = [r for r in replies if r["payload"] == "menu:ticket"]
    await meta.instagram(hooks.instagram_quick_reply(igsid=IGSID, title=ticket["title"],
                                                     payload=ticket["payload"]))
    ask = (await graph.wait_for_instagram(2, recipient=IGSID))[1]
    assert ask.text == "What's your ticket number? It looks like T123."
    assert not graph.rejected and graph.messenger_sent == []


async def test_a_forged_signature_is_refused_and_nothing_parsed(
    meta: Meta, runtime: Runtime, graph: FakeGraphAPI
) -> None:
    body, headers = hooks.signed_delivery(hooks.instagram_text(igsid=IGSID, text="hi"),
                                          "not-the-app-secret")
    assert await meta.post_raw(IG_PATH, body, headers) == 403
    assert await meta.post_raw(IG_PATH, body, {"Content-Type": "application/json"}) == 401
    assert graph.instagram_sent == []
    assert await history_of(runtime, "instagram", IGSID) == []


async def test_echoes_are_ignored(meta: Meta, runtime: Runtime, graph: FakeGraphAPI) -> None:
    assert await meta.instagram(hooks.instagram_echo(igsid=IGSID, text="our own")) == 200
    assert graph.instagram_sent == []
    assert await history_of(runtime, "instagram", IGSID) == []


async def test_story_replies_and_mentions_are_recorded(
    meta: Meta, runtime: Runtime, graph: FakeGraphAPI
) -> None:
    await meta.instagram(hooks.instagram_story_reply(igsid=IGSID, text="Love it"))
    await meta.instagram(hooks.instagram_story_mention(igsid=IGSID))
    said = [e.text for e in await history_of(runtime, "instagram", IGSID) if e.kind == "inbound"]
    assert said == ["[story reply] Love it", "[story mention]"]


async def test_an_operator_outside_24_hours_uses_human_agent(
    runtime: Runtime, graph: FakeGraphAPI
) -> None:
    await _send(runtime, IG, "A person here", "operator", wrote_ago=3 * 86400)
    [call] = await graph.wait_for_instagram(1)
    assert (call.json["messaging_type"], call.json["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")
    late = await _send(runtime, Identity(channel="instagram", account="IG_ID", user_id="7"),
                       "Too late", "operator", wrote_ago=8 * 86400)
    bot = await _send(runtime, Identity(channel="instagram", account="IG_ID", user_id="8"),
                      "Promo", "bot", wrote_ago=30 * 3600)
    assert len(graph.instagram_sent) == 1
    assert "HUMAN_AGENT" in (await _errors(runtime, late))[0]
    assert "tags.bot" in (await _errors(runtime, bot))[0]


async def test_a_flow_started_on_messenger_continues_on_instagram(
    meta: Meta, runtime: Runtime, graph: FakeGraphAPI
) -> None:
    await meta.messenger(hooks.messenger_text(psid=PSID, text="/report"))
    await meta.messenger(hooks.messenger_text(psid=PSID, text="T100"))
    parts = await graph.wait_for_messenger(2, recipient=PSID)
    assert parts[1].text == "Which part is faulty?"
    await meta.messenger(hooks.messenger_text(psid=PSID, text="/link"))
    offer = (await graph.wait_for_messenger(3, recipient=PSID))[2].text or ""
    code = CODE.search(offer)
    assert code is not None
    assert f"https://ig.me/m/{IG_USERNAME}?text=" in offer
    await meta.instagram(hooks.instagram_text(igsid=IGSID, text=code.group(1)))
    [confirm] = await graph.wait_for_instagram(1, recipient=IGSID)
    assert "started on Messenger" in (confirm.text or "")
    assert "on Instagram" in (confirm.text or ""), "the channel's label"
    [yes] = [r for r in confirm.json["message"]["quick_replies"] if r["payload"] == "link:yes"]
    await meta.instagram(hooks.instagram_quick_reply(igsid=IGSID, title=yes["title"],
                                                     payload=yes["payload"]))
    await graph.wait_for_instagram(3, recipient=IGSID)
    texts = [c.text or "" for c in graph.instagram_sent]
    assert texts[1].startswith("Welcome back"), texts
    assert "Which part is faulty?" in texts, texts
    assert await runtime.store.resolve(IG) == await runtime.store.resolve(
        Identity(channel="messenger", account="PAGE_ID", user_id=PSID))


def _config(**instagram: Any) -> dict[str, Any]:
    section = {"access_token": "${INSTAGRAM_TOKEN}", "app_secret": "${META_APP_SECRET}",
               "verify_token": "v", "username": "shop", **instagram}
    return {"store": {"url": "redis://127.0.0.1:1/0"},
            "flows": {"modules": ["tests.flows_for_tests"]},
            "connectors": {"webchat": {"enabled": False},
                           "instagram": {k: v for k, v in section.items() if v is not None}}}


def test_the_section_takes_secrets_from_the_environment() -> None:
    env = {"INSTAGRAM_TOKEN": "ig-s3cret", "META_APP_SECRET": "app-s3cret"}
    section = parse_settings(_config(), env=env).connectors["instagram"]
    assert isinstance(section, InstagramSettings)
    assert section.access_token.get_secret_value() == "ig-s3cret"
    assert (section.path, section.tags) == ("/webhooks/instagram", {"operator": "HUMAN_AGENT"})


@pytest.mark.parametrize(("instagram", "env", "expected"), [
    ({}, {"META_APP_SECRET": "s"}, "connectors.instagram.access_token"),
    ({"access_token": None}, {"META_APP_SECRET": "s"}, "connectors.instagram.access_token"),
    ({}, {"INSTAGRAM_TOKEN": "t"}, "connectors.instagram.app_secret"),
    ({"usrname": "x"}, {"INSTAGRAM_TOKEN": "t", "META_APP_SECRET": "s"},
     "connectors.instagram.usrname"),
])
def test_a_bad_section_names_its_key(instagram: dict[str, Any], env: dict[str, str],
                                     expected: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_settings(_config(**instagram), env=env)
    assert expected in str(error.value)
