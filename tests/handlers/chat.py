"""A conversation harness: people send plain events to `handlers.app.handle` over a real
database; a stand-in for the dispatcher "delivers" the outbox and gives Telegram-like message
ids, so replies to the bot's messages find their tickets as they would in Telegram.

Tests read like conversations:

    await chat.says(ZHANG, "龙泉小区3号楼楼道灯坏了")
    card = chat.last(LONGQUAN_GROUP)
    await chat.presses(WANG, card.button("接单"), chat_id=LONGQUAN_GROUP, message=card)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from handlers.app import Config, Handled, Services, handle
from handlers.events import Incoming, Person
from handlers.rules import DEFAULT_POINTS, PointsRules
from intents import Classifier
from storage import outbox
from storage.db import Database


@dataclass
class Sent:
    """A message the bot sent (after the stand-in dispatcher delivered it)."""

    chat_id: int
    method: str
    payload: dict[str, Any]
    message_id: int
    ticket_id: int | None

    @property
    def text(self) -> str:
        if self.method == "sendMediaGroup":
            return str(self.payload["media"][0].get("caption", ""))
        return str(self.payload.get("text") or self.payload.get("caption") or "")

    @property
    def buttons(self) -> list[tuple[str, str]]:
        markup = self.payload.get("reply_markup") or {}
        return [(b["text"], b["callback_data"])
                for row in markup.get("inline_keyboard", []) for b in row]

    def button(self, label: str) -> str:
        for text, data in self.buttons:
            if text == label:
                return data
        raise AssertionError(f"no button {label!r} in {self.buttons}")


@dataclass
class Conversation:
    database: Database
    classifier: Classifier
    now: datetime
    admin_ids: frozenset[int] = frozenset()
    points: PointsRules = DEFAULT_POINTS
    sent: list[Sent] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(500))

    @property
    def services(self) -> Services:
        return Services.build(self.database.sessionmaker, self.classifier,
                              Config(admin_ids=self.admin_ids, points=self.points),
                              clock=lambda: self.now)

    def later(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    async def send(self, event: Incoming) -> Handled:
        handled = await handle(event, self.services)
        await self.deliver()
        return handled

    def _event(self, who: Person, chat_id: int | None, **fields: Any) -> Incoming:
        private = chat_id is None or chat_id == who.id
        return Incoming(
            update_id=next(self._ids), chat_id=who.id if chat_id is None else chat_id,
            chat_type="private" if private else "supergroup", sender=who,
            message_id=next(self._message_ids), at=self.now, **fields,
        )

    async def says(self, who: Person, text: str, *, chat_id: int | None = None,
                   reply_to: Sent | None = None, **fields: Any) -> Handled:
        fields.setdefault("kind", "text")
        return await self.send(self._event(
            who, chat_id, text=text,
            reply_to_message_id=reply_to.message_id if reply_to else None, **fields))

    async def photo(self, who: Person, *file_ids: str, caption: str | None = None,
                    chat_id: int | None = None, reply_to: Sent | None = None) -> Handled:
        return await self.send(self._event(
            who, chat_id, kind="photo", photos=tuple(file_ids), text=caption,
            reply_to_message_id=reply_to.message_id if reply_to else None))

    async def location(self, who: Person, lat: float, lon: float) -> Handled:
        return await self.send(self._event(who, None, kind="location", latitude=lat,
                                           longitude=lon))

    async def presses(self, who: Person, data: str, *, chat_id: int | None = None) -> Handled:
        return await self.send(self._event(who, chat_id, kind="callback", callback_id="cb",
                                           callback_data=data))

    async def deliver(self) -> list[Sent]:
        """Send every due outbox row, as the dispatcher would, in order per chat."""
        delivered: list[Sent] = []
        while True:
            rows = await outbox.claim_due(self.database.sessionmaker, now=self.now)
            if not rows:
                return delivered
            for row in rows:
                count = len(row.payload.get("media", [])) if row.method == "sendMediaGroup" else 1
                if row.method.startswith("edit"):
                    ids = [int(row.payload["message_id"])]
                else:
                    ids = [next(self._message_ids) for _ in range(count)]
                await outbox.mark_sent(self.database.sessionmaker, row.id,
                                       telegram_message_ids=ids, now=self.now)
                sent = Sent(row.chat_id, row.method, row.payload, ids[0], row.ticket_id)
                self.sent.append(sent)
                delivered.append(sent)

    def to(self, chat_id: int) -> list[Sent]:
        return [s for s in self.sent if s.chat_id == chat_id]

    def last(self, chat_id: int, method: str | None = None) -> Sent:
        for sent in reversed(self.sent):
            if sent.chat_id == chat_id and (method is None or sent.method == method):
                return sent
        raise AssertionError(f"nothing was sent to {chat_id}")

    def texts(self, chat_id: int) -> list[str]:
        return [s.text for s in self.to(chat_id)]

    def card(self, chat_id: int, number: int) -> Sent:
        """The card of ticket `number` in a group, as last sent or edited."""
        for sent in reversed(self.sent):
            if (sent.chat_id == chat_id and sent.method in ("sendMessage", "editMessageText")
                    and f"工单 #{number}</b>" in sent.text):
                return sent
        raise AssertionError(f"no card of #{number} in {chat_id}")
