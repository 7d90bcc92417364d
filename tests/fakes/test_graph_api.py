"""Tests of the fakes themselves: the Graph API server (over real HTTP on 127.0.0.1),
the webhook builders and signatures, and the sample deliveries in tests/data."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from . import meta_webhooks as mw
from .graph_api import FakeGraphAPI

pytestmark = pytest.mark.timeout(30)

JSON = dict[str, Any]
WA_ID, PSID = "34600111222", "6783214901234567"
HOUR, DAY = 3600.0, 86400.0


@pytest_asyncio.fixture
async def graph() -> AsyncIterator[FakeGraphAPI]:
    async with FakeGraphAPI() as fake:
        yield fake


@pytest_asyncio.fixture
async def windowed() -> AsyncIterator[FakeGraphAPI]:
    async with FakeGraphAPI(enforce_window=True) as fake:
        yield fake


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        yield session


async def send_wa(http: aiohttp.ClientSession, graph: FakeGraphAPI, body: JSON,
                  token: str = "wa-token") -> tuple[int, JSON]:
    headers = {"Authorization": f"Bearer {token}"}
    async with http.post(f"{graph.base_url}/v21.0/PNID/messages", json=body,
                         headers=headers) as response:
        return response.status, await response.json()


async def send_fb(http: aiohttp.ClientSession, graph: FakeGraphAPI, body: JSON,
                  token: str = "page-token") -> tuple[int, JSON]:
    async with http.post(f"{graph.base_url}/v21.0/me/messages", json=body,
                         params={"access_token": token}) as response:
        return response.status, await response.json()


def wa_text(body: str = "hola", to: str = WA_ID) -> JSON:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
            "type": "text", "text": {"body": body}}


def wa_buttons(*titles: str, ids: list[str] | None = None, body: str = "¿Confirmas?") -> JSON:
    buttons = [{"type": "reply", "reply": {"id": (ids or [f"b{i}" for i in range(len(titles))])[i],
                                           "title": title}} for i, title in enumerate(titles)]
    return {"messaging_product": "whatsapp", "to": WA_ID, "type": "interactive",
            "interactive": {"type": "button", "body": {"text": body},
                            "action": {"buttons": buttons}}}


def wa_list(*sections: list[JSON], button: str = "Ver tallas",
            titles: list[str] | None = None) -> JSON:
    return {"messaging_product": "whatsapp", "to": WA_ID, "type": "interactive",
            "interactive": {"type": "list", "body": {"text": "Elige"}, "action": {
                "button": button,
                "sections": [{"title": (titles or [f"S{i}" for i in range(len(sections))])[i],
                              "rows": rows} for i, rows in enumerate(sections)]}}}


def rows(n: int, start: int = 0, **extra: str) -> list[JSON]:
    return [{"id": f"r{i}", "title": f"Fila {i}", **extra} for i in range(start, start + n)]


def fb_text(text: str = "hola", **extra: Any) -> JSON:
    return {"recipient": {"id": PSID}, "messaging_type": "RESPONSE", "message": {"text": text},
            **extra}


def fb_buttons(text: str = "¿Qué quieres hacer?", n: int = 2, title: str = "Ver") -> JSON:
    buttons = [{"type": "postback", "title": title, "payload": f"P{i}"} for i in range(n)]
    payload = {"template_type": "button", "text": text, "buttons": buttons}
    return {"recipient": {"id": PSID}, "messaging_type": "RESPONSE",
            "message": {"attachment": {"type": "template", "payload": payload}}}


def fb_quick(n: int = 2, title: str = "Sí", payload: str = "YES") -> JSON:
    replies = [{"content_type": "text", "title": title, "payload": payload} for _ in range(n)]
    return {"recipient": {"id": PSID}, "messaging_type": "RESPONSE",
            "message": {"text": "¿Seguro?", "quick_replies": replies}}


# ----------------------------------------------------------------------------- sends
async def test_whatsapp_text_send_is_recorded_with_an_id(graph: FakeGraphAPI,
                                                         http: aiohttp.ClientSession) -> None:
    status, body = await send_wa(http, graph, wa_text("¡hola! 👋", to="+34 600 111 222"))
    assert status == 200
    assert body["messaging_product"] == "whatsapp"
    assert body["contacts"] == [{"input": "+34 600 111 222", "wa_id": WA_ID}]
    [call] = graph.whatsapp_sent
    assert body["messages"] == [{"id": call.message_id}]
    assert call.message_id.startswith("wamid.")
    assert (call.path, call.text, call.json["to"]) == ("/v21.0/PNID/messages", "¡hola! 👋",
                                                       "+34 600 111 222")
    assert time.time() - call.at < 5
    assert graph.requests_log == [("POST", "/v21.0/PNID/messages")]
    await send_wa(http, graph, wa_text())
    assert len({c.message_id for c in graph.whatsapp_sent}) == 2


async def test_messenger_send_and_page_id_path(graph: FakeGraphAPI,
                                               http: aiohttp.ClientSession) -> None:
    status, body = await send_fb(http, graph, fb_text("hola"))
    assert status == 200
    assert body["recipient_id"] == PSID
    assert body["message_id"].startswith("m_")
    url = f"{graph.base_url}/v21.0/PAGE_ID/messages"
    headers = {"Authorization": "Bearer page-token"}
    async with http.post(url, json=fb_buttons(), headers=headers) as response:
        assert response.status == 200
    assert [c.to for c in graph.messenger_sent] == [PSID, PSID]
    assert graph.messenger_sent[0].text == "hola"


@pytest.mark.parametrize("body", [
    wa_text("x" * 4096),
    wa_buttons("A" * 20, "B", "C", ids=["i" * 256, "j", "k"], body="x" * 1024),
    wa_list(rows(5, description="d" * 72), rows(5, start=5), button="b" * 20,
            titles=["t" * 24, "u"]),
    {"messaging_product": "whatsapp", "to": WA_ID, "type": "template",
     "template": {"name": "order_update", "language": {"code": "es"}, "components": []}},
    {"messaging_product": "whatsapp", "to": WA_ID, "type": "image",
     "image": {"link": "https://cdn.example/a.jpg", "caption": "mira"}},
    {"messaging_product": "whatsapp", "to": WA_ID, "type": "document",
     "document": {"id": "1097264868221404", "filename": "factura.pdf"}},
], ids=["text-4096", "buttons-at-limits", "list-at-limits", "template", "image", "document"])
async def test_whatsapp_accepts_sends_at_the_limits(graph: FakeGraphAPI,
                                                    http: aiohttp.ClientSession,
                                                    body: JSON) -> None:
    status, answer = await send_wa(http, graph, body)
    assert status == 200, answer
    assert graph.rejected == []


WA_INVALID: dict[str, tuple[Callable[[], JSON], str]] = {
    "no-messaging-product": (lambda: {k: v for k, v in wa_text().items()
                                      if k != "messaging_product"}, "messaging_product"),
    "bad-messaging-product": (lambda: {**wa_text(), "messaging_product": "sms"},
                              "messaging_product"),
    "empty-text": (lambda: wa_text(""), "text['body']"),
    "text-4097": (lambda: wa_text("x" * 4097), "at most 4096"),
    "four-buttons": (lambda: wa_buttons("A", "B", "C", "D"), "at most 3"),
    "button-title-21": (lambda: wa_buttons("x" * 21), "at most 20"),
    "reply-id-257": (lambda: wa_buttons("A", ids=["i" * 257]), "at most 256"),
    "duplicate-button-ids": (lambda: wa_buttons("A", "B", ids=["same", "same"]), "same"),
    "interactive-body-1025": (lambda: wa_buttons("A", body="x" * 1025), "at most 1024"),
    "section-11-rows": (lambda: wa_list(rows(11)), "at most 10"),
    "list-11-rows-total": (lambda: wa_list(rows(6), rows(5, start=6)), "Total row count"),
    "row-title-25": (lambda: wa_list([{"id": "r", "title": "x" * 25}]), "at most 24"),
    "row-description-73": (lambda: wa_list(rows(1, description="d" * 73)), "at most 72"),
    "list-button-21": (lambda: wa_list(rows(2), button="b" * 21), "at most 20"),
    "section-title-25": (lambda: wa_list(rows(2), titles=["s" * 25]), "at most 24"),
    "duplicate-row-ids": (lambda: wa_list(rows(2), rows(2)), "r0"),
    "image-link-and-id": (lambda: {"messaging_product": "whatsapp", "to": WA_ID, "type": "image",
                                   "image": {"link": "https://x/a.jpg", "id": "1"}}, "link or id"),
    "template-no-language": (lambda: {"messaging_product": "whatsapp", "to": WA_ID,
                                      "type": "template", "template": {"name": "t"}}, "language"),
}


@pytest.mark.parametrize("case", WA_INVALID)
async def test_whatsapp_validation_rejects_with_code_100(graph: FakeGraphAPI,
                                                         http: aiohttp.ClientSession,
                                                         case: str) -> None:
    make, fragment = WA_INVALID[case]
    status, body = await send_wa(http, graph, make())
    assert status == 400
    error = body["error"]
    assert (error["code"], error["type"]) == (100, "OAuthException")
    assert error["message"] == "(#100) Invalid parameter"
    assert error["fbtrace_id"]
    assert error["error_data"]["messaging_product"] == "whatsapp"
    assert fragment in error["error_data"]["details"]
    assert graph.whatsapp_sent == []
    assert graph.rejected == [("/v21.0/PNID/messages", make(), 100)]


async def test_validation_code_can_imitate_131009(http: aiohttp.ClientSession) -> None:
    async with FakeGraphAPI(validation_code=131009) as fake:
        status, body = await send_wa(http, fake, wa_buttons("x" * 21))
    assert status == 400
    assert body["error"]["message"] == "(#131009) Parameter value is not valid"
    assert "at most 20" in body["error"]["error_data"]["details"]


FB_INVALID: dict[str, tuple[Callable[[], JSON], str]] = {
    "no-messaging-type": (lambda: {k: v for k, v in fb_text().items()
                                   if k != "messaging_type"}, "messaging_type"),
    "tag-missing": (lambda: fb_text(messaging_type="MESSAGE_TAG"), "tag"),
    "tag-unknown": (lambda: fb_text(messaging_type="MESSAGE_TAG", tag="PROMO"), "tag"),
    "text-2001": (lambda: fb_text("x" * 2001), "at most 2000"),
    "empty-text": (lambda: fb_text(""), "text"),
    "fourteen-quick-replies": (lambda: fb_quick(14), "at most 13"),
    "quick-reply-title-21": (lambda: fb_quick(title="x" * 21), "at most 20"),
    "quick-reply-payload-1001": (lambda: fb_quick(payload="p" * 1001), "at most 1000"),
    "button-text-641": (lambda: fb_buttons("x" * 641), "at most 640"),
    "four-buttons": (lambda: fb_buttons(n=4), "at most 3"),
    "no-buttons": (lambda: fb_buttons(n=0), "non-empty"),
    "postback-title-21": (lambda: fb_buttons(title="x" * 21), "at most 20"),
    "text-and-attachment": (lambda: {**fb_buttons(), "message": {
        "text": "x", "attachment": fb_buttons()["message"]["attachment"]}}, "exactly one"),
    "image-without-url": (lambda: {**fb_text(), "message": {
        "attachment": {"type": "image", "payload": {}}}}, "url"),
}


@pytest.mark.parametrize("case", FB_INVALID)
async def test_messenger_validation_rejects_with_code_100(graph: FakeGraphAPI,
                                                          http: aiohttp.ClientSession,
                                                          case: str) -> None:
    make, fragment = FB_INVALID[case]
    status, body = await send_fb(http, graph, make())
    assert status == 400
    assert body["error"]["code"] == 100
    assert fragment in body["error"]["message"]
    assert graph.messenger_sent == []
    assert graph.rejected[-1][2] == 100


async def test_messenger_accepts_limits(graph: FakeGraphAPI, http: aiohttp.ClientSession) -> None:
    for body in (fb_text("x" * 2000), fb_quick(13, title="t" * 20, payload="p" * 1000),
                 fb_buttons("x" * 640, n=3, title="t" * 20),
                 fb_text(messaging_type="MESSAGE_TAG", tag="ACCOUNT_UPDATE")):
        status, answer = await send_fb(http, graph, body)
        assert status == 200, answer
    assert len(graph.messenger_sent) == 4


async def test_wrong_tokens(graph: FakeGraphAPI, http: aiohttp.ClientSession) -> None:
    status, body = await send_wa(http, graph, wa_text(), token="nope")
    assert status == 401
    assert body["error"]["code"] == 190
    assert body["error"]["type"] == "OAuthException"
    async with http.post(f"{graph.base_url}/v21.0/PNID/messages", json=wa_text()) as response:
        assert response.status == 401
    status, body = await send_fb(http, graph, fb_text(), token="nope")
    assert status == 400
    assert body["error"]["code"] == 190
    assert graph.whatsapp_sent == graph.messenger_sent == []
    assert [code for _, _, code in graph.rejected] == [190, 190, 190]


async def test_unknown_node_and_bad_json(graph: FakeGraphAPI, http: aiohttp.ClientSession) -> None:
    async with http.post(f"{graph.base_url}/v21.0/OTHER/messages", json=wa_text()) as response:
        error = (await response.json())["error"]
        assert response.status == 400
        assert (error["code"], error["error_subcode"]) == (100, 33)
    async with http.post(f"{graph.base_url}/v21.0/PNID/messages", data=b"{nope",
                         headers={"Authorization": "Bearer wa-token"}) as response:
        assert response.status == 400
        assert (await response.json())["error"]["code"] == 100


async def test_fail_next_then_success(graph: FakeGraphAPI, http: aiohttp.ClientSession) -> None:
    graph.fail_next("whatsapp", http_status=429, code=130429)
    status, body = await send_wa(http, graph, wa_text("uno"))
    assert status == 429
    assert body["error"]["code"] == 130429
    assert body["error"]["message"] == "(#130429) Rate limit hit"
    assert "too many messages" in body["error"]["error_data"]["details"]
    status, _ = await send_wa(http, graph, wa_text("uno"))
    assert status == 200
    assert [c.text for c in graph.whatsapp_sent] == ["uno"]
    assert graph.rejected == [("/v21.0/PNID/messages", wa_text("uno"), 130429)]


async def test_fail_next_times_subcode_and_channels(graph: FakeGraphAPI,
                                                    http: aiohttp.ClientSession) -> None:
    graph.fail_next("messenger", http_status=500, code=2, subcode=1234, times=2, message="boom")
    await send_wa(http, graph, wa_text())  # the other channel is not affected
    for _ in range(2):
        status, body = await send_fb(http, graph, fb_text())
        assert status == 500
        assert (body["error"]["message"], body["error"]["error_subcode"]) == ("boom", 1234)
    async with http.post(f"{graph.base_url}/v21.0/me/messages?access_token=page-token",
                         json={"recipient": {"id": PSID}, "sender_action": "typing_on"}) as r:
        assert r.status == 200
        assert await r.json() == {"recipient_id": PSID}
    assert (await send_fb(http, graph, fb_text()))[0] == 200
    assert graph.messenger_actions == [(PSID, "typing_on")]


async def test_read_receipts_do_not_consume_failures(graph: FakeGraphAPI,
                                                     http: aiohttp.ClientSession) -> None:
    graph.fail_next("whatsapp", http_status=400, code=131056)
    read = {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.X",
            "typing_indicator": {"type": "text"}}
    assert await send_wa(http, graph, read) == (200, {"success": True})
    status, body = await send_wa(http, graph, wa_text())
    assert status == 400
    assert body["error"]["code"] == 131056
    assert graph.whatsapp_read == [read]
    assert graph.whatsapp_sent == []


# ---------------------------------------------------------------------------- windows
async def test_whatsapp_window(windowed: FakeGraphAPI, http: aiohttp.ClientSession) -> None:
    status, body = await send_wa(http, windowed, wa_text())
    assert status == 400
    assert body["error"]["code"] == 131047
    assert "Re-engagement message" in body["error"]["message"]
    assert "24 hours" in body["error"]["error_data"]["details"]
    template = {"messaging_product": "whatsapp", "to": WA_ID, "type": "template",
                "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    assert (await send_wa(http, windowed, template))[0] == 200
    windowed.customer_wrote(WA_ID, at=time.time() - 25 * HOUR)
    assert (await send_wa(http, windowed, wa_text()))[0] == 400
    windowed.customer_wrote("+34 600 111 222", at=time.time() - 23 * HOUR)
    assert (await send_wa(http, windowed, wa_text("ya"))) [0] == 200
    assert [c.json["type"] for c in windowed.whatsapp_sent] == ["template", "text"]
    assert [code for _, _, code in windowed.rejected] == [131047, 131047]


async def test_messenger_window_and_human_agent(windowed: FakeGraphAPI,
                                                http: aiohttp.ClientSession) -> None:
    human = fb_text("te escribe una persona", messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT")
    windowed.customer_wrote(PSID, at=time.time() - 3 * DAY)
    status, body = await send_fb(http, windowed, fb_text())
    assert status == 400
    error = body["error"]
    assert (error["code"], error["error_subcode"]) == (10, 2018278)
    assert error["message"] == "(#10) This message is sent outside of allowed window."
    assert (await send_fb(http, windowed, human))[0] == 200
    windowed.customer_wrote(PSID, at=time.time() - 8 * DAY)
    assert (await send_fb(http, windowed, human))[1]["error"]["code"] == 10
    update = fb_text(messaging_type="MESSAGE_TAG", tag="POST_PURCHASE_UPDATE")
    assert (await send_fb(http, windowed, update))[0] == 200
    windowed.customer_wrote(PSID)
    assert (await send_fb(http, windowed, fb_text()))[0] == 200
    assert len(windowed.messenger_sent) == 3


# ---------------------------------------------------------------------------- waiting
async def test_wait_for_sends(graph: FakeGraphAPI, http: aiohttp.ClientSession) -> None:
    waiter = asyncio.create_task(graph.wait_for_whatsapp(2, to="+34600111222", timeout=5))
    fb_waiter = asyncio.create_task(graph.wait_for_messenger(recipient=PSID, timeout=5))
    await asyncio.sleep(0)  # let the waiters start before anything is sent
    for body in (wa_text("uno"), wa_text("otro", to="34999"), wa_text("dos"), wa_text("tres")):
        await send_wa(http, graph, body)
    await send_fb(http, graph, fb_text("fb"))
    assert [c.text for c in await waiter] == ["uno", "dos"]
    assert [c.text for c in await fb_waiter] == ["fb"]
    assert [c.text for c in await graph.wait_for_whatsapp(1, to="34999")] == ["otro"]


async def test_wait_times_out_with_a_useful_message(graph: FakeGraphAPI) -> None:
    with pytest.raises(TimeoutError, match="got 0"):
        await graph.wait_for_messenger(timeout=0.05)


# ------------------------------------------------------------------- webhook helpers
def test_sign_matches_an_independent_hmac() -> None:
    body = mw.encode(mw.load("whatsapp/text"))
    expected = hmac.new(b"app-secret", body, hashlib.sha256).hexdigest()
    assert mw.sign("app-secret", body) == f"sha256={expected}"
    delivered, headers = mw.signed_delivery(mw.load("whatsapp/text"), "app-secret")
    assert delivered == body
    assert headers["X-Hub-Signature-256"] == f"sha256={expected}"
    assert headers["X-Hub-Signature"] == "sha1=" + hmac.new(b"app-secret", body,
                                                            hashlib.sha1).hexdigest()


def test_encode_escapes_like_meta_and_reencoding_breaks_the_signature() -> None:
    assert mw.encode({"t": "á/é 👋"}) == b'{"t":"\\u00e1\\/\\u00e9 \\ud83d\\udc4b"}'
    payload = mw.load("whatsapp/text")
    body = mw.encode(payload)
    assert json.loads(body) == payload
    assert body.isascii()
    for reencoded in (json.dumps(json.loads(body)).encode(),
                      json.dumps(json.loads(body), ensure_ascii=False,
                                 separators=(",", ":")).encode()):
        assert mw.sign("s", reencoded) != mw.sign("s", body)
    assert mw.verification_query("T", "C") == {"hub.mode": "subscribe", "hub.verify_token": "T",
                                               "hub.challenge": "C"}


def test_whatsapp_builders_follow_meta_shapes() -> None:
    payload = mw.whatsapp_text(wa_id=WA_ID, text="hi", message_id="wamid.XXX",
                               timestamp=1700000000)
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "15550001111", "phone_number_id": "PNID"},
             "contacts": [{"profile": {"name": "Ana"}, "wa_id": WA_ID}],
             "messages": [{"from": WA_ID, "id": "wamid.XXX", "timestamp": "1700000000",
                           "type": "text", "text": {"body": "hi"}}]}
    assert payload == {"object": "whatsapp_business_account", "entry": [
        {"id": "WABA_ID", "changes": [{"value": value, "field": "messages"}]}]}
    sample = mw.load("whatsapp/button_reply")["entry"][0]["changes"][0]["value"]["messages"][0]
    built = mw.whatsapp_button_reply(wa_id=WA_ID, button_id="b", title="Sí",
                                     context_id="wamid.OUR")["entry"][0]["changes"][0]["value"]
    assert built["messages"][0].keys() == sample.keys()
    assert built["messages"][0]["interactive"]["button_reply"] == {"id": "b", "title": "Sí"}
    for name, built_payload in {
        "list_reply": mw.whatsapp_list_reply(wa_id=WA_ID, row_id="r", title="T", description="D"),
        "image": mw.whatsapp_image(wa_id=WA_ID, media_id="1", caption="c"),
        "document": mw.whatsapp_document(wa_id=WA_ID, media_id="2", filename="f.pdf", caption="c"),
        "location": mw.whatsapp_location(wa_id=WA_ID, latitude=1.5, longitude=2.5, place="n",
                                         address="a"),
        "contacts": mw.whatsapp_contacts(wa_id=WA_ID, formatted_name="Luis Martín",
                                         phone="+34 600", contact_wa_id="34600"),
    }.items():
        message = built_payload["entry"][0]["changes"][0]["value"]["messages"][0]
        expected = mw.load(f"whatsapp/{name}")["entry"][0]["changes"][0]["value"]["messages"][0]
        assert message["type"] == expected["type"]
        content, sample_content = message[message["type"]], expected[expected["type"]]
        if isinstance(content, list):
            content, sample_content = content[0], sample_content[0]
        assert set(content) <= set(sample_content), name
    status = mw.whatsapp_status(wamid="wamid.Y", status="failed", recipient_id=WA_ID,
                                errors=[mw.REENGAGEMENT_ERROR])
    value = status["entry"][0]["changes"][0]["value"]
    assert "messages" not in value
    assert value["statuses"][0]["errors"][0]["code"] == 131047


def test_batches() -> None:
    one = mw.whatsapp_text(wa_id="1", text="a")
    two = mw.whatsapp_text(wa_id="2", text="b")
    other = mw.whatsapp_text(wa_id="3", text="c", waba_id="WABA_2", phone_number_id="PN2")
    batch = mw.whatsapp_batch([one, two, other])
    assert [len(e["changes"]) for e in batch["entry"]] == [2, 1]
    merged = mw.whatsapp_batch([one, two, other], merge_changes=True)
    value = merged["entry"][0]["changes"][0]["value"]
    assert [m["from"] for m in value["messages"]] == ["1", "2"]
    assert [c["wa_id"] for c in value["contacts"]] == ["1", "2"]
    events = [mw.messenger_text(psid="A", text="x"), mw.messenger_postback(
        psid="A", title="T", payload="P"), mw.messenger_echo(psid="A", text="y", page_id="P2")]
    assert [len(e["messaging"]) for e in mw.messenger_batch(events)["entry"]] == [1, 1, 1]
    assert [len(e["messaging"]) for e in
            mw.messenger_batch(events, merge_entries=True)["entry"]] == [2, 1]
    quick = mw.messenger_quick_reply(psid="A", title="Sí", payload="YES")["entry"][0]
    assert quick["messaging"][0]["message"]["quick_reply"] == {"payload": "YES"}


# ---------------------------------------------------------------------------- samples
@pytest.mark.parametrize("name", mw.sample_names("whatsapp"))
def test_whatsapp_samples(name: str) -> None:
    payload = mw.load(name)
    assert payload["object"] == "whatsapp_business_account"
    assert payload["entry"]
    for entry in payload["entry"]:
        for change in entry["changes"]:
            value = change["value"]
            assert change["field"] == "messages"
            assert value["messaging_product"] == "whatsapp"
            assert set(value["metadata"]) == {"display_phone_number", "phone_number_id"}
            assert ("messages" in value) != ("statuses" in value)
            for message in value.get("messages", []):
                assert {"from", "id", "timestamp", "type"} <= set(message)
                assert message["id"].startswith("wamid.")
                assert message["timestamp"].isdigit()
                assert message["type"] in message
                assert message["from"] in {c["wa_id"] for c in value["contacts"]}
            for status in value.get("statuses", []):
                assert status["status"] in {"sent", "delivered", "read", "failed"}
                assert ("errors" in status) == (status["status"] == "failed")


@pytest.mark.parametrize("name", mw.sample_names("messenger"))
def test_messenger_samples(name: str) -> None:
    payload = mw.load(name)
    assert payload["object"] == "page"
    for entry in payload["entry"]:
        assert isinstance(entry["time"], int)
        assert entry["messaging"]
        for event in entry["messaging"]:
            assert isinstance(event["timestamp"], int)
            assert len({"message", "postback"} & set(event)) == 1
            echo = event.get("message", {}).get("is_echo", False)
            assert event["sender" if echo else "recipient"]["id"] == entry["id"]


def test_sample_contents_and_batches() -> None:
    def first(name: str) -> JSON:
        message: JSON = mw.load(name)["entry"][0]["changes"][0]["value"]["messages"][0]
        return message

    assert first("whatsapp/button_reply")["interactive"]["type"] == "button_reply"
    assert set(first("whatsapp/list_reply")["interactive"]["list_reply"]) == {
        "id", "title", "description"}
    assert {"id", "mime_type", "sha256"} <= set(first("whatsapp/image")["image"])
    assert "filename" in first("whatsapp/document")["document"]
    assert {"latitude", "longitude"} <= set(first("whatsapp/location")["location"])
    assert first("whatsapp/contacts")["contacts"][0]["phones"][0]["wa_id"]
    batch = mw.load("whatsapp/batch")
    assert len(batch["entry"]) == 2
    assert all(len(e["changes"]) == 2 for e in batch["entry"])
    assert all(len(c["value"]["messages"]) >= 2 for e in batch["entry"] for c in e["changes"])
    fb = mw.load("messenger/batch")["entry"]
    assert len(fb) >= 3
    assert max(len(e["messaging"]) for e in fb) >= 2
    assert mw.load("messenger/echo")["entry"][0]["messaging"][0]["message"]["is_echo"] is True
    assert b"\\/" in mw.encode(mw.load("messenger/image"))


# ----------------------------------------------------------------------------- Instagram
async def test_instagram_sends_by_token_or_account_path_with_instagram_limits(
    graph: FakeGraphAPI, http: aiohttp.ClientSession
) -> None:
    assert (await send_fb(http, graph, fb_quick(13, title="t" * 20), token="ig-token"))[0] == 200
    async with http.post(f"{graph.base_url}/v21.0/IG_ID/messages", json=fb_text("x" * 1000),
                         params={"access_token": "ig-token"}) as response:
        assert response.status == 200
    image = {"attachment": {"type": "image", "payload": {"url": "https://cdn.example/a.jpg"}}}
    file = {"attachment": {"type": "file", "payload": {"url": "https://cdn.example/a.pdf"}}}
    refused = [fb_text("x" * 1001), fb_text(messaging_type="MESSAGE_TAG", tag="ACCOUNT_UPDATE"),
               {**fb_text(), "message": file}]
    for body in refused:
        status, answer = await send_fb(http, graph, body, token="ig-token")
        assert (status, answer["error"]["code"]) == (400, 100), answer
    assert (await send_fb(http, graph, {**fb_text(), "message": image}, token="ig-token"))[0] == 200
    async with http.post(f"{graph.base_url}/v21.0/IG_ID/messages", json=fb_text(),
                         params={"access_token": "page-token"}) as response:
        assert response.status == 400 and (await response.json())["error"]["code"] == 190
    assert len(graph.instagram_sent) == 3 and graph.messenger_sent == []
