"""Where a conversation stands, per (chat, user): a state name and JSON data.

Stored in the database, not in memory, so that several bot processes (and a restart) continue
the same conversation.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage import core
from storage.models import ConversationState

IDLE = "idle"


@dataclass(slots=True)
class State:
    name: str = IDLE
    data: dict[str, Any] = field(default_factory=dict)


_states = cast(Table, ConversationState.__table__)
_KEY = (_states.c.chat_id == bindparam("chat_id")) & (_states.c.user_id == bindparam("user_id"))
# Core, not the unit of work: every update loads and saves its state, and an ORM row kept only
# weakly by the session was loaded a second time by save().
_LOAD = select(_states.c.state, _states.c.data).where(_KEY).with_for_update()


def _upsert(module: Any) -> Any:
    stmt = module.insert(_states)
    return stmt.on_conflict_do_update(
        index_elements=[_states.c.chat_id, _states.c.user_id],
        set_={"state": stmt.excluded.state, "data": stmt.excluded.data,
              "updated_at": stmt.excluded.updated_at},
    )


_SAVE = {"sqlite": _upsert(sqlite), "postgresql": _upsert(postgresql)}


def snapshot(state: State) -> State:
    """A copy that later changes to `state` (its data included) leave alone."""
    return State(state.name, copy.deepcopy(state.data))


async def load(session: AsyncSession, chat_id: int, user_id: int) -> State:
    """The state, its row locked (PostgreSQL) until the update's transaction ends."""
    row = (await core.execute(session, _LOAD, {"chat_id": chat_id, "user_id": user_id})).first()
    if row is None:
        return State()
    return State(row[0], dict(row[1] or {}))


async def save(
    session: AsyncSession, chat_id: int, user_id: int, state: State, now: datetime
) -> None:
    stmt = _SAVE[session.get_bind().dialect.name]
    await core.execute(session, stmt, {"chat_id": chat_id, "user_id": user_id,
                                       "state": state.name, "data": state.data,
                                       "updated_at": now})
