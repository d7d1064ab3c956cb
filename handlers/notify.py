"""What people read about a ticket: the group card, its buttons, and the residents' notices.

Everything here is pure text composition (HTML parse mode, user text escaped); `handlers.tickets`
puts the results into the outbox. Callback data of the card's buttons is `t:<number>:<action>`
(`t:42:claim`), and of the rating buttons `t:<number>:rate:<1..3>`: ids, never text, so it stays
far below Telegram's 64 bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from handlers.texts import escape as _e
from intents.model import CATEGORIES
from storage.models import RATING_LABELS, STATUS_LABELS

CARD_TEXT_LIMIT = 1000  # the resident's words on a card; Telegram allows 4096 for the message
CARD_ACTIONS: tuple[tuple[str, str], ...] = (
    ("claim", "接单"),
    ("start", "处理中"),
    ("resolve", "办结"),
    ("transfer", "转派"),
    ("reject", "退回"),
)
# Which card buttons make sense in each state (handlers.tickets decides what is allowed).
ACTIONS_BY_STATUS: dict[str, tuple[str, ...]] = {
    "new": ("claim", "start", "resolve", "transfer", "reject"),
    "claimed": ("start", "resolve", "transfer", "reject"),
    "in_progress": ("resolve", "transfer", "reject"),
}


def mask_name(name: str | None) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: enough for staff to tell reporters apart, no more."""
    name = (name or "").strip()
    if not name:
        return "居民"
    return name[0] + "*" * max(1, min(len(name) - 1, 3))


def mask_phone(phone: str | None) -> str | None:
    """13812341234 or +86 138-1234-1234 → 138****1234; short numbers show only the last two."""
    if not phone:
        return None
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 3:
        return "*" * (len(digits) - 2) + digits[-2:]
    return "****"


# Personal data residents write into their words, shown masked wherever staff groups read them.
_PHONE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
_LANDLINE_IN_TEXT = re.compile(r"(?<!\d)(0\d{2,3})[- ]?(\d{3,4})(\d{4})(?!\d)")
_ID_CARD_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_NAME_IN_TEXT = re.compile(r"(我叫|我的名字是|姓名[:：]?|联系人[:：]?)\s*([\u4e00-\u9fff])([\u4e00-\u9fff]{1,3})")


def mask_personal(text: str) -> str:
    """Phone, ID card numbers and self-introduced names in free text, masked like the
    reporter line (138****5678, 张*): a group chat is no place for them."""
    text = _ID_CARD_IN_TEXT.sub(lambda m: m.group(1) + "********" + m.group(2), text)
    text = _PHONE_IN_TEXT.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    text = _LANDLINE_IN_TEXT.sub(lambda m: f"{m.group(1)}-****{m.group(3)}", text)
    return _NAME_IN_TEXT.sub(lambda m: m.group(1) + m.group(2) + "*" * len(m.group(3)), text)


def quoted(text: str | None, limit: int) -> str:
    """People's words quoted in a group chat: personal data masked, then cut to `limit`
    characters (… when longer; masked first, so a cut never leaves part of a number bare),
    then escaped for HTML."""
    masked = mask_personal(text or "")
    return _e(masked if len(masked) <= limit else masked[:limit] + "…")


def format_duration(delta: timedelta) -> str:
    """15 分钟 / 2 小时 / 7 天 / 1 天 2 小时: how residents are told how long it takes."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} 天")
    if hours:
        parts.append(f"{hours} 小时")
    if mins or not parts:
        parts.append(f"{mins} 分钟")
    return " ".join(parts)


def local_time(at: datetime, tz: str) -> str:
    return at.astimezone(ZoneInfo(tz)).strftime("%m-%d %H:%M")


def status_label(status: str, duplicate_of: int | None = None) -> str:
    """已合并 says into which ticket: the reporter follows that one now."""
    label = STATUS_LABELS.get(status, status)
    return f"{label}（并入 #{duplicate_of}）" if status == "duplicate" and duplicate_of else label


def category_label(category: str) -> str:
    return CATEGORIES.get(category, category)


@dataclass(frozen=True)
class CardView:
    """What a card shows, gathered by handlers.tickets from the ticket and its relations."""

    number: int
    category: str
    urgent: bool
    status: str
    text: str
    created_at: datetime
    respond_by: datetime
    resolve_by: datetime
    location_text: str | None = None
    location_confirmed: bool = False
    grid_name: str | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    reporters: int = 1
    photos: int = 0
    source: str = "resident"
    assignee_name: str | None = None
    resolution_note: str | None = None
    reject_reason: str | None = None
    rating: int | None = None
    rating_note: str | None = None
    duplicate_of: int | None = None
    reopen_count: int = 0
    transferred_to: str | None = None  # set on the card in a grid that handed the ticket on


def card_text(view: CardView, tz: str = "Asia/Shanghai") -> str:
    """The group card (HTML). Reporter masked; times in `tz`."""
    head = f"{'🔴 紧急 · ' if view.urgent else ''}<b>工单 #{view.number}</b> · "
    head += _e(category_label(view.category))
    if view.source == "worker":
        head += " · 流动网格员随手拍"
    status = status_label(view.status, view.duplicate_of)
    if view.transferred_to:
        status = f"已转派至{_e(view.transferred_to)}"
    if view.reopen_count:
        status += f"（居民不满意，重办 {view.reopen_count} 次）"
    lines = [head, f"状态：{status}"]
    if view.grid_name:
        lines.append(f"网格：{_e(view.grid_name)}")
    if view.location_text:
        place = _e(view.location_text)
        lines.append(f"位置：{place}" + ("" if view.location_confirmed else "（待确认）"))
    else:
        lines.append("位置：位置待确认")
    lines.append(f"内容：{quoted(view.text, CARD_TEXT_LIMIT)}")
    who = mask_name(view.reporter_name)
    phone = mask_phone(view.reporter_phone)
    if phone:
        who += f" {phone}"
    lines.append(f"反映人：{_e(who)}")
    if view.reporters > 1:
        lines.append(f"+{view.reporters - 1} 位居民同样反映（共 {view.reporters} 人）")
    if view.photos:
        lines.append(f"照片：{view.photos} 张")
    lines.append(f"受理：{local_time(view.created_at, tz)}")
    lines.append(
        f"响应时限：{local_time(view.respond_by, tz)} · "
        f"办结时限：{local_time(view.resolve_by, tz)}"
    )
    if view.assignee_name:
        lines.append(f"承办：{_e(view.assignee_name)}")
    if view.resolution_note:
        lines.append(f"办结说明：{_e(view.resolution_note)}")
    if view.reject_reason:
        lines.append(f"退回原因：{_e(view.reject_reason)}")
    if view.rating:
        rating = f"评价：{RATING_LABELS[view.rating]}"
        if view.rating_note:
            rating += f"（{_e(view.rating_note)}）"
        lines.append(rating)
    return "\n".join(lines)


def card_keyboard(number: int, status: str, *, active: bool = True) -> dict[str, Any]:
    """Inline keyboard for the card in its state; no buttons once it is out of staff's hands."""
    actions = ACTIONS_BY_STATUS.get(status, ()) if active else ()
    buttons = [
        {"text": label, "callback_data": f"t:{number}:{action}"}
        for action, label in CARD_ACTIONS
        if action in actions
    ]
    rows = [buttons[:3], buttons[3:]] if len(buttons) > 3 else [buttons]
    return {"inline_keyboard": [row for row in rows if row]}


def rating_keyboard(number: int) -> dict[str, Any]:
    return {
        "inline_keyboard": [[
            {"text": RATING_LABELS[score], "callback_data": f"t:{number}:rate:{score}"}
            for score in (3, 2, 1)
        ]]
    }


def card_message(view: CardView, tz: str, *, active: bool = True) -> dict[str, Any]:
    """Bot API parameters (without chat_id) for sending or editing the card."""
    return {
        "text": card_text(view, tz),
        "parse_mode": "HTML",
        "reply_markup": card_keyboard(view.number, view.status, active=active),
    }


# Residents' notices: short, polite, always with the ticket number. Simplified; localised later.


def opened_notice(
    number: int, category: str, grid_name: str | None, respond_within: timedelta, *,
    urgent: bool = False, source: str = "resident",
) -> str:
    if source == "worker":
        return f"#{number} 已受理，核实后积分到账"
    where = f"已转交{_e(grid_name)}，" if grid_name else ""
    text = (
        f"已收到，工单 #{number}（{_e(category_label(category))}），{where}"
        f"预计 {format_duration(respond_within)}内响应。处理进展会第一时间告诉您。"
    )
    if urgent:
        text += "\n已按紧急情况处理。如有生命危险，请立即拨打 110 / 119 / 120。"
    return text


def claimed_notice(number: int) -> str:
    return f"您反映的问题（工单 #{number}）已有工作人员接单，正在安排处理。"


def started_notice(number: int) -> str:
    return f"您反映的问题（工单 #{number}）正在处理中，请耐心等待。"


def resolved_notice(number: int, note: str | None) -> str:
    result = f"处理结果：{_e(note)}\n" if note else ""
    return f"您反映的问题（工单 #{number}）已办结。\n{result}请您对处理结果进行评价。"


def closed_notice(number: int) -> str:
    return f"工单 #{number} 已关闭。感谢您的反映！"


def rated_notice(number: int) -> str:
    return f"感谢您的评价！工单 #{number} 已关闭。"


def rejected_notice(number: int, reason: str) -> str:
    return (
        f"很抱歉，您反映的问题（工单 #{number}）未能受理，原因：{_e(reason)}。"
        "如有疑问，可补充信息后重新反映。"
    )


def duplicate_notice(number: int, of_number: int) -> str:
    return (
        f"您反映的问题（工单 #{number}）与工单 #{of_number} 是同一问题，已合并处理，"
        "进展会同步通知您。"
    )


def withdrawn_notice(number: int) -> str:
    return f"工单 #{number} 已撤回。如需帮助，随时可以再次反映。"


def left_notice(number: int, others: int) -> str:
    return (f"已为您撤回：您不再关注工单 #{number}。另有 {others} 位居民反映了同一问题，"
            "工单会继续处理。")


def reopened_notice(number: int) -> str:
    return f"您反映的问题（工单 #{number}）已重新交办，工作人员会尽快跟进。"


def transferred_notice(number: int, grid_name: str) -> str:
    return f"您反映的问题（工单 #{number}）已转交{_e(grid_name)}处理。"


def followed_notice(number: int, status: str, *, already: bool = False) -> str:
    """Joined to an open ticket; `already`: one the person reported or follows already."""
    label = STATUS_LABELS.get(status, status)
    if already:
        return f"您已反映过该问题（工单 #{number}，{label}），进展会同步通知您。"
    # 正在处理 only once staff took it: before that it contradicts 待受理.
    handling = " 正在处理" if status in ("claimed", "in_progress") else ""
    return f"该问题已有工单 #{number}{handling}（{label}），已为您关注，进展会同步通知您。"


def reopened_group_note(number: int, note: str | None) -> str:
    why = f"：{_e(mask_personal(note))}" if note else ""
    return f"工单 #{number} 居民不满意，已重新打开{why}"
