"""Statistics on a seeded street whose figures are worked out by hand below."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.stats import Figures, format_report, ticket_stats
from storage.db import Database
from storage.models import Ticket
from tests.storage import backends
from tests.storage.builders import T0, seed_street

database = backends.database  # the SQLite + PostgreSQL fixture

H, D, M = timedelta(hours=1), timedelta(days=1), timedelta(minutes=1)
NOW = T0 + 10 * D
UNTIL = T0 + 9 * D


def add(session: AsyncSession, number: int, grid: int, category: str, created: timedelta,
        status: str, *, urgent: bool = False, claimed: timedelta | None = None,
        resolved: timedelta | None = None, rating: int | None = None) -> None:
    respond, resolve = {"sanitation": (2 * H, 7 * D), "utilities": (2 * H, 24 * H),
                        "elevator": (15 * M, 2 * H)}[category]
    at = T0 + created
    session.add(Ticket(
        id=number, grid_id=grid, category=category, urgent=urgent, status=status,
        created_at=at, updated_at=at, respond_by=at + respond, resolve_by=at + resolve,
        claimed_at=at + claimed if claimed is not None else None,
        resolved_at=at + resolved if resolved is not None else None, rating=rating))


async def seed(database: Database) -> tuple[int, int]:
    async with database.sessionmaker() as session, session.begin():
        s = await seed_street(session)
        L, T = s.longquan.id, s.tuanjie.id  # noqa: N806
        # number grid category    created status     claimed   resolved  rating
        add(session, 1, L, "sanitation", 0 * D, "closed", claimed=1 * H, resolved=2 * D,
            rating=3)                                      # on time, 满意
        add(session, 2, L, "sanitation", 0 * D, "closed", claimed=3 * H, resolved=8 * D,
            rating=1)                                      # late response, resolved late, 不满意
        add(session, 3, L, "utilities", 0 * D, "in_progress", claimed=30 * M)  # open past 24 h
        add(session, 4, T, "utilities", 1 * D, "new")      # nobody came: open past its deadline
        add(session, 5, T, "sanitation", 1 * D, "resolved", claimed=2 * H,  # exactly on time
            resolved=1 * D)
        add(session, 6, L, "elevator", 2 * D, "closed", urgent=True, claimed=10 * M,
            resolved=1 * H, rating=2)                      # urgent, 基本满意
        add(session, 7, L, "sanitation", 3 * D, "rejected")  # received, never resolved
        add(session, 8, L, "sanitation", 3 * D, "duplicate")  # counted on its survivor
        add(session, 9, T, "sanitation", 3 * D, "withdrawn")  # the resident took it back
        add(session, 10, L, "sanitation", 9 * D + H, "new")  # after the period
        return L, T


async def test_figures_by_hand(database: Database) -> None:
    await seed(database)
    async with database.sessionmaker() as session:
        report = await ticket_stats(session, now=NOW, since=T0, until=UNTIL)

    # received 1–7; responded 1,3,5,6; resolved 1,2,5,6; overdue 2,3,4; rated 1,2,6 (2 happy);
    # respond times 10m,30m,1h,2h,3h -> 1h; resolve times 1h,24h,48h,192h -> 36h
    assert report.total == Figures(received=7, responded=4, resolved=4, overdue=3, rated=3,
                                   satisfied=2, median_respond=H, median_resolve=36 * H)
    assert report.total.response_rate == 4 / 7
    assert report.total.resolution_rate == 4 / 7
    assert report.total.satisfaction_rate == 2 / 3
    assert report.overdue_numbers == (2, 3, 4)

    assert report.by_grid == {
        # 1,2,3,6,7: responded 1,3,6; resolved 1,2,6; overdue 2,3; respond 10m,30m,1h,3h
        "龙泉网格": Figures(received=5, responded=3, resolved=3, overdue=2, rated=3,
                          satisfied=2, median_respond=45 * M, median_resolve=48 * H),
        "团结网格": Figures(received=2, responded=1, resolved=1, overdue=1, rated=0,
                          satisfied=0, median_respond=2 * H, median_resolve=24 * H),
    }
    assert report.by_grid["团结网格"].satisfaction_rate is None
    assert report.by_category == {
        "elevator": Figures(received=1, responded=1, resolved=1, overdue=0, rated=1,
                            satisfied=1, median_respond=10 * M, median_resolve=1 * H),
        "sanitation": Figures(received=4, responded=2, resolved=3, overdue=1, rated=2,
                              satisfied=1, median_respond=2 * H, median_resolve=48 * H),
        "utilities": Figures(received=2, responded=1, resolved=0, overdue=2, rated=0,
                             satisfied=0, median_respond=30 * M, median_resolve=None),
    }


async def test_filters_by_grid_and_category(database: Database) -> None:
    _, tuanjie = await seed(database)
    async with database.sessionmaker() as session:
        by_grid = await ticket_stats(session, now=NOW, until=UNTIL, grid_id=tuanjie)
        by_category = await ticket_stats(session, now=NOW, category="utilities")
        everything = await ticket_stats(session, now=NOW)
    assert by_grid.total.received == 2 and list(by_grid.by_grid) == ["团结网格"]
    assert by_category.total == Figures(received=2, responded=1, resolved=0, overdue=2,
                                        rated=0, satisfied=0, median_respond=30 * M)
    assert everything.total.received == 8  # ticket 10 too: new, not yet overdue
    assert everything.total.overdue == 3


async def test_the_report_reads_as_a_table(database: Database) -> None:
    await seed(database)
    async with database.sessionmaker() as session:
        report = await ticket_stats(session, now=NOW, since=T0, until=UNTIL)
    text = format_report(report)
    assert text.splitlines()[0] == "工单统计 2024-05-01 16:00 — 2024-05-10 16:00"
    assert "合计：受理 7，响应率 57%，办结率 57%（4），超期 3，满意率 67%（评价 3）" in text
    assert "响应中位 1 小时，办结中位 1 天 12 小时" in text
    assert "  环境卫生：受理 4" in text
    assert "超期工单：#2、#3、#4" in text


async def test_an_empty_period() -> None:
    from handlers.stats import figures

    empty = figures([], NOW)
    assert empty == Figures()
    assert (empty.response_rate, empty.resolution_rate, empty.satisfaction_rate) == (
        None, None, None)
