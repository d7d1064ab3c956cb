"""微心愿 (issue 8): 点单 → 派单 → 接单, then done and confirmed.

A resident's wish (`/wish 想给独居的母亲找人每周陪聊一次`, or a suggestion they turn into a
wish) becomes a card in the grid's group; staff publish it to the grid's volunteers (its workers
and the residents who `/volunteer`), who get it privately with 认领. The first to claim it gets
it (`UPDATE … WHERE status = 'published'`: the others are told it is taken). The volunteer marks
it done; the resident confirms (points for the volunteer) or says it is not done yet. The
resident hears of every step, always with the wish's number (心愿 #12).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from handlers import points, tickets
from handlers.app import Handled
from handlers.keyboards import Callback, inline
from handlers.notify import mask_name, mask_personal
from handlers.texts import escape as _e
from handlers.turn import Turn
from handlers.workers import (
    Button,
    Command,
    CommunityError,
    grid_of,
    group_for,
    is_volunteer,
    post_to_grid,
    tell,
    volunteers,
)
from storage.models import WISH_LABELS, Grid, Person, Ticket, Wish

MAX_WISH = 1000
USAGE = "请在 /wish 后写下您的心愿，例如：/wish 想给独居的母亲找人每周陪聊一次"


# ---------------------------------------------------------------------------------------------
# 点单: the resident's wish


async def wish_command(turn: Turn, args: str) -> None:
    text = args.strip()
    if not text:
        await turn.say(USAGE)
        return
    await post_wish(turn, text)


async def post_wish(turn: Turn, text: str) -> Wish:
    """The wish, its card in the grid's group, and the resident told its number."""
    grid = await grid_of(turn, text) or await tickets.default_grid(turn.session)
    wish = Wish(resident_id=turn.person.id, grid_id=grid.id if grid else None,
                text=text[:MAX_WISH], status="new", created_at=turn.now, updated_at=turn.now)
    turn.session.add(wish)
    await turn.session.flush()
    await post_to_grid(
        turn, wish.grid_id,
        f"🙏 <b>心愿 #{wish.id}</b> · 微心愿\n居民：{_e(mask_name(turn.person.display_name))}\n"
        f"内容：{_e(mask_personal(wish.text))}",
        keyboard=inline([("发布给志愿者", f"xp:{wish.id}"), ("不予受理", f"xr:{wish.id}")]))
    await turn.say(f"已收到您的心愿 #{wish.id}，网格员会尽快安排志愿者，有进展会告诉您。")
    return wish


async def offer_for_ticket(turn: Turn, ticket: Ticket) -> None:
    """A suggestion just filed: offer to turn it into a wish volunteers can take."""
    await turn.say(f"工单 #{ticket.number} 像是一个微心愿，可以发布给志愿者帮忙。需要的话请点：",
                   keyboard=inline([("转为微心愿", f"xt:{ticket.number}")]),
                   ticket_id=ticket.id)


async def _from_ticket(turn: Turn, press: Callback) -> Handled:
    """转为微心愿: the resident's own new suggestion is withdrawn and posted as a wish."""
    number = press.number(0)
    if number is None:
        return Handled("该按钮已失效")
    ticket = await tickets.withdraw(turn.session, number, actor=turn.person, now=turn.now,
                                    reason="转为微心愿", rules=turn.services.config.rules)
    wish = await post_wish(turn, ticket.text)
    return Handled(f"已转为心愿 #{wish.id}")


# ---------------------------------------------------------------------------------------------
# Moving a wish: one conditional UPDATE per step


async def _wish(turn: Turn, press: Callback) -> Wish:
    wish = await turn.session.get(Wish, press.number(0) or 0)
    if wish is None:
        raise CommunityError("该按钮已失效")
    return wish


async def _move(
    turn: Turn, wish: Wish, from_status: str, to: str, *, by: int | None = None, **values: Any
) -> bool:
    """Move `wish` on if it is still `from_status` (and still `by`'s, when given): of two
    people racing, exactly one gets True."""
    where = [Wish.id == wish.id, Wish.status == from_status]
    if by is not None:
        where.append(Wish.volunteer_id == by)
    result: Any = await turn.session.execute(
        update(Wish).where(*where).values(status=to, updated_at=turn.now, **values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    await turn.session.refresh(wish)
    return True


def _refused(wish: Wish, verb: str) -> CommunityError:
    return CommunityError(f"心愿 #{wish.id} {WISH_LABELS[wish.status]}，不能{verb}")


async def _person(turn: Turn, person_id: int | None) -> Person:
    person = await turn.session.get(Person, person_id or 0)
    assert person is not None
    return person


# 派单: staff publish it to the grid's volunteers


async def _publish(turn: Turn, press: Callback) -> Handled:
    wish = await _wish(turn, press)
    await group_for(turn, wish.grid_id)
    if wish.status != "new" or wish.grid_id is None:
        raise _refused(wish, "发布")
    found = await volunteers(turn.session, wish.grid_id, besides=wish.resident_id)
    if not found:
        raise CommunityError("本网格还没有志愿者，暂时无法发布。可发送 /invite 邀请流动网格员")
    if not await _move(turn, wish, "new", "published", published_at=turn.now):
        raise CommunityError(f"心愿 #{wish.id} 已处理")
    grid = await turn.session.get(Grid, wish.grid_id)
    offer = inline([("认领", f"xc:{wish.id}")])
    for person in found:
        await tell(turn.session, person,
                   f"🙏 心愿 #{wish.id}（{_e(grid.name if grid else '')}）：{_e(mask_personal(wish.text))}\n"
                   "愿意帮忙请点“认领”。", turn.now, keyboard=offer)
    await post_to_grid(turn, wish.grid_id, f"心愿 #{wish.id} 已发布给 {len(found)} 位志愿者。")
    resident = await _person(turn, wish.resident_id)
    await tell(turn.session, resident,
               f"您的心愿 #{wish.id} 已发布给志愿者，有人认领后会告诉您。", turn.now)
    return Handled(f"心愿 #{wish.id} 已发布")


async def _decline(turn: Turn, press: Callback) -> Handled:
    wish = await _wish(turn, press)
    await group_for(turn, wish.grid_id)
    if not (await _move(turn, wish, "new", "declined")
            or await _move(turn, wish, "published", "declined")):
        raise _refused(wish, "不予受理")
    resident = await _person(turn, wish.resident_id)
    await tell(turn.session, resident, f"很抱歉，您的心愿 #{wish.id} 暂时无法安排。"
               "如有需要请联系社区网格员。", turn.now)
    return Handled(f"心愿 #{wish.id} 不予受理")


# 接单: the first volunteer to press 认领


async def _claim(turn: Turn, press: Callback) -> Handled:
    wish = await _wish(turn, press)
    me = turn.person
    if not is_volunteer(me, wish.grid_id) or me.id == wish.resident_id:
        return Handled("该心愿只能由本网格志愿者认领", callback_alert=True)
    if not await _move(turn, wish, "published", "claimed", volunteer_id=me.id,
                       claimed_at=turn.now):
        await turn.session.refresh(wish)
        if wish.volunteer_id == me.id:
            return Handled(f"您已认领心愿 #{wish.id}")
        if wish.volunteer_id is None:
            raise _refused(wish, "认领")
        return Handled(f"心愿 #{wish.id} 已被其他志愿者认领，谢谢您！", callback_alert=True)
    who = _e(mask_name(me.display_name))
    await turn.say(f"您已认领心愿 #{wish.id}：{_e(wish.text)}\n网格员会协助联系居民。"
                   "完成后请点“已完成”。", keyboard=inline([("已完成", f"xd:{wish.id}")]))
    resident = await _person(turn, wish.resident_id)
    await tell(turn.session, resident, f"您的心愿 #{wish.id} 已由志愿者 {who} 认领，"
               "完成后请您确认。", turn.now)
    await post_to_grid(turn, wish.grid_id, f"心愿 #{wish.id} 已由 {who} 认领。")
    return Handled(f"认领成功：心愿 #{wish.id}")


async def _done(turn: Turn, press: Callback) -> Handled:
    wish = await _wish(turn, press)
    if wish.volunteer_id != turn.person.id:
        return Handled("只有认领的志愿者可以标记完成", callback_alert=True)
    if not await _move(turn, wish, "claimed", "done", done_at=turn.now,
                       by=turn.person.id):
        raise _refused(wish, "标记完成")
    resident = await _person(turn, wish.resident_id)
    await tell(turn.session, resident, f"志愿者说您的心愿 #{wish.id} 已完成，请确认：",
               turn.now, keyboard=inline([("已完成", f"xy:{wish.id}"),
                                          ("还没完成", f"xn:{wish.id}")]))
    await turn.say(f"已请居民确认心愿 #{wish.id}，确认后积分到账。")
    return Handled("已标记完成")


async def _confirm(turn: Turn, press: Callback) -> Handled:
    wish = await _wish(turn, press)
    if wish.resident_id != turn.person.id:
        return Handled("只有许愿的居民可以确认", callback_alert=True)
    if not await _move(turn, wish, "done", "confirmed", confirmed_at=turn.now):
        raise _refused(wish, "确认")
    helper = await _person(turn, wish.volunteer_id)
    config = turn.services.config
    wanted = config.points.wish
    given = await points.award(turn.session, helper, wanted, f"wish:{wish.id}", turn.now,
                               config)
    total = await points.balance(turn.session, helper.id)
    earned = points.earned_text(given, wanted, total, config.points.daily_cap)
    await tell(turn.session, helper, f"居民已确认心愿 #{wish.id} 完成，{earned}。感谢您的帮助！",
               turn.now)
    await turn.say(f"感谢确认！心愿 #{wish.id} 已完成。")
    await post_to_grid(turn, wish.grid_id, f"心愿 #{wish.id} 已完成，居民已确认。")
    return Handled("感谢确认！")


async def _not_done(turn: Turn, press: Callback) -> Handled:
    wish = await _wish(turn, press)
    if wish.resident_id != turn.person.id:
        return Handled("只有许愿的居民可以确认", callback_alert=True)
    if not await _move(turn, wish, "done", "claimed", done_at=None):
        raise _refused(wish, "退回")
    helper = await _person(turn, wish.volunteer_id)
    await tell(turn.session, helper, f"居民说心愿 #{wish.id} 还没有完成，请继续跟进，"
               "完成后再点“已完成”。", turn.now, keyboard=inline([("已完成", f"xd:{wish.id}")]))
    await turn.say(f"好的，已请志愿者继续完成心愿 #{wish.id}。")
    return Handled()


PRIVATE_COMMANDS: dict[str, Command] = {"wish": wish_command}
PRIVATE_BUTTONS: dict[str, Button] = {
    "xc": _claim, "xd": _done, "xy": _confirm, "xn": _not_done, "xt": _from_ticket,
}
GROUP_COMMANDS: dict[str, Command] = {}
GROUP_BUTTONS: dict[str, Button] = {"xp": _publish, "xr": _decline}
