"""Undoing a merge from the grid's group (issue 7): `/unmerge`.

A wrong merge hides a problem, so staff can take it apart again:
- `/unmerge 42` lists the residents who joined #42 by reporting "the same problem", numbered;
  `/unmerge 42 2` gives the second of them a ticket of their own for their own report;
- `/unmerge 43`, for a ticket merged by hand (`/merge 43 42`), puts #43 back as it was;
  `/unmerge 42` then names the tickets merged into #42 and how to undo each.
Framework-free, like the rest of `handlers/`; the group may act only on its own tickets.
"""

from __future__ import annotations

from sqlalchemy import select

from handlers import tickets
from handlers.notify import local_time, mask_name, mask_personal
from handlers.texts import escape as _e
from handlers.turn import Turn
from storage.models import STATUS_LABELS, Ticket

USAGE = ("用法：/unmerge 42 查看 #42 的同题关注居民；/unmerge 42 2 把第 2 位拆成新工单；"
         "/unmerge 43 取消 #43 的合并")


async def _ticket_here(turn: Turn, number: int) -> Ticket:
    # staff.py registers this command, so its check is imported when the command runs.
    from handlers.staff import _ticket_here as responsible

    return await responsible(turn, number)


async def unmerge(turn: Turn, args: str) -> None:
    """`/unmerge 42 [n]` or `/unmerge 43` in a grid group."""
    parts = args.replace("#", " ").replace("＃", " ").split()
    if not 1 <= len(parts) <= 2 or not all(p.isdigit() and len(p) < 10 for p in parts):
        await turn.say(USAGE, script="simplified")
        return
    number = int(parts[0])
    ticket = await _ticket_here(turn, number)
    if ticket.status == "duplicate" and len(parts) == 1:
        await _restore(turn, ticket)
        return
    joined = await tickets.followers(turn.session, ticket)
    if len(parts) == 1:
        await _list(turn, ticket, joined)
        return
    index = int(parts[1])
    if not 1 <= index <= len(joined):
        await turn.say(f"工单 #{number} 没有第 {index} 位同题关注居民。"
                       f"发送 /unmerge {number} 查看名单。", script="simplified")
        return
    follower = joined[index - 1]
    own = await tickets.split_follower(
        turn.session, number, person=follower.person, now=turn.now, actor=turn.person,
        rules=turn.services.config.rules)
    await turn.say(f"已将{_e(mask_name(follower.person.display_name))}的反映从工单 #{number} 拆出，"
                   f"新工单 #{own.number}。", script="simplified")


async def _restore(turn: Turn, ticket: Ticket) -> None:
    if ticket.duplicate_of is not None:
        target = await turn.session.get(Ticket, ticket.duplicate_of)
        if target is not None:
            await _ticket_here(turn, target.number)
    restored, target = await tickets.unmark_duplicate(
        turn.session, ticket.number, now=turn.now, actor=turn.person,
        rules=turn.services.config.rules)
    await turn.say(f"已取消合并：工单 #{restored.number} 恢复为{STATUS_LABELS[restored.status]}，"
                   f"不再并入 #{target.number}。", script="simplified")


async def _merged_into(turn: Turn, ticket: Ticket) -> str:
    """Tickets merged by hand into `ticket`, and how to undo that: staff who type /unmerge on
    the ticket that others went into mean those merges."""
    numbers = list((await turn.session.scalars(
        select(Ticket.number).where(Ticket.duplicate_of == ticket.id,
                                    Ticket.status == "duplicate").order_by(Ticket.number)
    )).all())
    if not numbers:
        return ""
    if len(numbers) == 1:
        return (f"工单 #{numbers[0]} 已并入工单 #{ticket.number}；"
                f"如要取消合并，发送 /unmerge {numbers[0]}。")
    listed = "、".join(f"#{n}" for n in numbers)
    return (f"工单 {listed} 已并入工单 #{ticket.number}；如要取消其中一件的合并，"
            f"发送 /unmerge 加它的工单号，例如 /unmerge {numbers[0]}。")


async def _list(turn: Turn, ticket: Ticket, joined: list[tickets.Follower]) -> None:
    merged = await _merged_into(turn, ticket)
    if not joined:
        await turn.say(merged or f"工单 #{ticket.number} 没有因重复反映而并入的居民。",
                       script="simplified")
        return
    tz = str(turn.services.config.timezone)
    lines = [f"工单 #{ticket.number} 的同题关注居民："]
    for i, follower in enumerate(joined, 1):
        said = follower.text[:60] or "（仅照片）"
        lines.append(f"{i}. {_e(mask_name(follower.person.display_name))} · "
                     f"{local_time(follower.joined_at, tz)}：{_e(mask_personal(said))}")
    lines.append(f"如不是同一问题，发送 /unmerge {ticket.number} 序号 拆成新工单，"
                 f"例如 /unmerge {ticket.number} 1")
    if merged:
        lines.append(merged)
    await turn.say("\n".join(lines), ticket_id=ticket.id, script="simplified")
