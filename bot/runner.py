"""Receiving updates: long polling (the default) or a webhook server, for either adapter.

Polling confirms a batch of updates (by asking for the next offset) only after every update in
it was handled, so a bot killed mid-batch gets the same updates again on restart and the
handlers' update-id dedup makes that harmless. Within a batch, each chat's updates run in order
and different chats run side by side.

The webhook answers Telegram after handling the update, for the same reason: an update whose
request failed is sent again. Requests without the right `X-Telegram-Bot-Api-Secret-Token`
are refused with 401 before anything is read.

An update that met the database away (`Intake.deferred`) is not confirmed: the webhook answers
503, which Telegram retries; polling confirms only the updates before it and asks again after
a pause. The rest of its chat waits for it, so the chat's order holds.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections import defaultdict
from typing import Any

from aiohttp import web

from bot.adapters import Adapter

log = logging.getLogger(__name__)

POLL_TIMEOUT = 25  # seconds Telegram holds a getUpdates open when there is nothing new
DATABASE_AWAY_PAUSE = 1.0  # seconds before asking again for updates the database could not take
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def feed_batch(adapter: Adapter, updates: list[Any]) -> list[int]:
    """Handle a batch: per chat in update order, chats concurrently; errors are logged.
    Returns the ids of the updates to be delivered again (the database was away)."""
    by_chat: dict[int | None, list[Any]] = defaultdict(list)
    for update in sorted(updates, key=adapter.update_id):
        by_chat[adapter.chat_of(update)].append(update)
    again: list[int] = []

    async def chat_in_order(chat_updates: list[Any]) -> None:
        for update in chat_updates:
            if not await feed_one(adapter, update):
                again.append(adapter.update_id(update))
                return  # the chat's later updates come again after it

    await asyncio.gather(*(chat_in_order(u) for u in by_chat.values()))
    return again


async def feed_one(adapter: Adapter, update: Any) -> bool:
    """Handle one update; False when Telegram must deliver it again."""
    try:
        await adapter.feed(update)
    except Exception:
        log.exception("update %s failed", adapter.update_id(update))
    return not adapter.intake.deferred(adapter.update_id(update))


async def poll(
    adapter: Adapter, stop: asyncio.Event, *, timeout: int = POLL_TIMEOUT,
    away_pause: float = DATABASE_AWAY_PAUSE,
) -> None:
    offset: int | None = None
    failures = 0
    webhook_cleared = False
    stopping = asyncio.ensure_future(stop.wait())
    try:
        while not stop.is_set():
            if webhook_cleared:
                fetch = asyncio.ensure_future(adapter.fetch_updates(offset, timeout))
            else:  # getUpdates is refused while a webhook is set
                fetch = asyncio.ensure_future(adapter.delete_webhook())
            await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not fetch.done():
                fetch.cancel()
                break
            try:
                updates = fetch.result()
            except Exception as exc:
                failures += 1
                delay = min(30.0, 0.5 * 2 ** min(failures, 6))
                log.warning("getUpdates failed (%s); again in %.1fs", type(exc).__name__, delay)
                await asyncio.wait({stopping}, timeout=delay)
                continue
            failures = 0
            if not webhook_cleared:
                webhook_cleared = True
                continue
            if updates:
                again = await feed_batch(adapter, updates)
                if again:
                    offset = min(again)
                    await asyncio.wait({stopping}, timeout=away_pause)
                else:
                    offset = max(adapter.update_id(u) for u in updates) + 1
    finally:
        stopping.cancel()
        await adapter.flush()


def webhook_app(adapter: Adapter, *, path: str, secret: str) -> web.Application:
    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("webhook: refused a request without the right secret token")
            return web.Response(status=401, text="unauthorized")
        try:
            update = adapter.parse_update(await request.json())
        except Exception:
            return web.Response(status=400, text="not an update")
        if not await feed_one(adapter, update):
            return web.Response(status=503, text="busy: deliver it again")
        return web.Response(status=200)

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "framework": adapter.name})

    app = web.Application()
    app.router.add_post(path, receive)
    app.router.add_get("/healthz", healthz)
    return app

