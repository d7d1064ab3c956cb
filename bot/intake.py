"""What every adapter does with an `Incoming` event, written once.

- Updates of one chat are handled one at a time, in arrival order (a location that answers a
  question must not overtake the question's report); different chats run concurrently.
- Album parts (same `media_group_id`) are held for a short window after the last part and handed
  on as one event.
- With SQLite, which takes one writer at a time, updates wait their turn here (`writers`)
  rather than in SQLite's busy handler, which sleeps in steps of up to 100 ms. Given
  `handle_many`, the updates (of different chats) that queued while a transaction ran go
  together in the next one, up to `BATCH` (group commit): a lone update still has its own.
- `Unavailable` (the database is away) is answered with `BUSY_TEXT` directly, not through the
  outbox that lives in that database, once per update; the update is then `deferred`: the edge
  does not confirm it to Telegram, which delivers it again, so it is processed once the database
  is back (an album, whose parts were confirmed one by one, cannot be: its sender is told busy).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.convert import merge_album
from handlers.app import BUSY_TEXT, Handled, Services, Unavailable
from handlers.events import Incoming

log = logging.getLogger(__name__)

Handle = Callable[[Incoming, Services], Awaitable[Handled]]
# Several updates in one transaction; None: handle each alone (handlers.app.handle_many).
HandleMany = Callable[[list[Incoming], Services], Awaitable[list[Handled] | None]]
SendBusy = Callable[[Incoming], Awaitable[None]]

# Telegram delivers the parts of an album as separate updates within a few hundred milliseconds.
ALBUM_WINDOW = 1.0
# Update ids remembered as told busy, so a redelivery during one outage is not told again.
TOLD_BUSY_KEPT = 1000
# At most this many queued updates share a transaction (the write lock is held that long).
BATCH = 32


@dataclass
class _Album:
    parts: list[Incoming] = field(default_factory=list)
    timer: asyncio.TimerHandle | None = None


async def answer_press(
    query_id: str, answer: Callable[..., Awaitable[object]], handled: Handled | None
) -> None:
    """Answer a pressed button with what the handlers said (`answer` is the framework's
    `query.answer`). An old query cannot be answered any more; the press was still handled."""
    try:
        await answer(text=handled.callback_answer if handled else None,
                     show_alert=handled.callback_alert if handled else None)
    except Exception as exc:
        log.info("callback %s not answered: %s", query_id, type(exc).__name__)


class Intake:
    """The bridge between an adapter and `handlers.app.handle`."""

    def __init__(
        self, handle: Handle, services: Services, *, send_busy: SendBusy,
        album_window: float = ALBUM_WINDOW, writers: asyncio.Semaphore | None = None,
        handle_many: HandleMany | None = None,
    ) -> None:
        self._handle = handle
        self._writers = writers
        self._handle_many = handle_many if writers is not None else None
        self._queued: list[tuple[Incoming, asyncio.Future[Handled]]] = []
        self._writing: asyncio.Task[None] | None = None
        self._services = services
        self._send_busy = send_busy
        self._album_window = album_window
        self._albums: dict[tuple[int, str], _Album] = {}
        self._chat_locks: dict[int, tuple[asyncio.Lock, int]] = {}
        self._album_tasks: set[asyncio.Task[None]] = set()
        self._deferred: set[int] = set()
        self._told_busy: dict[int, None] = {}  # insertion-ordered: the oldest is dropped first

    async def receive(self, event: Incoming) -> Handled | None:
        """Handle one event; None when it was an album part held back for the rest."""
        if event.media_group_id and not event.edited and event.kind != "callback":
            self._hold_album_part(event)
            return None
        return await self._handle_in_order(event)

    def deferred(self, update_id: int) -> bool:
        """Whether the update met the database away and must not be confirmed to Telegram
        (asked once per handling: the answer is forgotten)."""
        if update_id in self._deferred:
            self._deferred.discard(update_id)
            return True
        return False

    async def flush(self) -> None:
        """Hand on every album still held (on shutdown) and wait for them."""
        for key in list(self._albums):
            self._release_album(key)
        while self._album_tasks:
            await asyncio.gather(*list(self._album_tasks), return_exceptions=True)

    def _hold_album_part(self, event: Incoming) -> None:
        assert event.media_group_id is not None
        key = (event.chat_id, event.media_group_id)
        album = self._albums.setdefault(key, _Album())
        album.parts.append(event)
        if album.timer is not None:
            album.timer.cancel()
        album.timer = asyncio.get_running_loop().call_later(
            self._album_window, self._release_album, key
        )

    def _release_album(self, key: tuple[int, str]) -> None:
        album = self._albums.pop(key, None)
        if album is None:
            return
        if album.timer is not None:
            album.timer.cancel()
        task = asyncio.get_running_loop().create_task(
            self._handle_album(merge_album(album.parts))
        )
        self._album_tasks.add(task)
        task.add_done_callback(self._album_tasks.discard)

    async def _handle_album(self, event: Incoming) -> None:
        try:
            await self._handle_in_order(event)
        except Exception:
            log.exception("album %s in chat %s failed", event.media_group_id, event.chat_id)

    async def _handle_in_order(self, event: Incoming) -> Handled:
        lock, users = self._chat_locks.get(event.chat_id, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._chat_locks[event.chat_id] = (lock, users + 1)
        try:
            async with lock:
                if self._writers is None:
                    return await self._handle_once(event)
                if self._handle_many is not None:
                    return await self._in_turn(event)
                async with self._writers:
                    return await self._handle_once(event)
        finally:
            lock, users = self._chat_locks[event.chat_id]
            if users <= 1:
                del self._chat_locks[event.chat_id]
            else:
                self._chat_locks[event.chat_id] = (lock, users - 1)

    async def _in_turn(self, event: Incoming) -> Handled:
        """Queue for the writer; handled with whatever else queued meanwhile (one per chat: the
        chat's lock is held until the update was handled, even if the caller stops waiting)."""
        done: asyncio.Future[Handled] = asyncio.get_running_loop().create_future()
        self._queued.append((event, done))
        if self._writing is None or self._writing.done():
            self._writing = asyncio.ensure_future(self._write())
        try:
            return await asyncio.shield(done)
        except asyncio.CancelledError:
            await asyncio.wait([done])  # the chat's next update must not join this one's batch
            raise

    async def _write(self) -> None:
        assert self._writers is not None and self._handle_many is not None
        batch: list[tuple[Incoming, asyncio.Future[Handled]]] = []
        try:
            while self._queued:
                results: list[Handled] | None = None
                away = False
                async with self._writers:
                    batch, self._queued = self._queued[:BATCH], self._queued[BATCH:]
                    if len(batch) == 1:
                        await _settle(batch[0][1], self._handle_once(batch[0][0]))
                        continue
                    try:
                        results = await self._handle_many([e for e, _ in batch],
                                                          self._services)
                    except Unavailable:
                        away = True
                    except Exception:  # each is handled alone below
                        log.exception("a batch of %d updates failed", len(batch))
                    if results is not None:
                        for (_, done), result in zip(batch, results, strict=True):
                            if not done.done():
                                done.set_result(result)
                        continue
                # Alone, in order: the database away is told at once (no second wait for it);
                # otherwise each takes the writer in turn, so the dispatcher gets its turns.
                for event, done in batch:
                    if away:
                        await _settle(done, self._unavailable(event))
                        continue
                    async with self._writers:
                        await _settle(done, self._handle_once(event))
        finally:  # cancelled (shutdown): nobody is left waiting forever
            for _, done in [*batch, *self._queued]:
                if not done.done():
                    done.cancel()
            self._queued = []

    async def _handle_once(self, event: Incoming) -> Handled:
        try:
            return await self._handle(event, self._services)
        except Unavailable:
            return await self._unavailable(event)

    async def _unavailable(self, event: Incoming) -> Handled:
        """The database is away: not confirmed to Telegram, the sender told busy once."""
        log.warning("database unavailable; update %s is left for Telegram to redeliver",
                    event.update_id)
        if not event.media_group_id or event.edited:
            self._deferred.add(event.update_id)
        if event.kind == "callback":
            return Handled(callback_answer=BUSY_TEXT, callback_alert=True)
        if event.update_id in self._told_busy:
            return Handled()
        self._told_busy[event.update_id] = None
        if len(self._told_busy) > TOLD_BUSY_KEPT:
            del self._told_busy[next(iter(self._told_busy))]
        try:
            await self._send_busy(event)
        except Exception as exc:  # the reply is a courtesy; never mask the outage
            log.warning("could not send the busy reply: %s", type(exc).__name__)
        return Handled()


async def _settle(done: asyncio.Future[Handled], work: Awaitable[Handled]) -> None:
    """`done` given the outcome of `work` (a caller that stopped waiting is not told)."""
    try:
        result = await work
    except Exception as exc:  # the caller's to see, as without batches
        if not done.done():
            done.set_exception(exc)
        return
    if not done.done():
        done.set_result(result)
