"""Bot API objects (aiogram's or python-telegram-bot's) to framework-free `Incoming` events.

Both frameworks model the same Bot API objects with the same attribute names (`message.photo`,
`message.forward_origin`, `callback_query.from_user`, ...), so one converter serves both
adapters: the attribute reads below are the whole contract.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from handlers.events import ChatType, Incoming, Kind, Person

# Kinds the handlers answer but cannot read, in the order a message is checked for them.
# (An animation also carries `document`, so it arrives as a document.)
_OPAQUE_KINDS: tuple[Kind, ...] = (
    "sticker", "voice", "audio", "video", "video_note", "document", "poll",
)


def person(user: Any) -> Person:
    return Person(
        id=int(user.id),
        name=user.full_name or "",  # PTB's is None for an empty first name
        username=user.username,
        language_code=user.language_code,
        is_bot=bool(user.is_bot),
    )


def _chat_type(chat: Any) -> ChatType:
    value = getattr(chat.type, "value", chat.type)  # PTB: a str enum; aiogram: a str
    return str(value)  # type: ignore[return-value]


def _utc(value: Any, fallback: Callable[[], datetime]) -> datetime:
    if isinstance(value, datetime) and value.timestamp() > 0:
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return fallback()


def _kind(message: Any) -> Kind:
    if message.photo:
        return "photo"
    if message.location is not None:
        return "location"
    if message.contact is not None:
        return "contact"
    for kind in _OPAQUE_KINDS:
        if getattr(message, kind, None) is not None:
            return kind
    if message.text is not None:
        return "text"
    return "other"


def from_message(
    update_id: int, message: Any, *, edited: bool = False,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Incoming:
    """One message (or edited message) as an `Incoming`; the sender falls back to the chat."""
    chat = message.chat
    sender = person(message.from_user) if message.from_user else Person(
        id=int(chat.id), name=chat.title or chat.full_name or str(chat.id)
    )
    kind = _kind(message)
    location = message.location
    reply = message.reply_to_message
    return Incoming(
        update_id=int(update_id),
        chat_id=int(chat.id),
        chat_type=_chat_type(chat),
        sender=sender,
        kind=kind,
        at=_utc(message.date, clock),
        message_id=int(message.message_id),
        text=message.text if message.text is not None else message.caption,
        reply_to_message_id=int(reply.message_id) if reply is not None else None,
        # Telegram lists the sizes of one photo from smallest to largest.
        photos=(message.photo[-1].file_id,) if message.photo else (),
        media_group_id=message.media_group_id,
        latitude=location.latitude if location is not None else None,
        longitude=location.longitude if location is not None else None,
        contact_phone=message.contact.phone_number if message.contact is not None else None,
        edited=edited,
        forwarded=message.forward_origin is not None,
        chat_title=chat.title,
    )


def from_callback(
    update_id: int, query: Any, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Incoming:
    """A pressed inline button. Its message may be inaccessible (old) or absent (inline mode)."""
    message = query.message
    user = person(query.from_user)
    if message is not None:
        chat_id, chat_type, title = int(message.chat.id), _chat_type(message.chat), (
            message.chat.title
        )
        message_id: int | None = int(message.message_id)
    else:
        chat_id, chat_type, title, message_id = user.id, "private", None, None
    return Incoming(
        update_id=int(update_id),
        chat_id=chat_id,
        chat_type=chat_type,
        sender=user,
        kind="callback",
        at=clock(),  # a callback query carries no date
        message_id=message_id,
        callback_id=str(query.id),
        callback_data=query.data,
        chat_title=title,
    )


def from_update(
    update: Any, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Incoming | None:
    """The `Incoming` of an update, or None for kinds the bot does not take (channel posts,
    inline queries, chat member changes, ...)."""
    if update.message is not None:
        return from_message(update.update_id, update.message, clock=clock)
    if update.edited_message is not None:
        return from_message(update.update_id, update.edited_message, edited=True, clock=clock)
    if update.callback_query is not None:
        return from_callback(update.update_id, update.callback_query, clock=clock)
    return None


def chat_of(update: Any) -> int | None:
    """The chat an update belongs to, to keep one chat's updates in order."""
    for message in (update.message, update.edited_message):
        if message is not None:
            return int(message.chat.id)
    query = update.callback_query
    if query is not None:
        return int(query.message.chat.id) if query.message is not None else int(query.from_user.id)
    return None


def merge_album(parts: list[Incoming]) -> Incoming:
    """The parts of one album (same `media_group_id`) as one event: every photo, in message
    order, the caption of whichever part has one, and the first part's ids (for dedup)."""
    ordered = sorted(parts, key=lambda p: (p.message_id or 0, p.update_id))
    first = ordered[0]
    caption = next((p.text for p in ordered if p.text), None)
    photos = tuple(file_id for p in ordered for file_id in p.photos)
    reply_to = next((p.reply_to_message_id for p in ordered if p.reply_to_message_id), None)
    return Incoming(
        update_id=min(p.update_id for p in ordered),
        chat_id=first.chat_id,
        chat_type=first.chat_type,
        sender=first.sender,
        kind="photo" if photos else first.kind,
        at=first.at,
        message_id=first.message_id,
        text=caption,
        reply_to_message_id=reply_to,
        photos=photos,
        media_group_id=first.media_group_id,
        forwarded=any(p.forwarded for p in ordered),
        edited=first.edited,
        chat_title=first.chat_title,
        extra={"album_message_ids": ",".join(str(p.message_id) for p in ordered)},
    )
