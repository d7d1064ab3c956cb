"""Resident memory of a running bot after 10,000 tickets (issue 9: under 200 MB).

`intake run` in its own process (polling, SQLite, pacing off) against the fake Bot API server
(tests/fakebotapi.py, another process); 10,000 residents each report one problem at their own
building, so every report opens a ticket and gets a reply (no group is bound: the database
holds the tickets, the outbox the replies).
Prints the bot's RSS (VmRSS from /proc, everything: Python, jieba's dictionary, the classifier,
SQLAlchemy, aiogram) when it is ready, every 2,000 tickets, and at the end, with the peak (VmHWM).

    .venv/bin/python bench/memory.py [--tickets 10000] [--framework aiogram|ptb]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.e2e import FakeServer  # noqa: E402
from tests.fakebotapi import TOKEN, message_update  # noqa: E402

PLACES = ["龙泉小区", "团结西路", "幸福花园", "光明小区", "和平里"]
PROBLEMS = ["楼道灯坏了", "垃圾三天没人收了", "井盖丢了很危险", "下水道堵了", "电梯坏了",
            "路灯不亮了", "楼下噪音很大"]
LIMIT_MB = 200


def report(i: int) -> str:
    return f"{PLACES[i % len(PLACES)]}{i + 1}号楼{PROBLEMS[(i // 5) % len(PROBLEMS)]}"


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def tickets_in(db_path: Path) -> int:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30) as conn:
        try:
            return int(conn.execute("SELECT count(*) FROM tickets").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


def unsent(db_path: Path) -> int:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30) as conn:
        return int(conn.execute("SELECT count(*) FROM outbox WHERE status <> 'sent'")
                   .fetchone()[0])


async def main(tickets: int, framework: str) -> int:
    fake = await FakeServer().start()
    workdir = Path(tempfile.mkdtemp(prefix="intake-memory-"))
    db_path = workdir / "bot.db"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("INTAKE_", "TELEGRAM_"))},
        "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": fake.base_url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{db_path}", "INTAKE_PACING": "false",
        "INTAKE_FRAMEWORK": framework, "INTAKE_LOG_LEVEL": "WARNING",
    }
    intake = Path(sys.executable).with_name("intake")
    bot = await asyncio.create_subprocess_exec(
        str(intake), "run", cwd=workdir, env=env, stderr=asyncio.subprocess.DEVNULL)
    try:
        while (await fake.stats())["calls"] < 3:  # getMe, setMyCommands: the bot is up
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
        ready, _ = memory_mb(bot.pid)
        print(f"ready: RSS {ready:.0f} MB (classifier loaded, no tickets)", flush=True)

        start = time.perf_counter()
        chunk, mark = 500, 2000
        for first in range(0, tickets, chunk):
            batch = [message_update(10_000_000 + i, text=report(i))
                     for i in range(first, min(tickets, first + chunk))]
            await fake.add_updates(batch)
            while (await fake.stats())["queued_updates"] > chunk:  # keep the bot busy, no more
                await asyncio.sleep(0.2)
            if (done := tickets_in(db_path)) >= mark:
                print(f"{done:>6} tickets: RSS {memory_mb(bot.pid)[0]:.0f} MB", flush=True)
                mark += 2000
        while tickets_in(db_path) < tickets:
            if time.perf_counter() - start > 1800:
                print(f"gave up at {tickets_in(db_path)} tickets", flush=True)
                return 1
            await asyncio.sleep(0.5)
        while unsent(db_path):  # the replies, sent
            await asyncio.sleep(0.5)
        elapsed = time.perf_counter() - start
        rss, peak = memory_mb(bot.pid)
        print(f"{tickets} tickets in {elapsed:.0f} s ({tickets / elapsed:.0f}/s, {framework}): "
              f"RSS {rss:.0f} MB, peak {peak:.0f} MB (limit {LIMIT_MB} MB)", flush=True)
        return 0 if peak < LIMIT_MB else 1
    finally:
        bot.terminate()
        await bot.wait()
        await fake.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--framework", choices=["aiogram", "ptb"], default="aiogram")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.tickets, args.framework)))
