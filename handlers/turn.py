"""One update being handled: the session, the sender, the conversation state, and `say`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.conversation import State
from handlers.events import Incoming
from handlers.texts import localize, localize_markup
from storage import outbox
from storage.models import Person

if TYPE_CHECKING:
    from handlers.app import Services


@dataclass(slots=True)
class Turn:
    session: AsyncSession
    services: Services
    event: Incoming
    person: Person
    now: datetime
    state: State

    async def say(
        self,
        text: str,
        *,
        keyboard: dict[str, Any] | None = None,
        chat_id: int | None = None,
        ticket_id: int | None = None,
        purpose: str = "notice",
        reply_to_purpose: str | None = None,
        script: str | None = None,
    ) -> None:
        """Queue an HTML message (text already escaped where it quotes people) in the reader's
        script: `script` when given, else the sender's in their own private chat and
        Simplified in a group."""
        to = self.event.chat_id if chat_id is None else chat_id
        reader = script or self._reader(to)
        payload: dict[str, Any] = {"text": localize(text, reader), "parse_mode": "HTML"}
        if keyboard:
            payload["reply_markup"] = localize_markup(keyboard, reader)
        await outbox.enqueue(
            self.session, chat_id=to,
            method="sendMessage", payload=payload, ticket_id=ticket_id, purpose=purpose,
            reply_to_purpose=reply_to_purpose, now=self.now,
        )

    def _reader(self, chat_id: int) -> str:
        return self.person.script if chat_id == self.event.sender.id else "simplified"

    async def send_photos(
        self, photos: list[str], caption: str, *, chat_id: int, ticket_id: int | None = None,
        reply_to_purpose: str | None = None, script: str | None = None,
    ) -> None:
        """One photo, or an album of up to ten, with `caption` on the first, in the reader's
        script (as `say`)."""
        if not photos:
            return
        caption = localize(caption, script or self._reader(chat_id))
        if len(photos) == 1:
            method = "sendPhoto"
            payload: dict[str, Any] = {"photo": photos[0], "caption": caption,
                                       "parse_mode": "HTML"}
        else:
            method = "sendMediaGroup"
            media: list[dict[str, Any]] = [{"type": "photo", "media": p} for p in photos[:10]]
            media[0].update(caption=caption, parse_mode="HTML")
            payload = {"media": media}
        await outbox.enqueue(
            self.session, chat_id=chat_id, method=method, payload=payload, ticket_id=ticket_id,
            purpose="photos", reply_to_purpose=reply_to_purpose, now=self.now,
        )
