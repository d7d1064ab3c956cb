"""Pacing to Telegram's limits, so the dispatcher waits instead of collecting 429s.

https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this : about one
message per second in a chat (short bursts are tolerated), no more than 20 messages per minute
in a group, about 30 messages per second in all. Token buckets whose burst plus a window's
refill stay within each limit: a group gets 3 at once and then one every 60/17 s, so no minute
ever holds more than 20.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    overall_per_second: float = 25.0
    overall_burst: float = 5.0
    private_per_second: float = 1.0
    private_burst: float = 3.0
    group_per_minute: float = 17.0
    group_burst: float = 3.0

    @classmethod
    def unlimited(cls) -> Limits:
        """For a fake Bot API server in tests and benchmarks."""
        big = 1e9
        return cls(big, big, big, big, big, big)


class Bucket:
    """A token bucket that hands out reservations: `reserve` says how long to wait first."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.updated = now

    def reserve(self, now: float, count: float = 1.0) -> float:
        if now > self.updated:
            self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
        self.tokens -= count
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def hold(self, now: float, seconds: float) -> None:
        """Nothing for `seconds` (Telegram said retry_after)."""
        self.reserve(now, 0)
        self.tokens = min(self.tokens, -seconds * self.rate)

    def idle(self, now: float) -> bool:
        return self.tokens + (now - self.updated) * self.rate >= self.burst


class Pacer:
    def __init__(
        self, limits: Limits = Limits(), clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._overall = Bucket(limits.overall_per_second, limits.overall_burst, clock())
        self._chats: dict[int, Bucket] = {}

    def _bucket(self, chat_id: int, now: float) -> Bucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) > 10_000:
                self._chats = {k: b for k, b in self._chats.items() if not b.idle(now)}
            lim = self.limits
            # Negative ids are groups and channels; positive ones are people.
            bucket = (
                Bucket(lim.private_per_second, lim.private_burst, now) if chat_id > 0
                else Bucket(lim.group_per_minute / 60.0, lim.group_burst, now)
            )
            self._chats[chat_id] = bucket
        return bucket

    def chat_delay(self, chat_id: int, count: int = 1) -> float:
        """Seconds to wait before sending `count` messages to the chat (reserves them)."""
        return self._bucket(chat_id, self._clock()).reserve(self._clock(), count)

    def overall_delay(self, count: int = 1) -> float:
        return self._overall.reserve(self._clock(), count)

    def hold_chat(self, chat_id: int, seconds: float) -> None:
        now = self._clock()
        self._bucket(chat_id, now).hold(now, seconds)
