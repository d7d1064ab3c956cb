"""Text normalisation: one canonical form for matching, and the script the user wrote in."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import opencc

SIMPLIFIED = "simplified"
TRADITIONAL = "traditional"

# Emoji, pictographs, variation selectors and joiners: noise for classification.
_NOISE = re.compile(
    "["
    "\U0001f000-\U0001faff"  # emoji, pictographs, symbols
    "\u2600-\u27bf"  # misc symbols and dingbats
    "\u2b00-\u2bff"
    "\ufe00-\ufe0f"  # variation selectors
    "\u200b-\u200f\u2060\ufeff"  # zero-width characters
    "\U000e0000-\U000e007f"  # tag characters (flag sequences)
    "]+"
)
_SPACE = re.compile(r"\s+")
# Characters that carry meaning: letters and digits of any script, CJK included.
_CONTENT = re.compile(r"[^\W_]", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Normalized:
    text: str  # canonical: half-width, Simplified, lower case, single spaces
    script: str


@lru_cache(maxsize=None)
def _converter(config: str) -> opencc.OpenCC:
    """One OpenCC converter per configuration in the process, shared by every `Normalizer`.
    t2s costs about 2 MB; s2t about 26 MB (its phrase table), so it is loaded only when a
    message in Traditional characters or a reply to one first needs it."""
    return opencc.OpenCC(config)


class Normalizer:
    """Converts with OpenCC's tables (loaded once per process, see `_converter`)."""

    def __init__(self) -> None:
        self._t2s = _converter("t2s")

    @property
    def _s2t(self) -> opencc.OpenCC:
        return _converter("s2t")

    def __call__(self, text: str) -> Normalized:
        text = encodable(text)
        cleaned = _SPACE.sub(" ", _NOISE.sub(" ", unicodedata.normalize("NFKC", text))).strip()
        simplified = self._t2s.convert(cleaned)
        return Normalized(simplified.lower(), self._script(cleaned, simplified))

    def _script(self, original: str, simplified: str) -> str:
        """Traditional when more characters change going to Simplified than the other way.

        Comparing both directions keeps characters that exist in both scripts (著, 乾) from
        marking a Simplified message as Traditional.
        """
        if original == simplified:
            return SIMPLIFIED
        to_simplified = sum(a != b for a, b in zip(original, simplified, strict=False))
        if not to_simplified:
            return SIMPLIFIED
        traditional = self._s2t.convert(original)
        to_traditional = sum(a != b for a, b in zip(original, traditional, strict=False))
        return TRADITIONAL if to_simplified > to_traditional else SIMPLIFIED

    def to_script(self, text: str, script: str) -> str:
        """Render a reply in the user's script (replies are written in Simplified)."""
        return self._s2t.convert(encodable(text)) if script == TRADITIONAL else text


def encodable(text: str) -> str:
    """The text without what UTF-8 cannot encode (lone surrogates from a broken client or a
    bad JSON escape): OpenCC refuses such a string outright."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "ignore").decode("utf-8")
    return text


def has_content(text: str) -> bool:
    """True when the text has a letter, digit or CJK character (not only emoji/punctuation)."""
    return _CONTENT.search(text) is not None


@lru_cache(maxsize=1)
def default_normalizer() -> Normalizer:
    return Normalizer()
