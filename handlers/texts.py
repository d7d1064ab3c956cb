"""Replies in the script the person writes in: Simplified is the source, Traditional by OpenCC."""

from __future__ import annotations

import html
from functools import lru_cache
from typing import Any

import opencc

# Where OpenCC's character conversion picks the wrong one of two Traditional forms.
_FIXES = {"回複": "回覆"}


def escape(text: str | None) -> str:
    """People's words for a message sent with parse_mode HTML (quotes need no escaping there)."""
    return html.escape(text or "", quote=False)


@lru_cache(maxsize=1)
def _to_traditional() -> opencc.OpenCC:
    # Taiwan standard characters (為, 裡), without its vocabulary changes (軟件 stays 軟件).
    return opencc.OpenCC("s2tw")


def localize(text: str, script: str) -> str:
    """`text` (Simplified) as the reader writes: unchanged, or Traditional for "traditional"."""
    if script == "traditional" and text:
        # OpenCC cannot take a lone surrogate (UTF-16 debris in pasted text): drop it.
        text = text.encode("utf-8", "ignore").decode("utf-8")
        converted = str(_to_traditional().convert(text))
        for wrong, right in _FIXES.items():
            converted = converted.replace(wrong, right)
        return converted
    return text


def localize_markup(markup: dict[str, Any] | None, script: str) -> dict[str, Any] | None:
    """An inline keyboard with its labels in the reader's script (callback data unchanged)."""
    if not markup or script != "traditional":
        return markup
    return {
        **markup,
        "inline_keyboard": [
            [{**button, "text": localize(button["text"], script)} for button in row]
            for row in markup.get("inline_keyboard", [])
        ],
    }
