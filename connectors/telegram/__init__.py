"""Telegram connectors: one on aiogram 3, one on python-telegram-bot 22, sharing the pure
parsing and rendering and the polling/webhook/pacing machinery (``base``).

Nothing here imports an SDK at package import time: only the enabled connector's module does.
"""
