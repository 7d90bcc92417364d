"""Which connector types exist, where their settings and classes live.

Imports are lazy: a connector's module (and its SDK) is imported only when a config
section uses it, so a web-chat-only bot never imports aiogram.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import cast

from bot.config.loader import missing_sdk
from bot.config.settings import ConnectorSettings
from connectors.base import BaseConnector


@dataclass(frozen=True, slots=True)
class ConnectorType:
    settings: str  # "module:Class"
    connector: str  # "module:Class"; the class has ``from_settings(name, settings)``


TYPES: dict[str, ConnectorType] = {
    "webchat": ConnectorType("connectors.webchat.settings:WebChatSettings",
                             "connectors.webchat.connector:WebChatConnector"),
    "console": ConnectorType("connectors.console:ConsoleSettings",
                             "connectors.console:ConsoleConnector"),
    "telegram": ConnectorType("connectors.telegram.settings:TelegramSettings",
                              "connectors.telegram.aiogram_connector:AiogramConnector"),
    "telegram_ptb": ConnectorType("connectors.telegram.settings:TelegramSettings",
                                  "connectors.telegram.ptb_connector:PTBConnector"),
    "whatsapp": ConnectorType("connectors.meta.whatsapp:WhatsAppSettings",
                              "connectors.meta.whatsapp:WhatsAppConnector"),
    "messenger": ConnectorType("connectors.meta.messenger:MessengerSettings",
                               "connectors.meta.messenger:MessengerConnector"),
}


def _load(path: str) -> object:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def known_types() -> list[str]:
    return sorted(TYPES)


def settings_model(type_name: str) -> type[ConnectorSettings] | None:
    entry = TYPES.get(type_name)
    return cast(type[ConnectorSettings], _load(entry.settings)) if entry else None


def build(name: str, settings: ConnectorSettings) -> BaseConnector:
    """Construct the connector configured under ``connectors.<name>``."""
    entry = TYPES[settings.type or name]
    try:
        cls = _load(entry.connector)
    except ModuleNotFoundError as exc:  # an SDK from an extra that is not installed
        raise missing_sdk(f"connectors.{name}", exc) from None
    connector = cls.from_settings(name, settings)  # type: ignore[attr-defined]
    if not isinstance(connector, BaseConnector):
        raise TypeError(f"{entry.connector}.from_settings did not return a BaseConnector")
    return connector
