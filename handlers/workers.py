"""流动网格员 and 志愿者 (issue 8): joining a grid, leaving it, and what wishes and points share.

Staff send `/invite` in their grid's group for a one-time code (valid 7 days); a rider sends the
bot `/join CODE` and is a worker of that grid. `/join` without a code posts a request card that
the grid's staff approve or refuse. A resident who `/volunteer`s is a volunteer of a grid: they
and the grid's workers are the people a micro-wish is published to. `/leave` ends both.

Every change that two people could race for (a code used twice, a request decided twice) is a
conditional UPDATE: whoever comes second changes nothing and is told why.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import tickets
from handlers.app import Handled
from handlers.keyboards import Callback, inline
from handlers.notify import mask_name
from handlers.routing import route
from handlers.texts import escape as _e
from handlers.turn import Turn
from storage import outbox
from storage.models import Grid, GroupChat, JoinCode, JoinRequest, Person

INVITE_VALID = timedelta(days=7)
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud on a scooter
CODE_LENGTH = 6
ASK_WHAT = "什么问题？"  # a worker's photo without a caption: one short question
NOT_BOUND = "本群还没有绑定网格。管理员可发送：/bind 网格名 地点1,地点2"
NOT_YOURS = "该申请不属于本网格，无法在本群处理。"
EXPIRED = "该按钮已失效"


class CommunityError(tickets.TicketError):
    """A refused request about joining, a wish or points; `str()` is the polite reason. A
    `TicketError`, so the resident's and the group's button and command handlers answer it."""


Command = Callable[[Turn, str], Awaitable[None]]
Button = Callable[[Turn, Callback], Awaitable[Handled]]


def is_worker(person: Person) -> bool:
    return person.role == "worker"


def is_volunteer(person: Person, grid_id: int | None) -> bool:
    """Who a wish of `grid_id` may be offered to: the grid's workers and volunteers."""
    return (grid_id is not None and person.grid_id == grid_id
            and (person.role == "worker" or person.volunteer))


# ---------------------------------------------------------------------------------------------
# Shared with wishes and points: telling a person, the grid's groups, the grid's volunteers


async def tell(
    session: AsyncSession, person: Person, text: str, now: datetime, *,
    keyboard: dict[str, Any] | None = None,
) -> None:
    """A private message to `person` (not the sender), in their script."""
    await outbox.enqueue(session, chat_id=person.telegram_id, method="sendMessage",
                         payload=tickets.notice_payload(person, text, reply_markup=keyboard),
                         now=now)


async def grid_chats(session: AsyncSession, grid_id: int | None) -> list[int]:
    """The grid's groups; its street's when the grid has none (someone must see the card)."""
    return await tickets.grid_groups(session, grid_id)


async def post_to_grid(
    turn: Turn, grid_id: int | None, text: str, *, keyboard: dict[str, Any] | None = None
) -> None:
    for chat_id in await grid_chats(turn.session, grid_id):
        await turn.say(text, chat_id=chat_id, keyboard=keyboard, script="simplified")


async def group_for(turn: Turn, grid_id: int | None) -> GroupChat:
    """This group, if it may act for `grid_id` (its grid's group, or the street's)."""
    group = await turn.session.get(GroupChat, turn.event.chat_id)
    if group is None:
        raise CommunityError(NOT_BOUND)
    if group.role != "street" and group.grid_id != grid_id:
        raise CommunityError(NOT_YOURS)
    return group


async def volunteers(session: AsyncSession, grid_id: int, *, besides: int) -> list[Person]:
    stmt = (select(Person)
            .where(Person.grid_id == grid_id, Person.id != besides,
                   or_(Person.role == "worker", Person.volunteer.is_(True)))
            .order_by(Person.id))
    return list((await session.scalars(stmt)).all())


async def grid_of(turn: Turn, words: str | None = None) -> Grid | None:
    """The person's grid: the one they joined, else where `words` or their remembered address
    or location place them (None when that is only a guess)."""
    session, person = turn.session, turn.person
    if person.grid_id is not None:
        return await session.get(Grid, person.grid_id)
    grids, areas = await tickets.grids(session)
    way = route(words, latitude=person.default_lat, longitude=person.default_lon,
                remembered_address=person.default_address, grids=areas)
    if way.source == "default" or way.grid_id is None:
        return None
    return next(g for g in grids if g.id == way.grid_id)


async def _grid_buttons(turn: Turn, verb: str) -> dict[str, Any]:
    grids = (await turn.session.scalars(select(Grid).order_by(Grid.id).limit(30))).all()
    return inline(*[[(g.name, f"{verb}:{g.id}")] for g in grids])


def _grid_id(press: Callback) -> int:
    grid_id = press.number(0)
    if grid_id is None:
        raise CommunityError(EXPIRED)
    return grid_id


# ---------------------------------------------------------------------------------------------
# Joining with a code


async def invite(turn: Turn, _args: str) -> None:
    """/invite in a grid's group: a one-time code for one rider."""
    group = await turn.session.get(GroupChat, turn.event.chat_id)
    if group is None or group.role != "grid" or group.grid_id is None:
        await turn.say("请在已绑定网格的工作群中发送 /invite。", script="simplified")
        return
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if await turn.session.get(JoinCode, code) is None:
            break
    turn.session.add(JoinCode(code=code, grid_id=group.grid_id, created_by=turn.person.id,
                              created_at=turn.now, expires_at=turn.now + INVITE_VALID))
    await turn.say(f"邀请码：<code>{code}</code>（7 天内有效，仅限一人使用）\n"
                   f"请骑手私聊本机器人发送：/join {code}", script="simplified")


async def join(turn: Turn, args: str) -> None:
    person = turn.person
    if person.role in ("staff", "admin"):
        await turn.say("您是工作人员账号，无需加入。")
        return
    code = args.strip().upper().replace(" ", "")
    if not code:
        await _ask_to_join(turn)
        return
    found = await turn.session.get(JoinCode, code[:16])
    if found is not None and is_worker(person) and person.grid_id == found.grid_id:
        await turn.say("您已经是本网格的流动网格员了。")
        return
    used: Any = await turn.session.execute(
        update(JoinCode)
        .where(JoinCode.code == code[:16], JoinCode.used_by.is_(None),
               JoinCode.expires_at > turn.now)
        .values(used_by=person.id, used_at=turn.now)
        .execution_options(synchronize_session=False))
    if used.rowcount != 1:
        if found is None:
            await turn.say("邀请码不正确，请核对后重新发送，例如 /join ABC234")
        elif found.used_by is not None:
            await turn.say("该邀请码已被使用。请向网格员索取新的邀请码，或发送 /join 申请加入。")
        else:
            await turn.say("该邀请码已过期。请向网格员索取新的邀请码，或发送 /join 申请加入。")
        return
    assert found is not None  # the UPDATE matched it
    await _become_worker(turn, person, found.grid_id)


async def _become_worker(turn: Turn, person: Person, grid_id: int) -> None:
    grid = await turn.session.get(Grid, grid_id)
    person.role, person.grid_id, person.updated_at = "worker", grid_id, turn.now
    name = grid.name if grid else "本网格"
    await tell(turn.session, person,
               f"欢迎加入{_e(name)}流动网格员！路上看到问题，拍照发给我（配一句说明更好），"
               "核实后积分到账。\n/points 我的积分 · /shop 积分超市 · /leave 退出",
               turn.now)
    who = _e(mask_name(person.display_name))
    await post_to_grid(turn, grid_id, f"{who} 已加入本网格流动网格员。")


# ---------------------------------------------------------------------------------------------
# Joining by request


async def _ask_to_join(turn: Turn) -> None:
    pending = (await turn.session.scalars(
        select(JoinRequest).where(JoinRequest.person_id == turn.person.id,
                                  JoinRequest.status == "pending").limit(1))).first()
    if pending is not None:
        await turn.say("您的加入申请已提交，网格员审核后会通知您。")
        return
    grid = await grid_of(turn)
    if grid is not None:
        await _request(turn, grid)
        return
    await turn.say("请选择要加入的网格：", keyboard=await _grid_buttons(turn, "jg"))


async def _request(turn: Turn, grid: Grid) -> None:
    request = JoinRequest(person_id=turn.person.id, grid_id=grid.id, status="pending",
                          created_at=turn.now)
    turn.session.add(request)
    await turn.session.flush()
    await post_to_grid(
        turn, grid.id,
        f"📝 <b>加入申请 #{request.id}</b>\n{_e(mask_name(turn.person.display_name))} "
        f"申请成为{_e(grid.name)}的流动网格员。",
        keyboard=inline([("同意", f"ja:{request.id}"), ("拒绝", f"jn:{request.id}")]))
    await turn.say(f"已向{_e(grid.name)}提交加入申请，网格员审核后会通知您。")


async def _press_grid_to_join(turn: Turn, press: Callback) -> Handled:
    if turn.person.role in ("staff", "admin") or is_worker(turn.person):
        return Handled("您无需再申请", callback_alert=True)
    grid = await turn.session.get(Grid, _grid_id(press))
    if grid is None:
        return Handled(EXPIRED)
    pending = (await turn.session.scalars(
        select(JoinRequest.id).where(JoinRequest.person_id == turn.person.id,
                                     JoinRequest.status == "pending").limit(1))).first()
    if pending is not None:
        return Handled("您的申请已提交，请等待审核", callback_alert=True)
    await _request(turn, grid)
    return Handled(f"已选择：{grid.name}")


async def _decide(turn: Turn, press: Callback, status: str) -> Handled:
    request = await turn.session.get(JoinRequest, press.number(0) or 0)
    if request is None:
        return Handled(EXPIRED)
    await group_for(turn, request.grid_id)
    if request.person_id == turn.person.id:
        raise CommunityError("不能审核自己的申请")
    decided: Any = await turn.session.execute(
        update(JoinRequest)
        .where(JoinRequest.id == request.id, JoinRequest.status == "pending")
        .values(status=status, decided_by=turn.person.id, decided_at=turn.now)
        .execution_options(synchronize_session=False))
    if decided.rowcount != 1:
        return Handled(f"加入申请 #{request.id} 已处理", callback_alert=True)
    person = await turn.session.get(Person, request.person_id)
    assert person is not None
    if status == "approved":
        await _become_worker(turn, person, request.grid_id)
        return Handled(f"已同意加入申请 #{request.id}")
    await tell(turn.session, person,
               "很抱歉，您的加入申请未通过。如有疑问请联系社区网格员。", turn.now)
    await post_to_grid(turn, request.grid_id, f"加入申请 #{request.id} 已拒绝。")
    return Handled(f"已拒绝加入申请 #{request.id}")


async def _approve(turn: Turn, press: Callback) -> Handled:
    return await _decide(turn, press, "approved")


async def _refuse(turn: Turn, press: Callback) -> Handled:
    return await _decide(turn, press, "refused")


# ---------------------------------------------------------------------------------------------
# Volunteering and leaving


async def volunteer(turn: Turn, args: str) -> None:
    person = turn.person
    if is_worker(person):
        await turn.say("流动网格员就是本网格的志愿者，有心愿发布时会通知您。")
        return
    if person.volunteer and person.grid_id is not None:
        await turn.say("您已是志愿者，有心愿发布时会通知您。发送 /leave 可退出。")
        return
    grid = await grid_of(turn, args.strip() or None)
    if grid is None:
        await turn.say("请选择您所在的网格：", keyboard=await _grid_buttons(turn, "vg"))
        return
    await _become_volunteer(turn, grid)


async def _become_volunteer(turn: Turn, grid: Grid) -> None:
    person = turn.person
    person.volunteer, person.grid_id, person.updated_at = True, grid.id, turn.now
    await turn.say(f"感谢您加入{_e(grid.name)}志愿者！居民有微心愿时会发给您，"
                   "点“认领”即可帮忙，完成后有积分。发送 /leave 可退出。")


async def _press_grid_to_volunteer(turn: Turn, press: Callback) -> Handled:
    grid = await turn.session.get(Grid, _grid_id(press))
    if grid is None or is_worker(turn.person):
        return Handled(EXPIRED)
    await _become_volunteer(turn, grid)
    return Handled(f"已选择：{grid.name}")


async def leave(turn: Turn, _args: str) -> None:
    person = turn.person
    was_worker, was_volunteer = is_worker(person), person.volunteer
    if not (was_worker or was_volunteer):
        await turn.say("您目前不是流动网格员或志愿者。")
        return
    if was_worker:
        person.role = "resident"
    person.volunteer = False
    person.updated_at = turn.now  # grid_id stays: points, ranking and the shop still need it
    what = "流动网格员" if was_worker else "志愿者"
    await turn.say(f"已退出{what}，感谢您的付出！积分仍保留，可继续 /shop 兑换。")


# ---------------------------------------------------------------------------------------------
# 随手拍: a location shared just after the photo places it


PLACE_JOINS = timedelta(minutes=10)


async def place_last_report(turn: Turn) -> bool:
    """A worker shares their location right after a photo report that had no place (Telegram
    cannot send both in one message): it becomes that report's place. False when there is no
    such report, and the location is only remembered for the next one."""
    if not is_worker(turn.person):
        return False
    mine = await tickets.tickets_of(turn.session, turn.person, limit=1)
    if not mine:
        return False
    ticket = mine[0]
    if (ticket.source != "worker" or ticket.status not in ("new", "claimed", "in_progress")
            or turn.now - ticket.created_at > PLACE_JOINS
            or ticket.location_text or ticket.lat is not None):
        return False
    lat, lon = turn.event.latitude, turn.event.longitude
    ticket.lat, ticket.lon, ticket.updated_at = lat, lon, turn.now
    ticket.location_text = f"共享位置 {lat:.5f},{lon:.5f}"
    await tickets.refresh_cards(turn.session, ticket, turn.now, turn.services.config.rules)
    await turn.say(f"#{ticket.number} 已补充位置")
    return True


PRIVATE_COMMANDS: dict[str, Command] = {"join": join, "leave": leave, "volunteer": volunteer}
PRIVATE_BUTTONS: dict[str, Button] = {"jg": _press_grid_to_join,
                                      "vg": _press_grid_to_volunteer}
GROUP_COMMANDS: dict[str, Command] = {"invite": invite}
GROUP_BUTTONS: dict[str, Button] = {"ja": _approve, "jn": _refuse}
