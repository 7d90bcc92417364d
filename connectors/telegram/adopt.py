"""Mount Omnicanal inside an existing aiogram or python-telegram-bot application, without
rewriting it: its own handlers keep answering what they handle, and every other message
or button press goes to the Omnicanal pipeline.

Configure the connector with ``mode: external`` (the application receives updates; the
connector only records them and sends replies), start a ``Runtime`` with it, then:

- aiogram: ``dp.include_router(aiogram_router(connector))`` AFTER your own routers;
  aiogram offers an update to the next router only when no earlier one handled it.
- PTB: ``application.add_handler(ptb_handler(connector))`` AFTER your own handlers of
  group 0; within a group only the first matching handler runs.

See ``examples/telegram_aiogram_adopt.py`` and ``examples/telegram_ptb_adopt.py``. SDKs are
imported inside the helpers, so importing this module imports neither.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connectors.telegram.base import TelegramConnectorBase

if TYPE_CHECKING:
    from aiogram import Router
    from telegram.ext import BaseHandler


def aiogram_router(connector: TelegramConnectorBase) -> Router:
    """A catch-all aiogram Router forwarding messages and button presses to Omnicanal."""
    from aiogram import Router
    from aiogram.types import CallbackQuery, Message, Update

    router = Router(name="omnicanal")

    async def forward(update: Update) -> None:
        # The same JSON dict the connectors poll, so parsing is identical.
        await connector.receive([update.model_dump(mode="json", exclude_none=True,
                                                   by_alias=True)])

    @router.message()
    async def on_message(message: Message, event_update: Update) -> None:
        await forward(event_update)

    @router.callback_query()
    async def on_callback(query: CallbackQuery, event_update: Update) -> None:
        await forward(event_update)

    return router


def ptb_handler(connector: TelegramConnectorBase) -> BaseHandler[Any, Any, Any]:
    """A catch-all PTB handler forwarding messages and button presses to Omnicanal."""
    from telegram import Update
    from telegram.ext import TypeHandler

    async def forward(update: Update, context: object) -> None:
        if update.message is not None or update.callback_query is not None:
            await connector.receive([update.to_dict()])

    return TypeHandler(Update, forward)
