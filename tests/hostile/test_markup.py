"""Markup in people's words never breaks or injects into a message: every text the bot sends is
parsed as Telegram parses HTML (only the tags the bot itself uses, balanced, every `<` and `&`
part of a tag or an entity), and what the resident or staff wrote shows as they wrote it."""

from __future__ import annotations

import html
import itertools
import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from handlers.events import Person
from tests.handlers.chat import Conversation
from tests.hostile.conftest import HOSTILE, Street
from tests.storage.builders import LONGQUAN_GROUP, T0

# The tags the bot writes itself (handlers/ uses <b> and <code>); Telegram knows a few more.
BOT_TAGS = {"b", "code"}
_TOKEN = re.compile(r"<[^>]*>?|&[^;\s<&]*;?")
_TAG = re.compile(r"<(/?)([a-z-]+)>")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});")
_senders = itertools.count(80_000)

FRAGMENTS = ["<b>加粗</b>", "</a>", "<a href=\"http://x\">链接</a>", "&", "&amp;", "&lt;",
             "<script>alert(1)</script>", "a < b > c", "<i>", "</b>", "<code>", "&#x1F600;",
             "<pre>", "<<>>", "&&;", "<tg-spoiler>"]
hostile = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=4).map(" ".join)


def telegram_parse(text: str) -> str:
    """The visible text of an HTML message, or AssertionError where Telegram would refuse it
    ("can't parse entities") or where a tag is not one the bot writes."""
    stack: list[str] = []
    visible: list[str] = []
    position = 0
    for token in _TOKEN.finditer(text):
        between = text[position:token.start()]
        assert ">" not in between, f"a bare > in {text!r}"
        visible.append(between)
        position = token.end()
        value = token.group()
        if value.startswith("<"):
            tag = _TAG.fullmatch(value)
            assert tag and tag.group(2) in BOT_TAGS, f"not the bot's tag: {value!r} in {text!r}"
            if tag.group(1):
                assert stack and stack.pop() == tag.group(2), f"unbalanced {value!r} in {text!r}"
            else:
                stack.append(tag.group(2))
        else:
            assert _ENTITY.fullmatch(value), f"a bare & in {text!r}"
            visible.append(html.unescape(value))
    assert ">" not in text[position:], f"a bare > in {text!r}"
    visible.append(text[position:])
    assert not stack, f"unclosed <{stack[-1]}> in {text!r}"
    return "".join(visible)


def texts_of(payload: dict[str, Any]) -> list[str]:
    if "media" in payload:
        return [m["caption"] for m in payload["media"] if m.get("caption")]
    return [t for t in (payload.get("text"), payload.get("caption")) if t]


def parse_all(chat: Conversation, since: int) -> str:
    """Parses everything sent after `since`; returns all visible text, joined."""
    seen = []
    for sent in chat.sent[since:]:
        for text in texts_of(sent.payload):
            if sent.payload.get("parse_mode") == "HTML" or "media" in sent.payload:
                seen.append(telegram_parse(text))
    return "\n".join(seen)


@HOSTILE
@given(words=hostile)
async def test_markup_in_a_report_and_a_staff_reply_shows_as_written(
    street: Street, classifier, words
):
    chat = Conversation(street.database, classifier, now=T0)
    # Update and message ids unique across examples (the same update id is handled once).
    chat._ids = chat._message_ids = itertools.count(next(_senders) * 100)
    resident = Person(next(_senders), "居民")
    since = len(chat.sent)
    building = resident.id  # its own building: a new ticket, not a duplicate of the last
    await chat.says(resident, f"龙泉小区{building}号楼楼道灯坏了 {words}")
    visible = parse_all(chat, since)
    assert words in visible, "the report, as written, on its card and notices"

    cards = [s for s in chat.sent[since:] if s.chat_id == LONGQUAN_GROUP and s.buttons]
    assert cards, "the report opened no ticket"
    since = len(chat.sent)  # a staff member answers the resident by replying to the card
    await chat.says(Person(101, "王网格员"), f"已安排 {words}", chat_id=LONGQUAN_GROUP,
                    reply_to=cards[-1])
    visible = parse_all(chat, since)
    assert words in visible, "the staff's words, relayed to the resident as written"


def test_the_parser_refuses_what_telegram_refuses():
    assert telegram_parse("<b>工单 #1</b> &lt;b&gt; &amp;") == "工单 #1 <b> &"
    for broken in ["<script>x</script>", "a & b", "<b>x", "</b>", "a > b", "<a href='x'>y</a>"]:
        try:
            telegram_parse(broken)
        except AssertionError:
            continue
        raise AssertionError(f"{broken!r} passed")
