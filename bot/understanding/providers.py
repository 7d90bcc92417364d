"""The configured provider, from ``understanding:`` in config.yaml.

``builtin`` is the built-in provider itself; ``openai`` asks the configured model first and
the built-in provider whenever the model fails (``FallbackProvider``). The ``openai``
package is imported only then, so a bot without the ``omnicanal[llm]`` extra never needs it.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.config.understanding import UnderstandingSettings
from bot.errors import ConfigError
from bot.understanding.contract import FlowSpec, Provider
from bot.understanding.fallback import FallbackProvider


def build_provider(settings: UnderstandingSettings, flows: Sequence[FlowSpec], *,
                   builtin: Provider) -> Provider:
    """The provider ``settings`` names, falling back to ``builtin``. ``flows`` is what a
    provider may be told at start (the OpenAI provider reads them from each request)."""
    if settings.provider == "builtin" or settings.openai is None:
        return builtin
    try:
        from bot.understanding.openai_provider import OpenAIProvider
    except ModuleNotFoundError as exc:
        if exc.name != "openai":
            raise
        raise ConfigError(["understanding.provider: 'openai' needs the 'openai' package, "
                           "which is not installed. Install it with: "
                           "pip install 'omnicanal[llm]'"]) from None
    return FallbackProvider(OpenAIProvider.from_settings(settings.openai), builtin)
