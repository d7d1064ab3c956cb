"""python-telegram-bot 22: an Application without its Updater (polling and the webhook are
ours, shared with aiogram); the Intake reaches the callbacks through `bot_data`."""

from __future__ import annotations

import logging
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import convert
from bot.adapters import ALLOWED_UPDATES
from bot.intake import Intake, answer_press
from handlers.app import BUSY_TEXT
from handlers.events import Incoming

log = logging.getLogger(__name__)


async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    intake: Intake = context.bot_data["intake"]
    if update.message is not None:
        await intake.receive(convert.from_message(update.update_id, update.message))
    elif update.edited_message is not None:
        await intake.receive(
            convert.from_message(update.update_id, update.edited_message, edited=True)
        )


async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    intake: Intake = context.bot_data["intake"]
    query = update.callback_query
    assert query is not None
    handled = await intake.receive(convert.from_callback(update.update_id, query))
    await answer_press(query.id, query.answer, handled)


class PTBAdapter:
    name = "ptb"

    def __init__(self, token: str, api_base: str | None, intake_factory: Any) -> None:
        builder = ApplicationBuilder().token(token).updater(None)
        if api_base:
            base = api_base.rstrip("/")
            builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.intake: Intake = intake_factory(self._send_busy)
        self.application.bot_data["intake"] = self.intake
        self.application.add_handler(MessageHandler(
            filters.UpdateType.MESSAGE | filters.UpdateType.EDITED_MESSAGE, on_message
        ))
        self.application.add_handler(CallbackQueryHandler(on_callback))
        self.application.add_error_handler(_log_error)

    async def _send_busy(self, event: Incoming) -> None:
        await self.application.bot.send_message(event.chat_id, BUSY_TEXT)

    async def start(self) -> None:
        await self.application.initialize()  # getMe
        log.info("python-telegram-bot: connected as @%s", self.application.bot.username)

    async def stop(self) -> None:
        await self.application.shutdown()

    async def fetch_updates(self, offset: int | None, timeout: int) -> list[Update]:
        return list(await self.application.bot.get_updates(
            offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES, read_timeout=15,
        ))

    def parse_update(self, data: dict[str, Any]) -> Update:
        return Update.de_json(data, self.application.bot)

    def update_id(self, update: Update) -> int:
        return update.update_id

    def chat_of(self, update: Update) -> int | None:
        return convert.chat_of(update)

    async def feed(self, update: Update) -> None:
        await self.application.process_update(update)

    async def set_webhook(self, url: str, secret: str) -> None:
        await self.application.bot.set_webhook(
            url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
        )

    async def delete_webhook(self) -> None:
        await self.application.bot.delete_webhook()

    async def set_commands(self, private: list[tuple[str, str]],
                           groups: list[tuple[str, str]]) -> None:
        for commands, scope in ((private, BotCommandScopeAllPrivateChats()),
                                (groups, BotCommandScopeAllGroupChats())):
            if commands:
                await self.application.bot.set_my_commands(
                    [BotCommand(c, d) for c, d in commands], scope=scope
                )

    async def flush(self) -> None:
        await self.intake.flush()


async def _log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("update %s failed", getattr(update, "update_id", "?"), exc_info=context.error)
