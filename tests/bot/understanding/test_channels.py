"""Free text understood end to end, over real HTTP: WhatsApp webhooks (signed as Meta
signs them) into a real runtime with the demo flows and the built-in provider, replies
to a fake Graph API."""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.messages import Identity
from bot.runtime import Runtime
from tests.connectors.meta.conftest import Meta, connector_sections
from tests.fakes import meta_webhooks as hooks
from tests.fakes.graph_api import FakeGraphAPI
from tests.fakes.openai_api import FakeOpenAI

DEMO = {"modules": ["flows.store_assistant"], "default": "menu", "locales": ["en", "es"]}
OPERATORS = [{"id": "ana", "name": "Ana", "token": "token-of-ana-0123456789"}]


async def test_whatsapp_customers_asking_in_spanish_words(make_settings: Any,
                                                          redis: Any) -> None:
    async with FakeGraphAPI() as graph:
        settings = make_settings(connectors=connector_sections(graph), flows=DEMO,
                                 handoff={"operators": OPERATORS})
        async with Runtime(settings) as runtime, aiohttp.ClientSession() as http:
            meta = Meta(http, runtime)
            # WhatsApp says nothing of the customer's language: the words do.
            await meta.whatsapp(hooks.whatsapp_text(wa_id="34600000001",
                                                    text="¿dónde está mi pedido?"))
            [asked] = await graph.wait_for_whatsapp(1, to="34600000001")
            assert asked.json["type"] == "text", "no menu, no language button"
            assert asked.text == "¿Cuál es tu número de pedido? Es como A1234."

            await meta.whatsapp(hooks.whatsapp_text(wa_id="34600000002",
                                                    text="quiero hablar con una persona"))
            [queued] = await graph.wait_for_whatsapp(1, to="34600000002")
            assert queued.text is not None
            # Queued for a person (nobody is logged in yet), and told so in Spanish.
            assert queued.text.startswith("Ahora mismo no hay nadie disponible.")
            customer = await runtime.store.resolve(Identity(
                channel="whatsapp", account="PNID", user_id="34600000002"))
            session, profile = await runtime.store.load(customer)
            assert session.mode == "queued" and profile.locale == "es"
            notes = [e for e in await runtime.store.history(customer)
                     if e.kind == "understood"]
            assert [n.data["intent"] for n in notes] == ["human"]
            exposition = runtime.metrics.exposition().decode()
            assert ('omnicanal_understanding_calls_total{outcome="understood",'
                    'provider="builtin"} 1.0') in exposition


async def test_a_failing_model_leaves_the_customer_answered_and_counted(
        make_settings: Any, redis: Any) -> None:
    """understanding.provider: openai against a model server that answers 500: the
    built-in provider answers instead, and the metrics count the fallback and the error."""
    async with FakeGraphAPI() as graph, FakeOpenAI() as llm:
        llm.fail(500)
        openai = {"base_url": llm.base_url, "api_key": "sk-test", "model": "test-model"}
        settings = make_settings(connectors=connector_sections(graph), flows=DEMO,
                                 handoff={"operators": OPERATORS},
                                 understanding={"provider": "openai", "openai": openai})
        async with Runtime(settings) as runtime, aiohttp.ClientSession() as http:
            meta = Meta(http, runtime)
            await meta.whatsapp(hooks.whatsapp_text(wa_id="34600000003",
                                                    text="quiero hablar con una persona"))
            [queued] = await graph.wait_for_whatsapp(1, to="34600000003")
            assert (queued.text or "").startswith("Ahora mismo no hay nadie disponible.")
            assert len(await llm.wait_for_requests(1)) >= 1, "the model was asked first"
            exposition = runtime.metrics.exposition().decode()
            assert 'omnicanal_understanding_fallbacks_total{provider="openai"} 1.0' in (
                exposition)
            assert 'omnicanal_understanding_errors_total{provider="openai"} 1.0' in (
                exposition)
