"""A stand-in for `handlers.app.handle` and a bot built against the fake Bot API server.

`Replier` does what the real handler does at the edge, minimally: one transaction that records
the update id (dedup) and writes an outbox row answering the resident, then wakes the
dispatcher. It remembers every event it saw, so tests can check what the adapter produced.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.app import IntakeBot, Webhook
from bot.pacing import Limits
from bot.settings import Settings
from handlers.app import Handled, Services, Unavailable
from handlers.events import Incoming
from storage.outbox import enqueue
from storage.updates import first_time


@contextlib.asynccontextmanager
async def serving(bot: IntakeBot, fake: Any, webhook: Webhook | None = None
                  ) -> AsyncIterator[IntakeBot]:
    """Start the bot, run it (polling, or the webhook once the fake server has it) until the
    block ends, then stop and close it."""
    await bot.start()
    task = asyncio.ensure_future(bot.run(webhook))
    try:
        if webhook is not None:
            await fake.wait_for(lambda: fake.webhook is not None, what="setWebhook")
        yield bot
    finally:
        bot.stop()
        await asyncio.wait_for(task, 10)
        await bot.close()


@dataclass
class Replier:
    events: list[Incoming] = field(default_factory=list)
    unavailable: bool = False

    async def __call__(self, event: Incoming, services: Services) -> Handled:
        if self.unavailable:
            raise Unavailable("database is locked")
        self.events.append(event)
        now = services.clock()
        async with services.sessionmaker() as session, session.begin():
            if not await first_time(session, event.update_id, now):
                return Handled()
            if event.kind == "callback":
                return Handled(callback_answer=f"已收到 {event.callback_data}")
            text = f"收到：{html.escape(event.text or event.kind)}"
            if event.photos:
                text += f"（{len(event.photos)} 张照片）"
            await enqueue(session, chat_id=event.chat_id, method="sendMessage",
                          payload={"text": text}, now=now)
        services.wake_outbox()
        return Handled()


def settings_for(fake_base_url: str, token: str, db_path: Path, framework: str,
                  **extra: object) -> Settings:
    return Settings(
        TELEGRAM_BOT_TOKEN=token,
        TELEGRAM_API_BASE=fake_base_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{db_path}",
        INTAKE_FRAMEWORK=framework,
        INTAKE_PACING=False,
        INTAKE_WEBHOOK_SECRET=None,
        **extra,
    )


def build_bot(settings: Settings, classifier: object, handle: object,
              **options: object) -> IntakeBot:
    return IntakeBot(
        settings, classifier=classifier, handle=handle,  # type: ignore[arg-type]
        limits=Limits.unlimited(), album_window=options.pop("album_window", 0.3),  # type: ignore[arg-type]
        dispatcher_options={"sweep_every": 0.5, "backoff_base": 0.05, **options},
    )
