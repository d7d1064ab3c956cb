"""Replies in the script the person writes in: Simplified is the source, Traditional by OpenCC."""

from __future__ import annotations

from functools import lru_cache

import opencc


@lru_cache(maxsize=1)
def _to_traditional() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def localize(text: str, script: str) -> str:
    """`text` (Simplified) as the reader writes: unchanged, or Traditional for "traditional"."""
    if script == "traditional" and text:
        return str(_to_traditional().convert(text))
    return text
