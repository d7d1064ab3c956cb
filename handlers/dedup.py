"""One ticket for one problem: is a new report the same problem as an open ticket?

Pure: the lead loads the open tickets of the grid as `Candidate`s and passes the classifier's
tokenizer. Precision comes first: a wrong merge hides a problem from staff, a missed one only
costs them a second card. So anything that says "another thing" vetoes a merge: a different
building, entrance, flat, gate, house number or phase (3号楼 vs 5号楼), a different named place
(团结路 vs 团结西路); and the problem itself (what is broken, and how) must agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rapidfuzz import fuzz

from intents.fuzzy import SoundIndex
from intents.location import find_locations
from intents.normalize import Normalizer, default_normalizer

Tokens = Callable[[str], list[str]]

OPEN_STATUSES = frozenset({"new", "claimed", "in_progress"})
WINDOW = timedelta(days=7)
THRESHOLD = 0.55

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_NUM = r"[0-9]+|[零〇一二两三四五六七八九十百]+"
# Numbered things: the kind decides which numbers contradict each other (3号楼 and 5栋 do;
# 3号楼 and 5单元 do not).
_KINDS = {"号楼": "building", "栋": "building", "幢": "building",
          "座": "building", "号院": "yard", "单元": "entrance", "室": "flat", "号房": "flat",
          "层": "floor", "楼": "floor", "期": "phase", "号": "number"}
_NUMBERED = re.compile(rf"({_NUM})\s*(号楼|号院|号房|单元|栋|幢|座|室|层|期|楼|号)")
_FLAT = re.compile(r"(?:幢|栋|座|单元|号楼)([0-9]{3,4})(?![0-9])")
_GATE = re.compile(r"([东西南北])(?:大)?门")

# Words that say nothing about which problem it is (fillers, time, people, politeness).
_STOPWORDS = frozenset(
    "了 的 地 得 着 过 吗 呢 吧 啊 呀 哦 嘛 啦 哈 么 我 我们 我家 你 你们 您 他 她 它 他们 咱们 大家 "
    "人家 有人 这 那 这个 那个 这些 那些 这里 那里 这边 那边 这儿 那儿 有 是 在 也 又 还 都 就 很 太 "
    "好 非常 特别 真 真的 一直 已经 总是 经常 老是 天天 每天 每晚 一个 个 些 一些 好几 几 几个 好多 "
    "很多 天 好几天 几天 半天 今天 昨天 前天 最近 现在 晚上 早上 白天 夜里 半夜 上午 下午 "
    "一下 麻烦 请 帮忙 处理 反映 投诉 举报 问题 希望 尽快 赶紧 能不能 可以 谁 管 没人管 小区 社区 "
    "里 里面 上 下 边 边上 旁边 附近 前面 后面 外面 门口 大门 门前 一 和 跟 与 及 把 被 给 让 从 "
    "到 去 来 说 看 要 会 能 得 没 不 得了 死 啦 呗 哎 唉 快 点 一点 一样 怎么 怎么办 为什么 "
    "时候 时 的话 所以 因为 但是 可是 而且 然后 还是 或者 只 才 再 更 最 一次 多 少 年 月 日 周 "
    "星期 个月 半年 号 栋 楼 幢 单元 室 层 期 座 "
    # Who is affected and how it feels: the same problem is told with different ones.
    "人 老人 小孩 孩子 居民 业主 大人 东西 差点 危险 很危险 吓人 厉害 严重 不安全 睡不着 受不了 "
    "没法 不了 得很 开始 全 全是 一大块 块 一根 根 好几个 好几块 很大 大 路上 路 整个 到处 "
    "一样 直接 根本 完全 实在 简直 突然".split()
)
# Ways residents say the same state or object; folded before comparing (坏/不亮/停运 are one).
_SYNONYMS: tuple[tuple[str, str], ...] = (
    ("信号灯", "红绿灯"), ("交通灯", "红绿灯"), ("窨井盖", "井盖"), ("下水道井盖", "井盖"),
    ("街灯", "路灯"), ("灯杆", "路灯"), ("電梯", "电梯"), ("升降梯", "电梯"),
    ("电瓶车", "电动车"), ("电驴", "电动车"), ("充电口", "充电插座"), ("充电桩", "充电插座"),
    ("雨水井", "下水道"), ("排水", "下水道"), ("坑坑洼洼", "坑"), ("坑洼", "坑"), ("塌陷", "坑"),
    ("塌了", "坑"), ("僵尸车", "废车"), ("报废", "废车"), ("破车", "废车"), ("野狗", "流浪狗"),
    ("乱扔", "乱倒"), ("倾倒", "乱倒"), ("困人", "困"), ("关人", "困"), ("困了", "困"),
    ("不亮", "坏"), ("没亮", "坏"), ("黑了", "坏"), ("黑着", "坏"), ("灭了", "坏"),
    ("断了", "坏"), ("断", "坏"), ("异响", "怪声"), ("异常响声", "怪声"), ("堵死", "堵"),
    ("堵住", "堵"), ("堵塞", "堵"), ("不通", "堵"), ("砖头", "地砖"), ("松动", "松"),
    ("返水", "冒水"), ("冒出来", "冒水"), ("故障", "坏"), ("损坏", "坏"), ("坏掉", "坏"), ("坏了", "坏"), ("用不了", "坏"),
    ("不能用", "坏"), ("失灵", "坏"), ("停运", "坏"), ("停着不动", "坏"),
    ("没有水", "停水"), ("没水", "停水"), ("断水", "停水"), ("没有电", "停电"), ("没电", "停电"),
    ("公共厕所", "公厕"), ("厕所", "公厕"), ("没人打扫", "脏"), ("太脏", "脏"), ("脏得", "脏"),
    ("没人收", "收"), ("没人清理", "收"), ("不收", "收"), ("垃圾堆", "垃圾"),
    ("不见了", "丢"), ("没了", "丢"), ("被偷", "丢"), ("丢失", "丢"), ("丢了", "丢"),
    ("清运", "收"), ("清理", "收"), ("打扫", "收"), ("满出来", "满"), ("堆满", "满"),
    ("太吵", "吵"), ("噪音", "吵"), ("扰民", "吵"), ("声音太大", "吵"), ("太响", "吵"),
    ("违建", "违章搭建"), ("私自加盖", "违章搭建"), ("加盖", "违章搭建"), ("搭建", "违章搭建"),
    ("拉线", "飞线"), ("拉电线", "飞线"), ("往下扔", "高空抛物"), ("扔东西", "高空抛物"),
)
_GENERIC_PLACE = re.compile(r"(?:小区|社区)$")
_WORD = re.compile(r"[\u4e00-\u9fffa-z]")


@dataclass(frozen=True, slots=True)
class Candidate:
    """An open ticket that a new report might repeat (loaded from storage by the caller)."""

    ticket_id: int
    number: int
    category: str
    grid_id: int | None
    text: str
    location_text: str | None
    created_at: datetime
    status: str


@dataclass(frozen=True, slots=True)
class NewReport:
    text: str
    location_text: str | None
    category: str
    grid_id: int | None


@dataclass(frozen=True, slots=True)
class _Profile:
    numbers: dict[str, frozenset[int]]
    places: frozenset[str]
    content: tuple[str, ...]


def _cn_number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    total, digit = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch == "十":
            total += (digit or 1) * 10
            digit = 0
        elif ch == "百":
            total += (digit or 1) * 100
            digit = 0
        else:
            return None
    return total + digit


class _Profiler:
    def __init__(self, tokens: Tokens, normalizer: Normalizer) -> None:
        self._tokens = tokens
        self._normalize = normalizer
        self._sound = SoundIndex(())

    def norm(self, text: str | None) -> str:
        return self._normalize(text).text if text else ""

    def __call__(self, text: str, location: str | None) -> _Profile:
        body, where = self.norm(text), self.norm(location)
        numbers: dict[str, set[int]] = {}
        places: set[str] = set()
        for part in (body, where):
            for m in _NUMBERED.finditer(part):
                value = _cn_number(m.group(1))
                if value is not None:
                    numbers.setdefault(_KINDS[m.group(2)], set()).add(value)
            for m in _FLAT.finditer(part):
                numbers.setdefault("flat", set()).add(int(m.group(1)))
            for m in _GATE.finditer(part):
                numbers.setdefault("gate", set()).add("东西南北".index(m.group(1)))
            for loc in find_locations(part):
                if loc.kind in ("community", "road"):
                    name = re.sub(rf"(?:{_NUM})(?:号|期)$", "", loc.text)
                    name = _GENERIC_PLACE.sub("", name)
                    if len(name) >= 2 and not re.search(r"[0-9那这个]", name):
                        places.add(name)
        # What is wrong, without where: places and numbered things are compared above.
        cut = body
        for loc in sorted(find_locations(body), key=lambda lo: -lo.start):
            cut = cut[: loc.start] + " " + cut[loc.end :]
        for named in where.split():
            cut = cut.replace(named, " ")
        cut = _NUMBERED.sub(" ", cut)
        cut = _GATE.sub(" ", cut)
        for old, new in _SYNONYMS:
            cut = cut.replace(old, f" {new} ")
        content = tuple(
            t for t in self._tokens(cut)
            if t not in _STOPWORDS and _WORD.search(t) and not t.isdigit()
        )
        return _Profile({k: frozenset(v) for k, v in numbers.items()}, frozenset(places), content)

    def same_place(self, a: str, b: str) -> bool:
        """Equal, one the start of the other (龙泉花园 / 龙泉花园二期), or a homophone typo."""
        if a.startswith(b) or b.startswith(a):
            return True
        if len(a) != len(b):
            return False
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 and len(a) >= 3 and (
            self._sound.syllable(a[diff[0]]) == self._sound.syllable(b[diff[0]])
        )


def _conflicting_numbers(a: _Profile, b: _Profile) -> bool:
    return any(kind in b.numbers and not values & b.numbers[kind]
               for kind, values in a.numbers.items())


def _said_by(word: str, other: frozenset[str]) -> float:
    """1 when the other report says the word too, or a word holding it (灯 in 路灯); a part of
    it or a near spelling (rapidfuzz) counts in part; words that merely share a character
    do not (楼道灯 is not 路灯)."""
    if word in other or any(word in o for o in other):
        return 1.0
    part = min(1.0, sum(len(o) for o in other if o in word) / len(word))  # 飞线+充电
    near = max((fuzz.ratio(word, o) for o in other if len(o) == len(word) > 2), default=0.0)
    return max(part, near / 100 if near >= 75 else 0.0)


def _coverage(a: frozenset[str], b: frozenset[str]) -> float:
    return sum(_said_by(w, b) for w in a) / len(a)


def _content_similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """0..1: how much of the terser report the other one says, and a little of the reverse
    (a second resident often adds details: 差点摔倒, 好几天了)."""
    set_a, set_b = frozenset(a), frozenset(b)
    if not set_a or not set_b:
        return 0.0
    if len(set_a) > len(set_b):
        set_a, set_b = set_b, set_a
    return 0.7 * _coverage(set_a, set_b) + 0.3 * _coverage(set_b, set_a)


class DuplicateFinder:
    """Built once with the classifier's tokenizer (`Classifier.tokens`)."""

    def __init__(self, tokens: Tokens, normalizer: Normalizer | None = None) -> None:
        self._profile = _Profiler(tokens, normalizer or default_normalizer())

    def similarity(
        self, new_text: str, new_location: str | None, text: str, location: str | None
    ) -> float:
        """0..1; 0 when a number, a gate or a named place says they are different things."""
        a = self._profile(new_text, new_location)
        b = self._profile(text, location)
        if _conflicting_numbers(a, b):
            return 0.0
        place_known = bool(a.places and b.places)
        if place_known and not any(
            self._profile.same_place(p, q) for p in a.places for q in b.places
        ):
            return 0.0
        score = _content_similarity(a.content, b.content)
        return score if place_known else score * 0.9

    def find(
        self,
        report: NewReport,
        candidates: Iterable[Candidate],
        *,
        now: datetime,
        window: timedelta = WINDOW,
        threshold: float = THRESHOLD,
    ) -> Candidate | None:
        """The open ticket of the same grid and category from the last `window` that the
        report most resembles, if it reaches `threshold`; the newest wins a tie."""
        best: tuple[float, datetime, Candidate] | None = None
        for cand in candidates:
            if (cand.grid_id != report.grid_id or cand.category != report.category
                    or cand.status not in OPEN_STATUSES or now - cand.created_at > window
                    or cand.created_at > now + timedelta(minutes=5)):
                continue
            score = self.similarity(report.text, report.location_text,
                                    cand.text, cand.location_text)
            if score >= threshold and (best is None or (score, cand.created_at) > best[:2]):
                best = (score, cand.created_at, cand)
        return best[2] if best else None


def similarity(
    new_text: str, new_location: str | None, cand: Candidate, tokens: Tokens
) -> float:
    """How much a new report looks like a candidate's, 0..1 (see `DuplicateFinder`)."""
    return DuplicateFinder(tokens).similarity(new_text, new_location, cand.text,
                                              cand.location_text)


def find_duplicate(
    report: NewReport,
    candidates: Iterable[Candidate],
    *,
    now: datetime,
    tokens: Tokens,
    window: timedelta = WINDOW,
    threshold: float = THRESHOLD,
) -> Candidate | None:
    """Only the same grid and category, open, from the last `window`; the best above
    `threshold`, or None."""
    return DuplicateFinder(tokens).find(
        report, candidates, now=now, window=window, threshold=threshold
    )
