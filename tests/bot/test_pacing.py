"""The dispatcher waits as Telegram asks: about 1/s per person, 20/min per group, 30/s in all."""

from __future__ import annotations

from bot.pacing import Limits, Pacer


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _send_times(pacer: Pacer, clock: Clock, chat_id: int, count: int) -> list[float]:
    """When each of `count` messages goes out, if each waits as told."""
    times = []
    for _ in range(count):
        clock.now += pacer.chat_delay(chat_id)
        times.append(clock.now)
    return times


def test_a_person_gets_a_small_burst_then_one_a_second():
    clock = Clock()
    times = _send_times(Pacer(Limits(), clock), clock, 1001, 6)
    assert times[:3] == [0.0, 0.0, 0.0]
    assert [round(t, 6) for t in times[3:]] == [1.0, 2.0, 3.0]


def test_no_minute_of_a_group_holds_more_than_20():
    clock = Clock()
    times = _send_times(Pacer(Limits(), clock), clock, -100200, 100)
    for i, start in enumerate(times):
        in_window = [t for t in times[i:] if t < start + 60]
        assert len(in_window) <= 20
    assert times[-1] < 100 * 60 / 17 + 1  # paced, not stalled


def test_overall_rate_stays_near_30_a_second():
    clock = Clock()
    pacer = Pacer(Limits(), clock)
    times = []
    for _ in range(300):
        clock.now += pacer.overall_delay()
        times.append(clock.now)
    for i, start in enumerate(times):
        assert len([t for t in times[i:] if t < start + 1]) <= 30


def test_a_429_holds_the_chat():
    clock = Clock()
    pacer = Pacer(Limits(), clock)
    pacer.hold_chat(1001, 7)
    assert pacer.chat_delay(1001) >= 7
    assert pacer.chat_delay(1002) == 0
