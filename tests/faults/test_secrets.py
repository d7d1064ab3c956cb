"""Secrets and personal data: the bot token never reaches a log line, and a resident's phone
number and name are masked in group chats and in logs.

The logs are captured as `intake run` writes them (`bot.logs` on the root logger's handlers),
at DEBUG, during a run with the Bot API failing, so the libraries' own request logging and
exceptions are in them."""

from __future__ import annotations

import logging
import re

import aiohttp
import pytest
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import GetMe
from multidict import CIMultiDict, CIMultiDictProxy
from telegram.error import NetworkError
from yarl import URL

from bot import logs
from tests.fakebotapi import callback_update, message_update
from tests.faults.support import running_bot
from tests.storage.builders import LONGQUAN_GROUP, seed_street

pytestmark = pytest.mark.faults

RESIDENT = 4201
NAME = "欧阳娜娜"
PHONE = "13812345678"
REPORT = f"龙泉小区3号楼楼道灯坏了，我叫{NAME}，电话{PHONE}"
REAL_SHAPED_TOKEN = "7012345678:AAHk3rRzR5n0bFhz3XKq9Wv0yq3m8JpT0sA"


def leaks(text: str, token: str) -> list[str]:
    found = [secret for secret in (token, token.split(":", 1)[1], REAL_SHAPED_TOKEN, PHONE)
             if secret in text]
    found += re.findall(r"1[3-9]\d{9}", text)
    return found


@pytest.fixture
def captured(caplog):
    """The root logger at DEBUG with the bot's redaction on its handlers, as in `intake run`."""
    caplog.set_level(logging.DEBUG)
    redact = logs.Redact([])
    logs.install(redact)
    yield caplog, redact
    for handler in logging.getLogger().handlers:
        handler.removeFilter(redact)


async def test_a_run_with_faults_leaks_no_token_and_masks_the_resident(
    fake, framework, tmp_path, classifier, captured
):
    caplog, redact = captured
    redact._secrets = [fake.token]  # the token is known once the server is
    fake.fault("500", calls=3)
    fake.fault("drop", calls=2)
    fake.fault("429", calls=2, retry_after=0)
    fake.fault("500", calls=2, methods=["answerCallbackQuery"])
    async with running_bot(fake, framework, tmp_path, classifier) as bot:
        async with bot.database.sessionmaker() as session, session.begin():
            await seed_street(session)
        fake.add_update(message_update(RESIDENT, text=REPORT, name=NAME))
        await fake.wait_for(lambda: fake.to_chat(LONGQUAN_GROUP), timeout=15, what="the card")
        card = fake.to_chat(LONGQUAN_GROUP)[0]
        fake.add_update(message_update(RESIDENT, name=NAME, contact={
            "phone_number": PHONE, "first_name": NAME, "user_id": RESIDENT}))
        fake.add_update(callback_update(LONGQUAN_GROUP, card.buttons[0][1], user_id=9001,
                                        name="王网格员", message_id=card.message_id))
        await fake.wait_for(lambda: len(fake.to_chat(RESIDENT)) >= 3, timeout=15,
                            what="the resident's replies")
        if framework == "ptb":  # httpx logs every request's URL, the token in it
            assert logs.TOKEN_MASK in caplog.text
        logging.getLogger("tests").error("a library error naming %s",
                                         f"{fake.base_url}/bot{fake.token}/getMe")

    group_text = " ".join(d.text or "" for d in fake.to_chat(LONGQUAN_GROUP))
    assert "138****5678" in group_text, "the card names the reporter, masked"
    assert not leaks(group_text, fake.token)
    assert NAME not in group_text and NAME[1:] not in group_text

    assert caplog.records, "nothing was logged"
    assert not leaks(caplog.text, fake.token)
    assert logs.TOKEN_MASK in caplog.text


def _raised(exc: BaseException) -> BaseException:
    try:
        raise exc
    except BaseException as caught:
        return caught


@pytest.mark.parametrize("error", ["aiohttp", "aiogram", "ptb", "plain"])
def test_exceptions_that_embed_the_url_are_redacted(error, caplog):
    url = f"https://api.telegram.org/bot{REAL_SHAPED_TOKEN}/sendMessage"
    exc: BaseException
    if error == "aiohttp":
        info = aiohttp.RequestInfo(url=URL(url), method="POST", headers=CIMultiDictProxy(
            CIMultiDict()), real_url=URL(url))
        exc = aiohttp.ClientResponseError(info, (), status=502, message="Bad Gateway")
    elif error == "aiogram":
        exc = TelegramNetworkError(GetMe(), f"HTTP Client says - cannot reach {url}")
    elif error == "ptb":
        exc = NetworkError(f"httpx.ConnectError: {url}")
    else:
        exc = RuntimeError(f"update failed: parameters ('楼道灯坏了 电话 {PHONE}', {url!r})")
    caplog.set_level(logging.DEBUG)
    redact = logs.Redact(["some-other-secret"])
    logs.install(redact)
    try:
        logging.getLogger("bot.test").error("sending failed: %s", exc,
                                            exc_info=_raised(exc))
        logging.getLogger("httpx").info('HTTP Request: POST %s "HTTP/1.1 200 OK"', url)
    finally:
        for handler in logging.getLogger().handlers:
            handler.removeFilter(redact)
    assert REAL_SHAPED_TOKEN.split(":")[1] not in caplog.text
    assert PHONE not in caplog.text
    assert caplog.text.count(logs.TOKEN_MASK) >= 2
