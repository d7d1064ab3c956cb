"""Staff work from their grid's group chat: binding, card buttons, replies, commands (issue 6).

With group privacy mode on, the bot sees only commands and replies to its own messages, so
everything here starts from one of those: a command, a pressed button, or a reply to a card,
a notice or a prompt the bot posted. A group acts only on tickets of the grid it is bound to
(the street's group on every ticket); anything else is refused politely and changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from rapidfuzz import fuzz, process
from sqlalchemy import delete, select, update

from handlers import merging, points, tickets, wishes, workers
from handlers.app import Handled
from handlers.keyboards import Callback, inline, parse_callback
from handlers.notify import category_label, local_time, mask_personal, quoted
from handlers.texts import escape as _e
from handlers.turn import Turn
from intents.model import CATEGORIES
from storage import outbox
from storage.models import (
    OPEN_STATUSES,
    STATUS_LABELS,
    Attachment,
    Grid,
    GroupChat,
    MessageLink,
    Street,
    Ticket,
    TicketEvent,
)

REJECT_REASONS = {"area": "非本辖区", "dup": "重复反映", "info": "信息不全", "other": "其他"}
# Workers, wishes and points (issue 8): /invite, /rank, /shop…, and their cards' buttons.
COMMUNITY_COMMANDS = {**workers.GROUP_COMMANDS, **wishes.GROUP_COMMANDS,
                      **points.GROUP_COMMANDS}
COMMUNITY_BUTTONS = {**workers.GROUP_BUTTONS, **wishes.GROUP_BUTTONS, **points.GROUP_BUTTONS}
EXPIRED = "该按钮已失效"
# History entries that are not status changes, as /t shows them.
EVENT_LABELS = {
    "staff_reply": "工作人员回复", "resident_info": "居民补充", "recategorised": "更正类别",
    "merged": "并入工单", "followed": "居民关注", "unfollowed": "居民撤回关注",
    "reminded": "超时未接单提醒",
    "escalated": "街道吹哨", "notify_failed": "消息未送达",
}
ONLY_ADMINS = "抱歉，只有管理员可以绑定网格群。"
NOT_BOUND = "本群还没有绑定网格。管理员可发送：/bind 网格名 地点1,地点2"
NOT_YOURS = "工单 #{number} 不属于本网格，无法在本群操作。"
STAFF_HELP = (
    "网格群命令：\n"
    "/list 本网格未办结工单（超期在前）\n"
    "/t 42 查看工单 #42\n"
    "/claim 42 接单 · /note 42 内容 留言给居民\n"
    "/done 42 处理结果 办结 · /reject 42 原因 退回\n"
    "/recat 42 noise 更正类别 · /merge 43 42 把 #43 并入 #42\n"
    "/stats [today|week|month] 统计 · /unmerge 42 撤销合并\n"
    "/invite 流动网格员邀请码 · /rank 本月积分排行\n"
    "管理员：/bind 网格名 地点1,地点2 · /bind_street [街道名] · /unbind · /shop_add 商品 积分 库存\n"
    "回复工单卡片即可与居民对话。"
)


async def on_group(turn: Turn) -> Handled:
    """Every update of a group chat ends here. A refusal (`TicketError`) is answered by
    `handlers.app.handle`, which also undoes whatever the action had written before it."""
    event = turn.event
    if event.kind == "callback":
        press = parse_callback(event.callback_data)
        if press is None:
            return Handled(EXPIRED)
        return await _press(turn, press)
    command = event.command
    if command is not None:
        await _command(turn, *command)
    elif event.reply_to_message_id is not None and event.kind in ("text", "photo"):
        await _reply(turn)
    return Handled()


# ---------------------------------------------------------------------------------------------
# Who may act here


async def _group(turn: Turn) -> GroupChat | None:
    return await turn.session.get(GroupChat, turn.event.chat_id)


async def _ticket_here(turn: Turn, number: int) -> Ticket:
    """The ticket, if this group is responsible for it; otherwise a polite refusal."""
    group = await _group(turn)
    if group is None:
        raise tickets.NotAllowed(NOT_BOUND)
    ticket = await tickets.require_ticket(turn.session, number)
    if group.role != "street" and group.grid_id != ticket.grid_id:
        raise tickets.NotAllowed(NOT_YOURS.format(number=number))
    if turn.person.role == "resident":
        turn.person.role = "staff"  # members of a bound group are its grid's staff
        turn.person.updated_at = turn.now
    return ticket


# ---------------------------------------------------------------------------------------------
# Buttons


async def _press(turn: Turn, press: Callback) -> Handled:
    if press.verb in COMMUNITY_BUTTONS:
        return await COMMUNITY_BUTTONS[press.verb](turn, press)
    number = press.number(0)
    if number is None:
        return Handled(EXPIRED)
    ticket = await _ticket_here(turn, number)
    rules = turn.services.config.rules
    session, actor, now = turn.session, turn.person, turn.now
    if press.verb == "t":
        action = press.args[1] if len(press.args) > 1 else ""
        if action == "claim":
            await tickets.claim(session, number, actor=actor, now=now, rules=rules)
            return Handled(f"已接单 #{number}")
        if action == "start":
            await tickets.start(session, number, actor=actor, now=now, rules=rules)
            return Handled(f"#{number} 处理中")
        if action == "resolve":
            tickets.check(ticket, "resolve")
            await turn.say(
                f"工单 #{number} 办结：请<b>回复本消息</b>写一句处理结果，可附一张处理后的照片。",
                keyboard=inline([("跳过，直接办结", f"rs:{number}")]),
                ticket_id=ticket.id, purpose="prompt:resolve", script="simplified")
            return Handled()
        if action == "transfer":
            tickets.check(ticket, "transfer")
            grids = (await session.scalars(
                select(Grid).where(Grid.id != ticket.grid_id).order_by(Grid.id).limit(30)
            )).all()
            if not grids:
                return Handled("没有其他网格可以转派", callback_alert=True)
            rows = [[(g.name, f"tr:{number}:{g.id}")] for g in grids]
            await turn.say(f"工单 #{number} 转派到：", keyboard=inline(*rows),
                           ticket_id=ticket.id, purpose="prompt", script="simplified")
            return Handled()
        if action == "reject":
            tickets.check(ticket, "reject")
            rows = [[(label, f"rj:{number}:{code}")] for code, label in REJECT_REASONS.items()]
            await turn.say(f"工单 #{number} 退回原因：", keyboard=inline(*rows),
                           ticket_id=ticket.id, purpose="prompt", script="simplified")
            return Handled()
        return Handled(EXPIRED)
    if press.verb == "rs":
        await _resolve(turn, number)
        return Handled(f"#{number} 已办结")
    if press.verb == "mg":  # 疑似同一问题: merge `number` into the ticket the hint named
        return await _merge_hinted(turn, ticket, press.number(1))
    if press.verb == "tr":
        grid = await session.get(Grid, press.number(1) or 0)
        if grid is None:
            return Handled("该网格不存在", callback_alert=True)
        await tickets.transfer(session, number, to=grid, actor=actor, now=now, rules=rules)
        return Handled(f"#{number} 已转派至{grid.name}")
    if press.verb == "rj":
        code = press.args[1] if len(press.args) > 1 else ""
        if code not in REJECT_REASONS:
            return Handled(EXPIRED)
        if code == "other":
            tickets.check(ticket, "reject")
            await turn.say(f"工单 #{number} 退回：请<b>回复本消息</b>写明原因，居民会收到。",
                           ticket_id=ticket.id, purpose="prompt:reject", script="simplified")
            return Handled()
        await tickets.reject(session, number, actor=actor, reason=REJECT_REASONS[code],
                             now=now, rules=rules)
        return Handled(f"#{number} 已退回")
    return Handled(EXPIRED)


# ---------------------------------------------------------------------------------------------
# Replies: to a prompt (the result, the reason) or to a card or notice (talk to the resident)


async def _reply(turn: Turn) -> None:
    event = turn.event
    link = (await turn.session.scalars(
        select(MessageLink).where(MessageLink.chat_id == event.chat_id,
                                  MessageLink.message_id == event.reply_to_message_id)
    )).first()
    if link is None:
        return  # a reply to something of ours that is not about a ticket: nothing to do
    ticket = await turn.session.get(Ticket, link.ticket_id)
    if ticket is None or ticket.number is None:
        return
    await _ticket_here(turn, ticket.number)
    text = (event.text or "").strip()
    photo = event.photos[0] if event.photos else None
    rules = turn.services.config.rules
    if link.purpose == "prompt:resolve":
        await _resolve(turn, ticket.number, note=text, photo=photo)
        for extra in event.photos[1:10]:  # the first went with the result
            turn.session.add(Attachment(ticket_id=ticket.id, file_id=extra, kind="photo",
                                        added_by=turn.person.id, purpose="resolution",
                                        created_at=turn.now))
        return
    if link.purpose == "prompt:reject":
        if not text:
            await turn.say(f"退回工单 #{ticket.number} 需要写明原因，请回复文字。",
                           script="simplified")
            return
        await tickets.reject(turn.session, ticket.number, actor=turn.person, reason=text[:500],
                             now=turn.now, rules=rules)
        return
    if link.purpose == "prompt":
        await turn.say("请点击上方的按钮选择。", script="simplified")
        return
    await _relay_to_residents(turn, ticket, text[:1000], list(event.photos))


async def _resolve(
    turn: Turn, number: int, *, note: str = "", photo: str | None = None
) -> None:
    """办结 by button, by reply to the prompt or by /done: the residents are told, and a
    rider's verified report earns its points."""
    resolved = await tickets.resolve(turn.session, number, actor=turn.person, now=turn.now,
                                     note=note[:1000] or None, photo=photo,
                                     rules=turn.services.config.rules)
    await points.award_for_resolution(turn.session, resolved, turn.now, turn.services.config)


async def _relay_to_residents(turn: Turn, ticket: Ticket, text: str, photos: list[str]) -> None:
    if not (text or photos):
        return
    words = f"关于工单 #{ticket.number}，工作人员回复：{_e(text)}" if text else (
        f"关于工单 #{ticket.number}，工作人员发来照片")
    turn.session.add(TicketEvent(ticket_id=ticket.id, actor_id=turn.person.id,
                                 kind="staff_reply", note=text or None,
                                 data={"photos": photos} if photos else None, at=turn.now))
    for person in await tickets.reporters(turn.session, ticket.id):
        if photos:
            await turn.send_photos(photos, words, chat_id=person.telegram_id,
                                   ticket_id=ticket.id, script=person.script)
        else:
            await turn.say(words + "\n（直接回复本消息即可答复）", chat_id=person.telegram_id,
                           ticket_id=ticket.id, script=person.script)
    await turn.say(f"已转达给工单 #{ticket.number} 的居民。", script="simplified")


# ---------------------------------------------------------------------------------------------
# Commands


async def _command(turn: Turn, name: str, args: str) -> None:
    handlers = {
        "bind": _bind, "bind_street": _bind_street, "unbind": _unbind, "list": _list,
        "t": _show, "claim": _claim, "note": _note, "done": _done, "reject": _reject,
        "recat": _recat, "merge": _merge, "stats": _stats, "help": _help, "start": _help,
        "unmerge": merging.unmerge, **COMMUNITY_COMMANDS,
    }
    run = handlers.get(name)
    if run is not None:
        await run(turn, args)
    # Other commands are for other bots in the group, or typos: stay quiet in groups.


async def _help(turn: Turn, _args: str) -> None:
    await turn.say(STAFF_HELP, script="simplified")


def _is_admin(turn: Turn) -> bool:
    return turn.event.sender.id in turn.services.config.admin_ids


async def _bind(turn: Turn, args: str) -> None:
    if not _is_admin(turn):
        await turn.say(ONLY_ADMINS, script="simplified")
        return
    name, _, rest = args.strip().partition(" ")
    if not name:
        await turn.say("用法：/bind 网格名 地点1,地点2（例如 /bind 龙泉网格 龙泉小区,团结西路）",
                       script="simplified")
        return
    places = [p.strip() for p in rest.replace("，", ",").replace("、", ",").split(",")
              if p.strip()]
    session = turn.session
    grid = (await session.scalars(select(Grid).where(Grid.name == name[:100]))).first()
    if grid is None:
        grid = Grid(name=name[:100], places=places, is_default=False, created_at=turn.now)
        session.add(grid)
    elif places:
        grid.places = list(dict.fromkeys([*(grid.places or []), *places]))
    if grid.street_id is None:
        # With one street office (the usual case) its escalation group is this grid's too.
        streets = (await session.scalars(select(Street.id).limit(2))).all()
        if len(streets) == 1:
            grid.street_id = streets[0]
    await session.flush()
    group = await _group(turn)
    was = (group.role, group.grid_id) if group is not None else None
    if group is None:
        group = GroupChat(chat_id=turn.event.chat_id, role="grid", grid_id=grid.id,
                          title=turn.event.chat_title, bound_by=turn.event.sender.id,
                          bound_at=turn.now)
        session.add(group)
    else:
        group.role, group.grid_id, group.street_id = "grid", grid.id, None
        group.bound_by, group.bound_at = turn.event.sender.id, turn.now
    await session.flush()
    shown = "、".join(grid.places or []) or "（未设置地点）"
    lines = [f"本群已绑定为<b>{_e(grid.name)}</b>的工作群。覆盖：{_e(shown)}",
             "新工单会以卡片形式发到本群。发送 /help 查看命令。"]
    if was is not None and was[0] == "street":
        lines.append("注意：本群原是街道吹哨群，现在不再是；请在街道群发送 /bind_street。")
    elif was is not None and was[1] not in (None, grid.id):
        old = await session.get(Grid, was[1])
        if old is not None and not await _has_group(turn, old.id):
            lines.append(f"注意：{_e(old.name)}现在没有工作群，它的新工单会先发到街道吹哨群。")
    await turn.say("\n".join(lines), script="simplified")


async def _has_group(turn: Turn, grid_id: int) -> bool:
    found = await turn.session.scalars(
        select(GroupChat.chat_id).where(GroupChat.role == "grid", GroupChat.grid_id == grid_id))
    return found.first() is not None


async def _bind_street(turn: Turn, args: str) -> None:
    """`/bind_street [街道名]`: binds the street `intake grids import` (or an earlier
    /bind_street) made. A street is created only while there is none (grids bound one by one
    with /bind); otherwise a missing or unknown name is asked about, so a typo never makes an
    empty street that no grid belongs to and no whistle reaches."""
    if not _is_admin(turn):
        await turn.say(ONLY_ADMINS, script="simplified")
        return
    session = turn.session
    wanted = args.strip()[:100]
    streets = list((await session.scalars(select(Street).order_by(Street.id))).all())
    created = False
    if not streets:
        street = Street(name=wanted or "街道", created_at=turn.now)
        session.add(street)
        await session.flush()
        created = True
    elif wanted:
        found = next((s for s in streets if s.name == wanted), None)
        if found is None:
            await turn.say(_unknown_street(wanted, [s.name for s in streets]),
                           script="simplified")
            return
        street = found
    elif len(streets) == 1:
        street = streets[0]
    else:
        names = "、".join(_e(s.name) for s in streets)
        await turn.say(f"已有多个街道：{names}。请发送 /bind_street 街道名 指定本群属于哪个街道，"
                       f"例如 /bind_street {_e(streets[0].name)}", script="simplified")
        return
    # Grids bound before the street had one are this street's: their urgent and overdue
    # tickets are whistled here.
    await session.execute(update(Grid).where(Grid.street_id.is_(None))
                          .values(street_id=street.id))
    group = await _group(turn)
    if group is None:
        session.add(GroupChat(chat_id=turn.event.chat_id, role="street", street_id=street.id,
                              title=turn.event.chat_title, bound_by=turn.event.sender.id,
                              bound_at=turn.now))
    else:
        group.role, group.grid_id, group.street_id = "street", None, street.id
        group.bound_by, group.bound_at = turn.event.sender.id, turn.now
    new = f"已新建街道“{_e(street.name)}”。" if created else ""
    await turn.say(f"{new}本群已设为{_e(street.name)}的吹哨群：紧急和超期工单会发到这里。",
                   script="simplified")


def _unknown_street(wanted: str, names: list[str]) -> str:
    listed = "、".join(_e(n) for n in names)
    nearest = process.extractOne(wanted, names, scorer=fuzz.ratio, score_cutoff=50)
    guess = f"您是否要绑定“{_e(nearest[0])}”？" if nearest else ""
    example = nearest[0] if nearest else names[0]
    return (f"没有名为“{_e(wanted)}”的街道，未绑定。{guess}已有街道：{listed}。"
            f"请发送 /bind_street {_e(example)}")


async def _unbind(turn: Turn, _args: str) -> None:
    if not _is_admin(turn):
        await turn.say(ONLY_ADMINS, script="simplified")
        return
    removed = await turn.session.execute(
        delete(GroupChat).where(GroupChat.chat_id == turn.event.chat_id))
    if getattr(removed, "rowcount", 0):
        await turn.say("已解除本群的绑定，新工单不会再发到这里。", script="simplified")
    else:
        await turn.say(NOT_BOUND, script="simplified")


async def _list(turn: Turn, _args: str) -> None:
    group = await _group(turn)
    if group is None:
        await turn.say(NOT_BOUND, script="simplified")
        return
    stmt = select(Ticket).where(Ticket.status.in_(OPEN_STATUSES))
    if group.role != "street":
        stmt = stmt.where(Ticket.grid_id == group.grid_id)
    rows = list((await turn.session.scalars(stmt.order_by(Ticket.resolve_by).limit(100))).all())
    if not rows:
        await turn.say("本网格没有未办结的工单。👍", script="simplified")
        return
    tz = str(turn.services.config.timezone)
    overdue = [t for t in rows if t.resolve_by <= turn.now]
    lines = [f"未办结工单 {len(rows)} 件，其中超期 {len(overdue)} 件："]
    for t in rows[:30]:
        mark = "⏰超期 " if t.resolve_by <= turn.now else ""
        urgent = "🔴" if t.urgent else ""
        lines.append(f"{mark}{urgent}#{t.number} {category_label(t.category)} · "
                     f"{quoted(t.location_text or '位置待确认', 16)} · "
                     f"{STATUS_LABELS[t.status]} · 时限 {local_time(t.resolve_by, tz)}")
    if len(rows) > 30:
        lines.append(f"……另有 {len(rows) - 30} 件")
    await turn.say("\n".join(lines), script="simplified")


def _split_number(args: str) -> tuple[int | None, str]:
    head, _, rest = args.strip().partition(" ")
    digits = head.lstrip("#＃")
    return (int(digits) if digits.isdigit() and len(digits) < 10 else None), rest.strip()


async def _numbered(turn: Turn, args: str, usage: str) -> tuple[Ticket, str] | None:
    number, rest = _split_number(args)
    if number is None:
        await turn.say(f"用法：{usage}", script="simplified")
        return None
    return await _ticket_here(turn, number), rest


async def _show(turn: Turn, args: str) -> None:
    found = await _numbered(turn, args, "/t 工单号")
    if found is None:
        return
    ticket = found[0]
    tz = str(turn.services.config.timezone)
    lines = [f"<b>工单 #{ticket.number}</b> {category_label(ticket.category)} · "
             f"{STATUS_LABELS[ticket.status]}",
             f"位置：{_e(ticket.location_text) or '位置待确认'}",
             f"内容：{_e(mask_personal(ticket.text[:500]))}",
             f"受理：{local_time(ticket.created_at, tz)} · "
             f"时限：{local_time(ticket.resolve_by, tz)}"]
    for event in (await tickets.history(turn.session, ticket.id))[-8:]:
        what = (STATUS_LABELS.get(event.to_status, event.to_status) if event.to_status
                else EVENT_LABELS.get(event.kind, event.kind))
        note = f"：{_e(mask_personal(event.note[:80]))}" if event.note else ""
        lines.append(f"  {local_time(event.at, tz)} {what}{note}")
    await turn.say("\n".join(lines), ticket_id=ticket.id, purpose="notice",
                   script="simplified")


async def _claim(turn: Turn, args: str) -> None:
    found = await _numbered(turn, args, "/claim 工单号")
    if found is not None:
        await tickets.claim(turn.session, found[0].number or 0, actor=turn.person, now=turn.now,
                            rules=turn.services.config.rules)


async def _note(turn: Turn, args: str) -> None:
    found = await _numbered(turn, args, "/note 工单号 留言内容")
    if found is None:
        return
    ticket, text = found
    if not text:
        await turn.say("请在工单号后写上留言内容。", script="simplified")
        return
    await _relay_to_residents(turn, ticket, text[:1000], [])


async def _done(turn: Turn, args: str) -> None:
    found = await _numbered(turn, args, "/done 工单号 处理结果")
    if found is not None:
        await _resolve(turn, found[0].number or 0, note=found[1])


async def _reject(turn: Turn, args: str) -> None:
    found = await _numbered(turn, args, "/reject 工单号 原因")
    if found is None:
        return
    if not found[1]:
        await turn.say("退回需要写明原因，例如 /reject 42 非本辖区", script="simplified")
        return
    await tickets.reject(turn.session, found[0].number or 0, actor=turn.person,
                         reason=found[1][:500], now=turn.now, rules=turn.services.config.rules)


async def _recat(turn: Turn, args: str) -> None:
    """Recategorise; stored as a correction event that lexicon maintenance can read."""
    found = await _numbered(turn, args, "/recat 工单号 类别（如 noise 或 噪音扰民）")
    if found is None:
        return
    ticket, wanted = found
    by_label = {label: key for key, label in CATEGORIES.items()}
    category = wanted if wanted in CATEGORIES else by_label.get(wanted)
    if category is None:
        choices = "、".join(f"{k}({v})" for k, v in CATEGORIES.items())
        await turn.say(f"没有这个类别。可选：{choices}", script="simplified")
        return
    if category == ticket.category:
        await turn.say(f"工单 #{ticket.number} 已是{CATEGORIES[category]}。", script="simplified")
        return
    turn.session.add(TicketEvent(ticket_id=ticket.id, actor_id=turn.person.id,
                                 kind="recategorised", note=ticket.text[:500],
                                 data={"from": ticket.category, "to": category}, at=turn.now))
    ticket.category = category
    ticket.updated_at = turn.now
    await tickets.refresh_cards(turn.session, ticket, turn.now, turn.services.config.rules)
    await turn.say(f"工单 #{ticket.number} 已改为{CATEGORIES[category]}，已记录用于改进分类。",
                   script="simplified")


async def _merge(turn: Turn, args: str) -> None:
    parts = args.replace("#", " ").split()
    if len(parts) != 2 or not all(p.isdigit() and len(p) < 10 for p in parts):
        await turn.say("用法：/merge 43 42（把 #43 并入 #42）", script="simplified")
        return
    source, target = int(parts[0]), int(parts[1])
    ticket = await _ticket_here(turn, source)
    into = await _ticket_here(turn, target)
    if source != target and ticket.category != into.category:
        await _confirm_merge(turn, ticket, into)
        return
    await tickets.mark_duplicate(turn.session, source, of=target, now=turn.now,
                                 actor=turn.person, rules=turn.services.config.rules)
    await turn.say(f"已将工单 #{source} 并入 #{target}。", script="simplified")


async def _confirm_merge(turn: Turn, ticket: Ticket, into: Ticket) -> None:
    """Two categories are most likely a mistyped number: a merge tells the residents at once,
    so staff confirm it with the hint's 并入 button (`_merge_hinted`), which then merges it
    with the same checks and takes the button off this message."""
    tickets.check(ticket, "mark_duplicate")
    _check_merge_target(ticket, into)
    await turn.say(
        f"工单 #{ticket.number}（{category_label(ticket.category)}）与工单 #{into.number}"
        f"（{category_label(into.category)}）类别不同，确定是同一问题吗？"
        f"确认请点下方按钮，否则不用理会。",
        keyboard=inline([(f"确认并入 #{into.number}", f"mg:{ticket.number}:{into.number}")]),
        ticket_id=ticket.id, purpose="hint", script="simplified")


def _check_merge_target(ticket: Ticket, into: Ticket) -> None:
    if into.status not in OPEN_STATUSES:
        raise tickets.TicketError(f"工单 #{into.number} {STATUS_LABELS[into.status]}，不能再并入；"
                                  f"请直接处理工单 #{ticket.number}")


async def _merge_hinted(turn: Turn, ticket: Ticket, target: int | None) -> Handled:
    """The hint's 并入 button (handlers.resident._suggest_merge): only into a ticket still being
    handled (a report merged into one already done would be heard of no more); once pressed,
    the hint says what was done and loses its button, so an old hint merges nothing later."""
    if target is None:
        return Handled(EXPIRED)
    into = await _ticket_here(turn, target)
    _check_merge_target(ticket, into)
    await tickets.mark_duplicate(turn.session, ticket.number, of=target, now=turn.now,
                                 actor=turn.person, rules=turn.services.config.rules)
    await outbox.enqueue(
        turn.session, chat_id=turn.event.chat_id, method="editMessageText",
        payload={"text": f"工单 #{ticket.number} 已并入工单 #{target}。", "parse_mode": "HTML"},
        ticket_id=ticket.id, edit_purpose="hint", now=turn.now)
    return Handled(f"已将 #{ticket.number} 并入 #{target}")


async def _stats(turn: Turn, args: str) -> None:
    from handlers import stats

    group = await _group(turn)
    if group is None:
        await turn.say(NOT_BOUND, script="simplified")
        return
    period = args.strip() or "today"
    days = {"today": 0, "week": 7, "month": 30}.get(period)
    if days is None:
        await turn.say("用法：/stats today|week|month", script="simplified")
        return
    tz = turn.services.config.timezone
    local_midnight = turn.now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    since = (local_midnight - timedelta(days=days)).astimezone(turn.now.tzinfo)
    report = await stats.ticket_stats(
        turn.session, since=since, now=turn.now,
        grid_id=group.grid_id if group.role == "grid" else None)
    await turn.say(stats.format_report(report, str(tz)), script="simplified")
