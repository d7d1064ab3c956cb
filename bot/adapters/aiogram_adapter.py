"""aiogram 3: a Dispatcher with one router; the Intake reaches the handlers by name."""

from __future__ import annotations

import logging
from typing import Any

from bot.adapters.aiogram_types import import_types

import_types()  # before anything of aiogram: its types' validators built when first used

from aiogram import Bot, Dispatcher, Router  # noqa: E402
from aiogram.client.session.aiohttp import AiohttpSession  # noqa: E402
from aiogram.client.telegram import TelegramAPIServer  # noqa: E402
from aiogram.methods.base import Response  # noqa: E402
from aiogram.types import (  # noqa: E402
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    CallbackQuery,
    Message,
    Update,
    User,
)

from bot import convert  # noqa: E402
from bot.adapters import ALLOWED_UPDATES  # noqa: E402
from bot.intake import Intake, answer_press  # noqa: E402
from handlers.app import BUSY_TEXT  # noqa: E402
from handlers.events import Incoming  # noqa: E402

log = logging.getLogger(__name__)

# What the calls we make return. pydantic keeps a generic model such as `Response[list[Update]]`
# only weakly: once collected, aiogram's next call builds its validator again, ~0.2 s on the
# loop (measured in bench/e2e.py: every few polls). Held here for the life of the process.
_RETURNING: tuple[Any, ...] = (list[Update], User, bool, Message)
_RESPONSES: list[Any] = []

async def on_message(message: Message, event_update: Update, intake: Intake) -> None:
    await intake.receive(convert.from_message(event_update.update_id, message))


async def on_edited_message(
    edited_message: Message, event_update: Update, intake: Intake
) -> None:
    await intake.receive(
        convert.from_message(event_update.update_id, edited_message, edited=True)
    )


async def on_callback(query: CallbackQuery, event_update: Update, intake: Intake) -> None:
    handled = await intake.receive(convert.from_callback(event_update.update_id, query))
    await answer_press(query.id, query.answer, handled)


class AiogramAdapter:
    name = "aiogram"

    def __init__(self, token: str, api_base: str | None, intake_factory: Any) -> None:
        session = (
            AiohttpSession(api=TelegramAPIServer.from_base(api_base)) if api_base
            else AiohttpSession()
        )
        self.bot = Bot(token, session=session)
        self.intake: Intake = intake_factory(self._send_busy)
        # No FSM: the handlers keep their own state in the database, and aiogram's memory
        # storage keeps an entry for every chat it ever saw (2.4 MB per 10,000, never freed).
        self.dispatcher = Dispatcher(intake=self.intake, disable_fsm=True)
        self.dispatcher.include_router(build_router())

    async def _send_busy(self, event: Incoming) -> None:
        await self.bot.send_message(event.chat_id, BUSY_TEXT)

    async def start(self) -> None:
        if not _RESPONSES:
            _RESPONSES.extend(Response[returning] for returning in _RETURNING)
        me = await self.bot.get_me()
        log.info("aiogram: connected as @%s", me.username)

    async def stop(self) -> None:
        await self.bot.session.close()

    async def fetch_updates(self, offset: int | None, timeout: int) -> list[Update]:
        return await self.bot.get_updates(
            offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES,
            request_timeout=timeout + 15,
        )

    def parse_update(self, data: dict[str, Any]) -> Update:
        return Update.model_validate(data, context={"bot": self.bot})

    def update_id(self, update: Update) -> int:
        return update.update_id

    def chat_of(self, update: Update) -> int | None:
        return convert.chat_of(update)

    async def feed(self, update: Update) -> None:
        await self.dispatcher.feed_update(self.bot, update)

    async def set_webhook(self, url: str, secret: str) -> None:
        await self.bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)

    async def delete_webhook(self) -> None:
        await self.bot.delete_webhook()

    async def set_commands(self, private: list[tuple[str, str]],
                           groups: list[tuple[str, str]]) -> None:
        for commands, scope in ((private, BotCommandScopeAllPrivateChats()),
                                (groups, BotCommandScopeAllGroupChats())):
            if commands:
                await self.bot.set_my_commands(
                    [BotCommand(command=c, description=d) for c, d in commands], scope=scope
                )

    async def flush(self) -> None:
        await self.intake.flush()


def build_router() -> Router:
    """Built per Dispatcher (a router may belong to one only), never at import."""
    router = Router(name="intake")
    router.message.register(on_message)
    router.edited_message.register(on_edited_message)
    router.callback_query.register(on_callback)
    return router
