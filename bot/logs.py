"""Logging for a running bot: nothing secret or personal reaches a log line.

The token is part of every Bot API URL, and libraries put URLs into their messages and
exceptions (httpx logs every request URL at INFO; aiohttp's `ClientResponseError` names it);
residents' words reach tracebacks through SQL parameters. `Redact`, on every handler of the
root logger, rewrites each record before it is written: the token (and anything shaped like a
Bot API token) becomes `<token>`, phone and ID card numbers and self-introduced names are masked
as they are in group chats (`handlers.notify.mask_personal`), in the message, the formatted
traceback and the stack.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from handlers.notify import mask_personal

TOKEN_MASK = "<token>"
# A Bot API token: the bot's numeric id, a colon, 35 characters of letters, digits, _ and -.
_TOKEN_SHAPED = re.compile(r"\d{6,12}:[A-Za-z0-9_-]{30,}")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries whose INFO lines are one per HTTP request (with the URL): only their warnings.
_CHATTY = ("httpx", "httpcore", "aiohttp.access")


class Redact(logging.Filter):
    """Masks secrets and personal data in every record that passes (never drops one)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        self._formatter = logging.Formatter()

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, TOKEN_MASK)
        return mask_personal(_TOKEN_SHAPED.sub(TOKEN_MASK, text))

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: leave the record to the formatter's report
            return True
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def install(redact: Redact, logger: logging.Logger | None = None) -> None:
    """Put `redact` on every handler of `logger` (the root by default)."""
    for handler in (logger or logging.getLogger()).handlers:
        if redact not in handler.filters:
            handler.addFilter(redact)


def configure(level: str, secrets: Iterable[str] = ()) -> Redact:
    """The bot's logging: to stderr at `level`, redacted; per-request library chatter off."""
    logging.basicConfig(level=level.upper(), format=FORMAT)
    for name in _CHATTY:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))
    redact = Redact(secrets)
    install(redact)
    return redact
