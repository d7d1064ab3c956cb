"""`python -m tests.e2e.botproc`: the bot with the `Replier` handler, configured from the
environment like `intake run`, for tests that kill it with SIGKILL and start it again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

from bot.app import IntakeBot, load_classifier
from bot.settings import Settings
from tests.e2e.support import Replier


async def main(settings: Settings) -> None:
    bot = IntakeBot(settings, classifier=load_classifier(settings), handle=Replier(),
                    dispatcher_options={"sweep_every": 0.2, "backoff_base": 0.05})
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, bot.stop)
    try:
        await bot.start()
        print("ready", flush=True)
        await bot.run()
    finally:
        await bot.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(Settings()))
