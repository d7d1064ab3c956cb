"""`Intake` with SQLite's one writer: updates queued behind a transaction share the next one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.intake import BATCH, Intake
from handlers.app import Handled, Services, Unavailable
from handlers.events import Incoming, Person


def text(update_id: int, chat_id: int) -> Incoming:
    return Incoming(update_id=update_id, chat_id=chat_id, chat_type="private",
                    sender=Person(chat_id, "居民"), kind="text", text="你好",
                    at=datetime.now(UTC), message_id=update_id)


class Recorder:
    """A stand-in for handlers.app: records what it was given, slowly, one transaction at a
    time; `refuse` makes every batch ask for one by one."""

    def __init__(self, *, refuse: bool = False, away: bool = False) -> None:
        self.batches: list[list[int]] = []
        self.alone: list[int] = []
        self.refuse = refuse
        self.away = away

    async def handle(self, event: Incoming, services: Services) -> Handled:
        await asyncio.sleep(0.01)
        self.alone.append(event.update_id)
        return Handled(callback_answer=f"#{event.update_id}")

    async def handle_many(self, events: list[Incoming],
                          services: Services) -> list[Handled] | None:
        await asyncio.sleep(0.01)
        self.batches.append([e.update_id for e in events])
        if self.away:
            raise Unavailable("database is locked")
        if self.refuse:
            return None
        return [Handled(callback_answer=f"#{e.update_id}") for e in events]


def intake_of(recorder: Recorder, told: list[int] | None = None) -> Intake:
    async def busy(event: Incoming) -> None:
        assert told is not None, "not away"
        told.append(event.update_id)

    return Intake(recorder.handle, None, send_busy=busy,  # type: ignore[arg-type]
                  writers=asyncio.Semaphore(1), handle_many=recorder.handle_many)


async def test_queued_updates_share_a_transaction_in_order_per_chat() -> None:
    recorder = Recorder()
    intake = intake_of(recorder)
    # chat 1 sends three in a row, chats 2..40 one each, all at once
    events = [text(1, 1), text(2, 1), text(3, 1)] + [text(i, i) for i in range(4, 44)]
    answers = await asyncio.gather(*(intake.receive(e) for e in events))
    assert [a.callback_answer for a in answers] == [f"#{e.update_id}" for e in events]
    handled = [u for batch in recorder.batches for u in batch] + recorder.alone
    assert sorted(handled) == list(range(1, 44))  # each once
    assert all(len(batch) <= BATCH for batch in recorder.batches)
    assert len(recorder.batches[0]) == BATCH  # 41 chats were waiting: full batches
    order = [u for batch in recorder.batches for u in batch]
    order += [u for u in recorder.alone if u not in order]
    assert order.index(1) < order.index(2) < order.index(3)  # one chat: in order
    assert not any(len({1, 2, 3} & set(batch)) > 1 for batch in recorder.batches)


async def test_a_batch_that_must_be_split_is_handled_one_by_one() -> None:
    recorder = Recorder(refuse=True)
    intake = intake_of(recorder)
    events = [text(i, i) for i in range(1, 6)]
    answers = await asyncio.gather(*(intake.receive(e) for e in events))
    assert [a.callback_answer for a in answers] == [f"#{i}" for i in range(1, 6)]
    assert recorder.batches == [[1, 2, 3, 4, 5]]
    assert recorder.alone == [1, 2, 3, 4, 5]  # in the order they came


async def test_a_caller_that_stops_waiting_does_not_stop_the_others() -> None:
    recorder = Recorder()
    intake = intake_of(recorder)
    first = asyncio.ensure_future(intake.receive(text(1, 1)))
    await asyncio.sleep(0)
    gone = asyncio.ensure_future(intake.receive(text(2, 2)))
    kept = asyncio.ensure_future(intake.receive(text(3, 3)))
    await asyncio.sleep(0)
    gone.cancel()
    assert (await first).callback_answer == "#1"
    assert (await kept).callback_answer == "#3"
    assert gone.cancelled()


async def test_a_caller_that_stops_waiting_keeps_its_chat_out_of_the_next_batch() -> None:
    recorder = Recorder()
    intake = intake_of(recorder)
    first = asyncio.ensure_future(intake.receive(text(1, 9)))  # the writer busy with it
    await asyncio.sleep(0)
    gone = asyncio.ensure_future(intake.receive(text(2, 1)))
    other = asyncio.ensure_future(intake.receive(text(3, 5)))
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.sleep(0)
    same_chat = asyncio.ensure_future(intake.receive(text(4, 1)))
    await asyncio.gather(first, other, same_chat)
    assert not any({2, 4} <= set(batch) for batch in recorder.batches)
    handled = [u for batch in recorder.batches for u in batch] + recorder.alone
    assert sorted(handled) == [1, 2, 3, 4]  # the update whose caller left was still handled


async def test_the_database_away_in_a_batch_is_told_once_without_waiting_again() -> None:
    recorder = Recorder(away=True)
    told: list[int] = []
    intake = intake_of(recorder, told)
    events = [text(i, i) for i in range(1, 5)]
    answers = await asyncio.gather(*(intake.receive(e) for e in events))
    assert answers == [Handled()] * 4
    assert recorder.batches == [[1, 2, 3, 4]] and recorder.alone == []
    assert told == [1, 2, 3, 4]
    assert all(intake.deferred(e.update_id) for e in events)  # not confirmed to Telegram
