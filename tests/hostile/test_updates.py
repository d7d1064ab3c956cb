"""Raw update JSON of odd shapes, as the webhook receives it, through each framework's parser and
`bot/convert.py` into `handle`: whatever a framework accepts converts without an exception and
is handled without a handler failing."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from aiogram.types import Update as AiogramUpdate
from hypothesis import given
from hypothesis import strategies as st
from telegram import Bot as PTBBot
from telegram import Update as PTBUpdate

from bot import convert
from tests.fakebotapi import TOKEN
from tests.hostile.conftest import HOSTILE, Street
from tests.storage.builders import LONGQUAN_GROUP

_ids = itertools.count(900_000)
ints = st.one_of(st.integers(-(2**40), 2**40), st.sampled_from([0, 1, -1, LONGQUAN_GROUP]))
maybe_text = st.one_of(st.none(), st.text(max_size=50), st.sampled_from(["/start", "/my 1", ""]))


@st.composite
def users(draw: st.DrawFn) -> dict[str, Any]:
    user: dict[str, Any] = {"id": draw(ints), "is_bot": draw(st.booleans()),
                            "first_name": draw(st.text(max_size=20))}
    for key in ("last_name", "username", "language_code"):
        if draw(st.booleans()):
            user[key] = draw(st.text(max_size=10))
    return user


@st.composite
def messages(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    chat_type = draw(st.sampled_from(["private", "group", "supergroup", "channel", "odd"]))
    message: dict[str, Any] = {
        "message_id": draw(ints), "date": draw(st.integers(0, 2**32)),
        "chat": {"id": draw(ints), "type": chat_type,
                 **({"title": draw(st.text(max_size=10))} if draw(st.booleans()) else {})},
    }
    if draw(st.booleans()):
        message["from"] = draw(users())
    optional: dict[str, st.SearchStrategy[Any]] = {
        "text": maybe_text,
        "caption": maybe_text,
        "photo": st.lists(st.fixed_dictionaries({
            "file_id": st.text(max_size=8), "file_unique_id": st.text(max_size=8),
            "width": st.integers(0, 5000), "height": st.integers(0, 5000)}), max_size=3),
        "media_group_id": st.text(max_size=6),
        "location": st.fixed_dictionaries({
            "latitude": st.floats(-1e6, 1e6), "longitude": st.floats(-1e6, 1e6)}),
        "contact": st.fixed_dictionaries({"phone_number": st.text(max_size=15),
                                          "first_name": st.text(max_size=8)}),
        "sticker": st.just({"file_id": "s", "file_unique_id": "s", "type": "regular",
                            "width": 1, "height": 1, "is_animated": False,
                            "is_video": False}),
        "voice": st.just({"file_id": "v", "file_unique_id": "v", "duration": 1}),
        "document": st.just({"file_id": "d", "file_unique_id": "d"}),
        "edit_date": st.integers(0, 2**32),
        "forward_origin": st.just({"type": "hidden_user", "date": 1,
                                   "sender_user_name": "某人"}),
    }
    for key, strategy in optional.items():
        if draw(st.integers(0, 3)) == 0:
            message[key] = draw(strategy)
    if depth == 0 and draw(st.integers(0, 4)) == 0:
        message["reply_to_message"] = draw(messages(depth=1))
    return message


@st.composite
def updates(draw: st.DrawFn) -> dict[str, Any]:
    update: dict[str, Any] = {"update_id": next(_ids)}
    kind = draw(st.sampled_from(["message", "edited_message", "callback_query", "channel_post",
                                 "nothing"]))
    if kind in ("message", "edited_message", "channel_post"):
        update[kind] = draw(messages())
    elif kind == "callback_query":
        query: dict[str, Any] = {"id": draw(st.text(max_size=8)), "from": draw(users()),
                                 "chat_instance": "ci"}
        if draw(st.booleans()):
            query["data"] = draw(st.text(max_size=70))
        if draw(st.booleans()):
            query["message"] = draw(messages())
        update["callback_query"] = query
    return update


@pytest.fixture(params=["aiogram", "ptb"])
def parse(request):
    if request.param == "aiogram":
        return lambda data: AiogramUpdate.model_validate(data)
    bot = PTBBot(TOKEN)
    return lambda data: PTBUpdate.de_json(data, bot)


@HOSTILE
@given(data=updates())
async def test_odd_updates_convert_and_are_handled_without_failing(
    street: Street, errors, parse, data
):
    try:
        update = parse(data)
    except Exception:  # the framework refuses it: the webhook answers 400, nothing is handled
        return
    event = convert.from_update(update)
    if event is None:
        return
    before = len(errors())
    await street.send(event)
    failed = errors()[before:]
    assert not failed, f"a handler failed on {data}: {failed[0].exc_text}"
