"""What engineers and the business see: /metrics after a scripted conversation, the
analytics report's numbers, and logs free of personal data and secrets."""

from __future__ import annotations

import io
import itertools
import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot import logs
from bot.analytics.report import to_csv
from bot.messages import Identity, Inbound, SenderHint
from bot.model import OperatorAction
from bot.runtime import Runtime
from connectors.collecting import CollectingConnector
from tests.conftest import TEST_FLOWS

PHONE = "+34 612 345 678"
EMAIL = "planted.person@example.org"
TOKEN = "987654321:AAHplantedTOKENvalue_0123456789abcdef"


@pytest.fixture
async def runtime(make_settings: Any) -> AsyncIterator[Runtime]:
    channels = [CollectingConnector(channel="telegram"), CollectingConnector(channel="webchat")]
    operators = [{"id": "ana", "token": "token-of-ana-0123456789"}]
    async with Runtime(make_settings(handoff={"operators": operators}),
                       connectors=channels) as rt:
        yield rt


_ids = itertools.count()


async def say(runtime: Runtime, identity: Identity, text: str | None = None,
              **fields: Any) -> None:
    await runtime.pipeline.submit([Inbound(identity=identity, message_id=f"m{next(_ids)}",
                                           text=text, **fields)])
    await runtime.settle()


async def scripted(runtime: Runtime) -> dict[str, Identity]:
    """Two customers, two channels, a fault report, a duplicate, a handoff, a rating."""
    ana_tg = Identity(channel="telegram", user_id="1")
    ana_web = Identity(channel="webchat", user_id="v1")
    bea = Identity(channel="webchat", user_id="v2")
    await say(runtime, ana_tg, "/report")
    await say(runtime, ana_tg, "T100")
    customer = await runtime.store.resolve(ana_tg)
    await runtime.store.assign_identity(ana_web, customer)
    await say(runtime, ana_web, payload="cable", text="Power cable")  # a channel switch
    duplicate = Inbound(identity=bea, message_id="dup", text="/ticket")
    await runtime.pipeline.submit([duplicate])
    await runtime.pipeline.submit([duplicate])
    await runtime.settle()
    await say(runtime, bea, "T300")
    assert runtime.desk is not None
    await runtime.desk.queue.heartbeat("ana")
    await say(runtime, bea, "human")
    bea_id = await runtime.store.resolve(bea)
    for kind in ("take", "resolve"):
        await runtime.pipeline.act(bea_id, OperatorAction(id=f"a-{kind}", operator="ana",
                                                          action=kind))
        await runtime.settle()
    await say(runtime, bea, payload="5", text="★★★★★")
    return {"ana": ana_tg, "bea": bea}


def metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = rf"^{name}(?:{{{re.escape(wanted)}}})? ([0-9.e+-]+)$" if labels else \
        rf"^{name} ([0-9.e+-]+)$"
    found = re.search(pattern, text, re.MULTILINE)
    assert found, f"{name}{{{wanted}}} not in /metrics"
    return float(found.group(1))


async def test_metrics_count_a_scripted_conversation(runtime: Runtime) -> None:
    await scripted(runtime)
    assert runtime.server is not None
    async with aiohttp.ClientSession() as http, http.get(f"{runtime.server.url}/metrics") as r:
        assert r.status == 200
        text = await r.text()
    assert metric(text, "omnicanal_messages_received_total", channel="telegram") == 2
    assert metric(text, "omnicanal_messages_received_total", channel="webchat") == 5
    assert metric(text, "omnicanal_duplicates_total", channel="webchat") == 1
    # The operator's side said three things: "ana ... is here", "Glad we could help", and
    # the satisfaction question.
    assert metric(text, "omnicanal_messages_sent_total", channel="webchat",
                  origin="operator") == 3
    assert metric(text, "omnicanal_turn_duration_seconds_count", kind="message") == 7
    assert metric(text, "omnicanal_turn_duration_seconds_count", kind="operator") == 2
    assert metric(text, "omnicanal_handoff_wait_seconds_count") == 1
    assert "omnicanal_store_duration_seconds_bucket" in text
    assert "v1" not in text and "v2" not in text, "no customer data in labels"


async def test_the_report_counts_channels_paths_funnels_handoffs_and_ratings(
    runtime: Runtime,
) -> None:
    await scripted(runtime)
    report = await runtime.report(7)
    assert report["channels"] == ["telegram", "webchat"]
    assert sum(report["messages"]["in"]["telegram"]) == 2
    assert sum(report["messages"]["in"]["webchat"]) == 5
    assert report["customers_total"] == 2
    assert report["multichannel"] == {"customers": 1, "paths": [
        {"from": "telegram", "to": "webchat", "count": 1}]}
    [form] = [f for f in report["funnels"] if f["flow"] == "report"]
    assert form["started"] == 1 and form["completed"] == 0
    assert [s["step"] for s in form["steps"]][:3] == ["ask_ticket", "check", "ask_problem"]
    assert report["handoff"]["requested"] == 1 and report["handoff"]["taken"] == 1
    assert report["handoff"]["resolved"] == 1 and report["handoff"]["rate"] == 0.5
    assert report["satisfaction"] == {"responses": 1, "average": 5.0, "distribution": {
        "1": 0, "2": 0, "3": 0, "4": 0, "5": 1}}
    csv = to_csv(report)
    assert "path,telegram>webchat,all,1" in csv and "satisfaction,5,all,1" in csv


async def test_counters_from_two_processes_add_up(make_settings: Any) -> None:
    reports = []
    for _ in range(2):  # two runtimes in turn against one store: counts accumulate
        chat = CollectingConnector(channel="webchat")
        async with Runtime(make_settings() if not reports else _same(make_settings),
                           connectors=[chat], serve_http=False) as rt:
            await say(rt, Identity(channel="webchat", user_id=f"p{len(reports)}"), "hi")
            reports.append(await rt.report(1))
    assert sum(reports[1]["messages"]["in"]["webchat"]) == 2
    assert reports[1]["customers_total"] == 2


def _same(make_settings: Any) -> Any:
    """Settings on the same store without flushing it (make_settings flushes)."""
    from bot.config import parse_settings

    first = make_settings()
    return parse_settings({"store": {"url": first.store.url.get_secret_value(),
                                     "cluster": first.store.cluster},
                           "server": {"port": 0}, "flows": dict(TEST_FLOWS),
                           "connectors": {"webchat": {}}}, env={})


# Proves docs/architecture.md invariant 7.
async def test_no_secret_or_personal_datum_reaches_any_log_line(make_settings: Any) -> None:
    for fmt, turn_line in (("text", "turn message channel=webchat"),
                           ("json", '"msg": "turn message')):
        stream = io.StringIO()
        logs.configure("DEBUG", fmt)
        logging.getLogger().handlers[0].stream = stream  # type: ignore[attr-defined]
        chat = CollectingConnector(channel="webchat")
        async with Runtime(make_settings(), connectors=[chat], serve_http=False) as rt:
            visitor = Identity(channel="webchat", user_id=f"planted-{fmt}")
            await say(rt, visitor, "/link")
            code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", chat.sent[-1].text)
            assert code
            other = Identity(channel="whatsapp", user_id="34612345678")
            await say(rt, other, code.group(0), sender=SenderHint(verified_phone="+34612345678"))
            await say(rt, visitor, "/report")
            await say(rt, visitor, f"my phone is {PHONE}, mail {EMAIL}, token {TOKEN}")
            logging.getLogger("bot.test").info("echo %s %s %s %s", PHONE, EMAIL, TOKEN,
                                               code.group(0))
        logged = stream.getvalue()
        assert turn_line in logged, f"the turns were logged ({fmt})"
        for secret in (PHONE, PHONE.replace(" ", ""), "34612345678", EMAIL, TOKEN,
                       "AAHplantedTOKEN", code.group(0), code.group(0).replace("-", "")):
            assert secret not in logged, f"{secret!r} leaked into the logs ({fmt})"
    logging.getLogger().handlers.clear()
