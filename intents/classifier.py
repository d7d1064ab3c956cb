"""Text in, `Classification` out: jieba tokens matched against the lexicon, pinyin fuzzy
matching for typos, and a few rules that decide between a new report and the other intents.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path


from intents.fuzzy import SoundIndex
from intents.lexicon import URGENCY, Cue, Lexicon, default_userdict_path, load_lexicon
from intents.location import describe, find_locations
from intents.model import NON_REPORT_INTENTS, Classification, Match
from intents.normalize import Normalizer, has_content
from intents.tokenizer import Tokenizer

_MAX_CHARS = 2000  # a complaint longer than this says nothing new in the rest
_MAX_RUN = 3  # adjacent tokens joined when looking for a lexicon entry
_MAX_TOKEN_SUBSTRINGS = 8  # longer tokens (numbers, Latin words) match only whole
_FUZZY_WEIGHT = 0.8  # a misspelt cue counts a little less than a correct one
# A word this frequent in jieba's dictionary (音箱 93, 校区 989, 可以 70,958) was written on
# purpose: the sound-alike matcher neither takes it for a typo nor cuts through it.
_COMMON_WORD_FREQ = 100
_STRONG = 3.0  # points of one strong cue: the evidence that needs no second opinion
_WEAK_HINT = 2.0  # below a medium cue: a greeting still wins over this much of a category
_SOCIAL = ("greeting", "thanks", "help")
# What nearly happened did not: 老人差点绊倒 is a hazard's danger, not an old person who fell.
_NEAR_MISS = re.compile(r"(?:差点|差一点|险些|差些|容易)[^，。！？,.!?\s]*$")
_NEAR_MISS_REACH = 12  # characters before an event a near-miss word of its clause governs
_REPORT_WORDS = re.compile(r"反映|投诉|举报|报修|求助|问题|麻烦|帮忙|处理一下|管一管|管管|没人管")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN_ONLY_CONFIDENCE = 0.3  # at most, for a report with no Chinese in it
_LATIN_WORD = re.compile(r"[a-z0-9']+")
# Words that may stand beside hi / thanks / help in a message that says nothing else.
_CHATTER = frozenset((
    "hi", "hey", "hello", "hiya", "there", "everyone", "everybody", "all", "guys", "folks",
    "anyone", "anybody", "is", "are", "you", "u", "so", "much", "very", "a", "lot", "again",
    "here", "sir", "madam", "dear", "team", "good", "morning", "afternoon", "evening", "day",
    "please", "me", "oh", "ok", "okay", "thanks", "thank", "thx", "ty", "bot",
))


class Classifier:
    """Built once at start-up (loads jieba's dictionary and the lexicon); then pure."""

    def __init__(
        self,
        lexicon: Lexicon,
        userdict: Path | None = None,
        normalizer: Normalizer | None = None,
    ) -> None:
        self.lexicon = lexicon
        self._normalize = normalizer or Normalizer()
        self._tokenizer = Tokenizer(keep=(p for cue in lexicon.cues for p in cue.parts))
        self._tokenizer.initialize()
        # jieba opens a path and never closes it; hand it a file we close ourselves.
        with open(userdict or default_userdict_path(), "rb") as fh:
            self._tokenizer.load_userdict(fh)
        self._plain: dict[str, list[Cue]] = defaultdict(list)
        self._phrases: dict[str, list[Cue]] = defaultdict(list)
        for cue in lexicon.cues:
            if cue.is_phrase:
                self._phrases[cue.parts[0]].append(cue)
            else:
                self._plain[cue.text].append(cue)
        self._max_cue = max((len(t) for t in self._plain), default=1)
        # Built once, shared by every message: the Match of each plain entry, split by
        # whether it is an urgency cue (urgency and categories judge containment apart).
        self._plain_found: dict[str, tuple[tuple[bool, Match], ...]] = {
            text: tuple((c.target == URGENCY, Match(c.text, c.target, c.points, text))
                        for c in cues)
            for text, cues in self._plain.items()
        }
        self._domains = {t: {u for u, _ in ms} for t, ms in self._plain_found.items()}
        # Phrases by the first character of their first part: a message is checked only
        # against the phrases whose opening character it contains.
        self._phrase_index: dict[str, list[tuple[str, list[Cue]]]] = defaultdict(list)
        for first, cues in self._phrases.items():
            self._phrase_index[first[0]].append((first, cues))
        self._category_ids = frozenset(lexicon.labels)
        self._token_cache: dict[str, tuple[str, ...]] = {}
        positive = [c.text for c in lexicon.cues if not c.is_phrase and c.points > 0]
        freq = self._tokenizer.FREQ
        self._is_common = lambda word: freq.get(word, 0) >= _COMMON_WORD_FREQ
        self._sounds = SoundIndex(positive, self._is_common)
        self._chatter = _CHATTER | {
            c.text for c in lexicon.cues if c.target in _SOCIAL and c.text.isascii()
        }

    @classmethod
    def from_files(cls, lexicon: Path | None = None, userdict: Path | None = None) -> Classifier:
        return cls(load_lexicon(lexicon), userdict)

    def tokenize(self, normalized: str) -> list[str]:
        """jieba tokens without HMM: the domain dictionary decides words, not guesses."""
        return [t for t in self._tokenizer.lcut(normalized, HMM=False) if not t.isspace()]

    def tokens(self, text: str) -> list[str]:
        """Tokens of a raw message, as the classifier sees them (for baselines and dedup)."""
        return self.tokenize(self._normalize(text).text)

    def classify(self, text: str) -> Classification:
        norm = self._normalize(text[: _MAX_CHARS * 2])
        normalized = norm.text[:_MAX_CHARS]
        if not has_content(normalized):
            return Classification(
                "unknown", None, 0.0, False, (), (), None, norm.script, normalized
            )
        tokens = self.tokenize(normalized)
        found = self._exact(normalized, tokens)
        totals = self._totals(found)
        ranked = self._ranked(totals)
        if not ranked or ranked[0][1] < _STRONG:
            found += self._fuzzy(normalized, tokens, {m.found for m in found})
            totals = self._totals(found)
            ranked = self._ranked(totals)
        intent_scores = {i: max(totals.get(i, 0.0), 0.0) for i in NON_REPORT_INTENTS}
        chinese = _HAN.search(normalized) is not None
        if not chinese and not self._only_chatter(normalized):
            # "hello, the street light outside my building is broken" is not a greeting:
            # without Chinese to read, hi / thanks / help win only when they are all there is.
            for social in _SOCIAL:
                intent_scores[social] = 0.0
        intent, confidence = _decide(ranked, intent_scores, normalized)
        category: str | None = None
        runners_up: tuple[tuple[str, float], ...] = ()
        if intent == "report":
            category = ranked[0][0] if ranked else "other"
            runners_up = tuple(ranked[1:4])
            if ranked:
                confidence = _report_confidence(ranked)
            if not chinese:  # a Latin word or two (ktv) is all the lexicon read
                confidence = min(confidence, _LATIN_ONLY_CONFIDENCE)
        urgency = totals.get(URGENCY, 0.0)
        urgent = intent == "report" and urgency >= self.lexicon.urgent_threshold
        locations = find_locations(normalized)
        keywords = tuple(dict.fromkeys(
            m.found for m in found if m.points > 0 and m.target in (category, intent, URGENCY)
        ))
        return Classification(
            intent=intent,
            category=category,
            confidence=round(confidence, 3),
            urgent=urgent,
            keywords=keywords,
            runners_up=runners_up,
            location=describe(locations, normalized),
            script=norm.script,
            normalized=normalized,
            locations=locations,
            matches=tuple(found),
            scores=tuple(ranked),
        )

    def _only_chatter(self, text: str) -> bool:
        return all(w in self._chatter for w in _LATIN_WORD.findall(text))

    def _token_cues(self, token: str) -> tuple[str, ...]:
        """Entries equal to the token or inside it (垃圾 in 垃圾桶), cached per token."""
        cached = self._token_cache.get(token)
        if cached is None:
            if not _HAN.search(token):
                # Numbers and Latin words are as many as residents care to type (every
                # building number, phone number): looked up, never cached.
                return (token,) if token in self._plain else ()
            if len(token) > _MAX_TOKEN_SUBSTRINGS:
                cached = (token,) if token in self._plain else ()
            else:
                top = min(len(token), self._max_cue)
                cached = tuple(
                    sub
                    for size in range(top, 1, -1)
                    for start in range(len(token) - size + 1)
                    if (sub := token[start:start + size]) in self._plain
                ) or ((token,) if token in self._plain else ())
            if len(self._token_cache) < 200_000:
                self._token_cache[token] = cached
        return cached

    def _exact(self, text: str, tokens: list[str]) -> list[Match]:
        texts: dict[str, str] = {}
        for i, token in enumerate(tokens):
            for cue in self._token_cues(token):
                texts[cue] = cue
            joined = token
            for nxt in tokens[i + 1 : i + _MAX_RUN]:
                joined += nxt
                if joined in self._plain:
                    texts[joined] = joined
        # A shorter entry inside a longer one found too is the longer one's evidence only
        # (垃圾 inside 垃圾分类 says nothing of its own). Urgency is judged apart: 煤气味 as
        # an urgency cue must not take 煤气 away from the category.
        if len(texts) > 1:
            hidden = {
                (t, u)
                for t in texts
                for o in texts
                if t != o and t in o
                for u in self._domains[o]
            }
            found = [m for t in texts for u, m in self._plain_found[t] if (t, u) not in hidden]
        else:
            found = [m for t in texts for _, m in self._plain_found[t]]
        words = found
        for char in self._phrase_index.keys() & set(text):
            for first, cues in self._phrase_index[char]:
                if first in text:
                    found = found + [
                        Match(c.text, c.target, c.points, c.text)
                        for c in cues
                        if all(p in text for p in c.parts[1:])
                        and all(len(p) > 1 or _free(p, c.target, text, words) for p in c.parts)
                    ]
        return found

    def _fuzzy(self, text: str, tokens: list[str], known: set[str]) -> list[Match]:
        inside: set[int] = set()
        at = 0
        for token in tokens:
            at = text.find(token, at)
            if len(token) > 1 and self._is_common(token):
                inside.update(range(at + 1, at + len(token)))
            at += len(token)
        found = []
        for hit in self._sounds.matches(text, known, inside):
            for cue in self._plain[hit.word]:
                if cue.points > 0:
                    points = cue.points * _FUZZY_WEIGHT * hit.similarity
                    found.append(Match(cue.text, cue.target, points, hit.found, fuzzy=True))
        return found

    def _ranked(self, totals: dict[str, float]) -> list[tuple[str, float]]:
        """Categories with points, best first (ties by id, so the answer is stable)."""
        cats = self._category_ids
        return sorted(
            ((t, s) for t, s in totals.items() if s > 0 and t in cats),
            key=lambda cs: (-cs[1], cs[0]),
        )

    @staticmethod
    def _totals(found: Iterable[Match]) -> dict[str, float]:
        """Points per target (categories, intents, urgency), negatives included."""
        totals: dict[str, float] = {}
        for m in found:
            totals[m.target] = totals.get(m.target, 0.0) + m.points
        return totals


def _free(char: str, target: str, text: str, words: list[Match]) -> bool:
    """A one-character part of an `A+B` entry counts only where no word of another section
    makes it a thing of its own: the 灯 of 路灯 is a street light, not the lamp of 楼道+灯.

    Only a strong word (one that names its problem on its own) takes the character, and only
    after a modifier (路灯, 红绿灯, 乱倒): a word that starts with it (灯坏了) says something
    about the same thing, and a medium one (电动车 in 被电动车堵住) may still be that thing.
    Urgency is judged apart. An event that nearly happened (差点摔倒) does not count, for
    urgency neither.
    """
    happened = sum(1 for i, c in enumerate(text) if c == char
                   and not _NEAR_MISS.search(text[max(0, i - _NEAR_MISS_REACH):i]))
    if not happened:
        return False
    if target == URGENCY:
        return True
    claimed = sum(
        text.count(m.found) * m.found[1:].count(char)
        for m in words
        if m.points >= _STRONG and char in m.found[1:] and m.target not in (target, URGENCY)
    )
    return happened > claimed


def _report_confidence(ranked: list[tuple[str, float]]) -> float:
    """Grows with the evidence for the winner and shrinks with a close runner-up."""
    top = ranked[0][1]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    return (1.0 - math.exp(-top / _STRONG)) * (top / (top + second))


def _decide(
    ranked: list[tuple[str, float]], intents: dict[str, float], text: str
) -> tuple[str, float]:
    """The intent, and its confidence when it is not a report.

    A question about an earlier report names a category too (我上周报的路灯修了吗), so a clear
    status or cancel cue wins over the category. Greetings, thanks and help win only when the
    message reports nothing (你好，楼道灯坏了 is a report).
    """
    category = ranked[0][1] if ranked else 0.0
    status, cancel = intents["status_query"], intents["cancel"]
    if status >= _STRONG or (status > 0 and status >= category):
        return "status_query", 1.0 - math.exp(-status / 2)
    social, social_score = max(
        ((i, intents[i]) for i in _SOCIAL), key=lambda kv: (kv[1], kv[0] == "help")
    )
    # 问题已经解决了，太感谢了 closes with thanks; 算了 alone withdraws.
    if cancel >= _STRONG and cancel >= category or (
        cancel > 0 and category == 0 and cancel >= social_score
    ):
        return "cancel", 1.0 - math.exp(-cancel / 2)
    # A greeting is only a preamble (你好，楼道的灯坏了 is a report): any more than a weak
    # hint of a problem outweighs it. Thanks and help questions may name the problem they
    # are about, so they yield only to strong evidence.
    limit = _WEAK_HINT if social == "greeting" else _STRONG
    if social_score > 0 and category < limit and social_score >= category:
        return social, 1.0 - math.exp(-social_score / 2)
    if category > 0:
        return "report", 0.0
    # Nothing in the lexicon: a report of something unforeseen, or chatter.
    han = len(_HAN.findall(text))
    return "report", 0.3 if _REPORT_WORDS.search(text) or han >= 8 else 0.1
