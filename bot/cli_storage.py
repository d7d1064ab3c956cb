"""`intake db upgrade` and `intake stats`: storage's subcommands, registered by bot/cli.py."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo


def register(sub: Any, settings_factory: Callable[[], Any]) -> None:
    db = sub.add_parser("db", help="the database: create or upgrade the schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_sub.add_parser("upgrade", help="create the tables or migrate them to the latest")
    upgrade.add_argument("--database-url", help="instead of DATABASE_URL")
    upgrade.set_defaults(func=lambda args: cmd_db_upgrade(args, settings_factory))

    stats = sub.add_parser("stats", help="ticket statistics (响应率, 办结率, 超期, 满意率)")
    stats.add_argument("--since", type=_day, help="first day, YYYY-MM-DD (local time)")
    stats.add_argument("--until", type=_day, help="last day, YYYY-MM-DD, included")
    stats.add_argument("--grid", help="only this grid (its name)")
    stats.add_argument("--category", help="only this category id, e.g. sanitation")
    stats.add_argument("--database-url", help="instead of DATABASE_URL")
    stats.set_defaults(func=lambda args: cmd_stats(args, settings_factory))


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD: {text!r}") from exc


def cmd_db_upgrade(args: argparse.Namespace, settings_factory: Callable[[], Any]) -> int:
    from storage.db import Database

    url = args.database_url or settings_factory().database_url

    async def run() -> str | None:
        database = Database(url)
        try:
            await database.upgrade()
            return await database.current_revision()
        finally:
            await database.dispose()

    revision = asyncio.run(run())
    print(f"数据库已是最新结构 / database at revision {revision}")
    return 0


def cmd_stats(args: argparse.Namespace, settings_factory: Callable[[], Any]) -> int:
    from sqlalchemy import select

    from handlers.stats import format_report, ticket_stats
    from intents.model import CATEGORIES
    from storage.db import READ_ONLY, Database
    from storage.models import Grid, utcnow

    settings = settings_factory()
    zone = ZoneInfo(settings.timezone)
    if args.category and args.category not in CATEGORIES:
        print(f"未知类别 / unknown category {args.category!r}; one of: {', '.join(CATEGORIES)}",
              file=sys.stderr)
        return 2
    since = datetime.combine(args.since, time(), zone) if args.since else None
    until = (datetime.combine(args.until + timedelta(days=1), time(), zone)
             if args.until else None)

    async def run() -> int:
        database = Database(args.database_url or settings.database_url)
        try:
            async with database.sessionmaker() as session:
                await session.connection(execution_options=READ_ONLY)
                grid_id = None
                if args.grid:
                    grid_id = await session.scalar(select(Grid.id).where(Grid.name == args.grid))
                    if grid_id is None:
                        print(f"没有这个网格 / no grid named {args.grid!r}", file=sys.stderr)
                        return 2
                report = await ticket_stats(session, now=utcnow(), since=since, until=until,
                                            grid_id=grid_id, category=args.category)
            print(format_report(report, settings.timezone))
            return 0
        finally:
            await database.dispose()

    return asyncio.run(run())
