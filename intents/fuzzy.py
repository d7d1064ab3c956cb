"""Typo-tolerant matching: residents type with pinyin input methods, so their typos are
homophones (拉圾 for 垃圾, 充电装 for 充电桩, 电悌 for 电梯). A window of the message
matches a lexicon word when it sounds the same and shares characters with it.

A homophone that is itself a common word was meant as that word: 可以 is not a typo of 可疑,
事情 not of 实情. Such windows are never matched, nor are windows that cut a common word in
two (销广告 out of 促销广告), nor windows whose only shared characters are particles (打了 is
not 搭了: the 了 proves nothing).
"""

from __future__ import annotations

import importlib.util
import json
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz


# Code points of the CJK blocks residents write in (Extension A and the Unified block): their
# syllables are kept in a tuple indexed by code point, the rarer ones in a dict.
_TABLE_FIRST, _TABLE_LAST = 0x3400, 0x9FFF


@lru_cache(maxsize=1)
def _sound_table() -> tuple[tuple[str | None, ...], dict[int, str]]:
    """Each character's syllable as `SoundIndex` compares them: the first of its readings in
    pypinyin's table, without the tone, blurred (`_BLUR`).

    Read from the package's data file: importing `pypinyin` itself would also load its phrase
    dictionary (about 55 MB of memory) that matching single characters never uses. Only the
    syllable is kept, one shared string per syllable (about 400): the table of all readings
    as pypinyin writes them held 10 MB."""
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("pypinyin is not installed")
    table = Path(next(iter(spec.submodule_search_locations))) / "pinyin_dict.json"
    shared: dict[str, str] = {}
    block: list[str | None] = [None] * (_TABLE_LAST - _TABLE_FIRST + 1)
    others: dict[int, str] = {}
    for code, readings in json.loads(table.read_text("utf-8")).items():
        sound = _strip_tone(readings.split(",")[0])
        for pattern, repl in _BLUR:
            sound = pattern.sub(repl, sound)
        sound = shared.setdefault(sound, sound)
        point = int(code)
        if _TABLE_FIRST <= point <= _TABLE_LAST:
            block[point - _TABLE_FIRST] = sound
        else:
            others[point] = sound
    return tuple(block), others


_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_HAN_WORD = re.compile(r"^[\u4e00-\u9fff]{2,6}$")
# Pinyin input methods commonly blur these (模糊音): zh/z, ch/c, sh/s, -ing/-in, -eng/-en.
_BLUR = ((re.compile(r"^([zcs])h"), r"\1"), (re.compile(r"(i|e)ng$"), r"\1n"))
# Four or more syllables may also differ a little in sound (rapidfuzz ratio on the pinyin).
_LONG = 4
_LONG_CUTOFF = 90.0
_WORDS = ""  # the trie key under which a node keeps the words that end there
# Characters too common to show that a window was written like a word: grammatical
# particles, pronouns, copulas. A window must share something more with the word.
_FUNCTION_CHARS = frozenset(
    "了的地得着过吗呢吧啊呀嘛么哦哈是有在和与就都也还又把被给让对从向很太我你他她它们这那个一不没"
)


@dataclass(frozen=True, slots=True)
class FuzzyHit:
    word: str  # the lexicon word
    found: str  # what the message says
    similarity: float  # 0..1


def _strip_tone(reading: str) -> str:
    base = unicodedata.normalize("NFD", reading)
    return "".join(c for c in base if not unicodedata.combining(c))


class SoundIndex:
    """Lexicon words by how they sound: a trie over pinyin syllables, built once."""

    def __init__(
        self, words: Iterable[str], is_common: Callable[[str], bool] | None = None
    ) -> None:
        """`is_common` tells a word residents write on purpose (jieba frequency, a stop list):
        a window that is one is never taken for a typo."""
        self._is_common = is_common or (lambda _: False)
        self._block, self._others = _sound_table()
        self._syllables: dict[str, str] = {}
        self._trie: dict[str, Any] = {}
        for word in sorted(set(words)):
            if _HAN_WORD.match(word):
                node = self._trie
                for syllable in self.syllables(word):
                    node = node.setdefault(syllable, {})
                node.setdefault(_WORDS, []).append(word)

    def syllable(self, char: str) -> str:
        cached = self._syllables.get(char)
        if cached is None:
            point = ord(char)
            sound = (self._block[point - _TABLE_FIRST] if _TABLE_FIRST <= point <= _TABLE_LAST
                     else self._others.get(point))
            if sound is None:  # no reading: the character stands for itself, blurred too
                sound = char
                for pattern, repl in _BLUR:
                    sound = pattern.sub(repl, sound)
            cached = self._syllables[char] = sound
        return cached

    def syllables(self, text: str) -> list[str]:
        return [self.syllable(c) for c in text]

    def matches(
        self, text: str, known: set[str], inside_words: Collection[int] = ()
    ) -> list[FuzzyHit]:
        """Words of the lexicon that `text` misspells; `known` are exact finds to skip.

        `inside_words` are offsets of `text` that fall inside a common word (the boundary
        before character i is inside it): a window may not begin or end there.
        """
        hits: dict[str, FuzzyHit] = {}
        for found in _HAN_RUN.finditer(text):
            run, offset = found.group(), found.start()
            sounds = self.syllables(run)
            for start in range(len(run) - 1):
                if offset + start in inside_words:
                    continue
                for word, end, slips in self._walk(sounds, start, self._trie, start, 0):
                    window = run[start:end]
                    if window in known or word in known or word in hits:
                        continue
                    if offset + end in inside_words or self._is_common(window):
                        continue
                    hit = _judge(window, word, slips, sounds[start:end], self.syllables(word))
                    if hit is not None:
                        hits[word] = hit
        return list(hits.values())

    def _walk(
        self, sounds: list[str], start: int, node: dict[str, Any], at: int, slips: int
    ) -> Iterable[tuple[str, int, int]]:
        """Words whose syllables follow `sounds` from `start`; long ones may slip once."""
        for word in node.get(_WORDS, ()):
            yield word, at, slips
        if at == len(sounds):
            return
        child = node.get(sounds[at])
        if child is not None:
            yield from self._walk(sounds, start, child, at + 1, slips)
        if slips == 0 and at - start >= 2:
            # A slip is only allowed inside a long word, after two syllables agreed.
            for syllable, other in node.items():
                if syllable not in (_WORDS, sounds[at]):
                    yield from self._walk(sounds, start, other, at + 1, 1)


def _judge(
    window: str, word: str, slips: int, heard: list[str], meant: list[str]
) -> FuzzyHit | None:
    if slips == 0:
        return FuzzyHit(word, window, 1.0) if _close_in_writing(window, word) else None
    if len(word) < _LONG:
        return None
    similarity = fuzz.ratio(" ".join(heard), " ".join(meant))
    if similarity < _LONG_CUTOFF or not _close_in_writing(window, word, allowed=1):
        return None
    return FuzzyHit(word, window, similarity / 100.0)


def _close_in_writing(window: str, word: str, allowed: int | None = None) -> bool:
    """At most a third of the characters differ (one in 2–3, two in 6), and one is shared.

    Sound alone would marry unrelated words that happen to be homophones (攻势/公事).
    """
    differing = sum(a != b for a, b in zip(window, word, strict=True))
    limit = max(1, len(word) // 3) if allowed is None else allowed
    if not 0 < differing <= limit:
        return False
    return any(a == b and a not in _FUNCTION_CHARS for a, b in zip(window, word, strict=True))
