"""Erasing a customer (GDPR) also erases what reaching them left outside their hash tag:
their directory entries (an external id, an e-mail), the API's idempotency records about
them and their entries in the reminders' due index."""

from __future__ import annotations

import aiohttp
import pytest

from bot.runtime import Runtime
from tests.bot.reaching.conftest import SEND_TOKEN, WRITE_TOKEN, Customer
from tests.bot.test_privacy import everything

pytestmark = pytest.mark.timeout(60)


async def test_erasure_leaves_no_directory_idempotency_or_reminder_entry(
        runtime: Runtime, customer: Customer, http: aiohttp.ClientSession) -> None:
    assert runtime.server is not None and runtime.records is not None
    api = runtime.server.url + "/api/v1"
    await customer.on_whatsapp("hi")
    customer_id = await customer.id()
    async with http.post(f"{api}/customers/{customer_id}/identifiers",
                         json={"external_id": "erp:customer:987", "email": "ana@example.com"},
                         headers={"Authorization": f"Bearer {WRITE_TOKEN}"}) as attached:
        assert attached.status == 200
    async with http.post(f"{api}/notifications", json={
            "template": "order_shipped", "to": {"external_id": "erp:customer:987"},
            "values": {"order": "A1"}},
            headers={"Authorization": f"Bearer {SEND_TOKEN}", "Idempotency-Key": "e-1"}) as sent:
        assert sent.status == 202
    await runtime.settle()
    await runtime.store.reminder_index().schedule(customer_id, "r1", due=4_000_000_000)
    assert customer_id in await everything(runtime.store.redis)
    exported = await runtime.records.export(customer_id)
    assert exported["attached"] == {"email": ["ana@example.com"],
                                    "external": ["erp:customer:987"]}
    await runtime.records.erase(customer_id, actor="test")
    left = await everything(runtime.store.redis)
    assert customer_id not in left
    assert "erp:customer:987" not in left and "ana@example.com" not in left
