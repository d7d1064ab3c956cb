"""The lexicon: categories, intent and urgency cues from one TOML file that admins edit."""

from __future__ import annotations

import tomllib
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from intents.model import CATEGORIES, NON_REPORT_INTENTS

TIERS = ("strong", "medium", "weak")
URGENCY = "urgency"
_DEFAULT_WEIGHTS = {"strong": 3.0, "medium": 2.0, "weak": 1.0, "negative": -2.0}
_DEFAULT_URGENT_THRESHOLD = 3.0


class LexiconError(ValueError):
    """The lexicon file cannot be used; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Cue:
    """One entry: a word (`parts` of one) or a co-occurrence `A+B` (all parts present)."""

    text: str
    target: str  # category id, intent id or "urgency"
    tier: str  # strong | medium | weak | negative
    points: float
    parts: tuple[str, ...]

    @property
    def is_phrase(self) -> bool:
        return len(self.parts) > 1


@dataclass(frozen=True, slots=True)
class Finding:
    level: str  # error | warning
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.message}"


@dataclass(frozen=True, slots=True)
class Lexicon:
    cues: tuple[Cue, ...]
    labels: dict[str, str]
    urgent_threshold: float
    source: str

    def for_target(self, target: str) -> list[Cue]:
        return [c for c in self.cues if c.target == target]


def default_lexicon_path() -> Path:
    return Path(str(resources.files("intents") / "data" / "lexicon.toml"))


def default_userdict_path() -> Path:
    return Path(str(resources.files("intents") / "data" / "userdict.txt"))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise LexiconError(f"{path}: file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(f"{path}: not valid TOML: {exc}") from exc


def _weights(data: dict[str, Any], where: str) -> tuple[dict[str, float], float]:
    raw = data.get("weights", {})
    weights = dict(_DEFAULT_WEIGHTS)
    for key, value in raw.items():
        if key == "urgent_threshold":
            continue
        if key not in weights:
            raise LexiconError(f"{where}: [weights] has unknown tier {key!r}")
        if not isinstance(value, int | float):
            raise LexiconError(f"{where}: [weights].{key} must be a number")
        weights[key] = float(value)
    threshold = raw.get("urgent_threshold", _DEFAULT_URGENT_THRESHOLD)
    if not isinstance(threshold, int | float) or threshold <= 0:
        raise LexiconError(f"{where}: [weights].urgent_threshold must be a positive number")
    return weights, float(threshold)


def _section_cues(
    section: Any, target: str, weights: dict[str, float], where: str
) -> list[Cue]:
    if not isinstance(section, dict):
        raise LexiconError(f"{where}: [{target}] must be a table")
    cues: list[Cue] = []
    for tier in (*TIERS, "negative"):
        entries = section.get(tier, [])
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise LexiconError(f"{where}: [{target}].{tier} must be a list of strings")
        for entry in entries:
            text = entry.strip().lower()
            parts = tuple(p.strip() for p in text.split("+"))
            cues.append(Cue(text, target, tier, weights[tier], parts))
    unknown = set(section) - {*TIERS, "negative", "label"}
    if unknown:
        raise LexiconError(f"{where}: [{target}] has unknown keys: {', '.join(sorted(unknown))}")
    return cues


def _parse(path: Path) -> tuple[Lexicon, list[str]]:
    """Parse without judging ids; returns the lexicon and the section names it could not place."""
    where = str(path)
    data = _read_toml(path)
    weights, threshold = _weights(data, where)
    cues: list[Cue] = []
    labels: dict[str, str] = {}
    unknown: list[str] = []
    for category, section in data.get("categories", {}).items():
        if category not in CATEGORIES:
            unknown.append(f"categories.{category}")
        cues += _section_cues(section, category, weights, where)
        labels[category] = str(section.get("label", CATEGORIES.get(category, category)))
    for intent, section in data.get("intents", {}).items():
        if intent not in NON_REPORT_INTENTS:
            unknown.append(f"intents.{intent}")
        cues += _section_cues(section, intent, weights, where)
    if URGENCY in data:
        cues += _section_cues(data[URGENCY], URGENCY, weights, where)
    extra = set(data) - {"weights", "categories", "intents", URGENCY}
    unknown += sorted(extra)
    return Lexicon(tuple(cues), labels, threshold, where), unknown


def load_lexicon(path: Path | None = None) -> Lexicon:
    """Load and refuse a lexicon whose sections the classifier cannot use."""
    lexicon, unknown = _parse(path or default_lexicon_path())
    if unknown:
        raise LexiconError(f"{lexicon.source}: unknown sections: {', '.join(unknown)}")
    empty = [c.text for c in lexicon.cues if not all(c.parts)]
    if empty:
        raise LexiconError(f"{lexicon.source}: empty entry or empty '+' part: {empty}")
    return lexicon


def check_lexicon(path: Path | None = None) -> list[Finding]:
    """Everything an admin should fix: unknown ids, duplicates, shared cues, odd entries."""
    try:
        lexicon, unknown = _parse(path or default_lexicon_path())
    except LexiconError as exc:
        return [Finding("error", str(exc))]
    findings = [
        Finding("error", f"unknown section [{name}]: known categories are "
                f"{', '.join(CATEGORIES)}; intents {', '.join(NON_REPORT_INTENTS)}")
        for name in unknown
    ]
    seen: dict[tuple[str, str], list[str]] = defaultdict(list)
    owners: dict[str, set[str]] = defaultdict(set)
    for cue in lexicon.cues:
        seen[(cue.target, cue.text)].append(cue.tier)
        if not all(cue.parts):
            findings.append(Finding("error", f"[{cue.target}] empty entry or '+' part: "
                                    f"{cue.text!r}"))
        elif not cue.is_phrase and len(cue.text) < 2 and not cue.text.isascii():
            findings.append(Finding("error", f"[{cue.target}] single-character entry "
                                    f"{cue.text!r} matches too much; use 'X+Y'"))
        if cue.tier != "negative" and cue.target != URGENCY:
            owners[cue.text].add(cue.target)
    for (target, text), tiers in seen.items():
        if len(tiers) > 1:
            findings.append(Finding("error", f"[{target}] {text!r} listed {len(tiers)} times "
                                    f"({', '.join(tiers)})"))
    for text, targets in sorted(owners.items()):
        if len(targets) > 1:
            findings.append(Finding("error", f"{text!r} is a cue of {len(targets)} sections: "
                                    f"{', '.join(sorted(targets))}"))
    for category in CATEGORIES:
        if category != "other" and category not in lexicon.labels:
            findings.append(Finding("warning", f"category {category} has no entries"))
    return findings
