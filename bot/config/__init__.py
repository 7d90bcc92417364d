"""config.yaml, parsed once at start-up into frozen typed settings."""

from bot.config.loader import load_settings, parse_settings
from bot.config.settings import Settings

__all__ = ["Settings", "load_settings", "parse_settings"]
