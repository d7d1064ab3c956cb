"""Fixtures for end-to-end tests: the fake Bot API server and a bot on either framework."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest

from tests.e2e.support import Replier, build_bot, serving, settings_for
from tests.fakebotapi import FakeBotAPI

FRAMEWORKS = ["aiogram", "ptb"]


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    server = await FakeBotAPI().start()
    yield server
    await server.stop()


@pytest.fixture
def replier() -> Replier:
    return Replier()


@pytest.fixture(params=FRAMEWORKS)
def framework(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_bot(fake, replier, framework, tmp_path, classifier):
    """`async with make_bot(webhook=None) as bot:` a started bot, serving until the block ends."""

    @contextlib.asynccontextmanager
    async def running(webhook=None, handle=None, **options):
        settings = settings_for(fake.base_url, fake.token, tmp_path / "bot.db", framework)
        bot = build_bot(settings, classifier, handle or replier, **options)
        async with serving(bot, fake, webhook):
            yield bot

    return running
