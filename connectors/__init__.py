"""Connectors: one module (or package) per platform, all built on ``connectors.base``.

Platform SDKs (aiogram, python-telegram-bot) are imported only inside their connector, and
only when that connector is enabled.
"""
