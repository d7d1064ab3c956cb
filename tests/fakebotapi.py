"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests: no test touches Telegram.

It serves what the bot uses (getMe, getUpdates with long polling, the send and edit methods,
answerCallbackQuery, set/deleteWebhook, setMyCommands, getFile), records every request, keeps
what was "delivered" per chat, and lets a test:
- inject updates for polling (`add_update`) or POST them to the bot's webhook (`post_webhook`);
- inject faults for N calls or for a time window: 429 with retry_after, 500, slow responses,
  dropped connections (`fault(...)`);
- block a chat (403, as when a user blocks the bot).

Requests are accepted as JSON, urlencoded or multipart (aiogram and PTB send forms with
JSON-encoded fields; our dispatcher sends JSON).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientSession, web

TOKEN = "123456:TEST-fake-token"
BOT_USER = {
    "id": 123456, "is_bot": True, "first_name": "社区助手", "username": "intake_test_bot",
    "can_join_groups": True, "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendMediaGroup"})
EDIT_METHODS = frozenset({"editMessageText", "editMessageReplyMarkup", "editMessageCaption"})
OUTBOX_METHODS = SEND_METHODS | EDIT_METHODS
_INT_PARAMS = frozenset({
    "chat_id", "message_id", "offset", "limit", "timeout", "reply_to_message_id",
    "max_connections", "cache_time", "user_id",
})


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    outcome: str = "ok"  # ok | error NNN | slow | dropped


@dataclass
class Delivered:
    """A message as the chat sees it (or an edit of one)."""

    chat_id: int
    message_id: int
    method: str
    params: dict[str, Any]
    slow: bool = False  # delivered by a call whose answer came late: the bot may retry it

    @property
    def text(self) -> str | None:
        return self.params.get("text") or self.params.get("caption")

    @property
    def buttons(self) -> list[tuple[str, str]]:
        markup = self.params.get("reply_markup") or {}
        return [(b["text"], b.get("callback_data", "")) for row in
                markup.get("inline_keyboard", []) for b in row]


@dataclass
class Fault:
    kind: str  # "429" | "500" | "slow" | "drop"
    methods: frozenset[str]
    calls: int | None
    until: float | None
    retry_after: int = 1
    delay: float = 0.0

    def active(self, method: str, now: float) -> bool:
        if method not in self.methods:
            return False
        if self.until is not None and now >= self.until:
            return False
        return self.calls is None or self.calls > 0


@dataclass
class FakeBotAPI:
    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    delivered: list[Delivered] = field(default_factory=list)
    webhook: dict[str, Any] | None = None
    blocked: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1000)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._new_updates = asyncio.Event()
        self._faults: list[Fault] = []
        self._runner: web.AppRunner | None = None
        self.confirmed_offset = 0
        self.port = 0
        self.latency = 0.0  # seconds each send or edit takes, as a real server's would

    # -- lifecycle --------------------------------------------------------------------------
    async def start(self) -> FakeBotAPI:
        app = web.Application(client_max_size=10 * 2**20)
        app.router.add_route("*", "/bot{token}/{method}", self._serve)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._serve_file)
        app.router.add_post("/_control/updates", self._control_updates)
        app.router.add_get("/_control/stats", self._control_stats)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        self._new_updates.set()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- what a test does -------------------------------------------------------------------
    def add_update(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates; returns its update_id."""
        update.setdefault("update_id", next(self._update_ids))
        self._updates.append(update)
        self._new_updates.set()
        return int(update["update_id"])

    async def post_webhook(
        self, update: dict[str, Any], *, secret: str | None = "use-set", url: str | None = None,
    ) -> int:
        """POST an update to the webhook the bot set (with the secret it set, unless told
        otherwise); returns the HTTP status."""
        assert self.webhook is not None or url is not None, "the bot set no webhook"
        target = url or self.webhook["url"]  # type: ignore[index]
        if secret == "use-set":
            secret = (self.webhook or {}).get("secret_token")
        update.setdefault("update_id", next(self._update_ids))
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        async with ClientSession() as session, session.post(
            target, json=update, headers=headers
        ) as response:
            return response.status

    def fault(
        self, kind: str, *, calls: int | None = None, seconds: float | None = None,
        methods: Iterable[str] = OUTBOX_METHODS, retry_after: int = 1, delay: float = 0.0,
    ) -> Fault:
        """Fail the next `calls` calls of `methods`, or all of them for `seconds`."""
        until = time.monotonic() + seconds if seconds is not None else None
        fault = Fault(kind, frozenset(methods), calls, until, retry_after, delay)
        self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self._faults.clear()

    def calls_of(self, *methods: str) -> list[Call]:
        return [c for c in self.calls if c.method in methods]

    def to_chat(self, chat_id: int) -> list[Delivered]:
        return [d for d in self.delivered if d.chat_id == chat_id]

    async def wait_for(
        self, condition: Callable[[], object], *, timeout: float = 5.0, what: str = "",
    ) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or condition}")
            await asyncio.sleep(0.01)

    # -- the server -------------------------------------------------------------------------
    async def _params(self, request: web.Request) -> dict[str, Any]:
        raw: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            body = await request.read()
            if body:
                raw.update(json.loads(body))
            return raw
        if request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, str):
                    raw[key] = value
                else:  # an uploaded file: its bytes, for tests to look at
                    with value.file:  # aiohttp's temporary file, closed once read
                        raw[key] = value.file.read()
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if isinstance(value, str) and key in _INT_PARAMS and value.lstrip("-").isdigit():
                params[key] = int(value)
            elif isinstance(value, str) and value[:1] in "[{":
                try:
                    params[key] = json.loads(value)
                except json.JSONDecodeError:
                    params[key] = value
            else:
                params[key] = value
        return params

    def _active_fault(self, method: str) -> Fault | None:
        now = time.monotonic()
        for fault in self._faults:
            if fault.active(method, now):
                if fault.calls is not None:
                    fault.calls -= 1
                return fault
        return None

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params, time.monotonic())
        self.calls.append(call)
        if request.match_info["token"] != self.token:
            call.outcome = "error 401"
            return _error(401, "Unauthorized")
        slow = False
        fault = self._active_fault(method)
        if fault is not None:
            if fault.kind == "drop":
                call.outcome = "dropped"
                assert request.transport is not None
                request.transport.close()
                raise asyncio.CancelledError  # aiohttp ends the handler without answering
            if fault.kind == "slow":
                call.outcome, slow = "slow", True
                await asyncio.sleep(fault.delay)
            elif fault.kind == "429":
                call.outcome = "error 429"
                return _error(429, f"Too Many Requests: retry after {fault.retry_after}",
                              {"retry_after": fault.retry_after})
            else:
                call.outcome = f"error {fault.kind}"
                return _error(int(fault.kind), "Internal Server Error")
        if self.latency and method in OUTBOX_METHODS:
            await asyncio.sleep(self.latency)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            call.outcome = "error 404"
            return _error(404, "Not Found: method not found")
        chat_id = params.get("chat_id")
        if isinstance(chat_id, int) and chat_id in self.blocked:
            call.outcome = "error 403"
            return _error(403, "Forbidden: bot was blocked by the user")
        try:
            if method in ("getUpdates",):
                result = await handler(params)
            else:
                result = handler(params, slow)
        except _BadRequest as exc:
            call.outcome = "error 400"
            return _error(400, f"Bad Request: {exc}")
        return web.json_response({"ok": True, "result": result})

    # -- control, for a fake server in another process (bench/e2e.py) -----------------------
    async def _control_updates(self, request: web.Request) -> web.Response:
        ids = [self.add_update(update) for update in await request.json()]
        return web.json_response(ids)

    async def _control_stats(self, request: web.Request) -> web.Response:
        return web.json_response({
            "delivered": len(self.delivered), "calls": len(self.calls),
            "confirmed_offset": self.confirmed_offset, "queued_updates": len(self._updates),
        })

    async def _serve_file(self, request: web.Request) -> web.Response:
        return web.Response(body=b"\x89PNG fake")

    # -- methods ----------------------------------------------------------------------------
    def _m_getMe(self, params: dict[str, Any], slow: bool) -> dict[str, Any]:
        return BOT_USER

    async def _m_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        if offset:
            self.confirmed_offset = max(self.confirmed_offset, offset)
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if not self._updates and timeout > 0:
            self._new_updates.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_updates.wait(), timeout)
        return self._updates[:limit]

    def _m_setWebhook(self, params: dict[str, Any], slow: bool) -> bool:
        self.webhook = params
        return True

    def _m_deleteWebhook(self, params: dict[str, Any], slow: bool) -> bool:
        self.webhook = None
        return True

    def _m_getWebhookInfo(self, params: dict[str, Any], slow: bool) -> dict[str, Any]:
        return {"url": (self.webhook or {}).get("url", ""), "has_custom_certificate": False,
                "pending_update_count": len(self._updates)}

    def _m_setMyCommands(self, params: dict[str, Any], slow: bool) -> bool:
        return True

    def _m_answerCallbackQuery(self, params: dict[str, Any], slow: bool) -> bool:
        return True

    def _m_getFile(self, params: dict[str, Any], slow: bool) -> dict[str, Any]:
        file_id = str(params["file_id"])
        return {"file_id": file_id, "file_unique_id": file_id[-8:],
                "file_path": f"photos/{file_id}.jpg", "file_size": 9}

    def _new_message(
        self, method: str, params: dict[str, Any], slow: bool, extra: dict[str, Any],
    ) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        message_id = next(counter)
        message = {
            "message_id": message_id, "date": int(time.time()),
            "chat": _chat(chat_id), "from": {k: BOT_USER[k] for k in
                                             ("id", "is_bot", "first_name", "username")},
            **extra,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self._messages[(chat_id, message_id)] = message
        self.delivered.append(Delivered(chat_id, message_id, method, params, slow))
        return message

    def _m_sendMessage(self, params: dict[str, Any], slow: bool) -> dict[str, Any]:
        text = str(params.get("text") or "")
        if not text.strip():
            raise _BadRequest("message text is empty")
        if len(text) > 4096:
            raise _BadRequest("message is too long")
        _check_markup(params)
        return self._new_message("sendMessage", params, slow, {"text": text})

    def _m_sendPhoto(self, params: dict[str, Any], slow: bool) -> dict[str, Any]:
        caption = params.get("caption")
        if caption is not None and len(str(caption)) > 1024:
            raise _BadRequest("message caption is too long")
        _check_markup(params)
        photo = [{"file_id": str(params["photo"]), "file_unique_id": "u1", "width": 800,
                  "height": 600}]
        extra: dict[str, Any] = {"photo": photo}
        if caption is not None:
            extra["caption"] = caption
        return self._new_message("sendPhoto", params, slow, extra)

    def _m_sendMediaGroup(self, params: dict[str, Any], slow: bool) -> list[dict[str, Any]]:
        media = params.get("media") or []
        if not 2 <= len(media) <= 10:
            raise _BadRequest("wrong number of messages in the media group")
        group = f"mg{len(self.delivered)}"
        messages = []
        for item in media:
            extra: dict[str, Any] = {
                "media_group_id": group,
                "photo": [{"file_id": item["media"], "file_unique_id": "u", "width": 1,
                           "height": 1}],
            }
            if item.get("caption"):
                extra["caption"] = item["caption"]
            messages.append(self._new_message("sendMediaGroup", {**params, "media": [item]},
                                              slow, extra))
        return messages

    def _edit(self, method: str, params: dict[str, Any], slow: bool,
              changes: dict[str, Any]) -> dict[str, Any]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        message = self._messages.get(key)
        if message is None:
            raise _BadRequest("message to edit not found")
        _check_markup(params)
        changes = {**changes, "reply_markup": params.get("reply_markup")}
        if all(message.get(k) == v for k, v in changes.items()):
            raise _BadRequest(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        for k, v in changes.items():
            if v is None:
                message.pop(k, None)
            else:
                message[k] = v
        self.delivered.append(Delivered(key[0], key[1], method, params, slow))
        return {**message, "edit_date": int(time.time())}

    def _m_editMessageText(self, params: dict[str, Any], slow: bool) -> dict[str, Any]:
        return self._edit("editMessageText", params, slow, {"text": params.get("text")})

    def _m_editMessageCaption(self, params: dict[str, Any], slow: bool) -> dict[str, Any]:
        return self._edit("editMessageCaption", params, slow,
                          {"caption": params.get("caption")})

    def _m_editMessageReplyMarkup(self, params: dict[str, Any], slow: bool) -> dict[str, Any]:
        return self._edit("editMessageReplyMarkup", params, slow, {})


class _BadRequest(Exception):
    pass


def _error(code: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=code)


def _check_markup(params: dict[str, Any]) -> None:
    markup = params.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise _BadRequest("BUTTON_DATA_INVALID")


def _chat(chat_id: int) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "居民"}
    return {"id": chat_id, "type": "supergroup", "title": "龙泉网格工作群"}


# -- updates as Telegram sends them ---------------------------------------------------------
_message_ids = itertools.count(500)


def _user(user_id: int, name: str = "张三") -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": name, "language_code": "zh-hans"}


def message_update(
    chat_id: int, *, text: str | None = None, user_id: int | None = None, name: str = "张三",
    chat_type: str | None = None, title: str | None = None, reply_to: int | None = None,
    edited: bool = False, **content: Any,
) -> dict[str, Any]:
    """An update carrying one message. `content` is any other Message field (photo, caption,
    location, contact, sticker, voice, media_group_id, forward_origin, ...)."""
    chat_type = chat_type or ("private" if chat_id > 0 else "supergroup")
    chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        chat["first_name"] = name
    else:
        chat["title"] = title or "龙泉网格工作群"
    message: dict[str, Any] = {
        "message_id": next(_message_ids), "date": int(time.time()), "chat": chat,
        "from": _user(user_id or chat_id, name), **content,
    }
    if text is not None:
        message["text"] = text
    if reply_to is not None:
        message["reply_to_message"] = {
            "message_id": reply_to, "date": int(time.time()), "chat": chat,
            "from": {k: BOT_USER[k] for k in ("id", "is_bot", "first_name")}, "text": "…",
        }
    if edited:
        message["edit_date"] = int(time.time())
        return {"edited_message": message}
    return {"message": message}


def photo_sizes(file_id: str) -> list[dict[str, Any]]:
    """How Telegram describes one photo: several sizes, smallest first."""
    return [
        {"file_id": f"{file_id}-s", "file_unique_id": f"{file_id}s", "width": 90, "height": 67},
        {"file_id": f"{file_id}-m", "file_unique_id": f"{file_id}m", "width": 320,
         "height": 240},
        {"file_id": file_id, "file_unique_id": f"{file_id}x", "width": 1280, "height": 960},
    ]


def album_updates(
    chat_id: int, file_ids: list[str], *, caption: str | None = None, group: str = "album1",
) -> list[dict[str, Any]]:
    updates = []
    for i, file_id in enumerate(file_ids):
        extra: dict[str, Any] = {"photo": photo_sizes(file_id), "media_group_id": group}
        if caption and i == 0:
            extra["caption"] = caption
        updates.append(message_update(chat_id, **extra))
    return updates


def callback_update(
    chat_id: int, data: str, *, message_id: int, user_id: int | None = None, name: str = "张三",
    query_id: str | None = None,
) -> dict[str, Any]:
    chat = _chat(chat_id)
    return {"callback_query": {
        "id": query_id or f"cq{next(_message_ids)}",
        "from": _user(user_id or chat_id, name),
        "chat_instance": f"ci{chat_id}",
        "data": data,
        "message": {"message_id": message_id, "date": int(time.time()), "chat": chat,
                    "from": {k: BOT_USER[k] for k in ("id", "is_bot", "first_name")},
                    "text": "…"},
    }}


async def _serve_forever() -> None:
    server = await FakeBotAPI().start()
    print(server.port, flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":  # python -m tests.fakebotapi: serve on a free port, print it
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve_forever())
