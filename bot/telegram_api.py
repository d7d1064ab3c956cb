"""A thin Bot API client over aiohttp, used by the outbox dispatcher with either adapter.

It sends JSON, returns `result`, and turns every failure into one of two exceptions the
dispatcher can act on. The token is part of every URL, so no error text here ever contains a URL.

Files: the outbox holds JSON, so a file the bot made itself (the daily digest's chart) travels
base64-encoded under one of `UPLOADS`' keys, e.g. `{"photo_png_base64": "…", "caption": "…"}`
for sendPhoto; such a call is sent as multipart/form-data with the bytes as the `photo` part.
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import aiohttp

TELEGRAM_API = "https://api.telegram.org"
# payload key -> (Bot API parameter, file name, content type)
UPLOADS = {"photo_png_base64": ("photo", "chart.png", "image/png")}


class TelegramError(Exception):
    """Telegram answered, and said no (`ok: false`)."""

    def __init__(
        self, code: int, description: str, *, retry_after: float | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id


class NetworkError(Exception):
    """No answer: connection refused or dropped, timeout, or a reply that is not the Bot API's.

    `unknown_outcome` is True when the request may have reached Telegram (sent, then no
    answer), so retrying may deliver a message twice.
    """

    def __init__(self, reason: str, *, unknown_outcome: bool) -> None:
        super().__init__(reason)
        self.unknown_outcome = unknown_outcome


class BotAPI:
    def __init__(
        self, token: str, base: str | None = None, *, timeout: float = 20.0,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self._token = token
        self._base = (base or TELEGRAM_API).rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session = session
        self._own_session = session is None

    def _session_now(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=100),
                json_serialize=lambda obj: json.dumps(obj, ensure_ascii=False),
            )
            self._own_session = True
        return self._session

    async def close(self) -> None:
        if self._own_session and self._session is not None and not self._session.closed:
            await self._session.close()

    async def call(self, method: str, params: dict[str, Any]) -> Any:
        url = f"{self._base}/bot{self._token}/{method}"
        session = self._session_now()
        body_args: dict[str, Any] = {"json": params}
        if any(key in UPLOADS for key in params):
            body_args = {"data": _form(params)}
        try:
            async with session.post(url, **body_args, timeout=self._timeout) as response:
                try:
                    body = await response.json(content_type=None)
                except (json.JSONDecodeError, ValueError):
                    body = None
                status = response.status
        except TimeoutError:
            raise NetworkError("timeout", unknown_outcome=True) from None
        except aiohttp.ClientConnectorError as exc:
            raise NetworkError(f"cannot connect ({type(exc).__name__})",
                               unknown_outcome=False) from None
        except (aiohttp.ClientError, ConnectionError, asyncio.IncompleteReadError) as exc:
            raise NetworkError(f"connection lost ({type(exc).__name__})",
                               unknown_outcome=True) from None
        if not isinstance(body, dict) or "ok" not in body:
            if status >= 500 or status == 429:
                raise TelegramError(status, f"HTTP {status}")
            raise NetworkError(f"not a Bot API answer (HTTP {status})", unknown_outcome=True)
        if body["ok"]:
            return body.get("result")
        parameters = body.get("parameters") or {}
        raise TelegramError(
            int(body.get("error_code") or status),
            str(body.get("description") or ""),
            retry_after=parameters.get("retry_after"),
            migrate_to_chat_id=parameters.get("migrate_to_chat_id"),
        )


def _form(params: dict[str, Any]) -> aiohttp.FormData:
    """multipart/form-data: files from their base64, other values as the Bot API reads forms
    (objects and lists JSON-encoded)."""
    form = aiohttp.FormData()
    for key, value in params.items():
        upload = UPLOADS.get(key)
        if upload is not None:
            name, filename, content_type = upload
            form.add_field(name, base64.b64decode(value), filename=filename,
                           content_type=content_type)
        elif isinstance(value, dict | list | bool):
            form.add_field(key, json.dumps(value, ensure_ascii=False))
        elif value is not None:
            form.add_field(key, str(value))
    return form
