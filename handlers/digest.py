"""The daily digest (每日简报, issue 6): one photo with a caption per bound group per day.

At `Config.digest_time` (local, default 18:00 Asia/Shanghai) each grid group gets its grid's
figures of the day, the street's group those of every grid: received, resolved, 办结率, 响应率,
满意率 (as `handlers.stats` defines them), the tickets overdue now by number, and a chart of
the last 14 days (tickets by category; received vs resolved per day).

Once per group per day with any number of processes: the `digests` row (chat, local day) is
inserted with ON CONFLICT DO NOTHING in the transaction that queues the message; who inserts
it, sends. One message per group (the text is the photo's caption), so a digest never floods a
group; the dispatcher splits a caption too long for Telegram.

The outbox carries Bot API JSON, which cannot hold a file. The chart travels as base64 under
`PHOTO_UPLOAD_KEY` in a sendPhoto payload; `bot.telegram_api.BotAPI.call` uploads it as the
`photo` part of a multipart request.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import io
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import stats
from handlers.notify import category_label
from handlers.texts import escape as _e
from storage import outbox
from storage.db import READ_ONLY
from storage.models import OPEN_STATUSES, Digest, Grid, GroupChat, Street, Ticket
from storage.updates import insert_ignoring_conflicts

if TYPE_CHECKING:
    from handlers.app import Services

log = logging.getLogger(__name__)

PHOTO_UPLOAD_KEY = "photo_png_base64"
CHART_DAYS = 14
OVERDUE_SHOWN = 30


@dataclass(frozen=True)
class Chart:
    """What the chart shows: tickets per category, and per day received and (of those) now
    resolved, oldest day first."""

    by_category: list[tuple[str, int]] = field(default_factory=list)
    days: list[tuple[date, int, int]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(received for _day, received, _resolved in self.days)


@dataclass(frozen=True)
class DigestContent:
    text: str
    chart: Chart
    report: stats.Report  # today's figures, for tests and callers that want the numbers
    overdue: list[int]


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _local_midnight(now: datetime, tz: ZoneInfo) -> datetime:
    local = now.astimezone(tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


async def overdue_tickets(session: AsyncSession, grid_id: int | None, now: datetime) -> list[int]:
    """Numbers of tickets still open past their resolution deadline, most overdue first."""
    stmt = select(Ticket.id).where(Ticket.status.in_(OPEN_STATUSES), Ticket.resolve_by < now)
    if grid_id is not None:
        stmt = stmt.where(Ticket.grid_id == grid_id)
    return list((await session.scalars(stmt.order_by(Ticket.resolve_by, Ticket.id))).all())


async def compose(
    session: AsyncSession, group: GroupChat, now: datetime, tz: ZoneInfo
) -> DigestContent:
    """The digest of one group at `now`: today's figures and the last 14 days' chart."""
    grid_id = group.grid_id if group.role == "grid" else None
    midnight = _local_midnight(now, tz)
    # No upper bound for today: everything received so far, up to and including `now`.
    today = await stats.ticket_stats(session, now=now, since=midnight, grid_id=grid_id)
    first_day = midnight - timedelta(days=CHART_DAYS - 1)
    fortnight = await stats.ticket_stats(session, now=now, since=first_day, grid_id=grid_id)
    days = []
    for offset in range(CHART_DAYS):
        since = first_day + timedelta(days=offset)
        until = since + timedelta(days=1) if since < midnight else None
        day = await stats.ticket_stats(session, now=now, since=since, until=until,
                                       grid_id=grid_id)
        days.append((since.date(), day.total.received, day.total.resolved))
    chart = Chart(
        by_category=sorted(((c, f.received) for c, f in fortnight.by_category.items()),
                           key=lambda item: (-item[1], item[0])),
        days=days,
    )
    overdue = await overdue_tickets(session, grid_id, now)
    title = await _title(session, group)
    return DigestContent(_text(title, now.astimezone(tz), today, fortnight, overdue,
                               street=grid_id is None),
                         chart, today, overdue)


async def _title(session: AsyncSession, group: GroupChat) -> str:
    if group.role == "grid" and group.grid_id is not None:
        grid = await session.get(Grid, group.grid_id)
        return grid.name if grid else "本网格"
    street = await session.get(Street, group.street_id) if group.street_id else None
    return street.name if street else "全街道"


def _text(
    title: str, local_now: datetime, today: stats.Report, fortnight: stats.Report,
    overdue: list[int], *, street: bool,
) -> str:
    f = today.total
    lines = [
        f"📊 <b>每日简报 · {_e(title)}</b> {local_now:%m-%d}",
        f"今日受理 {f.received} 件，已办结 {f.resolved} 件",
        f"办结率 {_rate(f.resolution_rate)} · 响应率 {_rate(f.response_rate)} · "
        f"满意率 {_rate(f.satisfaction_rate)}（评价 {f.rated} 件）",
    ]
    if street:
        for name, g in today.by_grid.items():
            lines.append(f"  {_e(name)}：受理 {g.received}，办结 {g.resolved}，"
                         f"响应率 {_rate(g.response_rate)}")
    if overdue:
        shown = "、".join(f"#{n}" for n in overdue[:OVERDUE_SHOWN])
        more = f" 等 {len(overdue)} 件" if len(overdue) > OVERDUE_SHOWN else ""
        lines.append(f"⏰ 超期未办结 {len(overdue)} 件：{shown}{more}")
    else:
        lines.append("⏰ 超期未办结：无")
    g14 = fortnight.total
    lines.append(f"近 {CHART_DAYS} 天：受理 {g14.received} 件，办结率 "
                 f"{_rate(g14.resolution_rate)}，满意率 {_rate(g14.satisfaction_rate)}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# The chart


_CJK_FAMILIES = ("Noto Sans CJK", "Noto Serif CJK", "Noto Sans SC", "Source Han Sans",
                 "WenQuanYi", "SimHei", "Microsoft YaHei", "PingFang", "Heiti", "AR PL",
                 "Droid Sans Fallback")


@functools.cache
def cjk_font() -> str | None:
    """A font family that has Chinese glyphs, if the machine has one (`fc-list :lang=zh`).
    Without one the chart is labelled in English and category ids: boxes help nobody."""
    from matplotlib import font_manager

    for font in font_manager.fontManager.ttflist:
        if any(family in font.name for family in _CJK_FAMILIES):
            return str(font.name)
    return None


def render_chart(chart: Chart, *, font: str | None = None) -> bytes:
    """The PNG. Blocking (a few hundred ms): call it in a thread. pyplot is not used, so no
    display and no global figure state are involved (Agg canvas only)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    chinese = font is not None
    text: dict[str, Any] = {"fontfamily": font} if chinese else {}
    figure = Figure(figsize=(11, 4.6), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2, width_ratios=[1, 1.5])

    categories = chart.by_category[:10] or [("other", 0)]
    labels = [category_label(c) if chinese else c for c, _n in categories]
    counts = [n for _c, n in categories]
    positions = list(range(len(categories)))
    left.barh(positions, counts, color="#4C72B0")
    left.set_yticks(positions, labels, **text)
    left.invert_yaxis()
    left.set_title(f"近{CHART_DAYS}天各类别工单" if chinese else
                   f"Tickets by category ({CHART_DAYS} days)", **text)
    left.xaxis.get_major_locator().set_params(integer=True)

    x = list(range(len(chart.days)))
    received = [r for _d, r, _s in chart.days]
    resolved = [s for _d, _r, s in chart.days]
    width = 0.4
    right.bar([i - width / 2 for i in x], received, width,
              label="受理" if chinese else "received", color="#4C72B0")
    right.bar([i + width / 2 for i in x], resolved, width,
              label="其中已办结" if chinese else "of them resolved", color="#55A868")
    right.set_xticks(x, [f"{d:%m-%d}" for d, _r, _s in chart.days], rotation=45)
    right.yaxis.get_major_locator().set_params(integer=True)
    right.set_title(f"近{CHART_DAYS}天受理与办结" if chinese else
                    f"Received vs resolved, last {CHART_DAYS} days", **text)
    right.legend(prop={"family": font} if chinese else None)

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _render(chart: Chart) -> bytes:
    """In a worker thread: the font lookup (matplotlib's font cache) blocks too."""
    return render_chart(chart, font=cjk_font())


# ---------------------------------------------------------------------------------------------
# Sending


def local_day(now: datetime, tz: ZoneInfo) -> str:
    return now.astimezone(tz).date().isoformat()


async def send_due(services: Services, now: datetime) -> int:
    """Send today's digest to every bound group that has not had it, once the digest time has
    come; returns how many were queued."""
    config = services.config
    tz = config.timezone
    if now.astimezone(tz).time() < config.digest_time:
        return 0
    day = local_day(now, tz)
    async with services.sessionmaker() as session:
        await session.connection(execution_options=READ_ONLY)
        waiting = list((await session.scalars(
            select(GroupChat)
            .where(~exists().where(Digest.chat_id == GroupChat.chat_id, Digest.day == day))
            .order_by(GroupChat.chat_id)
        )).all())
    queued = 0
    for group in waiting:
        async with services.sessionmaker() as session:
            await session.connection(execution_options=READ_ONLY)
            content = await compose(session, group, now, tz)
        png = None
        if not content.chart.empty:
            try:
                png = await asyncio.to_thread(_render, content.chart)
            except Exception:  # the figures matter more than the picture
                log.exception("digest chart for chat %s failed; sending the text", group.chat_id)
        async with services.sessionmaker() as session, session.begin():
            table: Any = Digest.__table__
            claim = insert_ignoring_conflicts(session, table, ["chat_id", "day"])
            claim = claim.values(chat_id=group.chat_id, day=day, sent_at=now)
            if (await session.execute(claim.returning(Digest.chat_id))).first() is None:
                continue  # another process sent it
            if png is not None:
                await outbox.enqueue(
                    session, chat_id=group.chat_id, method="sendPhoto",
                    payload={PHOTO_UPLOAD_KEY: base64.b64encode(png).decode("ascii"),
                             "caption": content.text, "parse_mode": "HTML"},
                    purpose="digest", now=now)
            else:
                await outbox.enqueue(
                    session, chat_id=group.chat_id, method="sendMessage",
                    payload={"text": content.text, "parse_mode": "HTML"}, purpose="digest",
                    now=now)
        queued += 1
        services.wake_outbox()
    return queued
