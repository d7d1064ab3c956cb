"""The daily digest on a seeded street whose figures are worked out by hand (issue 6)."""

from __future__ import annotations

import asyncio
import base64
import io
from dataclasses import replace
from datetime import time, timedelta
from pathlib import Path

from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import digest, scheduler
from handlers.app import Services
from storage.models import Digest, GroupChat, Ticket
from tests.handlers.chat import Conversation
from tests.storage.builders import LONGQUAN_GROUP, STREET_GROUP, T0, TUANJIE_GROUP

H, D, M = timedelta(hours=1), timedelta(days=1), timedelta(minutes=1)
DIGEST_AT = T0 + 2 * H  # 18:00 in Shanghai on 05-01; local midnight is T0 - 16 h
PNG = b"\x89PNG\r\n\x1a\n"


def add(session: AsyncSession, number: int, grid: int, category: str, created: timedelta,
        status: str, *, urgent: bool = False, claimed: timedelta | None = None,
        resolved: timedelta | None = None, rating: int | None = None) -> None:
    respond, resolve = {"sanitation": (2 * H, 7 * D), "noise": (2 * H, 7 * D),
                        "road": (2 * H, 7 * D), "elevator": (15 * M, 2 * H)}[category]
    at = T0 + created
    session.add(Ticket(
        id=number, grid_id=grid, category=category, urgent=urgent, status=status,
        text="…", created_at=at, updated_at=at, respond_by=at + respond,
        resolve_by=at + resolve, claimed_at=at + claimed if claimed is not None else None,
        resolved_at=at + resolved if resolved is not None else None, rating=rating))


async def seed(chat: Conversation) -> None:
    async with chat.database.sessionmaker() as session, session.begin():
        L, T = 1, 2  # noqa: N806  龙泉网格, 团结网格
        # number grid category    created   status       claimed   resolved  rating
        add(session, 1, L, "sanitation", -6 * H, "closed", claimed=1 * H, resolved=3 * H,
            rating=3)                                   # responded in time, 满意
        add(session, 2, L, "noise", -5 * H, "resolved", claimed=3 * H, resolved=4 * H)  # late
        add(session, 3, L, "road", -4 * H, "in_progress", claimed=30 * M)
        add(session, 4, L, "elevator", -7 * H, "new", urgent=True)  # nobody came: overdue
        add(session, 5, L, "noise", -3 * H, "rejected", claimed=10 * M)
        add(session, 6, L, "noise", -2 * H, "duplicate")  # counted on its survivor
        add(session, 7, L, "sanitation", -1 * D, "closed", claimed=1 * H, resolved=5 * H,
            rating=1)                                   # yesterday, 不满意
        add(session, 8, T, "road", -1 * H, "new")       # 团结网格 today
        add(session, 9, L, "sanitation", -10 * D, "claimed", claimed=1 * H)  # overdue for days
        add(session, 10, L, "sanitation", -20 * D, "closed", claimed=H, resolved=D)  # too old


def digest_of(chat: Conversation, group: int):  # type: ignore[no-untyped-def]
    [sent] = [s for s in chat.to(group) if s.text.startswith("📊")]
    return sent


async def test_the_grid_digest_figures_worked_out_by_hand(chat: Conversation) -> None:
    await seed(chat)
    chat.now = DIGEST_AT
    await scheduler.tick(chat.services)
    await chat.deliver()
    sent = digest_of(chat, LONGQUAN_GROUP)
    # Today in 龙泉网格: received 1–5 (6 is a duplicate); resolved 1, 2; responded in time 1, 3,
    # 5 (2 was claimed after 3 h, 4 never); rated 1 (满意).
    # Overdue now: 9 (deadline 3 days ago), then 4 (urgent, 2 h, 5 h ago).
    # 14 days: 1–5, 7, 9 received; resolved 1, 2, 7; rated 1 and 7, one of them satisfied.
    assert sent.text.splitlines() == [
        "📊 <b>每日简报 · 龙泉网格</b> 05-01",
        "今日受理 5 件，已办结 2 件",
        "办结率 40% · 响应率 60% · 满意率 100%（评价 1 件）",
        "⏰ 超期未办结 2 件：#9、#4",
        "近 14 天：受理 7 件，办结率 43%，满意率 50%",
    ]
    assert sent.method == "sendPhoto"


async def test_the_street_digest_covers_every_grid(chat: Conversation) -> None:
    await seed(chat)
    chat.now = DIGEST_AT
    await scheduler.tick(chat.services)
    await chat.deliver()
    lines = digest_of(chat, STREET_GROUP).text.splitlines()
    assert lines[:3] == [
        "📊 <b>每日简报 · 团结街道</b> 05-01",
        "今日受理 6 件，已办结 2 件",
        "办结率 33% · 响应率 50% · 满意率 100%（评价 1 件）",
    ]
    assert "  团结网格：受理 1，办结 0，响应率 0%" in lines
    assert "  龙泉网格：受理 5，办结 2，响应率 60%" in lines
    assert "⏰ 超期未办结 2 件：#9、#4" in lines
    tuanjie = digest_of(chat, TUANJIE_GROUP).text.splitlines()
    assert tuanjie[1:4] == ["今日受理 1 件，已办结 0 件",
                            "办结率 0% · 响应率 0% · 满意率 —（评价 0 件）", "⏰ 超期未办结：无"]


async def test_the_chart_is_a_png_of_the_last_fourteen_days(
    chat: Conversation, tmp_path: Path,
) -> None:
    await seed(chat)
    chat.now = DIGEST_AT
    async with chat.database.sessionmaker() as session:
        group = await session.get(GroupChat, LONGQUAN_GROUP)
        assert group is not None
        content = await digest.compose(session, group, chat.now, chat.services.config.timezone)
    # Most first, then by id; the duplicate (#6) and the 20-day-old #10 are not counted.
    assert content.chart.by_category == [("sanitation", 3), ("noise", 2), ("elevator", 1),
                                         ("road", 1)]
    days = content.chart.days
    assert len(days) == 14 and str(days[0][0]) == "2024-04-18" and str(days[-1][0]) == "2024-05-01"
    assert days[-1][1:] == (5, 2) and days[-2][1:] == (1, 1)  # today; yesterday (#7)
    assert days[-11][1:] == (1, 0)  # 04-21: #9
    assert sum(received for _d, received, _r in days) == 7

    png = digest.render_chart(content.chart, font=digest.cjk_font())
    chart = tmp_path / "digest.png"
    chart.write_bytes(png)
    assert chart.stat().st_size > 5_000 and chart.read_bytes().startswith(PNG)
    with Image.open(chart) as image:
        image.verify()
        assert image.format == "PNG" and image.size[0] >= 800

    await scheduler.tick(chat.services)
    await chat.deliver()
    sent = digest_of(chat, LONGQUAN_GROUP)
    assert base64.b64decode(sent.payload[digest.PHOTO_UPLOAD_KEY]).startswith(PNG)
    with Image.open(io.BytesIO(base64.b64decode(sent.payload[digest.PHOTO_UPLOAD_KEY]))) as im:
        assert im.format == "PNG"


async def test_once_per_group_per_day_and_never_before_its_time(chat: Conversation) -> None:
    await seed(chat)
    chat.now = DIGEST_AT - M
    await scheduler.tick(chat.services)
    await chat.deliver()
    assert not any(s.text.startswith("📊") for s in chat.sent)

    chat.now = DIGEST_AT
    await asyncio.gather(*(scheduler.tick(chat.services) for _ in range(3)))  # three processes
    chat.later(hours=5)
    await scheduler.tick(chat.services)
    await chat.deliver()
    for group in (LONGQUAN_GROUP, TUANJIE_GROUP, STREET_GROUP):
        digests = [s for s in chat.to(group) if s.text.startswith("📊")]
        assert len(digests) == 1  # one message per group: the chart with the text as caption
    async with chat.database.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Digest)) == 3

    chat.now = DIGEST_AT + D
    await scheduler.tick(chat.services)
    await chat.deliver()
    assert len([s for s in chat.to(LONGQUAN_GROUP) if s.text.startswith("📊")]) == 2


async def test_the_digest_time_is_configurable(chat: Conversation) -> None:
    services = chat.services
    services = Services(services.sessionmaker, services.classifier,
                        replace(services.config, digest_time=time(8, 30)), clock=services.clock)
    chat.now = T0 - 8 * H + 29 * M  # 08:29 in Shanghai
    await scheduler.tick(services)
    await chat.deliver()
    assert chat.sent == []
    chat.later(minutes=1)
    await scheduler.tick(services)
    await chat.deliver()
    assert "每日简报" in digest_of(chat, LONGQUAN_GROUP).text
    # Nothing in fourteen days: the figures alone, no empty chart.
    assert digest_of(chat, LONGQUAN_GROUP).method == "sendMessage"


async def test_the_dispatcher_uploads_the_chart_to_the_bot_api(chat: Conversation) -> None:
    """Against the fake Bot API server: the chart arrives as a file, the caption as text."""
    from bot.dispatcher import OutboxDispatcher
    from bot.pacing import Limits, Pacer
    from bot.telegram_api import BotAPI
    from tests.fakebotapi import FakeBotAPI

    await seed(chat)
    chat.now = DIGEST_AT
    await scheduler.tick(chat.services)
    fake = await FakeBotAPI().start()
    api = BotAPI(fake.token, fake.base_url, timeout=5)
    try:
        dispatcher = OutboxDispatcher(chat.database.sessionmaker, api,
                                      pacer=Pacer(Limits.unlimited()), sweep_every=0.1)
        await dispatcher.drain(timeout=20)
    finally:
        await api.close()
        await fake.stop()
    [photo] = [d for d in fake.delivered
               if d.chat_id == LONGQUAN_GROUP and d.method == "sendPhoto"]
    assert isinstance(photo.params["photo"], bytes) and photo.params["photo"].startswith(PNG)
    assert photo.params["caption"].startswith("📊 <b>每日简报 · 龙泉网格</b>")
    assert photo.params["parse_mode"] == "HTML"
    photos = {d.chat_id for d in fake.delivered if d.method == "sendPhoto"}
    assert photos == {LONGQUAN_GROUP, TUANJIE_GROUP, STREET_GROUP}
