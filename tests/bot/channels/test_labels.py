"""Every built-in channel is named in sentences in every shipped locale ("you started on
e-mail"), not by its raw config name."""

from __future__ import annotations

import inspect

import pytest

from bot.channels import registry
from bot.dialogue.texts import ENGINE_TEXTS


def _default_channel(type_name: str) -> str:
    """The channel a built-in connector type takes when config.yaml names none."""
    cls = registry.connector_class(type_name)
    default = inspect.signature(cls.__init__).parameters["channel"].default
    return str(default)


@pytest.mark.parametrize("type_name", registry.known_types())
@pytest.mark.parametrize("locale", ["en", "es"])
def test_each_builtin_channel_has_a_label(type_name: str, locale: str) -> None:
    channel = _default_channel(type_name)
    assert ENGINE_TEXTS.has(f"channel.{channel}"), channel
    assert ENGINE_TEXTS.label(locale, channel) != channel
