"""Both frameworks' Update objects become the same `Incoming`, field by field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiogram.types import Update as AiogramUpdate
from telegram import Bot as PTBBot
from telegram import Update as PTBUpdate

from bot import convert
from tests.fakebotapi import TOKEN, callback_update, message_update, photo_sizes


def _aiogram(data):
    return AiogramUpdate.model_validate(data)


def _ptb(data):
    return PTBUpdate.de_json(data, PTBBot(TOKEN))


FRAMEWORKS = [pytest.param(_aiogram, id="aiogram"), pytest.param(_ptb, id="ptb")]
FIXED = datetime(2025, 1, 1, tzinfo=UTC)


def convert_update(parse, data, update_id=7):
    return convert.from_update(parse({"update_id": update_id, **data}), clock=lambda: FIXED)


@pytest.fixture(params=FRAMEWORKS)
def parse(request):
    return request.param


def test_a_residents_text(parse):
    event = convert_update(parse, message_update(1001, text="楼下垃圾三天没人收", name="王芳"))
    assert event.update_id == 7
    assert (event.chat_id, event.chat_type, event.kind) == (1001, "private", "text")
    assert event.text == "楼下垃圾三天没人收"
    assert event.sender.id == 1001 and event.sender.name == "王芳"
    assert event.sender.language_code == "zh-hans"
    assert event.at.tzinfo is not None and event.at.utcoffset().total_seconds() == 0
    assert not event.edited and not event.forwarded and event.reply_to_message_id is None


def test_a_command_in_a_group_with_the_bot_name(parse):
    event = convert_update(parse, message_update(-1001, text="/claim@intake_test_bot 42",
                                                 user_id=2001, title="龙泉网格工作群"))
    assert event.chat_type == "supergroup" and event.chat_title == "龙泉网格工作群"
    assert event.sender.id == 2001
    assert event.command == ("claim", "42")


def test_a_reply_to_the_bots_card(parse):
    event = convert_update(parse, message_update(-1001, text="已到现场", user_id=2001,
                                                 reply_to=55))
    assert event.reply_to_message_id == 55


def test_a_photo_keeps_the_largest_size_and_the_caption(parse):
    event = convert_update(parse, message_update(1001, photo=photo_sizes("P1"),
                                                 caption="井盖丢了"))
    assert event.kind == "photo"
    assert event.photos == ("P1",)
    assert event.text == "井盖丢了"


def test_an_album_part_carries_its_group(parse):
    event = convert_update(parse, message_update(1001, photo=photo_sizes("P2"),
                                                 media_group_id="g1"))
    assert event.media_group_id == "g1" and event.text is None


def test_a_shared_location_and_contact(parse):
    located = convert_update(parse, message_update(
        1001, location={"latitude": 30.66, "longitude": 104.06}))
    assert located.kind == "location"
    assert (located.latitude, located.longitude) == (30.66, 104.06)
    contact = convert_update(parse, message_update(
        1001, contact={"phone_number": "+8613800001234", "first_name": "王芳", "user_id": 1001}))
    assert contact.kind == "contact" and contact.contact_phone == "+8613800001234"


@pytest.mark.parametrize(("field", "value", "kind"), [
    ("sticker", {"file_id": "S", "file_unique_id": "s", "type": "regular", "width": 1,
                 "height": 1, "is_animated": False, "is_video": False}, "sticker"),
    ("voice", {"file_id": "V", "file_unique_id": "v", "duration": 3}, "voice"),
    ("video", {"file_id": "V", "file_unique_id": "v", "width": 1, "height": 1,
               "duration": 3}, "video"),
    ("document", {"file_id": "D", "file_unique_id": "d"}, "document"),
    ("poll", {"id": "p", "question": "?", "options": [
        {"text": "a", "voter_count": 0, "persistent_id": "a"},
        {"text": "b", "voter_count": 0, "persistent_id": "b"}], "total_voter_count": 0,
        "is_closed": False, "is_anonymous": True, "type": "regular",
        "allows_multiple_answers": False, "allows_revoting": False, "members_only": False},
     "poll"),
])
def test_kinds_the_bot_cannot_read(parse, field, value, kind):
    assert convert_update(parse, message_update(1001, **{field: value})).kind == kind


def test_forwarded_and_edited(parse):
    forwarded = convert_update(parse, message_update(
        1001, text="转发的", forward_origin={"type": "hidden_user", "date": 1700000000,
                                            "sender_user_name": "某人"}))
    assert forwarded.forwarded
    edited = convert_update(parse, message_update(1001, text="改过的", edited=True))
    assert edited.edited and edited.text == "改过的"


def test_a_pressed_button(parse):
    event = convert_update(parse, callback_update(-1001, "claim:42", message_id=77,
                                                  user_id=2001, query_id="q1"))
    assert event.kind == "callback"
    assert (event.callback_id, event.callback_data) == ("q1", "claim:42")
    assert (event.chat_id, event.message_id, event.sender.id) == (-1001, 77, 2001)
    assert event.at == FIXED


def test_updates_the_bot_does_not_take(parse):
    data = {"my_chat_member": {
        "chat": {"id": -1001, "type": "supergroup", "title": "g"},
        "from": {"id": 1, "is_bot": False, "first_name": "a"}, "date": 1700000000,
        "old_chat_member": {"status": "left", "user": {"id": 2, "is_bot": True,
                                                       "first_name": "b"}},
        "new_chat_member": {"status": "member", "user": {"id": 2, "is_bot": True,
                                                         "first_name": "b"}}}}
    assert convert_update(parse, data) is None


def test_album_parts_merge_into_one_event(parse):
    parts = [
        convert_update(parse, message_update(1001, photo=photo_sizes(f"A{i}"),
                                             media_group_id="g", **(
                                                 {"caption": "楼道堆满杂物"} if i == 1 else {})),
                       update_id=10 + i)
        for i in range(3)
    ]
    album = convert.merge_album(list(reversed(parts)))
    assert album.photos == ("A0", "A1", "A2")
    assert album.text == "楼道堆满杂物"
    assert album.update_id == 10 and album.kind == "photo"
