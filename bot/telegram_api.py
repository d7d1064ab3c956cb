"""A thin Bot API client over aiohttp, used by the outbox dispatcher with either adapter.

It sends JSON, returns `result`, and turns every failure into one of two exceptions the
dispatcher can act on. The token is part of every URL, so no error text here ever contains a URL.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

TELEGRAM_API = "https://api.telegram.org"


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
        try:
            async with session.post(url, json=params, timeout=self._timeout) as response:
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
