"""A resident's private chat with the bot: from a message to a rated, closed ticket (issue 5).

Few turns: a confident report with a place becomes a ticket at once; otherwise the bot asks one
question at a time (which category, where) and remembers the answers in the conversation state,
so a photo before or after the text, a button press or a shared location complete the same
report. Every reply is short, polite, in the resident's script, and names the ticket (#42).
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, select

from handlers import points, tickets, wishes, workers
from handlers.app import Handled, Services
from handlers.conversation import IDLE, State
from handlers.dedup import SUGGEST, THRESHOLD, Candidate, NewReport
from handlers.events import Incoming
from handlers.events import Person as EventPerson
from handlers.keyboards import Callback, inline, parse_callback
from handlers.notify import category_label, local_time, mask_personal, quoted, status_label
from handlers.routing import route
from handlers.texts import escape as _e
from handlers.texts import localize
from handlers.turn import Turn
from intents.model import CATEGORIES, Classification
from storage import core
from storage.models import (
    OPEN_STATUSES,
    RATING_LABELS,
    STATUS_LABELS,
    Attachment,
    HeldReport,
    Person,
    Ticket,
    TicketEvent,
    TicketReporter,
)

log = logging.getLogger(__name__)

DRAFT = "draft"
RATING_NOTE = "rating_note"

DRAFT_TTL = timedelta(minutes=30)  # an unanswered question is forgotten after this
PHOTO_JOINS = timedelta(minutes=10)  # a photo this soon after a report joins its ticket
RATE_WINDOW = timedelta(minutes=1)
RATE_LIMIT = 20  # messages a minute before the bot asks the sender to slow down
MAX_NEW_TICKETS = 5  # new tickets an hour from one resident; more are held, saying so
MAX_HELD = 5  # reports held for later at once (`_hold`); past that they are refused, saying so
HOUR = 1  # the window of MAX_NEW_TICKETS, in hours
HOLD_MARGIN = timedelta(minutes=1)  # a held report is opened this long after the hour allows
HELD_BATCH = 200  # held reports opened per scheduler tick; the rest wait for the next
HELD_QUOTE = 60  # characters of a held report quoted when it is opened
MAX_NEW_WORKER_TICKETS = 30  # riders report as they pass; the daily points cap limits gaming
MAX_TEXT = 4000  # characters of a report kept on the ticket
UNSURE_BELOW = 0.4  # report confidence under which the resident picks the category
STRONG_EVIDENCE = 3.0  # lexicon points of one strong cue: a second problem really named
CLOSE_RUNNER_UP = 0.75  # a runner-up with this share of the winner's score is "close"
COMMON_CATEGORIES = ("sanitation", "road", "noise", "property", "safety", "traffic")

WELCOME = (
    "您好！我是社区网格智能受理助手。\n"
    "小区里遇到的问题，比如垃圾没人清、路灯不亮、噪音扰民、电梯故障、充电桩坏了，"
    "直接发文字告诉我，可以附上照片和位置，我会建工单转给网格员处理，并随时告诉您进展。\n"
    "您的电话号码不会向其他人显示。"
)
HELP = (
    "使用方法：\n"
    "1. 直接用文字描述问题和位置，例如“龙泉小区3号楼楼道灯坏了”，可以附照片或发送位置；\n"
    "2. 发送 /my 查看我的工单，/my 42 查看工单 #42 详情；\n"
    "3. 回复工单消息可以补充情况；\n"
    "4. 发送 /address 查看或修改常用地址；发送“撤回”可撤回尚未受理的工单；\n"
    "5. /wish 内容 许一个微心愿；/volunteer 报名志愿者；/join 邀请码 成为流动网格员；\n"
    "   /points 我的积分，/rank 本月排行，/shop 积分超市，/redeem 商品 兑换。\n"
    "如遇火灾、有人受伤等紧急情况，请先拨打 110 / 119 / 120。"
)
GREETING = "您好！请问遇到了什么问题？直接描述问题和位置就可以，我来帮您转给网格员。"
THANKS = "不客气，有问题随时找我们！"
NOTHING_TO_READ = "您好，我没能看懂这条消息。请用文字描述遇到的问题，例如“3号楼楼道灯坏了”。"
ASK_LOCATION = (
    "请告诉我具体位置，例如“龙泉小区3号楼”。也可以点输入框旁的📎发送位置。"
)
ASK_LOCATION_AGAIN = "请告诉我问题所在的小区、楼栋或路名，例如“龙泉小区3号楼”；不方便的话点“跳过”。"
ASK_WHAT = "请具体说说遇到了什么问题、在哪里，例如“龙泉小区3号楼楼道灯坏了”。"
CHINESE_ONLY = (
    "您好，目前只能识别中文。请用中文描述遇到的问题和位置，例如“3号楼楼道灯坏了”。\n"
    "Sorry, only Chinese messages can be handled for now."
)
ASK_CATEGORY = "为了转给对的人，请选择最接近的问题类别："
ASK_DESCRIPTION = "收到照片。请用一句话描述一下问题，例如“楼道里堆满杂物”。"
SLOW_DOWN = "您发送得有点快，请稍等一分钟。这一分钟里多出的消息暂未处理，稍后请重新发送。"
EXPIRED = "这个按钮已失效，请重新发送您的问题。"
NOT_FOR_PRIVATE = "该命令请在网格工作群中使用。"
ODD_KINDS = {
    "voice": "暂时无法识别语音，请用文字描述问题。",
    "audio": "暂时无法识别语音，请用文字描述问题。",
    "video_note": "暂时无法识别语音，请用文字描述问题。",
    "video": "暂不支持视频，请发送照片并用文字描述问题。",
    "document": "暂不支持文件，请发送照片或用文字描述问题。",
    "sticker": "收到您的表情😊 如需反映问题，请直接用文字描述，也可以附上照片。",
    "poll": "暂不支持投票消息，请用文字描述问题。",
    "other": "暂不支持这类消息，请用文字描述问题，也可以附上照片。",
}
_HAN = re.compile(r"[\u4e00-\u9fff]")
VAGUE_BELOW = 8  # Han characters: a shorter message naming no problem is asked what it is
_DONT_KNOW = re.compile(r"不知道|不清楚|不确定|说不清|不记得了?")
_PLACE_WORDS = re.compile(r"\d|[一二三四五六七八九十]+[号栋楼幢单层室]|小区|社区|花园|家园|新村|路|街|巷|"
                          r"楼|栋|门口|附近|旁边|对面|广场|公园|学校|超市|市场")
_SIDE_WORDS = re.compile(r"旁边|边上|门口|口|对面|附近|楼下|楼上|那里|这里|那边|这边|里面|外面|的")
TOLD_AT_LEAST = 5  # characters besides the place that make words a report of their own
_NOT_FIXED = re.compile(r"没(?:有)?修好|还没修|没(?:有)?解决|还是(?:坏|不行|没|老样子)|又坏了|还没好|"
                        r"根本没(?:有)?(?:修|处理|来)|没(?:有)?人来(?:修|处理)")
_TICKET_NUMBER = re.compile(r"[#＃]\s*(\d{1,9})|(\d{1,9})\s*号?工单|工单\s*(\d{1,9})")
GROUP_COMMANDS = {"bind", "bind_street", "unbind", "list", "t", "claim", "note", "done",
                  "reject", "recat", "stats", "merge", "unmerge", "invite"}
# Workers, volunteers, wishes and points (issue 8): their commands and buttons.
COMMUNITY_COMMANDS = {**workers.PRIVATE_COMMANDS, **wishes.PRIVATE_COMMANDS,
                      **points.PRIVATE_COMMANDS}
COMMUNITY_BUTTONS = {**workers.PRIVATE_BUTTONS, **wishes.PRIVATE_BUTTONS,
                     **points.PRIVATE_BUTTONS}


async def on_private(turn: Turn) -> Handled:
    """Every update of a resident's private chat ends here."""
    event = turn.event
    if event.kind == "callback":
        return await _on_button(turn)
    if _over_limit(turn):
        if _first_time_over(turn):
            await turn.say(SLOW_DOWN)
        return Handled()
    command = event.command
    if command is not None:
        await _on_command(turn, *command)
        return Handled()
    if event.edited:
        await turn.say("已收到您修改后的消息。如需补充工单信息，请直接回复该工单的通知消息。")
        return Handled()
    if event.reply_to_message_id is not None and event.kind in ("text", "photo"):
        ticket = await tickets.ticket_for_message(turn.session, event.chat_id,
                                                  event.reply_to_message_id)
        if ticket is not None:
            await _add_information(turn, ticket, event.text, list(event.photos))
            return Handled()
    if event.kind == "text":
        await _on_text(turn, event.text or "")
    elif event.kind == "photo":
        await _on_photo(turn)
    elif event.kind == "location":
        await _on_location(turn)
    elif event.kind == "contact":
        await _on_contact(turn)
    else:
        await turn.say(ODD_KINDS.get(event.kind, ODD_KINDS["other"]))
    return Handled()


# ---------------------------------------------------------------------------------------------
# Pace


def _over_limit(turn: Turn) -> bool:
    """More than RATE_LIMIT messages a minute: nothing is done with the rest of that minute's
    messages, so a flood opens no tickets in the group; the sender is told once."""
    rate = turn.state.data.get("rate") or {}
    start = _parse_time(rate.get("start"))
    if start is None or turn.now - start >= RATE_WINDOW:
        turn.state.data["rate"] = {"start": turn.now.isoformat(), "count": 1}
        return False
    rate["count"] = int(rate.get("count", 0)) + 1
    turn.state.data["rate"] = rate
    return rate["count"] > RATE_LIMIT


def _first_time_over(turn: Turn) -> bool:
    rate = turn.state.data["rate"]
    warned = bool(rate.get("warned"))
    rate["warned"] = True
    return not warned


# ---------------------------------------------------------------------------------------------
# Commands and words


async def _on_command(turn: Turn, name: str, args: str) -> None:
    if name == "start":
        _forget_draft(turn)
        await turn.say(WELCOME, keyboard=_menu())
    elif name == "help":
        await turn.say(HELP, keyboard=_menu())
    elif name in ("my", "tickets"):
        number = _number(args)
        if number is not None:
            await _show_ticket(turn, number)
        else:
            await _list_tickets(turn)
    elif name == "cancel":
        await _cancel(turn)
    elif name == "address":
        await _address(turn, args)
    elif name == "report":
        await turn.say("请直接发送文字描述问题和位置，可以附上照片。例如：3号楼楼道灯坏了。")
    elif name in COMMUNITY_COMMANDS:
        await COMMUNITY_COMMANDS[name](turn, args)
    elif name in GROUP_COMMANDS:
        await turn.say(NOT_FOR_PRIVATE)
    else:
        await turn.say("抱歉，没有这个命令。\n" + HELP, keyboard=_menu())


def _menu() -> dict[str, Any]:
    return inline([("我要反映", "m:report"), ("我的工单", "m:my"), ("使用帮助", "m:help")])


def _number(text: str | None) -> int | None:
    digits = (text or "").strip().lstrip("#＃").strip()
    return int(digits) if digits.isdigit() and 0 < len(digits) < 10 else None


async def _on_text(turn: Turn, text: str) -> None:
    classifier = turn.services.classifier
    result = classifier.classify(text)
    _remember_script(turn, text, result)
    state = _live_state(turn)
    if state.name == RATING_NOTE and result.intent not in ("cancel",):
        number = int(state.data["ticket"])
        ticket = await tickets.get_ticket(turn.session, number)
        if ticket is not None and ticket.status == "resolved":
            if dict(result.scores).get(ticket.category, 0) >= STRONG_EVIDENCE or not \
                    _another_problem(result, text, {ticket.category}, ticket.location_text):
                await _reopen_with_note(turn, number, text)
                return
            await _reopen_with_note(turn, number, None)  # 不满意 stands; the words are new
        _forget_draft(turn)  # rated or closed meanwhile: the words are read as any message
    if state.name == DRAFT:
        draft = state.data["draft"]
        if result.intent == "cancel":
            _forget_draft(turn)
            await turn.say("好的，已取消本次反映。如有需要随时再告诉我。")
            return
        if draft["awaiting"] in ("location", "category") and _strong(draft) and _another_problem(
                result, text, {c for c, _ in draft.get("scores") or []} | {draft["category"]},
                draft["location"]):
            # a new problem instead of the answer: the waiting report is filed as it stands
            # (its place or category for staff to confirm), then the new one is taken
            draft["location_skipped"] = True
            draft["choice"] = draft["choice"] or draft["category"]
            await _advance(turn, draft)
            await _start_report(turn, text, result, photos=[])
            return
        if draft["awaiting"] == "location":
            await _answer_location(turn, draft, text, result)
            return
        # A description after a photo or a vague first message, or more words instead of a
        # category button: one report, decided again on everything said.
        combined = f"{draft['text']}\n{text}".strip()[:MAX_TEXT]
        draft.update(_report_fields(classifier.classify(combined), combined))
        await _advance(turn, draft)
        return
    if await _typed_rating(turn, result.normalized):
        return
    if result.intent == "unknown":
        await turn.say(NOTHING_TO_READ)
    elif not _HAN.search(text):
        await turn.say(CHINESE_ONLY)
    elif await _not_fixed(turn, text):
        return
    elif result.intent == "greeting":
        await turn.say(GREETING, keyboard=_menu())
    elif result.intent == "thanks":
        await turn.say(THANKS)
    elif result.intent == "help":
        await turn.say(HELP, keyboard=_menu())
    elif result.intent == "status_query":
        number = _mentioned_number(text)
        if number is not None:
            await _show_ticket(turn, number)
        else:
            await _list_tickets(turn, about=result.scores[0][0] if result.scores else None)
    elif result.intent == "cancel":
        await _cancel(turn)
    elif not result.scores and len(_HAN.findall(text)) < VAGUE_BELOW:
        await _ask_what(turn, text, result)
    else:
        await _start_report(turn, text, result, photos=[])


def _strong(draft: dict[str, Any]) -> bool:
    """The waiting report names its problem on its own (a vague one is explained next)."""
    scores = draft.get("scores") or []
    return bool(scores) and scores[0][1] >= STRONG_EVIDENCE


def _another_problem(result: Classification, text: str, categories: set[str],
                     place: str | None) -> bool:
    """Words sent while a question waits (where? which category? what is still wrong?) that are
    a report of their own: a strong word of a kind the waiting report is not (or of its kind at
    another place), said with more than a place around it (3号楼电梯口旁边 answers where)."""
    if result.intent != "report" or not result.scores or result.category is None:
        return False
    if result.scores[0][1] < STRONG_EVIDENCE:
        return False
    told = text
    for found in result.locations:
        told = told.replace(found.text, "")
    if len(_HAN.findall(_SIDE_WORDS.sub("", told))) < TOLD_AT_LEAST:
        return False
    if result.category not in categories:
        return True
    return bool(result.location and place and result.location not in place
                and place not in result.location)


async def _answer_location(
    turn: Turn, draft: dict[str, Any], text: str, result: Classification
) -> None:
    """The answer to 请告诉我具体位置: a place is remembered as the default address; 好的 or 嗯
    is not a place, and 不知道 is as good as 跳过."""
    answer = text.strip()
    if _DONT_KNOW.fullmatch(answer):
        draft["location_skipped"] = True
    elif result.location or _PLACE_WORDS.search(answer) or (
        len(_HAN.findall(answer)) >= 4 and result.intent == "report"
    ):
        draft["location"] = answer[:200]
        turn.person.default_address = draft["location"]
        turn.person.updated_at = turn.now
    else:
        await turn.say(ASK_LOCATION_AGAIN,
                       keyboard=inline([("跳过", f"loc:{draft['id']}:skip")]))
        return
    await _advance(turn, draft)


async def _ask_what(turn: Turn, text: str, result: Classification) -> None:
    """A report with nothing in it to act on (可以派人来看一下吗, 我要投诉): ask what and where
    rather than offering categories for words that name no problem."""
    await _start_report(turn, text, result, photos=[], awaiting="description")
    await turn.say(ASK_WHAT)


async def _not_fixed(turn: Turn, text: str) -> bool:
    """还是没修好 typed instead of pressing 不满意: the resolved ticket is reopened with it."""
    if not _NOT_FIXED.search(text):
        return False
    mine = await tickets.tickets_of(turn.session, turn.person, limit=5)
    resolved = next((t for t in mine if t.status == "resolved"), None)
    if resolved is None or resolved.number is None:
        return False
    await _reopen_with_note(turn, resolved.number, text)
    return True


def _remember_script(turn: Turn, text: str, result: Classification) -> None:
    """Answer in the script the resident writes. Words that read the same in both scripts
    (好的, 谢谢) say nothing about it, so only a distinctly Simplified message switches a
    Traditional writer back. (Only a Traditional writer is checked: the check loads OpenCC's
    s2tw table, 42 MB, which a street of Simplified writers never needs.)"""
    if result.script == "traditional":
        turn.person.script = "traditional"
    elif turn.person.script == "traditional" and localize(text, "traditional") != text:
        turn.person.script = "simplified"


def _mentioned_number(text: str) -> int | None:
    found = _TICKET_NUMBER.search(text)
    if not found:
        return None
    return int(next(g for g in found.groups() if g))


# ---------------------------------------------------------------------------------------------
# Reporting


def _report_fields(result: Classification, text: str) -> dict[str, Any]:
    return {
        "text": text.strip()[:MAX_TEXT],
        "category": result.category or "other",
        "confidence": result.confidence,
        "scores": [list(cs) for cs in result.scores],
        "urgent": result.urgent,
        "location": result.location,
        "script": result.script,
    }


async def _start_report(
    turn: Turn, text: str, result: Classification, *, photos: list[str],
    awaiting: str | None = None,
) -> None:
    draft: dict[str, Any] = {
        "id": int(turn.state.data.get("next_draft", 1)),
        "photos": photos,
        "lat": None,
        "lon": None,
        "choice": None,
        "location_skipped": False,
        "awaiting": None,
        "at": turn.now.isoformat(),
    }
    turn.state.data["next_draft"] = draft["id"] + 1
    draft.update(_report_fields(result, text))
    if awaiting is not None:
        draft["awaiting"] = awaiting
        turn.state.name, turn.state.data["draft"] = DRAFT, draft
        return
    await _advance(turn, draft)


def _unsure(draft: dict[str, Any]) -> bool:
    if draft["category"] == "other" or draft["confidence"] < UNSURE_BELOW:
        return True
    scores = draft.get("scores") or []
    return len(scores) > 1 and scores[1][1] >= CLOSE_RUNNER_UP * scores[0][1]


async def _advance(turn: Turn, draft: dict[str, Any]) -> None:
    """Ask the next missing thing, or open the ticket when nothing is missing.

    Urgent reports never wait for an answer: the ticket opens at once and the place, if
    missing, is asked for afterwards.
    """
    turn.state.name, turn.state.data["draft"] = DRAFT, draft
    if draft["urgent"] or (workers.is_worker(turn.person) and draft["photos"]):
        await _open(turn, draft)  # a worker's photo report (随手拍) asks nothing more
        return
    if draft["choice"] is None and _unsure(draft):
        draft["awaiting"] = "category"
        await turn.say(ASK_CATEGORY, keyboard=_category_keyboard(draft))
        return
    if not _has_place(turn, draft) and not draft["location_skipped"]:
        draft["awaiting"] = "location"
        await turn.say(ASK_LOCATION, keyboard=inline([("跳过", f"loc:{draft['id']}:skip")]))
        return
    await _open(turn, draft)


def _has_place(turn: Turn, draft: dict[str, Any]) -> bool:
    return bool(draft["location"] or draft["lat"] is not None
                or turn.person.default_address or turn.person.default_lat is not None)


def _category_keyboard(draft: dict[str, Any]) -> dict[str, Any]:
    found = [c for c, _ in draft.get("scores") or [] if c in CATEGORIES and c != "other"][:3]
    if not found:
        found = list(COMMON_CATEGORIES)
    rows = [[(CATEGORIES[c], f"cat:{draft['id']}:{c}") for c in found[i:i + 3]]
            for i in range(0, len(found), 3)]
    rows.append([("其他", f"cat:{draft['id']}:other")])
    return inline(*rows)


async def _open(turn: Turn, draft: dict[str, Any], *, held: bool = False) -> None:
    """Route, look for the same problem already open, then open or follow. `held`: the
    scheduler opens a report that waited for the hourly limit (`submit_held`)."""
    session, person = turn.session, turn.person
    category = draft["choice"] or draft["category"]
    source = "worker" if workers.is_worker(person) else "resident"
    draft["text"] = draft["text"] or f"随手拍：{CATEGORIES.get(category, '其他')}"
    grid_rows, areas = await tickets.grids(session)
    lat, lon = draft["lat"], draft["lon"]
    remembered = person.default_address
    remembered_point = lat is None and not draft["location"] and person.default_lat is not None
    if remembered_point:
        lat, lon = person.default_lat, person.default_lon
    place_words = " ".join(filter(None, [draft["text"], draft["location"]]))
    way = route(place_words, latitude=lat, longitude=lon, remembered_address=remembered,
                grids=areas)
    grid = next((g for g in grid_rows if g.id == way.grid_id), None)
    location_text = draft["location"] or (remembered if way.source == "remembered" else None)
    if location_text is None and way.source == "text":
        location_text = way.place
    if location_text is None and lat is not None:
        location_text = f"共享位置 {lat:.5f},{lon:.5f}"
    _forget_draft(turn)
    rules = turn.services.config.rules
    nearest: tuple[Candidate, float] | None = None
    if not draft["urgent"] and grid is not None:
        nearest = await _nearest_problem(turn, draft["text"], location_text, category, grid.id)
        same = nearest[0] if nearest is not None and nearest[1] >= THRESHOLD else None
        if same is not None:
            report = {"text": draft["text"], "location": location_text, "lat": lat, "lon": lon,
                      "photos": list(draft["photos"])}
            ticket = await tickets.follow(session, same.number, person=person, now=turn.now,
                                          rules=rules, report=report)
            await _attach(turn, ticket, draft["photos"], purpose="report")
            return
    limit = _hourly_limit(person)
    if not draft["urgent"]:
        opened = await _opened_last_hour(turn)
        if len(opened) >= limit:
            await _hold(turn, draft, limit, opened, again=held)
            return
    ticket = await tickets.open_ticket(
        session, reporter=person, category=category, text=draft["text"], now=turn.now,
        urgent=bool(draft["urgent"]), confidence=draft["confidence"],
        location_text=location_text, lat=lat, lon=lon, grid=grid,
        location_confirmed=way.confirmed and grid is not None, photos=draft["photos"],
        script=person.script, rules=rules, source=source,
    )
    if source == "resident" and not draft["urgent"]:
        if way.source == "remembered" and not draft["location"] and remembered:
            await turn.say(f"工单 #{ticket.number} 的地点按您的常用地址记为：{_e(remembered)}。"
                           "如不对，请直接回复这条消息告诉我们具体位置。", ticket_id=ticket.id)
        elif remembered_point:
            await turn.say(f"工单 #{ticket.number} 的地点按您上次发送的位置记录。"
                           "如不对，请直接回复这条消息告诉我们具体位置。", ticket_id=ticket.id)
        elif location_text is None:
            await turn.say(f"工单 #{ticket.number} 还没有具体位置，网格员会与您确认；"
                           "也可以直接回复这条消息补充位置。", ticket_id=ticket.id)
    if nearest is not None and nearest[1] >= SUGGEST:
        await _suggest_merge(turn, ticket, nearest[0])
    if category == "suggestion" and source == "resident":
        await wishes.offer_for_ticket(turn, ticket)
    if draft["urgent"] and not (location_text or lat is not None):
        await turn.say(f"为尽快处置工单 #{ticket.number}，请直接回复这条消息告诉我们具体位置。",
                       ticket_id=ticket.id)
    others = [CATEGORIES[c] for c, score in draft.get("scores") or []
              if c != category and c in CATEGORIES and score >= STRONG_EVIDENCE]
    if others and source == "resident":
        await turn.say(f"工单 #{ticket.number} 记下的是{category_label(category)}问题。您还提到了"
                       f"{'、'.join(others[:3])}，如需分别处理，请再分开各发一条。",
                       ticket_id=ticket.id)


# Built once, run with parameters (storage.core): _open runs them on every report.
_OPENED_SINCE = (select(Ticket.created_at).select_from(TicketReporter)
                 .join(Ticket, Ticket.id == TicketReporter.ticket_id)
                 .where(TicketReporter.person_id == bindparam("person_id"),
                        TicketReporter.is_first, Ticket.created_at >= bindparam("since"),
                        Ticket.status != "duplicate")  # merged by staff: no new problem
                 .order_by(Ticket.created_at))
# Columns, not Ticket objects: up to 200 rows on every report (the number is the id).
_CANDIDATES = (
    select(Ticket.id, Ticket.category, Ticket.grid_id, Ticket.text,
           Ticket.location_text, Ticket.created_at, Ticket.status)
    .where(Ticket.grid_id == bindparam("grid_id"), Ticket.category == bindparam("category"),
           Ticket.status.in_(OPEN_STATUSES), Ticket.created_at >= bindparam("since"))
    .order_by(Ticket.created_at.desc()).limit(200)
)


def _hourly_limit(person: Person) -> int:
    return MAX_NEW_WORKER_TICKETS if person.role == "worker" else MAX_NEW_TICKETS


def _cut(text: str, limit: int) -> str:
    """A resident's own words quoted back to them, cut to `limit` characters."""
    return text if len(text) <= limit else text[:limit] + "…"


async def _opened_last_hour(turn: Turn) -> list[datetime]:
    """When the sender's new tickets of the last hour were opened, oldest first."""
    params = {"person_id": turn.person.id, "since": turn.now - timedelta(hours=HOUR)}
    return list((await core.execute(turn.session, _OPENED_SINCE, params)).scalars())


async def _hold(turn: Turn, draft: dict[str, Any], limit: int, opened: list[datetime], *,
                again: bool) -> None:
    """Past the hourly limit: keep the report and open it when the hour allows, rather than
    ask the resident to write it again. `again`: a held report still over the limit (more
    were opened meanwhile) waits once more, without a second notice."""
    held = int(await turn.session.scalar(
        select(func.count()).select_from(HeldReport)
        .where(HeldReport.person_id == turn.person.id)) or 0)
    if held >= MAX_HELD and not again:
        await turn.say(f"您这一小时已反映了 {limit} 个问题，另有 {held} 条已保存、稍后自动提交。"
                       "这条暂未保存，请稍后再发送；如是已有工单的新情况，请直接回复那条工单消息。")
        return
    # The held report can open once enough of the hour's tickets have left the window, one
    # more for each report held before it (they open first).
    leaving = len(opened) - limit + min(held, MAX_HELD)
    due = (opened[leaving] + timedelta(hours=HOUR) if 0 <= leaving < len(opened)
           else turn.now + timedelta(hours=HOUR)) + HOLD_MARGIN
    report = {key: value for key, value in draft.items() if key != "awaiting"}
    turn.session.add(HeldReport(person_id=turn.person.id, chat_id=turn.event.chat_id,
                                draft=report, created_at=turn.now, due_at=max(due, turn.now)))
    if not again:
        at = local_time(due, turn.services.config.rules.timezone)[-5:]
        await turn.say(f"您这一小时已反映了 {limit} 个问题，我们正在逐一处理。这条已为您保存，"
                       f"将于 {at} 左右自动提交为工单，无需重发。")


async def submit_held(services: Services, now: datetime) -> int:
    """Open the held reports whose hour has come (the scheduler calls this); each in a
    transaction of its own, taken by one process only. Returns how many were opened."""
    async with services.sessionmaker() as session:
        ids = list((await session.scalars(
            select(HeldReport.id).where(HeldReport.due_at <= now)
            .order_by(HeldReport.due_at, HeldReport.id).limit(HELD_BATCH))).all())
    done = 0
    for held_id in ids:
        try:
            opened = await _submit_one(services, held_id, now)
        except Exception:  # one report that cannot be opened must not keep the others waiting
            log.exception("held report %s could not be opened; it stays held", held_id)
            continue
        if opened:
            done += 1
            services.wake_outbox()
    return done


async def _submit_one(services: Services, held_id: int, now: datetime) -> bool:
    async with services.sessionmaker() as session, session.begin():
        row = (await session.execute(
            delete(HeldReport).where(HeldReport.id == held_id)
            .returning(HeldReport.person_id, HeldReport.chat_id, HeldReport.draft))).first()
        if row is None:
            return False  # another process took it
        person = await session.get(Person, row.person_id)
        if person is None:
            return False
        sender = EventPerson(id=person.telegram_id, name=person.display_name)
        event = Incoming(update_id=0, chat_id=row.chat_id, chat_type="private",
                         sender=sender, kind="text", at=now, text=row.draft.get("text"))
        turn = Turn(session, services, event, person, now, State())
        draft = dict(row.draft)
        limit = _hourly_limit(person)
        opened = await _opened_last_hour(turn)
        if not draft.get("urgent") and len(opened) >= limit:
            # more were opened meanwhile (an urgent report counts): it waits for the next
            # free place, without telling the resident it was filed
            await _hold(turn, draft, limit, opened, again=True)
            return False
        words = _cut(str(row.draft.get("text") or ""), HELD_QUOTE)
        await turn.say(f"您之前保存的反映现在提交：{_e(words)}")  # their own words, to them
        await _open(turn, draft, held=True)
        return True


async def _nearest_problem(
    turn: Turn, text: str, location: str | None, category: str, grid_id: int
) -> tuple[Candidate, float] | None:
    """The open ticket the report most resembles, and how much (`DuplicateFinder.nearest`)."""
    finder = turn.services.duplicates
    if finder is None:
        return None
    rows = await core.execute(
        turn.session, _CANDIDATES,
        {"grid_id": grid_id, "category": category, "since": turn.now - timedelta(days=7)})
    candidates = [Candidate(row[0], *row) for row in rows]
    return finder.nearest(NewReport(text, location, category, grid_id), candidates, now=turn.now)


async def _suggest_merge(turn: Turn, ticket: Ticket, like: Candidate) -> None:
    """Not sure enough to join the report to `like`: ask the groups that see the new card, as a
    reply to it, with a button that merges it (`mg:`, handlers.staff)."""
    words = quoted(like.text, 60)
    for chat_id in await tickets.grid_groups(turn.session, ticket.grid_id):
        await turn.say(
            f"工单 #{ticket.number} 疑似与工单 #{like.number} 为同一问题。\n"
            f"#{like.number}：{words}\n如确认，请点“并入 #{like.number}”；不是则无需处理。",
            keyboard=inline([(f"并入 #{like.number}", f"mg:{ticket.number}:{like.number}")]),
            chat_id=chat_id, ticket_id=ticket.id, purpose="hint", reply_to_purpose="card",
            script="simplified")


async def _ask_what_is_wrong(turn: Turn, ticket: Ticket) -> None:
    """不满意: the next words are what is still wrong (RATING_NOTE), or a button reopens as is."""
    number = ticket.number
    turn.state.name = RATING_NOTE
    turn.state.data["draft"] = {"at": turn.now.isoformat()}
    turn.state.data["ticket"] = number
    await turn.say(f"很抱歉没能让您满意。请简单说说工单 #{number} 哪里还没解决，"
                   "我们会重新处理。",
                   keyboard=inline([("不说了，直接重新处理", f"rn:{number}")]),
                   ticket_id=ticket.id)


_TYPED_RATINGS = {"满意": 3, "很满意": 3, "非常满意": 3, "挺满意": 3, "基本满意": 2, "还行": 2,
                  "还可以": 2, "一般": 2, "不满意": 1, "很不满意": 1, "非常不满意": 1}
_RATING_WORDS = re.compile(r"^\s*(?P<word>(?:很|非常|挺)?(?:不)?满意|基本满意|还行|还可以|一般)"
                           r"(?:了|的|吧)?\s*[。！!，,~～.]*\s*$")


async def _typed_rating(turn: Turn, normalized: str) -> bool:
    """满意 / 基本满意 / 不满意 typed instead of pressed: the newest ticket of the resident's
    that waits for a rating is rated as the button would."""
    said = _RATING_WORDS.match(normalized)
    if said is None or said.group("word") not in _TYPED_RATINGS:
        return False
    mine = await tickets.tickets_of(turn.session, turn.person, limit=5)
    waiting = next((t for t in mine if t.status == "resolved"), None)
    if waiting is None or waiting.number is None:
        return False
    score = _TYPED_RATINGS[said.group("word")]
    if score == 1:
        await _ask_what_is_wrong(turn, waiting)
        return True
    await tickets.rate(turn.session, waiting.number, actor=turn.person, score=score,
                       now=turn.now, rules=turn.services.config.rules)
    await turn.say(f"感谢您的评价！工单 #{waiting.number}：{RATING_LABELS[score]}。",
                   ticket_id=waiting.id)
    return True


def _forget_draft(turn: Turn) -> None:
    turn.state.name = IDLE
    turn.state.data.pop("draft", None)
    turn.state.data.pop("ticket", None)


def _live_state(turn: Turn) -> State:
    """The state, with a question nobody answered for DRAFT_TTL forgotten."""
    state = turn.state
    if state.name != IDLE:
        draft = state.data.get("draft") or state.data
        at = _parse_time(draft.get("at"))
        if at is None or turn.now - at > DRAFT_TTL:
            _forget_draft(turn)
    return state


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# Photos, places, contacts


async def _on_photo(turn: Turn) -> None:
    event = turn.event
    photos = list(event.photos)
    caption = (event.text or "").strip()
    state = _live_state(turn)
    if caption:
        result = turn.services.classifier.classify(caption)
        _remember_script(turn, caption, result)
        if state.name == DRAFT:
            draft = state.data["draft"]
            draft["photos"] = [*draft["photos"], *photos][:10]
            if draft["awaiting"] == "description":
                draft.update(_report_fields(result, caption))
                await _advance(turn, draft)
                return
        await _start_report(turn, caption, result, photos=photos)
        return
    if state.name == DRAFT:
        draft = state.data["draft"]
        draft["photos"] = [*draft["photos"], *photos][:10]
        await turn.say(f"已收到照片（共 {len(draft['photos'])} 张），会和这次反映一起提交。")
        return
    recent = None if workers.is_worker(turn.person) else await _recent_ticket(turn)
    if recent is not None:
        await _add_information(turn, recent, None, photos)
        return
    draft = {
        "id": int(turn.state.data.get("next_draft", 1)), "photos": photos[:10], "lat": None,
        "lon": None, "choice": None, "location_skipped": False, "awaiting": "description",
        "at": turn.now.isoformat(), "text": "", "category": "other", "confidence": 0.0,
        "scores": [], "urgent": False, "location": None, "script": turn.person.script,
    }
    turn.state.data["next_draft"] = draft["id"] + 1
    turn.state.name, turn.state.data["draft"] = DRAFT, draft
    if workers.is_worker(turn.person):
        draft["awaiting"] = "category"
        await turn.say(workers.ASK_WHAT, keyboard=_category_keyboard(draft))
        return
    await turn.say(ASK_DESCRIPTION)


async def _recent_ticket(turn: Turn) -> Ticket | None:
    """The resident's ticket opened in the last few minutes, still open: a photo sent right
    after the text belongs to it."""
    mine = await tickets.tickets_of(turn.session, turn.person, limit=1)
    if mine and mine[0].status in OPEN_STATUSES and turn.now - mine[0].created_at <= PHOTO_JOINS:
        return mine[0]
    return None


async def _on_location(turn: Turn) -> None:
    event = turn.event
    person = turn.person
    person.default_lat, person.default_lon = event.latitude, event.longitude
    person.updated_at = turn.now
    state = _live_state(turn)
    if state.name == DRAFT:
        draft = state.data["draft"]
        draft["lat"], draft["lon"] = event.latitude, event.longitude
        await _advance(turn, draft)
        return
    if await workers.place_last_report(turn):
        return
    await turn.say("已记住您的位置，之后反映问题时会默认使用。请描述遇到的问题。")


async def _on_contact(turn: Turn) -> None:
    phone = (turn.event.contact_phone or "").strip()
    if not phone:
        await turn.say("没有读到电话号码，请重新分享联系方式。")
        return
    turn.person.phone = phone[:32]
    turn.person.updated_at = turn.now
    await turn.say("已记录您的联系电话，仅工作人员处理工单时使用，群内显示会隐藏中间几位。")


async def _address(turn: Turn, args: str) -> None:
    person = turn.person
    if args.strip():
        person.default_address = args.strip()[:200]
        person.updated_at = turn.now
        await turn.say(f"常用地址已改为：{_e(person.default_address)}")
    elif person.default_address:
        await turn.say(f"您的常用地址：{_e(person.default_address)}\n"
                       "修改请发送 /address 新地址，例如 /address 龙泉小区3号楼")
    else:
        await turn.say("还没有常用地址。设置请发送 /address 地址，例如 /address 龙泉小区3号楼")


# ---------------------------------------------------------------------------------------------
# Afterwards: listing, adding information, withdrawing, rating


async def _list_tickets(turn: Turn, *, about: str | None = None) -> None:
    """The resident's recent tickets; asked about one kind of problem (我上周报的路灯修了吗),
    that ticket in full when there is one, else the list with a word that none matched."""
    mine = await tickets.tickets_of(turn.session, turn.person, limit=10)
    held = await _held_lines(turn)
    if not mine:
        await turn.say("\n".join(held) if held else
                       "您还没有反映过问题。直接描述问题和位置，我来帮您建工单。")
        return
    lines = ["您最近的工单："]
    if about in CATEGORIES:
        matching = [t for t in mine if t.category == about]
        if len(matching) == 1 and matching[0].number is not None:
            await _show_ticket(turn, matching[0].number)
            return
        if matching:
            mine = matching
        else:
            lines = [f"没有找到您反映的{category_label(about or '')}问题。您最近的工单："]
    tz = str(turn.services.config.timezone)
    notes = await _last_notes(turn, [ticket.id for ticket in mine])
    for ticket in mine:
        lines.append(f"#{ticket.number} {category_label(ticket.category)} · "
                     f"{status_label(ticket.status, ticket.duplicate_of)} · "
                     f"{local_time(ticket.created_at, tz)}")
        note = notes.get(ticket.id)
        if note:
            lines.append(f"  最新进展：{_e(note)}")
    lines.append("查看详情请发送 /my 工单号，例如 /my " + str(mine[0].number))
    await turn.say("\n".join(lines + held))


async def _held_lines(turn: Turn) -> list[str]:
    """Reports kept past the hourly limit (`_hold`): not tickets yet, but the resident's."""
    rows = (await turn.session.execute(
        select(HeldReport.draft, HeldReport.due_at).where(HeldReport.person_id == turn.person.id)
        .order_by(HeldReport.due_at, HeldReport.id))).all()
    if not rows:
        return []
    tz = turn.services.config.rules.timezone
    lines = ["已保存、待自动提交的反映："]
    for draft, due in rows:
        words = _cut(str(draft.get("text") or ""), HELD_QUOTE)
        lines.append(f"· {_e(words)}（{local_time(due, tz)[-5:]} 左右提交）")
    return lines


# The latest note of each of the listed tickets, in one statement, built once.
_LAST_NOTES = (
    select(TicketEvent.ticket_id, TicketEvent.note)
    .where(TicketEvent.id.in_(
        select(func.max(TicketEvent.id))
        .where(TicketEvent.ticket_id.in_(bindparam("ticket_ids", expanding=True)),
               TicketEvent.note.is_not(None),
               TicketEvent.kind.not_in(("resident_info", "withdrawn", "merged", "unfollowed")))
        .group_by(TicketEvent.ticket_id)
        .scalar_subquery()))
)


async def _last_notes(turn: Turn, ticket_ids: list[int]) -> dict[int, str]:
    rows = await core.execute(turn.session, _LAST_NOTES, {"ticket_ids": ticket_ids})
    return {ticket_id: note[:100] for ticket_id, note in rows if note}


async def _reported_by(turn: Turn, ticket: Ticket) -> bool:
    """The sender reported or follows the ticket."""
    return await turn.session.get(TicketReporter, (ticket.id, turn.person.id)) is not None


async def _show_ticket(turn: Turn, number: int) -> None:
    ticket = await tickets.get_ticket(turn.session, number)
    if ticket is None or not await _reported_by(turn, ticket):
        await turn.say(f"没有找到您的工单 #{number}。发送 /my 查看您的全部工单。")
        return
    tz = str(turn.services.config.timezone)
    lines = [
        f"工单 #{ticket.number}（{category_label(ticket.category)}）",
        f"状态：{status_label(ticket.status, ticket.duplicate_of)}",
        f"位置：{_e(ticket.location_text) or '未提供'}",
        f"内容：{_e(ticket.text[:300])}",
        f"受理时间：{local_time(ticket.created_at, tz)}",
    ]
    if ticket.resolution_note:
        lines.append(f"处理结果：{_e(ticket.resolution_note)}")
    if ticket.reject_reason:
        lines.append(f"退回原因：{_e(ticket.reject_reason)}")
    events = await tickets.history(turn.session, ticket.id)
    shown = [e for e in events if e.to_status and e.to_status != e.from_status][-5:]
    if shown:
        lines.append("进展：")
        lines += [f"  {local_time(e.at, tz)} {STATUS_LABELS.get(e.to_status or '', '')}"
                  + (f"：{_e(e.note[:80])}" if e.note else "") for e in shown]
    keyboard = None
    if ticket.status == "new":
        keyboard = inline([("撤回工单", f"w:{ticket.number}")])
    await turn.say("\n".join(lines), keyboard=keyboard, ticket_id=ticket.id)


async def _add_information(
    turn: Turn, ticket: Ticket, text: str | None, photos: list[str]
) -> None:
    """A reply to one of the bot's ticket messages: it reaches the group under the card."""
    session = turn.session
    if not await _reported_by(turn, ticket):
        await turn.say(f"工单 #{ticket.number} 不是您反映的，无法补充。")
        return
    if ticket.status not in (*OPEN_STATUSES, "resolved"):
        await turn.say(f"工单 #{ticket.number} {STATUS_LABELS[ticket.status]}，"
                       "如问题仍在，请重新描述，我会建新工单。")
        return
    text = (text or "").strip()[:MAX_TEXT]
    session.add(TicketEvent(ticket_id=ticket.id, actor_id=turn.person.id, kind="resident_info",
                            note=text or None, data={"photos": photos} if photos else None,
                            at=turn.now))
    await _attach(turn, ticket, photos, purpose="reply", text=text)
    await turn.say(f"已补充到工单 #{ticket.number}，工作人员会看到。", ticket_id=ticket.id)


async def _attach(
    turn: Turn, ticket: Ticket, photos: list[str], *, purpose: str, text: str = ""
) -> None:
    """Store photos (and relay them and any words) to the ticket's group chats."""
    for file_id in photos:
        turn.session.add(Attachment(ticket_id=ticket.id, file_id=file_id, kind="photo",
                                    added_by=turn.person.id, purpose=purpose,
                                    created_at=turn.now))
    if not (photos or text):
        return
    chats = await tickets.card_chats(turn.session, ticket)
    words = f"工单 #{ticket.number} 居民补充：{_e(mask_personal(text))}" if text else (
        f"工单 #{ticket.number} 居民补充了照片")
    for chat_id in chats:
        if photos:
            await turn.send_photos(photos, words, chat_id=chat_id, ticket_id=ticket.id,
                                   reply_to_purpose="card")
        else:
            await turn.say(words, chat_id=chat_id, ticket_id=ticket.id, purpose="relay",
                           reply_to_purpose="card", script="simplified")


async def _cancel(turn: Turn) -> None:
    state = _live_state(turn)
    if state.name != IDLE:
        _forget_draft(turn)
        await turn.say("好的，已取消本次反映。如有需要随时再告诉我。")
        return
    mine = await tickets.tickets_of(turn.session, turn.person, limit=1)
    if not mine:
        await turn.say("您目前没有可以撤回的工单。")
        return
    ticket = mine[0]
    if ticket.status != "new":
        await turn.say(f"工单 #{ticket.number} {STATUS_LABELS[ticket.status]}，已无法撤回。"
                       "如问题已经解决，可以回复该工单的消息告诉工作人员。")
        return
    said = _cut(ticket.text, 30)
    await turn.say(
        f"确定撤回工单 #{ticket.number}（{category_label(ticket.category)}：{_e(said)}）吗？",
        keyboard=inline([("确认撤回", f"w:{ticket.number}"), ("不撤回", f"wn:{ticket.number}")]),
        ticket_id=ticket.id,
    )


async def _reopen_with_note(turn: Turn, number: int, note: str | None) -> None:
    _forget_draft(turn)
    try:
        await tickets.reopen(turn.session, number, actor=turn.person, now=turn.now,
                             note=(note or "").strip()[:500] or None,
                             rules=turn.services.config.rules)
    except tickets.TicketError as refusal:
        await turn.say(str(refusal))


# ---------------------------------------------------------------------------------------------
# Buttons


async def _on_button(turn: Turn) -> Handled:
    press = parse_callback(turn.event.callback_data)
    if press is None:
        return Handled(EXPIRED)
    return await _press(turn, press)


async def _press(turn: Turn, press: Callback) -> Handled:
    verb = press.verb
    if verb == "m":
        what = press.args[0] if press.args else ""
        if what == "my":
            await _list_tickets(turn)
        elif what == "report":
            await turn.say("请直接发送文字描述问题和位置，可以附上照片。例如：3号楼楼道灯坏了。")
        else:
            await turn.say(HELP)
        return Handled()
    if verb in ("cat", "loc"):
        state = _live_state(turn)
        draft = state.data.get("draft") if state.name == DRAFT else None
        if draft is None or press.number(0) != draft["id"]:
            return Handled(EXPIRED)
        if verb == "cat":
            choice = press.args[1] if len(press.args) > 1 else ""
            if choice not in CATEGORIES or draft["awaiting"] != "category":
                return Handled(EXPIRED)
            draft["choice"] = choice
            await _advance(turn, draft)
            return Handled(f"已选择：{CATEGORIES[choice]}")
        if draft["awaiting"] != "location":
            return Handled(EXPIRED)
        draft["location_skipped"] = True
        await _advance(turn, draft)
        return Handled("已跳过")
    if verb in COMMUNITY_BUTTONS:
        return await COMMUNITY_BUTTONS[verb](turn, press)
    number = press.number(0)
    if number is None:
        return Handled(EXPIRED)
    if verb == "w":
        await tickets.withdraw(turn.session, number, actor=turn.person, now=turn.now,
                               rules=turn.services.config.rules)
        return Handled(f"工单 #{number} 已撤回")
    if verb == "wn":
        await turn.say(f"好的，工单 #{number} 会继续处理。")
        return Handled()
    if verb == "rn":
        await _reopen_with_note(turn, number, None)
        return Handled()
    if verb == "t" and len(press.args) == 3 and press.args[1] == "rate":
        score = press.number(2)
        if score not in (1, 2, 3):
            return Handled(EXPIRED)
        if score == 1:
            ticket = await tickets.require_ticket(turn.session, number)
            reporters = await tickets.reporters(turn.session, ticket.id)
            if turn.person.id not in {p.id for p in reporters}:
                return Handled(f"工单 #{number} 不是您反映的，无法评价。", callback_alert=True)
            if ticket.status != "resolved":
                return Handled(f"工单 #{number} {STATUS_LABELS[ticket.status]}，无需评价",
                               callback_alert=True)
            await _ask_what_is_wrong(turn, ticket)
            return Handled()
        await tickets.rate(turn.session, number, actor=turn.person, score=score, now=turn.now,
                           rules=turn.services.config.rules)
        return Handled("感谢您的评价！")
    return Handled("该按钮请在网格工作群中使用。" if verb == "t" else EXPIRED)
