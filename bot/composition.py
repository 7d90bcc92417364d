"""Building the dialogue engine from the settings: the configured flows (and the handoff's
satisfaction survey), the understanding that reads free text, and the knowledge base it
answers from. Shared by the runtime, ``omnicanal check`` and ``omnicanal eval``."""

from __future__ import annotations

from collections.abc import Sequence

from bot.config.settings import Settings
from bot.dialogue import DialogueEngine, Flow
from bot.dialogue.answers import CapabilitiesOf
from bot.dialogue.checks import Where
from bot.dialogue.loading import checked_engine, loaded_flows
from bot.handoff.satisfaction import satisfaction
from bot.metrics import Metrics
from bot.services.loading import services_for
from bot.understanding.contract import Knowledge
from bot.understanding.wiring import build_understander


def build_engine(settings: Settings, flows: Sequence[Flow] | None = None, *,
                 metrics: Metrics | None = None,
                 capabilities_of: CapabilitiesOf | None = None,
                 knowledge: Knowledge | None = None) -> DialogueEngine:
    """The dialogue engine over ``flows`` (else the modules config.yaml names), checked at
    load (a mistake in a flow stops start-up with its module, flow and step), consulting
    the configured understanding about free text (``bot/understanding``), with
    ``knowledge`` to answer questions from (``bot/knowledge``)."""
    where: dict[str, Where] = {}
    if flows is None:
        flows, where = loaded_flows(settings.flows.modules)
    chosen = list(flows)
    if settings.handoff.enabled and settings.handoff.satisfaction:
        chosen.append(satisfaction)
    return checked_engine(
        chosen,
        where=where,
        default_flow=settings.flows.default,
        locales=settings.flows.locales,
        default_locale=settings.flows.default_locale,
        max_attempts=settings.flows.max_attempts,
        announce_handoff=not settings.handoff.enabled,
        understanding=build_understander(settings, chosen, metrics=metrics,
                                         knowledge=knowledge),
        capabilities_of=capabilities_of,
        services=services_for(settings),
    )
