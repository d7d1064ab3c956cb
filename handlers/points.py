"""积分 (issue 8): earned for verified worker reports and confirmed wishes, spent in the shop.

The ledger (`PointsEntry`) is append-only and a balance is its sum. Whatever reads a balance to
change it first locks the person's row (SELECT … FOR UPDATE on PostgreSQL; on SQLite every
transaction begins IMMEDIATE, which serialises writers anyway), so two redemptions at once never
spend the same points and two awards at once never both pass the daily cap. Stock is taken with
`UPDATE … WHERE stock > 0`, so the last item goes to one person.

Points are given when a report is verified (staff resolve it) or a wish is confirmed, never when
something is sent; a rejected report, or one merged into another, earns nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.app import Config, Handled
from handlers.keyboards import Callback, inline
from handlers.notify import local_time, mask_name
from handlers.texts import escape as _e
from handlers.turn import Turn
from handlers.workers import (
    Button,
    Command,
    CommunityError,
    grid_of,
    group_for,
    post_to_grid,
    tell,
)
from storage.models import (
    Grid,
    GroupChat,
    Person,
    PointsEntry,
    Redemption,
    ShopItem,
    Ticket,
    TicketReporter,
)


def _script(turn: Turn) -> str | None:
    """Groups read Simplified; a private chat its person's script."""
    return None if turn.event.is_private else "simplified"


# ---------------------------------------------------------------------------------------------
# The ledger


async def lock(session: AsyncSession, person_id: int) -> None:
    """Hold the person's row until commit: balance checks and cap checks happen one at a time."""
    await session.execute(select(Person.id).where(Person.id == person_id).with_for_update())


async def balance(session: AsyncSession, person_id: int) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(PointsEntry.delta), 0))
        .where(PointsEntry.person_id == person_id))
    return int(total or 0)


def _local_start(now: datetime, tz: ZoneInfo, *, month: bool = False) -> datetime:
    local = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    if month:
        local = local.replace(day=1)
    return local.astimezone(now.tzinfo)


async def earned_since(session: AsyncSession, person_id: int, since: datetime) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(PointsEntry.delta), 0))
        .where(PointsEntry.person_id == person_id, PointsEntry.delta > 0,
               PointsEntry.at >= since))
    return int(total or 0)


async def award(
    session: AsyncSession, person: Person, amount: int, reason: str, now: datetime,
    config: Config, *, ticket_id: int | None = None,
) -> int:
    """Add up to `amount` points, as much as today's cap leaves; returns what was added."""
    rules = config.points
    await lock(session, person.id)
    today = await earned_since(session, person.id, _local_start(now, config.timezone))
    given = max(0, min(amount, rules.daily_cap - today))
    if given:
        session.add(PointsEntry(person_id=person.id, delta=given, reason=reason,
                                ticket_id=ticket_id, at=now))
    return given


def earned_text(given: int, wanted: int, total: int, cap: int) -> str:
    if given == wanted:
        return f"+{given} 积分，当前 {total} 积分"
    if given:
        return f"+{given} 积分（今日已达上限 {cap}），当前 {total} 积分"
    return f"今日积分已达上限 {cap}，本次未计分，当前 {total} 积分"


async def award_for_resolution(
    session: AsyncSession, ticket: Ticket, now: datetime, config: Config
) -> int:
    """Staff resolved (verified) a ticket: a worker who reported it first earns its points,
    once, however often it is reopened and resolved again. Followers earn nothing."""
    if ticket.source != "worker" or ticket.status != "resolved":
        return 0
    done = await session.scalar(select(PointsEntry.id).where(
        PointsEntry.ticket_id == ticket.id, PointsEntry.reason == "report").limit(1))
    if done is not None:
        return 0
    first = (await session.scalars(
        select(Person).join(TicketReporter, TicketReporter.person_id == Person.id)
        .where(TicketReporter.ticket_id == ticket.id, TicketReporter.is_first.is_(True))
    )).first()
    if first is None:
        return 0
    rules = config.points
    wanted = rules.for_report(ticket.category, ticket.urgent)
    given = await award(session, first, wanted, "report", now, config, ticket_id=ticket.id)
    total = await balance(session, first.id)
    await tell(session, first, f"#{ticket.number} 已核实办结，"
               f"{earned_text(given, wanted, total, rules.daily_cap)}", now)
    return given


# ---------------------------------------------------------------------------------------------
# /points and /rank


def _entry_label(entry: PointsEntry) -> str:
    kind, _, ref = entry.reason.partition(":")
    if kind == "report":
        return f"随手拍 #{entry.ticket_id} 核实"
    if kind == "wish":
        return f"心愿 #{ref} 完成"
    if kind == "redeem":
        return f"兑换 #{ref}"
    return entry.reason


async def show_points(turn: Turn, _args: str) -> None:
    session, person = turn.session, turn.person
    total = await balance(session, person.id)
    entries = (await session.scalars(
        select(PointsEntry).where(PointsEntry.person_id == person.id)
        .order_by(PointsEntry.id.desc()).limit(5))).all()
    lines = [f"您的积分：{total}"]
    if entries:
        tz = str(turn.services.config.timezone)
        lines.append("最近记录：")
        lines += [f"{local_time(e.at, tz)} {e.delta:+d} {_entry_label(e)}" for e in entries]
    else:
        lines.append("还没有积分记录。随手拍经核实、帮居民完成微心愿都可以获得积分。")
    lines.append("/shop 积分超市 · /rank 本月排行")
    await turn.say("\n".join(lines))


async def show_rank(turn: Turn, _args: str) -> None:
    """This month's top 10 of the grid (by points earned), names masked."""
    session = turn.session
    if turn.event.is_private:
        grid = await grid_of(turn)
    else:
        group = await session.get(GroupChat, turn.event.chat_id)
        grid = await session.get(Grid, group.grid_id) if group and group.grid_id else None
    if grid is None:
        await turn.say("加入网格（/join 或 /volunteer）后可查看本网格排行。", script=_script(turn))
        return
    tz = turn.services.config.timezone
    earned = func.sum(PointsEntry.delta).label("earned")
    rows = (await session.execute(
        select(Person.id, Person.display_name, earned)
        .join(PointsEntry, PointsEntry.person_id == Person.id)
        .where(Person.grid_id == grid.id, PointsEntry.delta > 0,
               PointsEntry.at >= _local_start(turn.now, tz, month=True))
        .group_by(Person.id, Person.display_name)
        .order_by(earned.desc(), Person.id).limit(10))).all()
    month = turn.now.astimezone(tz).month
    if not rows:
        await turn.say(f"{_e(grid.name)} {month}月还没有人获得积分，快来做第一个吧！",
                       script=_script(turn))
        return
    medals = {1: "🥇", 2: "🥈", 3: "🥉"}
    lines = [f"{_e(grid.name)} {month}月积分排行："]
    for place, (person_id, name, points) in enumerate(rows, start=1):
        me = "（我）" if person_id == turn.person.id and turn.event.is_private else ""
        lines.append(f"{medals.get(place, f'{place}.')} {_e(mask_name(name))}{me} {points}")
    await turn.say("\n".join(lines), script=_script(turn))


# ---------------------------------------------------------------------------------------------
# The shop


async def _items(session: AsyncSession) -> list[ShopItem]:
    return list((await session.scalars(
        select(ShopItem).where(ShopItem.active.is_(True)).order_by(ShopItem.price, ShopItem.id)
    )).all())


async def show_shop(turn: Turn, _args: str) -> None:
    items = await _items(turn.session)
    if not items:
        await turn.say("积分超市还没有上架商品，敬请期待。", script=_script(turn))
        return
    lines = ["积分超市："]
    lines += [f"· {_e(i.name)} {i.price} 积分" + ("（已兑完）" if i.stock <= 0 else
                                                 f"（剩 {i.stock}）") for i in items]
    if turn.event.is_private:
        lines.append(f"您的积分：{await balance(turn.session, turn.person.id)}")
        lines.append(f"兑换请发送 /redeem 名称，例如 /redeem {_e(items[0].name)}")
    await turn.say("\n".join(lines), script=_script(turn))


def _is_admin(turn: Turn) -> bool:
    return turn.event.sender.id in turn.services.config.admin_ids


async def shop_add(turn: Turn, args: str) -> None:
    """/shop_add 食用油 200 10: put an item on the shelf (or set its price and stock)."""
    if not _is_admin(turn):
        await turn.say("抱歉，只有管理员可以管理积分超市。", script="simplified")
        return
    parts = args.split()
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit() or int(parts[1]) < 1:
        await turn.say("用法：/shop_add 名称 积分 库存，例如 /shop_add 食用油 200 10",
                       script="simplified")
        return
    name, price, stock = parts[0][:50], int(parts[1]), int(parts[2])
    item = (await turn.session.scalars(select(ShopItem).where(ShopItem.name == name))).first()
    if item is None:
        turn.session.add(ShopItem(name=name, price=price, stock=stock, active=True,
                                  created_at=turn.now))
    else:
        item.price, item.stock, item.active, item.updated_at = price, stock, True, turn.now
    await turn.say(f"已上架：{_e(name)}，{price} 积分，库存 {stock}。", script="simplified")


async def shop_remove(turn: Turn, args: str) -> None:
    """/shop_del 食用油: take an item off the shelf (past redemptions keep pointing at it)."""
    if not _is_admin(turn):
        await turn.say("抱歉，只有管理员可以管理积分超市。", script="simplified")
        return
    item = (await turn.session.scalars(
        select(ShopItem).where(ShopItem.name == args.strip()[:50]))).first()
    if item is None:
        await turn.say("没有这个商品。用法：/shop_del 名称", script="simplified")
        return
    item.active, item.updated_at = False, turn.now
    await turn.say(f"已下架：{_e(item.name)}。", script="simplified")


# ---------------------------------------------------------------------------------------------
# Redeeming: a request card in the grid's group, confirmed (points and stock taken) or refused


async def _pending_total(session: AsyncSession, person_id: int) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(Redemption.price), 0))
        .where(Redemption.person_id == person_id, Redemption.status == "pending"))
    return int(total or 0)


async def redeem(turn: Turn, args: str) -> None:
    wanted = args.strip()
    if not wanted:
        await turn.say("请在 /redeem 后写上商品名称，例如 /redeem 油。发送 /shop 查看商品。")
        return
    items = await _items(turn.session)
    exact = [i for i in items if i.name == wanted]
    found = exact or [i for i in items if wanted in i.name]
    if not found:
        await turn.say(f"积分超市里没有“{_e(wanted)}”。发送 /shop 查看商品。")
        return
    if len(found) > 1:
        names = "、".join(_e(i.name) for i in found)
        await turn.say(f"找到多个商品：{names}。请写完整名称，例如 /redeem {_e(found[0].name)}")
        return
    item = found[0]
    session, person = turn.session, turn.person
    if item.stock <= 0:
        await turn.say(f"{_e(item.name)} 已兑完，请选择其他商品。")
        return
    await lock(session, person.id)
    have = await balance(session, person.id)
    available = have - await _pending_total(session, person.id)
    if available < item.price:
        await turn.say(f"积分不足：{_e(item.name)} 需要 {item.price} 积分，您可用 {available}。")
        return
    grid = await grid_of(turn)
    redemption = Redemption(person_id=person.id, item_id=item.id, price=item.price,
                            grid_id=grid.id if grid else None, status="pending",
                            created_at=turn.now)
    session.add(redemption)
    await session.flush()
    who = _e(mask_name(person.display_name))
    await post_to_grid(
        turn, redemption.grid_id,
        f"🎁 <b>兑换申请 #{redemption.id}</b>\n{who} 兑换 {_e(item.name)} ×1，"
        f"{item.price} 积分（现有 {have}）",
        keyboard=inline([("确认发放", f"ry:{redemption.id}"), ("拒绝", f"rx:{redemption.id}")]))
    await turn.say(f"已提交兑换申请 #{redemption.id}：{_e(item.name)}，{item.price} 积分。"
                   "网格员确认发放后扣除积分。")


async def _redemption_here(turn: Turn, press: Callback) -> Redemption:
    redemption = await turn.session.get(Redemption, press.number(0) or 0)
    if redemption is None:
        raise CommunityError("该按钮已失效")
    await group_for(turn, redemption.grid_id)
    return redemption


async def confirm_redemption(turn: Turn, press: Callback) -> Handled:
    """确认发放: the points and one of the stock are taken together, or nothing is."""
    redemption = await _redemption_here(turn, press)
    session, now = turn.session, turn.now
    person = await session.get(Person, redemption.person_id)
    item = await session.get(ShopItem, redemption.item_id)
    assert person is not None and item is not None
    number = redemption.id
    async with session.begin_nested():
        await lock(session, person.id)
        decided: Any = await session.execute(
            update(Redemption).where(Redemption.id == number, Redemption.status == "pending")
            .values(status="confirmed", decided_by=turn.person.id, decided_at=now)
            .execution_options(synchronize_session=False))
        if decided.rowcount != 1:
            raise CommunityError(f"兑换申请 #{number} 已处理")
        have = await balance(session, person.id)
        if have < redemption.price:
            raise CommunityError(f"积分不足（现有 {have}，需 {redemption.price}），"
                                 f"无法发放，请点“拒绝”")
        taken: Any = await session.execute(
            update(ShopItem).where(ShopItem.id == item.id, ShopItem.stock > 0)
            .values(stock=ShopItem.stock - 1, updated_at=now)
            .execution_options(synchronize_session=False))
        if taken.rowcount != 1:
            raise CommunityError(f"{item.name} 已无库存，无法发放，请点“拒绝”")
        session.add(PointsEntry(person_id=person.id, delta=-redemption.price,
                                reason=f"redeem:{number}", at=now))
    left = have - redemption.price
    await tell(session, person, f"兑换申请 #{number} 已确认：{_e(item.name)}，"
               f"扣除 {redemption.price} 积分，剩余 {left}。请到社区领取。", now)
    await post_to_grid(turn, redemption.grid_id,
                       f"兑换申请 #{number} 已确认发放：{_e(item.name)}。")
    return Handled(f"兑换 #{number} 已确认发放")


async def refuse_redemption(turn: Turn, press: Callback) -> Handled:
    redemption = await _redemption_here(turn, press)
    decided: Any = await turn.session.execute(
        update(Redemption).where(Redemption.id == redemption.id, Redemption.status == "pending")
        .values(status="refused", decided_by=turn.person.id, decided_at=turn.now)
        .execution_options(synchronize_session=False))
    if decided.rowcount != 1:
        return Handled(f"兑换申请 #{redemption.id} 已处理", callback_alert=True)
    person = await turn.session.get(Person, redemption.person_id)
    item = await turn.session.get(ShopItem, redemption.item_id)
    assert person is not None and item is not None
    await tell(turn.session, person, f"很抱歉，兑换申请 #{redemption.id}（{_e(item.name)}）"
               "未通过，积分未扣除。如有疑问请联系网格员。", turn.now)
    await post_to_grid(turn, redemption.grid_id, f"兑换申请 #{redemption.id} 已拒绝。")
    return Handled(f"兑换 #{redemption.id} 已拒绝")


PRIVATE_COMMANDS: dict[str, Command] = {
    "points": show_points, "rank": show_rank, "shop": show_shop, "redeem": redeem,
    "shop_add": shop_add, "shop_del": shop_remove,
}
PRIVATE_BUTTONS: dict[str, Button] = {}
GROUP_COMMANDS: dict[str, Command] = {
    "rank": show_rank, "shop": show_shop, "shop_add": shop_add, "shop_del": shop_remove,
}
GROUP_BUTTONS: dict[str, Button] = {"ry": confirm_redemption, "rx": refuse_redemption}
