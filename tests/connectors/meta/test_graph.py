"""Graph errors → typed errors, retries through the dispatcher, and send pacing."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from bot.errors import (
    AuthenticationFailed,
    OutsideWindow,
    PlatformError,
    RateLimited,
    TransientError,
    Unreachable,
)
from bot.messages import Identity
from bot.runtime import Runtime
from connectors.meta.graph import TokenBucket, graph_error
from tests.connectors.meta.conftest import Meta
from tests.fakes import meta_webhooks as hooks
from tests.fakes.graph_api import FakeGraphAPI, GraphError

WA_ID = "34600111222"


def _body(code: int, subcode: int | None = None) -> object:
    return GraphError(400, code, subcode=subcode).body("whatsapp")


def test_error_mapping() -> None:
    limited = graph_error("whatsapp", 400, _body(130429))
    assert isinstance(limited, RateLimited) and limited.retry_after == 1.0
    pair = graph_error("whatsapp", 400, _body(131056))
    assert isinstance(pair, RateLimited) and pair.retry_after == 6.0
    header = graph_error("whatsapp", 429, _body(130429), {"Retry-After": "3"})
    assert isinstance(header, RateLimited) and header.retry_after == 3.0
    assert isinstance(graph_error("whatsapp", 400, _body(131047)), OutsideWindow)
    assert isinstance(graph_error("messenger", 400, _body(10, 2018278)), OutsideWindow)
    assert isinstance(graph_error("whatsapp", 401, _body(190)), AuthenticationFailed)
    assert isinstance(graph_error("whatsapp", 401, None), AuthenticationFailed)
    assert isinstance(graph_error("messenger", 400, _body(551)), Unreachable)
    assert isinstance(graph_error("whatsapp", 503, None), TransientError)
    other = graph_error("whatsapp", 400, _body(100))
    assert isinstance(other, PlatformError) and other.code == 100


async def test_rate_limit_is_retried(runtime: Runtime, meta: Meta, graph: FakeGraphAPI) -> None:
    graph.fail_next("whatsapp", http_status=400, code=130429)
    await meta.whatsapp(hooks.whatsapp_text(wa_id=WA_ID, text="/ticket"))
    [call] = await graph.wait_for_whatsapp(1)
    assert call.text == "What's your ticket number? It looks like T123."
    assert [code for _, _, code in graph.rejected] == [130429]


async def test_server_errors_are_retried(runtime: Runtime, meta: Meta,
                                         graph: FakeGraphAPI) -> None:
    graph.fail_next("whatsapp", http_status=500, code=2)
    await meta.whatsapp(hooks.whatsapp_text(wa_id=WA_ID, text="/ticket"))
    assert len(await graph.wait_for_whatsapp(1)) == 1


async def test_a_rejected_token_fails_loudly_and_is_recorded(
    runtime: Runtime, meta: Meta, graph: FakeGraphAPI, caplog: pytest.LogCaptureFixture
) -> None:
    graph.fail_next("whatsapp", http_status=401, code=190)
    with caplog.at_level(logging.ERROR, logger="connectors.meta.graph"):
        await meta.whatsapp(hooks.whatsapp_text(wa_id=WA_ID, text="/ticket"))
    assert any("access token" in r.getMessage() for r in caplog.records)
    customer = await runtime.store.resolve(Identity(channel="whatsapp", account="PNID",
                                                    user_id=WA_ID))
    errors = [e.text or "" for e in await runtime.store.history(customer) if e.kind == "error"]
    [error] = errors
    assert "access token rejected" in error
    assert graph.whatsapp_sent == []


async def test_messenger_bad_page_token(runtime: Runtime, meta: Meta,
                                        graph: FakeGraphAPI) -> None:
    graph.fail_next("messenger", http_status=400, code=190)
    await meta.messenger(hooks.messenger_text(psid="42", text="/ticket"))
    customer = await runtime.store.resolve(Identity(channel="messenger", account="PAGE_ID",
                                                    user_id="42"))
    [error] = [e.text or "" for e in await runtime.store.history(customer)
               if e.kind == "error"]
    assert "access token rejected" in error


async def test_token_bucket_paces_without_busy_waiting() -> None:
    bucket = TokenBucket(50)
    started = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*(bucket.acquire() for _ in range(60))), timeout=5)
    elapsed = time.monotonic() - started
    assert 0.15 <= elapsed < 1.0  # 50 at once, then 10 more at 50/s
    with pytest.raises(ValueError):
        TokenBucket(0)
