"""Connectors: one module (or package) per platform, all built on the contract in
``bot.channels`` (docs/connectors.md), and registered as entry points in pyproject.toml.

Platform SDKs (aiogram, python-telegram-bot) are imported only inside their connector, and
only when that connector is enabled.
"""
