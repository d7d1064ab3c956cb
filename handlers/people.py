"""The people the bot talks to: found or created from the sender of every update."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import events
from storage.models import Person

# Built once: every update runs it.
_BY_TELEGRAM_ID = select(Person).where(Person.telegram_id == bindparam("telegram_id"))


async def person_for(
    session: AsyncSession, sender: events.Person, now: datetime, *, admin_ids: frozenset[int]
) -> Person:
    """The stored person behind `sender`, created on first contact; admins by configuration.

    The display name follows Telegram (people rename themselves); roles other than admin are
    given by the bot (binding, joining), never taken from Telegram.
    """
    person = (await session.scalars(_BY_TELEGRAM_ID, {"telegram_id": sender.id})).one_or_none()
    name = sender.name.strip()[:200]
    if person is None:
        person = Person(telegram_id=sender.id, display_name=name, role="resident",
                        script="simplified", volunteer=False, created_at=now)
        session.add(person)
    elif name and person.display_name != name:
        person.display_name = name
        person.updated_at = now
    if sender.id in admin_ids and person.role != "admin":
        person.role = "admin"
        person.updated_at = now
    elif person.role == "admin" and sender.id not in admin_ids:
        person.role = "staff"  # taken off INTAKE_ADMIN_IDS: no admin rights kept in the table
        person.updated_at = now
    await session.flush()
    return person
