"""A small street to test tickets in: two grids with their groups, the street's group, residents
and staff. Builders take overrides, as conversations need them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import Grid, GroupChat, Person, Street

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)  # 16:00 in Shanghai
LONGQUAN_GROUP, TUANJIE_GROUP, STREET_GROUP = -100, -200, -900


def make_person(**overrides: Any) -> Person:
    values: dict[str, Any] = {"telegram_id": 11, "display_name": "张三", "role": "resident",
                              "script": "simplified", "created_at": T0}
    values.update(overrides)
    return Person(**values)


@dataclass
class Street1:
    street: Street
    longquan: Grid
    tuanjie: Grid
    zhang: Person  # resident, Simplified, with a phone
    chen: Person  # resident who writes Traditional
    wang: Person  # staff of 龙泉网格
    zhao: Person  # staff of 龙泉网格 too


async def seed_street(session: AsyncSession) -> Street1:
    street = Street(name="团结街道", created_at=T0)
    session.add(street)
    await session.flush()
    longquan = Grid(name="龙泉网格", street_id=street.id, places=["龙泉小区", "龙泉花园"],
                    is_default=True, created_at=T0)
    tuanjie = Grid(name="团结网格", street_id=street.id, places=["团结西路"], created_at=T0)
    session.add_all([longquan, tuanjie])
    await session.flush()
    session.add_all([
        GroupChat(chat_id=LONGQUAN_GROUP, role="grid", grid_id=longquan.id, bound_at=T0),
        GroupChat(chat_id=TUANJIE_GROUP, role="grid", grid_id=tuanjie.id, bound_at=T0),
        GroupChat(chat_id=STREET_GROUP, role="street", street_id=street.id, bound_at=T0),
    ])
    zhang = make_person(telegram_id=11, display_name="张三", phone="13812341234")
    chen = make_person(telegram_id=22, display_name="陳美玲", script="traditional")
    wang = make_person(telegram_id=101, display_name="王网格员", role="staff")
    zhao = make_person(telegram_id=102, display_name="赵网格员", role="staff")
    session.add_all([zhang, chen, wang, zhao])
    await session.flush()
    return Street1(street, longquan, tuanjie, zhang, chen, wang, zhao)


async def seeded(database: Database) -> Street1:
    async with database.sessionmaker() as session, session.begin():
        return await seed_street(session)
