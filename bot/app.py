"""The composition root: settings → database → classifier → services → adapter + dispatcher.

Nothing is built at import time. `intake run` calls `run_bot`; tests and the benchmark build an
`IntakeBot` themselves, with a fake Bot API server's address in the settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.adapters import Adapter
from bot.dispatcher import OutboxDispatcher
from bot.intake import Handle, Intake, SendBusy
from bot.pacing import Limits, Pacer
from bot.runner import poll, webhook_app
from bot.settings import Settings
from bot.telegram_api import BotAPI
from handlers import scheduler
from handlers.app import Config, Services
from handlers.app import handle as handle_update
from handlers.app import handle_many
from handlers.tickets import TicketRules
from intents import Classifier
from storage.db import Database

log = logging.getLogger(__name__)

SCHEDULER_EVERY = 30.0  # seconds between calls of handlers.scheduler.tick

# The command menus Telegram shows. In groups (privacy mode on) the bot sees only commands
# and replies to its own messages, which is all the staff side needs.
PRIVATE_COMMANDS = [("start", "开始 / 使用说明"), ("my", "我的工单"), ("help", "使用帮助")]
GROUP_COMMANDS = [("list", "本网格待办工单"), ("stats", "统计")]


@dataclass(frozen=True)
class Webhook:
    url: str
    host: str = "127.0.0.1"
    port: int = 8080


def webhook_secret(settings: Settings) -> str:
    """The configured secret, or one derived from the token: the same in every process."""
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    assert settings.telegram_bot_token is not None
    token = settings.telegram_bot_token.get_secret_value()
    return hashlib.sha256(b"intake-webhook:" + token.encode()).hexdigest()


def build_services(
    settings: Settings, database: Any, classifier: Classifier, **overrides: Any,
) -> Services:
    """The handlers' services: settings become their `Config` (times shown in the zone set)."""
    config = Config(admin_ids=settings.admin_ids, timezone=ZoneInfo(settings.timezone),
                    digest_time=settings.digest_time, points=settings.points,
                    rules=TicketRules(timezone=settings.timezone))
    return Services.build(database.sessionmaker, classifier, config, **overrides)


def make_adapter(
    settings: Settings, intake_factory: Callable[[SendBusy], Intake],
) -> Adapter:
    assert settings.telegram_bot_token is not None
    token = settings.telegram_bot_token.get_secret_value()
    if settings.framework == "ptb":
        from bot.adapters.ptb_adapter import PTBAdapter

        return PTBAdapter(token, settings.telegram_api_base, intake_factory)
    from bot.adapters.aiogram_adapter import AiogramAdapter

    return AiogramAdapter(token, settings.telegram_api_base, intake_factory)


class IntakeBot:
    """One running bot: an adapter receiving, the dispatcher sending, the scheduler ticking."""

    def __init__(
        self, settings: Settings, *, classifier: Classifier, handle: Handle | None = None,
        limits: Limits | None = None, album_window: float | None = None,
        dispatcher_options: dict[str, Any] | None = None, database: Database | None = None,
    ) -> None:
        if settings.telegram_bot_token is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        self.settings = settings
        # A test passes its own (a short SQLite busy timeout, a PostgreSQL schema).
        self.database = database or Database(settings.database_url)
        self.api = BotAPI(settings.telegram_bot_token.get_secret_value(),
                          settings.telegram_api_base)
        pacer = Pacer(limits or (Limits() if settings.pacing else Limits.unlimited()))
        # SQLite takes one writer at a time: queue them here, not in its sleeping busy handler.
        writers = asyncio.Semaphore(1) if self.database.is_sqlite else None
        self.dispatcher = OutboxDispatcher(
            self.database.sessionmaker, self.api, pacer=pacer, writers=writers,
            lease=timedelta(seconds=settings.outbox_lease_seconds),
            **(dispatcher_options or {}),
        )
        self.services = build_services(settings, self.database, classifier,
                                       wake_outbox=self.dispatcher.wake)
        handle = handle or handle_update
        intake_options: dict[str, Any] = {"writers": writers}
        if handle is handle_update:  # a test's own handler has no batches
            intake_options["handle_many"] = handle_many
        if album_window is not None:
            intake_options["album_window"] = album_window
        self.adapter = make_adapter(
            settings,
            lambda send_busy: Intake(handle, self.services, send_busy=send_busy,
                                     **intake_options),
        )
        self.stop_event = asyncio.Event()
        self.webhook_port: int | None = None

    async def start(self) -> None:
        """Create or upgrade the schema, check the token, set the command menus."""
        await self.database.upgrade()
        await self.adapter.start()
        try:
            await self.adapter.set_commands(PRIVATE_COMMANDS, GROUP_COMMANDS)
        except Exception as exc:  # a menu is a nicety; the bot works without it
            log.warning("could not set the command menus: %s", type(exc).__name__)

    async def run(self, webhook: Webhook | None = None) -> None:
        """Serve until `stop()`; polling unless a webhook is given."""
        tasks = [
            asyncio.ensure_future(self.dispatcher.run(self.stop_event)),
            asyncio.ensure_future(self._scheduler()),
            asyncio.ensure_future(
                self._serve_webhook(webhook) if webhook else poll(self.adapter, self.stop_event)
            ),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                if task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
        finally:
            self.stop_event.set()
            await asyncio.gather(*tasks, return_exceptions=True)

    def stop(self) -> None:
        self.stop_event.set()

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.adapter.stop()
        await self.api.close()
        await self.database.dispose()

    async def _serve_webhook(self, webhook: Webhook) -> None:
        from urllib.parse import urlsplit

        secret = webhook_secret(self.settings)
        app = webhook_app(self.adapter, path=urlsplit(webhook.url).path or "/", secret=secret)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, webhook.host, webhook.port)
        await site.start()
        server = getattr(site, "_server", None)
        if server is not None and server.sockets:
            self.webhook_port = server.sockets[0].getsockname()[1]
        log.info("webhook: listening on %s:%s", webhook.host, self.webhook_port)
        try:
            await self.adapter.set_webhook(webhook.url, secret)
            await self.stop_event.wait()
        finally:
            # The webhook stays set: other processes behind the same URL go on serving it.
            await runner.cleanup()
            await self.adapter.flush()

    async def _scheduler(self) -> None:
        """Calls `handlers.scheduler.tick(services)` periodically: reminders, whistles, the
        quiet-period close and the daily digest."""
        while not self.stop_event.is_set():
            try:
                await scheduler.tick(self.services)
            except Exception:
                log.exception("scheduler tick failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop_event.wait(), SCHEDULER_EVERY)


def load_classifier(settings: Settings) -> Classifier:
    """Blocking (jieba's dictionary): called before the event loop starts serving."""
    classifier = Classifier.from_files(settings.lexicon_path)
    classifier.classify("预热")  # warm the tokenizer's caches
    return classifier


def freeze_startup_heap() -> None:
    """What start-up built lives as long as the process: jieba's dictionary, the lexicon, the
    duplicate tables, the frameworks' types, the schema (~285,000 objects the collector tracks).
    Left in its sight, every full collection walks all of it, ~120 ms with the loop stopped
    (a p99 spike under load, bench/pipeline.py); frozen, it is never walked again. Called once,
    when the bot has started, before it serves (and by the benchmarks, to measure the same)."""
    gc.collect()
    gc.freeze()


def configure_logging(settings: Settings) -> None:
    """Logs at the configured level, with the token and residents' personal data masked."""
    from bot import logs

    token = settings.telegram_bot_token
    logs.configure(settings.log_level, [token.get_secret_value()] if token else [])


def run_bot(settings: Settings, webhook: Webhook | None = None) -> int:
    configure_logging(settings)
    classifier = load_classifier(settings)

    async def main() -> None:
        bot = IntakeBot(settings, classifier=classifier, handle=handle_update)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, bot.stop)
        try:
            await bot.start()
            freeze_startup_heap()
            log.info("intake bot running (%s, %s)", bot.adapter.name,
                     "webhook" if webhook else "polling")
            await bot.run(webhook)
        finally:
            await bot.close()

    try:
        asyncio.run(main())
    except Exception:  # through logging, so the traceback is redacted like every other line
        log.exception("the bot stopped")
        return 1
    return 0


CONSOLE_DATABASE = "sqlite+aiosqlite:///intake-console.db"


def run_console(settings: Settings, database_url: str = CONSOLE_DATABASE) -> int:
    """`intake console`: the handlers in a terminal, on a SQLite file of its own.

    Not the bot's `DATABASE_URL` by default: the console plays Telegram and takes every due
    outbox row, so on a live bot's database it would swallow messages meant for real chats.
    """
    from bot.console import STAFF
    from bot.console import run_console as console_loop
    from storage.db import Database

    logging.basicConfig(level=logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    classifier = load_classifier(settings)
    handle = handle_update
    # The console's staff member is an admin, so they can bind their group to a grid.
    settings = settings.model_copy(update={
        "admin_ids": settings.admin_ids | {STAFF.person.id}, "database_url": database_url,
    })

    async def main() -> None:
        database = Database(settings.database_url)
        try:
            await database.upgrade()
            services = build_services(settings, database, classifier)
            await console_loop(services, handle)
        finally:
            await database.dispose()

    asyncio.run(main())
    return 0
