"""Splitting an HTML-formatted text into messages Telegram accepts (4096 characters each).

Cuts fall after a line break, a space or a Chinese full stop/comma when one is in the second
half of the part, never inside a tag or an entity (`&amp;`); tags open at a cut are closed
before it and opened again after it, so each part parses on its own. Lengths are counted on
the HTML source in UTF-16 units, never less than what Telegram counts (the text after
parsing), so no part is too long.
"""

from __future__ import annotations

import re

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

_TOKEN = re.compile(r"<[^>]*>|&[#\w]+;|[^<&\n ，。！？]+[\n ，。！？]*|[\n ，。！？]+|[<&]")
_TAG = re.compile(r"<\s*(/)?\s*([a-zA-Z0-9-]+)[^>]*?(/)?\s*>", re.S)
_PIECE = 256  # longest run of text without a break that is kept whole


def units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_html(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    if units(text) <= limit:
        return [text]
    tokens: list[str] = []
    for token in _TOKEN.findall(text):
        if token.startswith(("<", "&")):
            tokens.append(token)
        else:
            tokens.extend(token[i: i + _PIECE] for i in range(0, len(token), _PIECE))

    parts: list[str] = []
    prefix: list[tuple[str, str]] = []  # tags open where the current part starts
    current: list[str] = []
    for token in tokens:
        candidate = current + [token]
        if current and _size(prefix, candidate) > limit:
            cut = _best_cut(current)
            body, current = current[:cut], current[cut:]
            still_open = _open_after(prefix, body)
            parts.append(_render(prefix, body, still_open))
            prefix = still_open
            candidate = current + [token]
        current = candidate
    if current:
        parts.append(_render(prefix, current, _open_after(prefix, current)))
    return [p for p in parts if _visible(p)]


def _best_cut(tokens: list[str]) -> int:
    """After the last line break in the second half, else the last other break there, else
    after everything."""
    for breaks in ("\n", " ，。！？"):
        for i in range(len(tokens) - 1, len(tokens) // 2, -1):
            previous = tokens[i - 1]
            if previous[-1:] in breaks and not previous.startswith(("<", "&")):
                return i
    return len(tokens)


def _render(prefix: list[tuple[str, str]], body: list[str], still_open: list[tuple[str, str]]
            ) -> str:
    return (
        "".join(tag for _, tag in prefix) + "".join(body).rstrip("\n ")
        + "".join(f"</{name}>" for name, _ in reversed(still_open))
    )


def _size(prefix: list[tuple[str, str]], body: list[str]) -> int:
    return units(_render(prefix, body, _open_after(prefix, body)))


def _open_after(start: list[tuple[str, str]], tokens: list[str]) -> list[tuple[str, str]]:
    tags = list(start)
    for token in tokens:
        match = _TAG.fullmatch(token)
        if not match or match.group(3):
            continue
        name = match.group(2).lower()
        if match.group(1):
            for i in range(len(tags) - 1, -1, -1):
                if tags[i][0] == name:
                    del tags[i:]
                    break
        else:
            tags.append((name, token))
    return tags


def _visible(html: str) -> bool:
    return bool(re.sub(r"<[^>]*>", "", html).strip())
