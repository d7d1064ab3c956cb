"""Statistics the street office reports on: for `intake stats`, `/stats` and the daily digest.

Definitions (over tickets *received* in the period, i.e. created in [since, until), leaving out
merged duplicates — counted once, on the ticket they joined — and tickets the resident withdrew):

- 响应率 responded / received: claimed (first response) no later than its response deadline;
- 办结率 resolved / received: now 已办结 or 已关闭 (rejected tickets are received, not resolved);
- 超期 overdue: still open (待受理/已接单/处理中) past the resolution deadline, or resolved
  after it;
- 满意率 (满意 + 基本满意) / rated: "basically satisfied" counts as satisfied, as in the 12345
  practice; unrated tickets are left out, and with none rated the rate is unknown (None);
- median time to respond: created → first claim; to resolve: created → resolution.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.notify import category_label, format_duration
from storage.db import READ_ONLY
from storage.models import OPEN_STATUSES, Grid, Ticket

EXCLUDED = ("duplicate", "withdrawn")
NO_GRID = "未分配网格"


@dataclass(frozen=True)
class Figures:
    received: int = 0
    responded: int = 0
    resolved: int = 0
    overdue: int = 0
    rated: int = 0
    satisfied: int = 0
    median_respond: timedelta | None = None
    median_resolve: timedelta | None = None

    @property
    def response_rate(self) -> float | None:
        return self.responded / self.received if self.received else None

    @property
    def resolution_rate(self) -> float | None:
        return self.resolved / self.received if self.received else None

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied / self.rated if self.rated else None


@dataclass(frozen=True)
class Report:
    now: datetime
    since: datetime | None
    until: datetime | None
    total: Figures
    by_grid: dict[str, Figures] = field(default_factory=dict)
    by_category: dict[str, Figures] = field(default_factory=dict)
    overdue_numbers: tuple[int, ...] = ()


async def ticket_stats(
    session: AsyncSession,
    *,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
    grid_id: int | None = None,
    category: str | None = None,
) -> Report:
    """Figures for tickets received in [since, until), optionally of one grid or category."""
    if not session.in_transaction():
        await session.connection(execution_options=READ_ONLY)  # SQLite: no write lock
    stmt = (
        select(Ticket.number, Ticket.category, Ticket.status, Ticket.created_at,
               Ticket.respond_by, Ticket.resolve_by, Ticket.claimed_at, Ticket.resolved_at,
               Ticket.rating, Grid.name.label("grid_name"))
        .outerjoin(Grid, Grid.id == Ticket.grid_id)
        .where(Ticket.status.not_in(EXCLUDED))
        .order_by(Ticket.id)
    )
    if since is not None:
        stmt = stmt.where(Ticket.created_at >= since)
    if until is not None:
        stmt = stmt.where(Ticket.created_at < until)
    if grid_id is not None:
        stmt = stmt.where(Ticket.grid_id == grid_id)
    if category is not None:
        stmt = stmt.where(Ticket.category == category)
    rows = list((await session.execute(stmt)).all())

    by_grid: dict[str, list[Any]] = {}
    by_category: dict[str, list[Any]] = {}
    for row in rows:
        by_grid.setdefault(row.grid_name or NO_GRID, []).append(row)
        by_category.setdefault(row.category, []).append(row)
    return Report(
        now=now,
        since=since,
        until=until,
        total=figures(rows, now),
        by_grid={name: figures(group, now) for name, group in sorted(by_grid.items())},
        by_category={c: figures(group, now) for c, group in sorted(by_category.items())},
        overdue_numbers=tuple(r.number for r in rows if _overdue(r, now)),
    )


def _overdue(row: Any, now: datetime) -> bool:
    if row.status in OPEN_STATUSES:
        return bool(now > row.resolve_by)
    return row.resolved_at is not None and row.resolved_at > row.resolve_by


def figures(rows: list[Any], now: datetime) -> Figures:
    """The figures of some tickets (rows with the columns selected in `ticket_stats`)."""
    respond_times = [r.claimed_at - r.created_at for r in rows if r.claimed_at is not None]
    resolve_times = [r.resolved_at - r.created_at for r in rows
                     if r.resolved_at is not None and r.status in ("resolved", "closed")]
    rated = [r.rating for r in rows if r.rating is not None]
    return Figures(
        received=len(rows),
        responded=sum(1 for r in rows
                      if r.claimed_at is not None and r.claimed_at <= r.respond_by),
        resolved=sum(1 for r in rows if r.status in ("resolved", "closed")),
        overdue=sum(1 for r in rows if _overdue(r, now)),
        rated=len(rated),
        satisfied=sum(1 for score in rated if score >= 2),
        median_respond=statistics.median(respond_times) if respond_times else None,
        median_resolve=statistics.median(resolve_times) if resolve_times else None,
    )


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _duration(value: timedelta | None) -> str:
    return "—" if value is None else format_duration(value)


def _line(name: str, f: Figures) -> str:
    return (
        f"{name}：受理 {f.received}，响应率 {_rate(f.response_rate)}，"
        f"办结率 {_rate(f.resolution_rate)}（{f.resolved}），超期 {f.overdue}，"
        f"满意率 {_rate(f.satisfaction_rate)}（评价 {f.rated}），"
        f"响应中位 {_duration(f.median_respond)}，办结中位 {_duration(f.median_resolve)}"
    )


def format_report(report: Report, tz: str = "Asia/Shanghai") -> str:
    """Plain text for a terminal or a chat (no markup)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz)

    def day(at: datetime | None, default: str) -> str:
        return at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if at else default

    lines = [f"工单统计 {day(report.since, '开始')} — {day(report.until, '现在')}",
             _line("合计", report.total)]
    if report.by_grid:
        lines.append("按网格")
        lines += ["  " + _line(name, f) for name, f in report.by_grid.items()]
    if report.by_category:
        lines.append("按类别")
        lines += ["  " + _line(category_label(c), f) for c, f in report.by_category.items()]
    if report.overdue_numbers:
        lines.append("超期工单：" + "、".join(f"#{n}" for n in report.overdue_numbers))
    return "\n".join(lines)
