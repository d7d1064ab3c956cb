"""The people the bot talks to: found or created from the sender of every update."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import events
from storage import core
from storage.models import Person

# Built once, run with Core (storage.core): every update runs one of them. The row becomes a
# `Person` in the session, so what handlers change in it is flushed as an UPDATE.
_people = cast(Table, Person.__table__)
_BY_TELEGRAM_ID = select(*_people.columns).where(_people.c.telegram_id == bindparam("telegram_id"))
_INSERT = insert(_people).returning(*_people.columns)
_COLUMNS = _people.columns.keys()


_TRADITIONAL_LOCALES = ("zh-hant", "zh-tw", "zh-hk", "zh-mo")


def first_script(language_code: str | None) -> str:
    """Before a resident has written anything the bot can read a script from, their
    Telegram language (zh-hant, zh-tw, zh-hk) says which to greet them in."""
    code = (language_code or "").lower().replace("_", "-")
    return "traditional" if code.startswith(_TRADITIONAL_LOCALES) else "simplified"


async def person_for(
    session: AsyncSession, sender: events.Person, now: datetime, *, admin_ids: frozenset[int]
) -> Person:
    """The stored person behind `sender`, created on first contact; admins by configuration.

    The display name follows Telegram (people rename themselves); roles other than admin are
    given by the bot (binding, joining), never taken from Telegram.
    """
    found = (await core.execute(session, _BY_TELEGRAM_ID, {"telegram_id": sender.id})).first()
    name = sender.name.strip()[:200]
    if found is None:
        role = "admin" if sender.id in admin_ids else "resident"
        found = (await core.execute(session, _INSERT, {
            "telegram_id": sender.id, "display_name": name, "role": role,
            "script": first_script(sender.language_code), "volunteer": False, "created_at": now,
        })).first()
        assert found is not None
        return core.loaded(session, Person, _COLUMNS, found)
    person = core.loaded(session, Person, _COLUMNS, found)
    if name and person.display_name != name:
        person.display_name = name
        person.updated_at = now
    if sender.id in admin_ids and person.role != "admin":
        person.role = "admin"
        person.updated_at = now
    elif person.role == "admin" and sender.id not in admin_ids:
        person.role = "staff"  # taken off INTAKE_ADMIN_IDS: no admin rights kept in the table
        person.updated_at = now
    return person
