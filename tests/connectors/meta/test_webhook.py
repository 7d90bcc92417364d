"""The shared Meta webhook: the handshake, signatures over raw bytes, size and JSON limits."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import aiohttp

from bot.runtime import Runtime
from connectors.meta.webhook import signature_valid
from tests.connectors.meta.conftest import (
    APP_SECRET,
    MS_PATH,
    VERIFY_TOKEN,
    WA_PATH,
    Meta,
    history_of,
)
from tests.fakes import meta_webhooks as hooks
from tests.fakes.graph_api import FakeGraphAPI

WA_ID = "34600111222"


async def test_verification_handshake(runtime: Runtime, http: aiohttp.ClientSession) -> None:
    assert runtime.server is not None
    for path in (WA_PATH, MS_PATH):
        url = runtime.server.url + path
        async with http.get(url, params=hooks.verification_query(VERIFY_TOKEN, "4242")) as ok:
            assert ok.status == 200 and await ok.text() == "4242"
        async with http.get(url, params=hooks.verification_query("wrong", "4242")) as bad:
            assert bad.status == 403 and "4242" not in await bad.text()
        query = hooks.verification_query(VERIFY_TOKEN, "4242", mode="unsubscribe")
        async with http.get(url, params=query) as mode:
            assert mode.status == 403


def test_the_keyed_check_follows_the_secret() -> None:
    """The keyed HMAC is made once per secret: a second secret is checked with its own."""
    body = b'{"object":"page"}'
    for secret in ("first-secret", "second-secret", "first-secret"):
        assert signature_valid(secret.encode(), body, hooks.sign(secret, body))
        other = "second-secret" if secret == "first-secret" else "first-secret"
        assert not signature_valid(secret.encode(), body, hooks.sign(other, body))


def test_signature_check_is_over_exact_bytes() -> None:
    body = hooks.encode(hooks.whatsapp_text(wa_id=WA_ID, text="¡hola/adiós!"))
    assert signature_valid(APP_SECRET.encode(), body, hooks.sign(APP_SECRET, body))
    assert not signature_valid(APP_SECRET.encode(), body, hooks.sign_sha1(APP_SECRET, body))
    assert not signature_valid(APP_SECRET.encode(), body, None)
    assert not signature_valid(APP_SECRET.encode(), body, "sha256=zz")
    assert not signature_valid(b"other", body, hooks.sign(APP_SECRET, body))


# Proves docs/architecture.md invariant 6.
async def test_unsigned_or_badly_signed_deliveries_have_no_effect(
    meta: Meta, runtime: Runtime, graph: FakeGraphAPI
) -> None:
    payload = hooks.whatsapp_text(wa_id=WA_ID, text="hi")
    body, headers = hooks.signed_delivery(payload, APP_SECRET)
    plain = {"Content-Type": "application/json"}
    sha1_only = {**plain, "X-Hub-Signature": headers["X-Hub-Signature"]}
    wrong = {**plain, "X-Hub-Signature-256": hooks.sign("not-the-secret", body)}
    malformed = {**plain, "X-Hub-Signature-256": "sha256=" + "x" * 64}
    # Re-encoding the JSON (unescaped "¡", no "\/") changes the bytes: the signature fails.
    reencoded = json.dumps(payload, ensure_ascii=False).encode()
    cases = [(body, plain, 401), (body, sha1_only, 401), (body, wrong, 403),
             (body, malformed, 403), (reencoded, headers, 403)]
    for data, hdrs, expected in cases:
        assert await meta.post_raw(WA_PATH, data, hdrs) == expected
    # The Messenger path refuses the same way.
    assert await meta.post_raw(MS_PATH, body, plain) == 401
    assert graph.whatsapp_sent == [] and graph.rejected == []
    assert await history_of(runtime, "whatsapp", WA_ID) == []


async def test_reencoded_body_with_non_ascii_is_refused(meta: Meta, graph: FakeGraphAPI) -> None:
    payload = hooks.load("whatsapp/text")
    body, headers = hooks.signed_delivery(payload, APP_SECRET)
    reencoded = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    assert reencoded != body
    assert await meta.post_raw(WA_PATH, reencoded, headers) == 403
    assert graph.whatsapp_sent == []


# Proves docs/architecture.md invariant 6.
async def test_signed_garbage_is_acknowledged_without_effect(
    meta: Meta, graph: FakeGraphAPI
) -> None:
    body = b"{not json"
    headers = {"X-Hub-Signature-256": hooks.sign(APP_SECRET, body)}
    assert await meta.post_raw(WA_PATH, body, headers) == 200
    other = hooks.encode({"object": "instagram", "entry": []})
    assert await meta.post_raw(WA_PATH, other,
                               {"X-Hub-Signature-256": hooks.sign(APP_SECRET, other)}) == 200
    assert graph.whatsapp_sent == []


async def test_oversized_bodies_are_refused(meta: Meta, graph: FakeGraphAPI) -> None:
    payload = hooks.whatsapp_text(wa_id=WA_ID, text="x" * (1024 * 1024 + 10))
    assert await meta.post(WA_PATH, payload) == 413
    assert graph.whatsapp_sent == []


async def test_a_body_arriving_in_pieces_is_read_whole(
    meta: Meta, runtime: Runtime, http: aiohttp.ClientSession
) -> None:
    text = "a long message " * 2000
    body, headers = hooks.signed_delivery(hooks.whatsapp_text(wa_id=WA_ID, text=text),
                                          APP_SECRET)

    async def pieces() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 4096):
            yield body[start : start + 4096]
            await asyncio.sleep(0.001)  # each piece goes out on its own

    assert runtime.server is not None
    async with http.post(runtime.server.url + WA_PATH, data=pieces(),
                         headers=headers) as response:
        assert response.status == 200
    await runtime.settle()
    inbound = [e for e in await history_of(runtime, "whatsapp", WA_ID) if e.kind == "inbound"]
    assert [e.text for e in inbound] == [text]
