"""Where a conversation stands, per (chat, user): a state name and JSON data.

Stored in the database, not in memory, so that several bot processes (and a restart) continue
the same conversation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ConversationState

IDLE = "idle"


@dataclass(slots=True)
class State:
    name: str = IDLE
    data: dict[str, Any] = field(default_factory=dict)


async def load(session: AsyncSession, chat_id: int, user_id: int) -> State:
    row = await session.get(ConversationState, (chat_id, user_id), with_for_update=True)
    if row is None:
        return State()
    return State(row.state, dict(row.data or {}))


async def save(
    session: AsyncSession, chat_id: int, user_id: int, state: State, now: datetime
) -> None:
    row = await session.get(ConversationState, (chat_id, user_id))
    if row is None:
        session.add(ConversationState(chat_id=chat_id, user_id=user_id, state=state.name,
                                      data=state.data, updated_at=now))
    else:
        row.state = state.name
        row.data = dict(state.data)  # a new object, so the JSON column is seen as changed
        row.updated_at = now
