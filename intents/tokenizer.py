"""jieba's tokenizer on the words of its dictionary that people actually write.

jieba keeps its whole main dictionary in one dict: 349,046 words and every prefix of them,
about 500,000 strings and 57 MB of memory in a running bot. Most of those words are rare
(70% have a frequency under 10 in jieba's corpus of 60 million) and seldom decide how a
resident's message is cut: our own words come from the user dictionary, and a rare word left
out makes jieba cut finer, which the lexicon matching (entries inside a token, up to three
tokens joined) does not mind. What it would mind, a rare word holding a lexicon entry
(翘起来 holds 翘起) or lying inside one (乱收 of 乱收费), is kept. With `MIN_FREQ` 10 the
dictionary keeps 144,000 entries, 18 MB.

Measured on the 2,319 Chinese texts of the tests and the devset: intent, category and
urgency unchanged for every one; the keywords of six change, each for the better (东门路灯不亮
was cut 东门路/灯不亮 by the rare 门路 and now finds 路灯不亮); duplicate detection
(bench/dedup.py) unchanged on every split.

The dictionary is filtered as it is read at start (no file is written, and jieba's own
cache in the temp directory is not used); `total` stays the sum over the whole file, so the
words kept weigh exactly what they weighed before.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable
from types import ModuleType


def _import_jieba() -> ModuleType:
    """jieba 0.42 imports pkg_resources (12 MB of memory: it reads the metadata of every
    installed distribution) only to open its own dict.txt, and opens the file itself when
    that import fails. So pkg_resources is kept out while jieba is first imported."""
    if "jieba" in sys.modules:
        return sys.modules["jieba"]
    blocked = "pkg_resources" not in sys.modules
    if blocked:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # import fails
    try:
        import jieba
    finally:
        if blocked and "pkg_resources" in sys.modules and sys.modules["pkg_resources"] is None:
            del sys.modules["pkg_resources"]
    jieba.setLogLevel(logging.WARNING)
    return jieba


jieba = _import_jieba()

# Words less frequent than this in jieba's dictionary are left out unless they touch a
# lexicon word. All the words the classifier treats as common (frequency 100 and more) are
# kept. 5, 10 and 20 classify the texts above alike; 50 starts to move duplicate detection.
MIN_FREQ = 10


class Tokenizer(jieba.Tokenizer):
    """A `jieba.Tokenizer` whose main dictionary holds only the words seen `min_freq` times,
    and the rarer ones that touch a lexicon word (`keep`): that contain one (翘起来 holds
    翘起) or lie inside one (乱收 in 乱收费), so they are still cut as they always were."""

    def __init__(self, min_freq: int | None = None, keep: Iterable[str] = ()) -> None:
        super().__init__()
        self.min_freq = MIN_FREQ if min_freq is None else min_freq
        self._keep = _Related(keep)

    def initialize(self, dictionary: str | None = None) -> None:
        if dictionary is not None:  # another main dictionary: jieba's own loading
            super().initialize(dictionary)
            return
        with self.lock:
            if self.initialized:
                return
            with self.get_dict_file() as raw:
                self.FREQ, self.total = read_dictionary(raw, self.min_freq, self._keep)
            self.initialized = True


def read_dictionary(
    raw: Iterable[bytes], min_freq: int, keep: Callable[[str], bool] = lambda _: False,
) -> tuple[dict[str, int], int]:
    """jieba's prefix dictionary (word → frequency, each prefix of a word → 0 unless it is a
    word itself) of the lines `word freq [tag]` whose frequency is at least `min_freq` or
    whose word `keep` accepts; and the total frequency of all the lines."""
    freq: dict[str, int] = {}
    total = 0
    for number, raw_line in enumerate(raw, 1):
        line = raw_line.decode("utf-8")
        parts = line.split(" ", 2)
        try:
            count = int(parts[1])
        except (IndexError, ValueError):
            raise ValueError(f"jieba dictionary line {number}: {line.strip()!r}") from None
        total += count
        word = parts[0]
        if count < min_freq and not keep(word):
            continue
        freq[word] = count
        for end in range(1, len(word)):
            freq.setdefault(word[:end], 0)
    return freq, total


class _Related:
    """Whether a word contains one of `words` or lies inside one (two characters or more)."""

    def __init__(self, words: Iterable[str]) -> None:
        self._words = frozenset(w for w in words if len(w) > 1)
        self._inside = frozenset(
            w[i:j] for w in self._words for i in range(len(w)) for j in range(i + 2, len(w) + 1)
        )

    def __call__(self, word: str) -> bool:
        if word in self._inside:
            return True
        size = len(word)
        return any(
            word[i:j] in self._words for i in range(size) for j in range(i + 2, size + 1)
        )
