"""The operator console at /operator and its JSON API."""

from bot.operator.campaigns_view import campaigns_console
from bot.operator.generated_summary import summary_writer
from bot.operator.typing import typing_relay

__all__ = ["campaigns_console", "summary_writer", "typing_relay"]
