"""Framework-free events: what the Telegram adapters (and the console) hand to `handlers/`.

An adapter turns one Bot API update into one `Incoming`; an album (several messages sharing a
`media_group_id`) is collected by the adapter into one `Incoming` with all its photos. Nothing
here knows aiogram or python-telegram-bot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

ChatType = Literal["private", "group", "supergroup", "channel"]

# What a message carried. `text` covers commands too (`/start`, `/my`); `callback` is a
# pressed inline button; the rest are kinds the bot answers but cannot read.
Kind = Literal[
    "text",
    "photo",
    "location",
    "contact",
    "callback",
    "sticker",
    "voice",
    "audio",
    "video",
    "video_note",
    "document",
    "poll",
    "other",
]


@dataclass(frozen=True, slots=True)
class Person:
    """Who sent the update, as Telegram describes them."""

    id: int
    name: str  # first + last name as shown in Telegram
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False


@dataclass(frozen=True, slots=True)
class Incoming:
    """One update, reduced to what the handlers use.

    `update_id` is Telegram's (for an album: the first part's); processing the same id twice
    changes nothing the second time.
    """

    update_id: int
    chat_id: int
    chat_type: ChatType
    sender: Person
    kind: Kind
    at: datetime  # when Telegram says it was sent, timezone-aware UTC
    message_id: int | None = None  # None for a callback whose message is gone
    text: str | None = None  # message text or photo caption
    reply_to_message_id: int | None = None  # the bot's message this one answers, if any
    photos: tuple[str, ...] = ()  # file ids, the largest size of each photo
    media_group_id: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    contact_phone: str | None = None
    callback_id: str | None = None
    callback_data: str | None = None  # at most 64 bytes, ids not text
    edited: bool = False
    forwarded: bool = False
    chat_title: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_private(self) -> bool:
        return self.chat_type == "private"

    @property
    def command(self) -> tuple[str, str] | None:
        """`("start", "args")` for `/start args` or `/start@our_bot args`; None otherwise."""
        if self.kind != "text" or not self.text or not self.text.startswith("/"):
            return None
        head, _, rest = self.text[1:].partition(" ")
        name = head.split("@", 1)[0].lower()
        return (name, rest.strip()) if name else None
