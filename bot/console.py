"""`intake console`: the bot in a terminal, no Telegram, for trying it out offline.

You type as a resident in a private chat; `/as staff` moves you to a grid's staff group (you are
an admin there, so `/bind 龙泉网格 龙泉小区` works) and `/as resident` back. Every update goes
through the same `handlers.app.handle` as in Telegram; the console then takes the outbox's rows
itself (it plays Telegram) and prints them, buttons as numbered choices: type the number to
press one.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

from bot.intake import Handle
from handlers.app import BUSY_TEXT, Handled, Services, Unavailable
from handlers.events import ChatType, Incoming, Person

HELP = """\
直接输入文字，就是以居民身份发给机器人的消息。Type to talk to the bot as a resident.
  /as staff | /as resident   切换到网格工作群（管理员身份）/ 回到居民私聊
  数字 N                     按下第 N 个按钮 (press button N)
  /photo [说明]              发一张照片（可带说明）; /album 3 [说明] 发 3 张的相册
  /location 30.66 104.06     分享位置;  /contact 13800001234  分享手机号
  /reply N 文字              回复消息 [N]（例如回复工单卡片）
  /voice | /sticker          发语音 / 贴纸
  /quit                      退出 (or Ctrl-D)"""


@dataclass(frozen=True)
class Side:
    label: str
    chat_id: int
    chat_type: ChatType
    person: Person
    chat_title: str | None = None


RESIDENT = Side("居民", 10001, "private",
                Person(10001, "张三", "zhangsan", "zh-hans"))
STAFF = Side("网格员", -1009001, "supergroup",
             Person(20001, "王网格员", "wang", "zh-hans"), chat_title="龙泉网格工作群")
DEMO_BIND = "/bind 龙泉网格 龙泉小区,龙泉花园,团结西路"
SIDES = {"resident": RESIDENT, "居民": RESIDENT, "staff": STAFF, "网格员": STAFF}


@dataclass(frozen=True)
class Button:
    chat_id: int
    message_id: int
    data: str


class Console:
    def __init__(self, services: Services, handle: Handle,
                 write: Callable[[str], None] = print) -> None:
        self.services = services
        self.handle = handle
        self.write = write
        self.side = RESIDENT
        # Ids that never collide with an earlier session on the same database file.
        start = int(time.time())
        self._update_ids = itertools.count(start * 1000)
        self._incoming_ids = itertools.count(start)
        self._outgoing_ids = itertools.count(start * 1000 + 500)
        self._button_numbers = itertools.count(1)
        self.buttons: dict[int, Button] = {}

    def _chat_label(self, chat_id: int) -> str:
        if chat_id == RESIDENT.chat_id:
            return "居民"
        if chat_id == STAFF.chat_id:
            return STAFF.chat_title or "网格群"
        return f"chat {chat_id}"

    # -- input ------------------------------------------------------------------------------
    async def say(self, line: str) -> bool:
        """One line typed by the user; False when they want to leave."""
        line = line.strip()
        if not line:
            return True
        head, _, rest = line.partition(" ")
        rest = rest.strip()
        if head in ("/quit", "/exit"):
            return False
        if head == "/as":
            side = SIDES.get(rest.lower())
            if side is None:
                self.write("用法 / usage: /as staff | /as resident")
            else:
                self.side = side
                self.write(f"—— 现在您是{side.label}（{side.person.name}），"
                           f"在{'私聊' if side is RESIDENT else side.chat_title}中 ——")
            return True
        if head in ("/?", "/console"):
            self.write(HELP)
            return True
        if line.isdigit():
            await self._press(int(line))
            return True
        await self._send(**self._message_fields(head, rest, line))
        return True

    def _message_fields(self, head: str, rest: str, line: str) -> dict[str, Any]:
        if head == "/photo":
            return {"kind": "photo", "text": rest or None, "photos": (self._file_id(),)}
        if head == "/album":
            count_text, _, caption = rest.partition(" ")
            count = int(count_text) if count_text.isdigit() else 2
            return {"kind": "photo", "text": caption.strip() or None,
                    "photos": tuple(self._file_id() for _ in range(max(2, min(count, 10)))),
                    "media_group_id": f"console-{next(self._update_ids)}"}
        if head == "/location":
            try:
                lat, lon = (float(x) for x in rest.replace(",", " ").split())
            except ValueError:
                lat, lon = 30.66, 104.06
            return {"kind": "location", "latitude": lat, "longitude": lon}
        if head == "/contact":
            return {"kind": "contact", "contact_phone": rest or "13800001234"}
        if head in ("/voice", "/sticker", "/video", "/document"):
            return {"kind": head[1:]}
        if head == "/reply":
            target, _, text = rest.partition(" ")
            if target.isdigit():
                return {"kind": "text", "text": text.strip() or "…",
                        "reply_to_message_id": int(target)}
        return {"kind": "text", "text": line}

    def _file_id(self) -> str:
        return f"console-photo-{next(self._incoming_ids)}"

    async def _send(self, **fields: Any) -> None:
        side = self.side
        event = Incoming(
            update_id=next(self._update_ids), chat_id=side.chat_id, chat_type=side.chat_type,
            sender=side.person, at=datetime.now(UTC), message_id=next(self._incoming_ids),
            chat_title=side.chat_title, **fields,
        )
        await self._handle(event)

    async def _press(self, number: int) -> None:
        button = self.buttons.get(number)
        if button is None:
            self.write(f"没有按钮 {number} / no button {number}")
            return
        if button.chat_id != self.side.chat_id:
            other = "/as staff" if button.chat_id == STAFF.chat_id else "/as resident"
            self.write(f"这是{self._chat_label(button.chat_id)}那边的按钮，先输入 {other}")
            return
        side = self.side
        event = Incoming(
            update_id=next(self._update_ids), chat_id=side.chat_id, chat_type=side.chat_type,
            sender=side.person, kind="callback", at=datetime.now(UTC),
            message_id=button.message_id, callback_id=f"console-{number}",
            callback_data=button.data, chat_title=side.chat_title,
        )
        handled = await self._handle(event)
        if handled is not None and handled.callback_answer:
            mark = "⚠" if handled.callback_alert else "ℹ"
            self.write(f"  {mark} {handled.callback_answer}")

    async def _handle(self, event: Incoming) -> Handled | None:
        try:
            handled = await self.handle(event, self.services)
        except Unavailable:
            self.write(f"[→ {self.side.label}] {BUSY_TEXT}")
            return None
        await self.deliver()
        return handled

    async def bind_demo_grid(self) -> None:
        """On a fresh database, bind the staff group to a sample grid, so that the first
        report already reaches a group (in Telegram an admin does this with /bind)."""
        from sqlalchemy import func, select

        from storage.models import GroupChat

        async with self.services.sessionmaker() as session:
            bound = await session.scalar(select(func.count()).select_from(GroupChat))
        if bound:
            return
        self.write(f"（试用：已把{STAFF.chat_title}绑定到示例网格，输入 /as staff 查看）")
        resident, self.side = self.side, STAFF
        await self._send(kind="text", text=DEMO_BIND)
        self.side = resident

    # -- output: the console plays Telegram -------------------------------------------------
    async def deliver(self) -> None:
        """Take every due outbox row and print it, as Telegram would show it."""
        from storage import outbox

        sessionmaker = self.services.sessionmaker
        while True:
            rows = await outbox.claim_due(sessionmaker, now=datetime.now(UTC), limit=50)
            if not rows:
                return
            for row in rows:
                ids = self._show(row.chat_id, row.method, row.payload)
                await outbox.mark_sent(sessionmaker, row.id, telegram_message_ids=ids,
                                       now=datetime.now(UTC))

    def _show(self, chat_id: int, method: str, payload: dict[str, Any]) -> list[int]:
        to = self._chat_label(chat_id)
        if method.startswith("edit"):
            message_id = int(payload["message_id"])
            body = payload.get("text") or payload.get("caption") or ""
            shown = f"\n{_plain(body)}" if body else ""
            self.write(f"[✎ {to} 消息 {message_id} 已更新]{shown}")
            self._show_buttons(chat_id, message_id, payload.get("reply_markup"))
            return []
        if method == "sendMediaGroup":
            media = payload.get("media") or []
            ids = [next(self._outgoing_ids) for _ in media]
            caption = next((m.get("caption") for m in media if m.get("caption")), "")
            self.write(f"[→ {to} 消息 {ids[0]}] 🖼×{len(media)} {_plain(caption)}".rstrip())
            return ids
        message_id = next(self._outgoing_ids)
        reply = (payload.get("reply_parameters") or {}).get("message_id")
        head = f"[→ {to} 消息 {message_id}" + (f" 回复 {reply}" if reply else "") + "]"
        if method == "sendPhoto":
            body = "🖼 " + _plain(payload.get("caption") or "")
        else:
            body = _plain(payload.get("text") or "")
        self.write(f"{head}\n{body}")
        self._show_buttons(chat_id, message_id, payload.get("reply_markup"))
        return [message_id]

    def _show_buttons(self, chat_id: int, message_id: int, markup: dict[str, Any] | None) -> None:
        rows = (markup or {}).get("inline_keyboard") or []
        for row in rows:
            labels = []
            for button in row:
                if "callback_data" in button:
                    number = next(self._button_numbers)
                    self.buttons[number] = Button(chat_id, message_id, button["callback_data"])
                    labels.append(f"[{number}] {button['text']}")
                elif "url" in button:
                    labels.append(f"[链接] {button['text']} {button['url']}")
            if labels:
                self.write("   " + "   ".join(labels))


def _plain(text: str) -> str:
    """Telegram HTML as a terminal shows it."""
    text = re.sub(r"<br\s*/?>", "\n", text)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


async def run_console(services: Services, handle: Handle, *,
                      stdin: TextIO = sys.stdin, write: Callable[[str], None] = print) -> None:
    console = Console(services, handle, write)
    write("社区网格智能受理助手 · 离线控制台 (offline console)")
    write(HELP)
    write(f"—— 现在您是{RESIDENT.label}（{RESIDENT.person.name}）——")
    await console.deliver()  # anything left from an earlier session
    await console.bind_demo_grid()
    interactive = stdin.isatty()
    while True:
        if interactive:
            write_prompt = f"{console.side.label}> "
            line = await asyncio.to_thread(_read_line, stdin, write_prompt)
        else:
            line = await asyncio.to_thread(stdin.readline)
            if line:
                write(f"{console.side.label}> {line.rstrip()}")
        if not line:
            return
        if not await console.say(line):
            return


def _read_line(stdin: TextIO, prompt: str) -> str:
    try:
        return input(prompt) + "\n"
    except EOFError:
        return ""
