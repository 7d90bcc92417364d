"""Services for flows: business systems reached by name (``turn.services.<name>``)."""

from bot.services.registry import ServiceFactory, Services

__all__ = ["ServiceFactory", "Services"]
