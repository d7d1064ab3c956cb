"""Inline keyboards as Bot API JSON, and the callback data the bot understands.

Callback data carries ids, never text, and stays within Telegram's 64 bytes:
`<verb>:<arg>[:<arg>]`, e.g. `r:42:3` (rate ticket 42 满意), `cat:7:noise` (draft 7 is noise).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_CALLBACK_BYTES = 64

Button = tuple[str, str]  # (label, callback data)


def inline(*rows: list[Button]) -> dict[str, Any]:
    """`reply_markup` for an inline keyboard; raises if a callback data is too long."""
    keyboard = []
    for row in rows:
        buttons = []
        for label, data in row:
            if len(data.encode()) > MAX_CALLBACK_BYTES:
                raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
            buttons.append({"text": label, "callback_data": data})
        keyboard.append(buttons)
    return {"inline_keyboard": keyboard}


@dataclass(frozen=True, slots=True)
class Callback:
    verb: str
    args: tuple[str, ...]

    def number(self, index: int = 0) -> int | None:
        """The argument at `index` as a positive integer (a ticket or draft number), or None."""
        try:
            value = int(self.args[index])
        except (IndexError, ValueError):
            return None
        return value if value > 0 else None


def parse_callback(data: str | None) -> Callback | None:
    """None for data the bot never sends (forged, truncated or from an old version)."""
    if not data or len(data.encode()) > MAX_CALLBACK_BYTES:
        return None
    verb, *args = data.split(":")
    if not verb or not verb.isascii():
        return None
    return Callback(verb, tuple(args))
