"""Updates per second through the whole bot, beside a bare aiogram echo bot, same fake server.

Ours: the aiogram adapter → Intake → handlers.app.handle (classifier, tickets, conversation
state, outbox rows, one SQLite transaction) → outbox dispatcher → sendMessage. The echo bot:
aiogram's own polling answering each message with its text, nothing stored. Both poll the same
fake Bot API server (tests/fakebotapi.py, in its own process), one after the other, alternating
rounds; an update counts when everything it caused was delivered. Pacing to Telegram's limits is
off for both (the fake server has none; with it on, ours would run at Telegram's 30 msg/s).

Target (issue 4): ours ≥ 50% of the echo bot's rate. Ours is measured twice: with the real
`handlers.app.handle`, and with the tests' stand-in handler (one update-id insert and one outbox
row), which shows the cost of the edge itself apart from the conversation's.

    .venv/bin/python bench/e2e.py [--updates 2000] [--residents 200] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import IntakeBot, freeze_startup_heap, load_classifier  # noqa: E402
from bot.pacing import Limits  # noqa: E402
from bot.settings import Settings  # noqa: E402
from storage import outbox  # noqa: E402
from tests.fakebotapi import TOKEN, message_update  # noqa: E402

REPORTS = [
    "楼下垃圾三天没人收了，臭得很", "龙泉小区3号楼的路灯不亮了", "小区门口井盖丢了很危险",
    "隔壁装修天天噪音到半夜", "电梯又坏了，老人上不了楼", "楼道里有人飞线充电",
    "下水道堵了污水冒出来", "我上周报的路灯修了吗", "谢谢你们", "你好，请问怎么反映问题",
]


class FakeServer:
    """tests/fakebotapi.py in a subprocess, so it does not share the bot's CPU core."""

    async def start(self) -> FakeServer:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.fakebotapi", cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
        )
        assert self.process.stdout is not None
        port = int((await self.process.stdout.readline()).decode())
        self.base_url = f"http://127.0.0.1:{port}"
        self.session = aiohttp.ClientSession()
        return self

    async def stats(self) -> dict[str, Any]:
        async with self.session.get(f"{self.base_url}/_control/stats") as response:
            return dict(await response.json())

    async def add_updates(self, updates: list[dict[str, Any]]) -> list[int]:
        async with self.session.post(f"{self.base_url}/_control/updates",
                                     json=updates) as response:
            return list(await response.json())

    async def stop(self) -> None:
        await self.session.close()
        self.process.terminate()
        await self.process.wait()


def burst(updates: int, residents: int, round_no: int) -> list[dict[str, Any]]:
    chats = [3_000_000 + round_no * 100_000 + i for i in range(residents)]
    return [
        message_update(chats[i % residents], text=REPORTS[(i // residents) % len(REPORTS)])
        for i in range(updates)
    ]


async def wait_until(condition: Any, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the bot did not finish the burst")
        await asyncio.sleep(0.01)


async def echo_round(fake: FakeServer, updates: list[dict[str, Any]]) -> float:
    from aiogram import Bot, Dispatcher, Router
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import Message

    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "…")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    polling = asyncio.ensure_future(
        dispatcher.start_polling(bot, handle_signals=False, close_bot_session=True)
    )
    before = (await fake.stats())["delivered"]
    start = time.perf_counter()
    await fake.add_updates(updates)
    await wait_until(lambda: _delivered_at_least(fake, before + len(updates)))
    elapsed = time.perf_counter() - start
    await dispatcher.stop_polling()
    await polling
    return len(updates) / elapsed


async def _delivered_at_least(fake: FakeServer, count: int) -> bool:
    return bool((await fake.stats())["delivered"] >= count)


async def ours_round(fake: FakeServer, updates: list[dict[str, Any]], classifier: Any,
                     db_dir: str, handle: Any) -> tuple[float, int]:
    settings = Settings(
        _env_file=None, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE=fake.base_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{db_dir}/bench-{time.monotonic_ns()}.db",
        INTAKE_FRAMEWORK="aiogram", INTAKE_PACING=False,
    )
    bot = IntakeBot(settings, classifier=classifier, handle=handle, limits=Limits.unlimited())
    await bot.start()
    running = asyncio.ensure_future(bot.run())
    before = (await fake.stats())["delivered"]
    start = time.perf_counter()
    ids = await fake.add_updates(updates)

    async def done() -> bool:
        stats = await fake.stats()
        return (stats["confirmed_offset"] > max(ids) or stats["queued_updates"] == 0) and (
            stats["delivered"] > before
        ) and await outbox.pending_count(bot.database.sessionmaker) == 0

    await wait_until(done)
    elapsed = time.perf_counter() - start
    delivered = (await fake.stats())["delivered"] - before
    bot.stop()
    await running
    await bot.close()
    return len(updates) / elapsed, delivered


def real_handle() -> Any:
    from handlers.app import handle

    return handle


async def main(args: argparse.Namespace) -> None:
    from tests.e2e.support import Replier

    logging.basicConfig(level=logging.ERROR)
    classifier = load_classifier(Settings(_env_file=None))
    freeze_startup_heap()  # as `intake run` does once started
    handlers = {"handlers.app.handle": real_handle(), "stand-in": Replier()}
    fake = await FakeServer().start()
    echo_rates: list[float] = []
    our_rates: dict[str, list[float]] = {name: [] for name in handlers}
    sent: dict[str, int] = {}
    round_no = 0
    try:
        with tempfile.TemporaryDirectory() as db_dir:
            for _ in range(args.rounds):
                round_no += 1
                echo_rates.append(await echo_round(
                    fake, burst(args.updates, args.residents, round_no)))
                for name, handler in handlers.items():
                    round_no += 1
                    rate, sent[name] = await ours_round(
                        fake, burst(args.updates, args.residents, round_no), classifier,
                        db_dir, handler)
                    our_rates[name].append(rate)
    finally:
        await fake.stop()
    echo = max(echo_rates)
    print(f"{args.updates} updates from {args.residents} residents, best of {args.rounds} "
          "rounds, SQLite, pacing off, fake Bot API in its own process")
    print(f"  {'bare aiogram echo bot':<31}: {echo:8.1f} updates/s")
    result: dict[str, Any] = {"updates": args.updates, "residents": args.residents,
                              "echo_updates_per_s": round(echo, 1)}
    for name, rates in our_rates.items():
        ours = max(rates)
        print(f"  intake bot, {name:<20}: {ours:8.1f} updates/s  ratio {ours / echo:.2f}  "
              f"({sent[name]} messages sent)")
        result[name] = {"updates_per_s": round(ours, 1), "ratio": round(ours / echo, 3)}
    print("  target: the whole bot (with handlers.app.handle) ≥ 0.50 of the echo bot; the "
          "stand-in\n  handler (one insert + one outbox row) shows what the edge itself costs")
    if args.json:
        print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    os.environ.setdefault("PYTHONPATH", str(ROOT))
    asyncio.run(main(parser.parse_args()))
