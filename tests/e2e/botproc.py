"""`python -m tests.e2e.botproc`: the bot configured from the environment like `intake run`, for
tests that kill it with SIGKILL and start it again, or run two of it side by side.

- `INTAKE_TEST_HANDLER=real` runs `handlers.app.handle` (tickets, cards); otherwise the
  `Replier` stand-in.
- `INTAKE_TEST_WEBHOOK_PORT=N` serves a webhook on 127.0.0.1:N instead of polling.
- `INTAKE_TEST_SCHEMA=name` puts the tables in that PostgreSQL schema.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal

from bot import logs
from bot.app import IntakeBot, Webhook, load_classifier
from bot.settings import Settings
from storage.db import Database
from tests.e2e.support import Replier


async def main(settings: Settings) -> None:
    real = os.environ.get("INTAKE_TEST_HANDLER") == "real"
    schema = os.environ.get("INTAKE_TEST_SCHEMA")
    port = os.environ.get("INTAKE_TEST_WEBHOOK_PORT")
    bot = IntakeBot(settings, classifier=load_classifier(settings),
                    handle=None if real else Replier(),
                    dispatcher_options={"sweep_every": 0.2, "backoff_base": 0.05},
                    database=Database(settings.database_url, schema=schema) if schema else None)
    webhook = Webhook(f"http://127.0.0.1:{port}/hook", "127.0.0.1", int(port)) if port else None
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, bot.stop)
    try:
        await bot.start()
        print("ready", flush=True)
        await bot.run(webhook)
    finally:
        await bot.close()


if __name__ == "__main__":
    settings = Settings()
    token = settings.telegram_bot_token
    # As `intake run` logs, but quieter unless told: the tests read stderr only when it fails.
    logs.configure(os.environ.get("INTAKE_LOG_LEVEL", "WARNING"),
                   [token.get_secret_value()] if token else [])
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(settings))
