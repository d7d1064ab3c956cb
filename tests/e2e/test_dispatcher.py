"""The outbox dispatcher against the fake Bot API: every row delivered once, in order per chat,
through 429s, 500s, timeouts and dropped connections."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.dispatcher import OutboxDispatcher
from bot.pacing import Limits, Pacer
from bot.telegram_api import BotAPI
from storage import outbox
from storage.db import Database
from storage.models import OutboxRow, Ticket, TicketEvent

RESIDENTS = [1001, 1002]
GROUPS = [-100200, -100300]


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
async def db(tmp_path):
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/outbox.db")
    await database.upgrade()
    yield database
    await database.dispose()


def dispatcher_for(db, fake, *, timeout=2.0, limits=None, **options):
    api = BotAPI(fake.token, fake.base_url, timeout=timeout)
    options = {"sweep_every": 0.2, "backoff_base": 0.05, "backoff_cap": 0.5, **options}
    return OutboxDispatcher(db.sessionmaker, api, pacer=Pacer(limits or Limits.unlimited()),
                            **options), api


async def put(db, chat_id, method="sendMessage", ticket_id=None, **payload):
    kwargs = {}
    if method.startswith("edit"):
        kwargs["edit_purpose"] = "card"
    async with db.sessionmaker() as session, session.begin():
        return await outbox.enqueue(session, chat_id=chat_id, method=method, payload=payload,
                                    ticket_id=ticket_id, purpose="card" if ticket_id else "notice",
                                    now=now(), **kwargs)


async def add_ticket(db) -> int:
    async with db.sessionmaker() as session, session.begin():
        ticket = Ticket(category="road", text="路灯坏了", respond_by=now(), resolve_by=now(),
                        created_at=now(), updated_at=now())
        session.add(ticket)
        await session.flush()
        return ticket.id


async def rows(db) -> list[OutboxRow]:
    async with db.sessionmaker() as session:
        return list((await session.scalars(select(OutboxRow).order_by(OutboxRow.id))).all())


async def enqueue_burst(db, per_chat: int) -> dict[int, list[str]]:
    expected: dict[int, list[str]] = {chat: [] for chat in RESIDENTS + GROUPS}
    for i in range(per_chat):
        for chat in expected:
            text = f"chat {chat} row {i}"
            await put(db, chat, text=text)
            expected[chat].append(text)
    return expected


def assert_delivered_in_order(fake, expected: dict[int, list[str]]) -> None:
    for chat, texts in expected.items():
        seen = [d.text for d in fake.to_chat(chat)]
        first_seen = list(dict.fromkeys(seen))
        assert first_seen == texts, f"chat {chat}: out of order or missing"
        for text, count in Counter(seen).items():
            if count > 1:  # only a call whose answer never came may have been repeated
                assert any(d.slow for d in fake.to_chat(chat) if d.text == text), text


async def test_every_row_is_delivered_in_order_through_a_window_of_faults(fake, db):
    expected = await enqueue_burst(db, per_chat=12)
    # One after the other: 500s for a while, then 429s, dropped connections, slow answers.
    fake.fault("500", seconds=0.6)
    fake.fault("429", calls=6, retry_after=1)
    fake.fault("drop", calls=4)
    fake.fault("slow", calls=3, delay=0.6)  # the client gives up after 0.3 s
    dispatcher, api = dispatcher_for(db, fake, timeout=0.3)
    try:
        await dispatcher.drain(timeout=30)
    finally:
        await api.close()
    assert_delivered_in_order(fake, expected)
    assert {r.status for r in await rows(db)} == {"sent"}
    outcomes = Counter(c.outcome for c in fake.calls)
    assert outcomes["error 429"] == 6 and outcomes["dropped"] == 4 and outcomes["slow"] == 3
    assert outcomes["error 500"] > 0


async def test_a_429_waits_retry_after_before_the_chat_is_tried_again(fake, db):
    await put(db, RESIDENTS[0], text="第一条")
    fake.fault("429", calls=1, retry_after=1)
    dispatcher, api = dispatcher_for(db, fake)
    try:
        await dispatcher.drain(timeout=10)
    finally:
        await api.close()
    first, second = fake.calls_of("sendMessage")
    assert first.outcome == "error 429"
    assert second.at - first.at >= 0.95


async def test_a_blocked_resident_fails_for_good_and_is_recorded_on_the_ticket(fake, db):
    ticket = await add_ticket(db)
    fake.blocked.add(RESIDENTS[0])
    await put(db, RESIDENTS[0], ticket_id=ticket, text="工单 #1 已办结")
    await put(db, RESIDENTS[1], text="另一位居民")
    dispatcher, api = dispatcher_for(db, fake)
    try:
        await dispatcher.drain(timeout=10)
    finally:
        await api.close()
    blocked, other = await rows(db)
    assert (blocked.status, other.status) == ("failed", "sent")
    assert "403" in blocked.last_error
    async with db.sessionmaker() as session:
        [event] = (await session.scalars(select(TicketEvent))).all()
    assert (event.ticket_id, event.kind) == (ticket, "notify_failed")
    assert len(fake.calls_of("sendMessage")) == 2  # tried once, never again


async def test_an_edit_that_changes_nothing_counts_as_sent(fake, db):
    ticket = await add_ticket(db)
    group = GROUPS[0]
    markup = {"inline_keyboard": [[{"text": "接单", "callback_data": f"t:{ticket}:claim"}]]}
    await put(db, group, ticket_id=ticket, text="工单 #1 待受理", reply_markup=markup)
    await put(db, group, "editMessageText", ticket_id=ticket, text="工单 #1 已接单")
    await put(db, group, "editMessageText", ticket_id=ticket, text="工单 #1 已接单")
    await put(db, group, text="下一条")
    dispatcher, api = dispatcher_for(db, fake)
    try:
        await dispatcher.drain(timeout=10)
    finally:
        await api.close()
    assert [r.status for r in await rows(db)] == ["sent"] * 4
    edits = fake.calls_of("editMessageText")
    assert [c.outcome for c in edits] == ["ok", "error 400"]
    assert edits[0].params["message_id"] == fake.to_chat(group)[0].message_id
    assert [d.text for d in fake.to_chat(group)][-1] == "下一条"


async def test_a_long_text_goes_out_as_several_messages_with_the_buttons_last(fake, db):
    ticket = await add_ticket(db)
    body = "\n".join(f"<b>#{i}</b> 龙泉小区{i}号楼 路灯不亮" for i in range(500))
    markup = {"inline_keyboard": [[{"text": "查看", "callback_data": "list:2"}]]}
    await put(db, RESIDENTS[0], ticket_id=ticket, text=body, reply_markup=markup)
    dispatcher, api = dispatcher_for(db, fake)
    try:
        await dispatcher.drain(timeout=10)
    finally:
        await api.close()
    parts = fake.to_chat(RESIDENTS[0])
    assert len(parts) >= 3
    assert all(len(p.text) <= 4096 for p in parts)
    assert [bool(p.buttons) for p in parts] == [False] * (len(parts) - 1) + [True]
    assert parts[0].text.startswith("<b>#0</b>") and parts[-1].text.endswith("499号楼 路灯不亮")
    [row] = await rows(db)
    assert row.sent_message_ids == [p.message_id for p in parts]


async def test_a_split_text_interrupted_does_not_repeat_its_first_part(fake, db):
    body = "\n".join(f"第{i}行 内容" for i in range(1500))
    await put(db, RESIDENTS[0], text=body)
    fake.fault("500", calls=1)  # the first part fails once
    dispatcher, api = dispatcher_for(db, fake)
    try:
        await dispatcher.drain(timeout=10)
    finally:
        await api.close()
    texts = [d.text for d in fake.to_chat(RESIDENTS[0])]
    assert len(texts) == len(set(texts)) >= 3


async def test_callback_data_over_64_bytes_is_refused_before_sending(fake, db):
    markup = {"inline_keyboard": [[{"text": "满意", "callback_data": "评价" * 20}]]}
    await put(db, RESIDENTS[0], text="请评价", reply_markup=markup)
    dispatcher, api = dispatcher_for(db, fake)
    try:
        await dispatcher.drain(timeout=10)
    finally:
        await api.close()
    [row] = await rows(db)
    assert row.status == "failed" and "64 bytes" in row.last_error
    assert fake.calls_of("sendMessage") == []


async def test_photos_and_albums_are_sent_with_their_message_ids(fake, db):
    ticket = await add_ticket(db)
    await put(db, RESIDENTS[0], "sendPhoto", ticket_id=ticket, photo="F1", caption="已修好")
    await put(db, GROUPS[0], "sendMediaGroup", ticket_id=ticket, media=[
        {"type": "photo", "media": "F1", "caption": "<b>#1</b>"},
        {"type": "photo", "media": "F2"}])
    await put(db, RESIDENTS[0], "sendPhoto", photo="F3", caption="很长的说明。" * 300,
              reply_markup={"inline_keyboard": [[{"text": "满意", "callback_data": "r:1:3"}]]})
    dispatcher, api = dispatcher_for(db, fake)
    try:
        await dispatcher.drain(timeout=10)
    finally:
        await api.close()
    photo, album, long_caption = await rows(db)
    assert photo.sent_message_ids == [1] and album.sent_message_ids == [1, 2]
    assert long_caption.status == "sent" and len(long_caption.sent_message_ids) == 2
    resident = fake.to_chat(RESIDENTS[0])
    assert resident[1].method == "sendPhoto" and "caption" not in resident[1].params
    assert resident[-1].buttons == [("满意", "r:1:3")]
    assert fake.calls_of("sendMediaGroup")[0].params["media"][0]["parse_mode"] == "HTML"


async def test_a_commit_wakes_the_dispatcher_at_once(fake, db):
    dispatcher, api = dispatcher_for(db, fake, sweep_every=30)
    stop = asyncio.Event()
    runner = asyncio.ensure_future(dispatcher.run(stop))
    try:
        await asyncio.sleep(0.1)  # asleep, with nothing to do for 30 s
        await put(db, RESIDENTS[0], text="马上")
        dispatcher.wake()
        await fake.wait_for(lambda: fake.to_chat(RESIDENTS[0]), timeout=1.0, what="send")
    finally:
        stop.set()
        await runner
        await api.close()


async def test_a_group_is_paced_not_flooded(fake, db):
    limits = Limits(group_per_minute=600, group_burst=2)  # 10/s so the test is quick
    for i in range(8):
        await put(db, GROUPS[0], text=f"卡片 {i}")
    dispatcher, api = dispatcher_for(db, fake, limits=limits)
    try:
        await dispatcher.drain(timeout=10)
    finally:
        await api.close()
    times = [c.at for c in fake.calls_of("sendMessage")]
    assert len(times) == 8 and fake.calls_of("sendMessage")[0].outcome == "ok"
    assert times[-1] - times[0] >= 0.55  # 2 at once, then 6 at 10/s
    assert not [c for c in fake.calls if c.outcome == "error 429"]


async def test_a_chart_the_bot_made_is_uploaded_as_a_file(fake, db):
    import base64

    png = base64.b64encode(b"\x89PNG\r\n\x1a\n chart").decode()
    await put(db, GROUPS[0], "sendPhoto", photo_png_base64=png, caption="<b>今日统计</b>")
    dispatcher, api = dispatcher_for(db, fake)
    try:
        await dispatcher.drain(timeout=10)
    finally:
        await api.close()
    [photo] = fake.to_chat(GROUPS[0])
    assert photo.params["photo"] == b"\x89PNG\r\n\x1a\n chart"
    assert photo.params["caption"] == "<b>今日统计</b>" and photo.params["parse_mode"] == "HTML"
    [row] = await rows(db)
    assert row.status == "sent"
