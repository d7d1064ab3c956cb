"""The outbox dispatcher: sends what `handlers/` wrote to the outbox, once, in order per chat.

`storage.outbox.claim_due` hands out at most one row per chat at a time (also across processes),
so order per chat is the database's; this module paces the calls to Telegram's limits
(`bot.pacing`), retries what may succeed later and records the outcome of each row:

| Telegram said                      | the row                                             |
|------------------------------------|-----------------------------------------------------|
| ok                                 | sent, with the message ids it created               |
| 429 retry_after                    | retried after retry_after; the chat is held as long |
| 5xx, timeout, connection lost      | retried with exponential backoff                    |
| 400 "message is not modified"      | sent (the chat already shows it)                    |
| 400 otherwise, 403                 | failed for good: the ticket's history records it    |
| 401/404 (our token or server)      | retried: the row is fine, the bot is misconfigured  |

It wakes at once when a handler commits (`wake`, which `Services.wake_outbox` calls) and
sweeps every few seconds for rows another process left behind or whose retry time came.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.pacing import Pacer
from bot.split import CAPTION_LIMIT, TEXT_LIMIT, split_html, units
from bot.telegram_api import BotAPI, NetworkError, TelegramError
from storage import outbox
from storage.outbox import OutboxMessage

log = logging.getLogger(__name__)

CALLBACK_DATA_LIMIT = 64  # bytes, https://core.telegram.org/bots/api#inlinekeyboardbutton
COALESCE = 0.005  # seconds
_HTML_METHODS = frozenset({"sendMessage", "sendPhoto", "editMessageText", "editMessageCaption"})


def _utcnow() -> datetime:
    return datetime.now(UTC)


class OutboxDispatcher:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        api: BotAPI,
        *,
        pacer: Pacer | None = None,
        clock: Callable[[], datetime] = _utcnow,
        sweep_every: float = 5.0,
        lease: timedelta = timedelta(seconds=60),
        max_in_flight: int = 64,
        backoff_base: float = 0.5,
        backoff_cap: float = 300.0,
        writers: asyncio.Semaphore | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._api = api
        self._pacer = pacer or Pacer()
        self._clock = clock
        self._sweep_every = sweep_every
        self._lease = lease
        self._max_in_flight = max_in_flight
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._writers = writers or _NoGate()
        self._woken = asyncio.Event()
        self._in_flight: set[asyncio.Task[None]] = set()
        # Parts of a split text already delivered, so a retry does not repeat them.
        self._partial: dict[int, list[int]] = {}
        # Rows sent and not yet recorded: their message ids and who waits for the record.
        self._sent: dict[int, tuple[list[int], asyncio.Future[None]]] = {}
        self._recording: asyncio.Future[None] | None = None

    def wake(self) -> None:
        """Something was committed to the outbox: look now."""
        self._woken.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set; then let the calls in flight finish (briefly)."""
        failures = 0
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                try:
                    timeout = await self._claim_and_start()
                    failures = 0
                except Exception as exc:  # the database is away: try again, a bit later
                    failures += 1
                    timeout = min(30.0, 0.5 * 2 ** min(failures, 6))
                    log.warning("outbox: cannot claim rows (%s); again in %.1fs",
                                type(exc).__name__, timeout)
                if timeout > 0:
                    woken = asyncio.ensure_future(self._woken.wait())
                    await asyncio.wait({woken, stopping}, timeout=timeout,
                                       return_when=asyncio.FIRST_COMPLETED)
                    woken.cancel()
                # Let a few commits and finished sends gather, so one claim serves them all
                # (each claim is a write transaction).
                await asyncio.sleep(COALESCE)
        finally:
            stopping.cancel()
            if self._in_flight:
                await asyncio.wait(self._in_flight, timeout=10)

    async def drain(self, *, timeout: float = 30.0) -> None:
        """Send until nothing is pending (tests, the console, a one-off run)."""
        stop = asyncio.Event()
        runner = asyncio.ensure_future(self.run(stop))
        try:
            async with asyncio.timeout(timeout):
                while await outbox.pending_count(self._sessionmaker):
                    await asyncio.sleep(0.02)
        finally:
            stop.set()
            await runner

    async def _claim_and_start(self) -> float:
        """Start sending what is due; return how long to wait before looking again."""
        self._woken.clear()
        free = self._max_in_flight - len(self._in_flight)
        if free <= 0:
            return self._sweep_every
        async with self._writers:
            rows = await outbox.claim_due(
                self._sessionmaker, now=self._clock(), limit=free, lease=self._lease
            )
        for row in rows:
            task = asyncio.ensure_future(self._send(row))
            self._in_flight.add(task)
            task.add_done_callback(self._finished)
        if len(rows) == free:
            return self._sweep_every  # full: a finished row wakes us
        async with self._writers:
            due = await outbox.next_due_at(self._sessionmaker)
        if due is None:
            return self._sweep_every
        wait = (due - self._clock()).total_seconds()
        # Due already: those rows' chats are busy with a row in flight, which wakes us.
        return self._sweep_every if wait <= 0 else min(self._sweep_every, wait)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._woken.set()  # the chat's next row may now be claimed
        if not task.cancelled() and task.exception() is not None:
            log.error("outbox: sending failed unexpectedly", exc_info=task.exception())

    # -- one row --------------------------------------------------------------------------
    async def _send(self, row: OutboxMessage) -> None:
        problem = _invalid(row)
        if problem:
            log.error("outbox row %s not sendable: %s", row.id, problem)
            await self._mark_failed(row, problem)
            return
        try:
            message_ids = await self._deliver(row)
        except TelegramError as exc:
            await self._on_refusal(row, exc)
            return
        except NetworkError as exc:
            await self._retry(row, f"network: {exc}")
            return
        except Exception as exc:
            log.exception("outbox row %s: unexpected error", row.id)
            await self._retry(row, f"unexpected: {type(exc).__name__}")
            return
        self._partial.pop(row.id, None)
        await self._mark_sent(row, message_ids)

    async def _on_refusal(self, row: OutboxMessage, exc: TelegramError) -> None:
        error = f"{exc.code} {exc.description}"
        if exc.code == 429:
            wait = float(exc.retry_after or 1)
            self._pacer.hold_chat(row.chat_id, wait)
            log.warning("outbox: 429 for chat %s, retry after %ss", row.chat_id, wait)
            await self._mark_retry(row, error, wait)
        elif exc.code == 400 and "message is not modified" in exc.description:
            self._partial.pop(row.id, None)
            await self._mark_sent(row, [])
        elif exc.code in (400, 403):
            if exc.migrate_to_chat_id:
                error += f" (the group is now chat {exc.migrate_to_chat_id}: bind it again)"
            log.warning("outbox row %s to chat %s failed for good: %s",
                        row.id, row.chat_id, error)
            self._partial.pop(row.id, None)
            await self._mark_failed(row, error)
        else:
            if exc.code in (401, 404):
                log.error("outbox: Telegram refused the bot itself (%s): check the token "
                          "and TELEGRAM_API_BASE", error)
            await self._retry(row, error)

    async def _retry(self, row: OutboxMessage, error: str) -> None:
        delay = min(self._backoff_cap, self._backoff_base * 2 ** max(0, row.attempts - 1))
        delay *= random.uniform(0.8, 1.2)
        await self._mark_retry(row, error, delay)

    async def _mark_sent(self, row: OutboxMessage, message_ids: list[int]) -> None:
        """Recorded with the other rows finished meanwhile, in one transaction; returns once
        it is committed (only then may the chat's next row be claimed)."""
        done = asyncio.get_running_loop().create_future()
        self._sent[row.id] = (message_ids, done)
        if self._recording is None or self._recording.done():
            self._recording = asyncio.ensure_future(self._record_sent())
        await done

    async def _record_sent(self) -> None:
        while self._sent:
            batch, self._sent = self._sent, {}
            try:
                async with self._writers:
                    missing = await outbox.mark_sent_many(
                        self._sessionmaker, {row_id: ids for row_id, (ids, _) in batch.items()},
                        now=self._clock())
            except Exception as exc:
                for _, done in batch.values():
                    if not done.done():
                        done.set_exception(exc)
                continue
            for row_id, (_, done) in batch.items():
                if not done.done():
                    if row_id in missing:
                        done.set_exception(LookupError(f"no outbox row {row_id}"))
                    else:
                        done.set_result(None)

    async def _mark_retry(self, row: OutboxMessage, error: str, wait: float) -> None:
        async with self._writers:
            await outbox.mark_retry(self._sessionmaker, row.id, error=error,
                                    next_attempt_at=self._clock() + timedelta(seconds=wait))

    async def _mark_failed(self, row: OutboxMessage, error: str) -> None:
        async with self._writers:
            await outbox.mark_failed(self._sessionmaker, row.id, error=error, now=self._clock())

    async def _call(self, chat_id: int, method: str, params: dict[str, Any],
                    count: int = 1) -> Any:
        for delay in (self._pacer.chat_delay(chat_id, count), self._pacer.overall_delay(count)):
            if delay > 0:
                await asyncio.sleep(delay)
        if method in _HTML_METHODS:
            params.setdefault("parse_mode", "HTML")
        return await self._api.call(method, {"chat_id": chat_id, **params})

    async def _deliver(self, row: OutboxMessage) -> list[int]:
        payload = dict(row.payload)
        if row.method == "sendMessage" and units(payload.get("text", "")) > TEXT_LIMIT:
            return await self._send_texts(row, payload, split_html(payload.pop("text")))
        if row.method == "sendPhoto" and units(payload.get("caption") or "") > CAPTION_LIMIT:
            # The photo first, bare; the long caption follows as text with the buttons.
            texts = split_html(payload.pop("caption"))
            markup = payload.pop("reply_markup", None)
            done = self._partial.setdefault(row.id, [])
            if not done:
                photo = await self._call(row.chat_id, "sendPhoto", payload)
                done.append(int(photo["message_id"]))
            text_payload: dict[str, Any] = {"reply_markup": markup} if markup else {}
            return await self._send_texts(row, text_payload, texts)
        if row.method == "sendMediaGroup":
            media = payload.get("media") or []
            for item in media:
                if item.get("caption"):
                    item.setdefault("parse_mode", "HTML")
            result = await self._call(row.chat_id, row.method, payload, count=len(media) or 1)
            return [int(m["message_id"]) for m in result]
        result = await self._call(row.chat_id, row.method, payload)
        if row.method.startswith("edit"):
            return []
        return [int(result["message_id"])]

    async def _send_texts(self, row: OutboxMessage, payload: dict[str, Any],
                          texts: list[str]) -> list[int]:
        """Several messages for one row; the buttons go with the last, the reply with the
        first. Parts already delivered by an earlier attempt are not sent again."""
        done = self._partial.setdefault(row.id, [])
        markup = payload.pop("reply_markup", None)
        reply = payload.pop("reply_parameters", None)
        already = len(done) - (1 if row.method == "sendPhoto" else 0)
        for index, text in enumerate(texts):
            if index < already:
                continue
            params = {**payload, "text": text}
            if index == 0 and reply and row.method == "sendMessage":
                params["reply_parameters"] = reply
            if index == len(texts) - 1 and markup:
                params["reply_markup"] = markup
            result = await self._call(row.chat_id, "sendMessage", params)
            done.append(int(result["message_id"]))
        return list(done)


class _NoGate:
    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc: object) -> None:
        return None


def _invalid(row: OutboxMessage) -> str | None:
    """A row Telegram would refuse for a reason a retry cannot fix, named clearly."""
    markup = row.payload.get("reply_markup") or {}
    for line in markup.get("inline_keyboard", []):
        for button in line:
            data = button.get("callback_data")
            if data is not None and len(data.encode()) > CALLBACK_DATA_LIMIT:
                return f"callback_data longer than {CALLBACK_DATA_LIMIT} bytes: {data[:80]!r}"
    return None
