"""The understanding a runtime's engine consults, built from config.yaml's
``understanding:`` section and the loaded flows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.understanding.builtin import BuiltinProvider
from bot.understanding.contract import Knowledge
from bot.understanding.providers import build_provider
from bot.understanding.specs import flow_specs
from bot.understanding.understander import Understander

if TYPE_CHECKING:
    from bot.config.settings import Settings
    from bot.dialogue.flow import Flow
    from bot.metrics import Metrics


def build_understander(settings: Settings, flows: Sequence[Flow], *,
                       metrics: Metrics | None = None,
                       knowledge: Knowledge | None = None) -> Understander:
    """The configured provider (built-in by default) over ``flows``' descriptions and
    examples, with the knowledge base when there is one."""
    locales = settings.flows.locales
    specs = flow_specs(flows, locales)
    builtin = BuiltinProvider(specs, locales)
    provider = build_provider(settings.understanding, specs, builtin=builtin)
    return Understander(provider, flows=specs, locales=locales,
                        threshold=settings.understanding.threshold, knowledge=knowledge,
                        metrics=metrics, builtin=builtin)
