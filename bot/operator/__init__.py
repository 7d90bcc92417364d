"""The operator console at /operator and its JSON API."""

from bot.operator.generated_summary import summary_writer
from bot.operator.typing import typing_relay

__all__ = ["summary_writer", "typing_relay"]
