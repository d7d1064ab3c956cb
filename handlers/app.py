"""The one entry point of `handlers/`: an `Incoming` event in, database rows and outbox rows out.

Adapters (aiogram, python-telegram-bot, the console) call `handle(event, services)` for every
update. Everything the bot says goes through the outbox, written in the same transaction as the
change that caused it; the only thing an adapter sends itself is the answer to a pressed button
(`Handled.callback_answer`), because Telegram wants it within seconds and it changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.events import Incoming
from intents import Classifier


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _nothing() -> None:
    return None


@dataclass(frozen=True, slots=True)
class Config:
    """What handlers need of the settings (built from `bot.settings.Settings` in the root)."""

    admin_ids: frozenset[int] = frozenset()
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))


@dataclass(slots=True)
class Services:
    """Built once by the composition root and passed to every call of `handle`."""

    sessionmaker: async_sessionmaker[AsyncSession]
    classifier: Classifier
    config: Config = field(default_factory=Config)
    clock: Callable[[], datetime] = _utcnow
    # Called after every commit that wrote outbox rows, so the dispatcher sends at once.
    wake_outbox: Callable[[], None] = _nothing


@dataclass(frozen=True, slots=True)
class Handled:
    """What the adapter itself must do after `handle` returns."""

    callback_answer: str | None = None  # text for answerCallbackQuery; None: answer empty
    callback_alert: bool = False


class Unavailable(Exception):
    """The database cannot be reached or is locked: nothing was written.

    The adapter tells the sender 系统繁忙，请稍后再试 directly (not through the outbox, which
    lives in that database) and does not acknowledge the update as processed.
    """


BUSY_TEXT = "系统繁忙，请稍后再试。"
