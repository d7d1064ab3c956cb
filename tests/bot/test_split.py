"""Long texts become several messages, each within Telegram's limit and each valid HTML."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from bot.split import split_html, units


def _balanced(html: str) -> bool:
    stack: list[str] = []

    class Checker(HTMLParser):
        def handle_starttag(self, tag, attrs):
            stack.append(tag)

        def handle_endtag(self, tag):
            assert stack and stack.pop() == tag, f"unbalanced </{tag}> in {html[:60]}"

    Checker().feed(html)
    return not stack


def _visible(parts: list[str]) -> str:
    return "".join(re.sub(r"<[^>]*>", "", p) for p in parts)


def test_a_short_text_is_one_message():
    assert split_html("已收到，工单 #42") == ["已收到，工单 #42"]


def test_a_long_text_splits_at_line_breaks_within_the_limit():
    lines = [f"#{i} 龙泉小区3号楼 路灯不亮，已派单。" for i in range(400)]
    text = "\n".join(lines)
    parts = split_html(text, limit=4096)
    assert len(parts) > 1
    assert all(units(p) <= 4096 for p in parts)
    assert all(p.endswith("已派单。") for p in parts)  # whole lines
    assert _visible(parts).replace("\n", "") == text.replace("\n", "")


def test_tags_open_at_a_cut_are_closed_and_reopened():
    text = "<b>" + "很长的内容。" * 300 + "</b><i>尾巴</i>"
    parts = split_html(text, limit=500)
    assert len(parts) > 3
    assert all(units(p) <= 500 for p in parts)
    assert all(_balanced(p) for p in parts)
    assert all(p.startswith("<b>") for p in parts[:-1])


def test_entities_and_tags_are_never_cut():
    text = "&lt;script&gt;" * 200 + '<a href="https://example.org/x">链接</a>' * 50
    parts = split_html(text, limit=300)
    for part in parts:
        assert units(part) <= 300
        assert not re.search(r"&[#\w]*$", part) and not re.search(r"<[^>]*$", part)
        assert _balanced(part)


def test_text_without_any_break_is_cut_hard():
    text = "啊" * 10_000
    parts = split_html(text)
    assert [units(p) for p in parts][:2] == [4096, 4096] or all(units(p) <= 4096 for p in parts)
    assert "".join(parts) == text


def test_emoji_count_as_two_units():
    text = "😀" * 3000  # 6000 UTF-16 units
    parts = split_html(text)
    assert len(parts) == 2 and all(units(p) <= 4096 for p in parts)
