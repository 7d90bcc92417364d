"""The connector contract, in the core: what a channel implements (``BaseConnector``),
what it declares (``Capabilities``), what it is given (``ConnectorContext``,
``SendContext``), the renderer that degrades messages to each channel
(``bot.channels.render``), and the registry (``bot.channels.registry``) that finds a
connector class by the name or path config.yaml gives. Implementations live outside the
core (``connectors/``, or any installed package).
"""

from bot.channels.capabilities import Capabilities
from bot.channels.context import (
    ConnectorContext,
    ConnectorState,
    DeliveryStatus,
    InboundSink,
    StatusSink,
    TypingSink,
)
from bot.channels.contract import BaseConnector
from bot.channels.sending import SendContext, SendReceipt
from bot.channels.settings import ConnectorSettings

__all__ = [
    "BaseConnector",
    "Capabilities",
    "ConnectorContext",
    "ConnectorSettings",
    "ConnectorState",
    "DeliveryStatus",
    "InboundSink",
    "SendContext",
    "SendReceipt",
    "StatusSink",
    "TypingSink",
]
