"""``understanding:`` and ``knowledge:`` in config.yaml (``bot/understanding``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from bot.config.base import Strict


class OpenAISettings(Strict):
    """Any OpenAI-compatible chat-completions server (OpenAI, Azure, vLLM, Ollama,
    LiteLLM proxies)."""

    #: The server's API address, e.g. ``https://api.openai.com/v1``.
    base_url: str = Field(min_length=1)
    #: Sent as a bearer token (read it from the environment).
    api_key: SecretStr = SecretStr("")
    #: The model to ask, as the server names it.
    model: str = Field(min_length=1)
    #: Per call; on timeout the built-in provider answers instead.
    timeout_seconds: float = Field(default=5.0, gt=0, le=120)


class UnderstandingSettings(Strict):
    """How free text the flows' triggers did not match is understood."""

    #: ``builtin`` understands from the flows' own examples, with no network; ``openai``
    #: asks a model and falls back to the built-in provider when it fails.
    provider: Literal["builtin", "openai"] = "builtin"
    #: Below this confidence the bot says it is not sure (and offers a person).
    threshold: float = Field(default=0.6, ge=0, le=1)
    #: The model server, for ``provider: openai``.
    openai: OpenAISettings | None = None

    @model_validator(mode="after")
    def _openai_configured(self) -> UnderstandingSettings:
        if self.provider == "openai" and self.openai is None:
            raise ValueError("provider 'openai' needs an 'openai:' section with base_url "
                             "and model")
        return self


class KnowledgeSettings(Strict):
    """The knowledge base that answers questions outside the flows."""

    #: Folders of Markdown or YAML entries, one subfolder per locale (docs/knowledge.md);
    #: relative paths are read from the working directory.
    paths: list[Path] = Field(default_factory=list)
    #: How often (seconds) a running bot looks for edited entries and re-indexes; 0: never.
    reload_seconds: float = Field(default=2.0, ge=0, le=3600)
