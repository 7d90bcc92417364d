"""The web chat: a page at ``/`` and a websocket at ``/webchat``."""

from connectors.webchat.connector import WebChatConnector
from connectors.webchat.settings import WebChatSettings

__all__ = ["WebChatConnector", "WebChatSettings"]
