"""Conversation fixtures: a real SQLite database with a small street, and the harness."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from handlers.events import Person
from intents import Classifier
from storage.db import Database
from storage.models import Base
from tests.handlers.chat import Conversation
from tests.storage.builders import T0, Street1, seed_street

# The people of tests/storage/builders.py, as Telegram shows them.
ZHANG = Person(11, "张三")
CHEN = Person(22, "陳美玲")
WANG = Person(101, "王网格员")
ZHAO = Person(102, "赵网格员")
LI = Person(33, "李四")
ADMIN = Person(7, "街道管理员")


@pytest.fixture
async def sqlite_database(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/conversation.db")
    async with database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
async def street(sqlite_database: Database) -> Street1:
    async with sqlite_database.sessionmaker() as session, session.begin():
        return await seed_street(session)


@pytest.fixture
def chat(sqlite_database: Database, street: Street1, classifier: Classifier) -> Conversation:
    return Conversation(sqlite_database, classifier, now=T0, admin_ids=frozenset({ADMIN.id}))
