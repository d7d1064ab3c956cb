"""The classifier's vocabulary (stable ids from TAXONOMY.md) and its frozen result."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

INTENTS: dict[str, str] = {
    "report": "反映问题",
    "status_query": "查询进度",
    "greeting": "问候",
    "thanks": "感谢",
    "help": "使用帮助",
    "cancel": "撤回",
    # Not in TAXONOMY's table: a message with nothing to read (only emoji, stickers'
    # text, punctuation). Handlers answer it with a hint instead of opening a ticket.
    "unknown": "无法识别",
}

CATEGORIES: dict[str, str] = {
    "charging": "充电设施",
    "sanitation": "环境卫生",
    "noise": "噪音扰民",
    "road": "道路与市政设施",
    "traffic": "交通与停车",
    "property": "物业管理",
    "elevator": "电梯",
    "utilities": "水电气暖",
    "safety": "安全隐患",
    "dispute": "邻里纠纷",
    "elderly": "关爱帮扶",
    "greenery": "绿化与公共设施",
    "construction": "违章搭建",
    "pets": "宠物犬只",
    "services": "政务服务咨询",
    "security": "治安与反诈",
    "suggestion": "意见建议与微心愿",
    "other": "其他",
}

NON_REPORT_INTENTS = ("status_query", "greeting", "thanks", "help", "cancel")


@dataclass(frozen=True, slots=True)
class Match:
    """One lexicon entry found in a message."""

    cue: str  # the lexicon entry
    target: str  # category id, intent id or "urgency"
    points: float
    found: str  # the text that matched (differs from `cue` for fuzzy matches)
    fuzzy: bool = False


@dataclass(frozen=True, slots=True)
class Location:
    """A place named in the message, as written (after normalisation)."""

    text: str
    kind: str  # community | building | road | landmark
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Classification:
    intent: str
    category: str | None
    confidence: float
    urgent: bool
    keywords: tuple[str, ...]
    runners_up: tuple[tuple[str, float], ...]
    location: str | None
    script: str  # "simplified" | "traditional"
    normalized: str
    locations: tuple[Location, ...] = ()
    matches: tuple[Match, ...] = ()
    scores: tuple[tuple[str, float], ...] = field(default=())

    @property
    def category_label(self) -> str | None:
        return CATEGORIES.get(self.category) if self.category else None

    @property
    def intent_label(self) -> str:
        return INTENTS[self.intent]

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of `intake classify --jsonl` (without the input text)."""
        data = asdict(self)
        return {
            "intent": data["intent"],
            "category": data["category"],
            "confidence": round(self.confidence, 3),
            "urgent": self.urgent,
            "keywords": list(self.keywords),
            "location": self.location,
            "runners_up": [[c, round(s, 2)] for c, s in self.runners_up],
            "script": self.script,
        }
