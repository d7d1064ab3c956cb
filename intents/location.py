"""Places named in a message: communities, buildings and units, roads, landmarks.

Works on normalised (Simplified, half-width) text with regular expressions; the words in
front of a name that are not part of it (我们、住在、反映一下…) are cut off.
"""

from __future__ import annotations

import re

from intents.model import Location

_HAN = r"\u4e00-\u9fff"
_NUM = r"[0-9一二三四五六七八九十百零两〇]+"
_NAME = rf"[{_HAN}0-9a-z]"

_COMMUNITY_SUFFIX = (
    "小区|花园|家园|新村|新城|公寓|社区|大院|宿舍|里弄|嘉园|雅苑|华庭|名苑|山庄|公馆|"
    "广场(?!舞)|大厦|苑|村"  # 跳广场舞 is square dancing, not a square
)
_ROAD_SUFFIX = "大道|大街|胡同|路(?![灯燈牙沿])|街|巷|弄"  # 路灯, 路牙子, 路沿石 are things
_LANDMARK_PLACE = (
    "公交站|地铁站|菜市场|农贸市场|超市|学校|小学|中学|技校|幼儿园|医院|卫生院|公园|"
    "停车场|桥下|桥洞|菜场|商场|银行|派出所|体育馆|图书馆"
)
_LANDMARK_SIDE = "大门口|门口|东门|西门|南门|北门|大门|后门|侧门|十字路口|路口|拐角|对面|旁边|附近"

# A prefix ends at the last of these: what stands before it is not part of the name.
_STOPS = (
    "我们|我家|咱们|你们|他们|这个|那个|这边|那边|这里|那里|住在|就在|位于|住|在|到|去|从|是|的|"
    "了|和|跟|给|把|被|对|我|咱|反映|投诉|举报|请问|你好|您好|一下|有个|有人|一个|每天|天天|"
    "经常|总是|附近的|旁边的|楼下|门口|一直|已经|还|又|都|也|就|很|太|好|说|问"
)
_LEAD = re.compile(rf"^.*(?:{_STOPS})")
# A landmark's name starts after a road or a community already named before it.
_LANDMARK_LEAD = re.compile(rf"^.*(?:{_STOPS}|{_ROAD_SUFFIX}|{_COMMUNITY_SUFFIX}|{_NUM}号)")

_BUILDING = re.compile(
    rf"{_NUM}(?:号楼|栋楼|栋|幢|座|号院|排)(?:{_NUM}单元)?(?:{_NUM}(?:室|号|层|楼))?"
    rf"|{_NUM}单元(?:{_NUM}(?:室|号|层|楼))?"
    rf"|{_NUM}(?:室|号房)"
)
# Where at the building: 2栋楼下 is downstairs of building 2, not "building 2" with 下 dropped.
_BUILDING_SPOT = re.compile(r"(?<=楼)[下顶道前后]|楼下|楼顶|楼道|楼前|楼后|门口|门前|底下")
_COMMUNITY = re.compile(rf"({_NAME}{{1,8}}?)({_COMMUNITY_SUFFIX})(?:{_NUM}期)?")
_ROAD = re.compile(rf"({_NAME}{{1,6}}?)({_ROAD_SUFFIX})(?:{_NUM}号)?")
_LANDMARK = re.compile(
    rf"({_NAME}{{1,8}}?)((?:{_LANDMARK_PLACE})(?:{_LANDMARK_SIDE})?|(?:{_LANDMARK_SIDE}))"
)

_GATE = re.compile(r"(?:东|西|南|北)(?:大)?门(?:口)?|大门口|大门|后门|侧门|门口|路口|"
                   r"(?:东|西|南|北)侧")
# Suffix words that are only a place when a name stands before them.
_MIN_NAME = {"community": 2, "road": 2, "landmark": 2}  # characters, before the suffix
# Words that look like a place but are not one in residents' messages.
_NOT_PLACES = {"马路", "道路", "公路", "小路", "街道", "大街", "农村", "乡村", "社区", "小区",
               "大门", "门口", "路口", "对面", "旁边", "附近", "广场", "公园", "学校", "超市",
               "医院", "停车场", "走路", "一路", "上路", "出路", "套路", "网路", "线路", "电路",
               "水路", "一街", "街上", "全村", "本村"}


# A road's name does not end in a verb or a measure word: 车堵路, 正在修路, 这条路.
_NOT_ROAD_TAIL = set("堵修走挡占过上封拦让铺挖开在条段这那马公道小水电线套出网一")


def _named(
    pattern: re.Pattern[str], kind: str, text: str, lead: re.Pattern[str] = _LEAD
) -> list[Location]:
    found = []
    for m in pattern.finditer(text):
        name, suffix = lead.sub("", m.group(1)), m.group(2)
        if len(name) < _MIN_NAME[kind] - (1 if len(suffix) > 1 else 0):
            continue
        if kind == "road" and name[-1] in _NOT_ROAD_TAIL:
            continue
        whole = name + suffix + text[m.end(2):m.end()]
        if whole in _NOT_PLACES or name + suffix in _NOT_PLACES:
            continue
        start = m.end() - len(whole)
        end = m.end()
        if kind in ("community", "road"):  # 龙泉小区东门, 团结西路路口: which gate, which end
            gate = _GATE.match(text, end)
            if gate:
                whole, end = whole + gate.group(), gate.end()
        found.append(Location(whole, kind, start, end))
    return found


# One scan that rules out most messages, which name no place at all.
_ANY_PLACE = re.compile(
    rf"{_COMMUNITY_SUFFIX}|{_ROAD_SUFFIX}|{_LANDMARK_PLACE}|{_LANDMARK_SIDE}|单元|号|栋|幢|座|室|排"
)


def find_locations(text: str) -> tuple[Location, ...]:
    """All places in `text`, in order; overlapping finds keep the longer one."""
    if not _ANY_PLACE.search(text):
        return ()
    spans: list[Location] = []
    spans += _named(_COMMUNITY, "community", text)
    spans += _named(_ROAD, "road", text)
    spans += _named(_LANDMARK, "landmark", text, _LANDMARK_LEAD)
    for m in _BUILDING.finditer(text):
        spot = _BUILDING_SPOT.match(text, m.end())
        end = spot.end() if spot else m.end()
        spans.append(Location(text[m.start():end], "building", m.start(), end))
    spans.sort(key=lambda s: (s.start, -(s.end - s.start)))
    kept: list[Location] = []
    for span in spans:
        if kept and span.start < kept[-1].end:
            if span.end - span.start > kept[-1].end - kept[-1].start:
                kept[-1] = span
            continue
        kept.append(span)
    return tuple(kept)


def describe(locations: tuple[Location, ...], text: str) -> str | None:
    """One readable place: neighbouring finds joined (龙泉小区 + 3号楼2单元 → 龙泉小区3号楼2单元),
    each place once."""
    if not locations:
        return None
    groups: list[str] = []
    last_end = -10
    for loc in locations:
        gap = text[last_end:loc.start]
        if groups and gap in {"", "的", " "}:
            groups[-1] += loc.text
        else:
            groups.append(loc.text)
        last_end = loc.end
    # A place named again (or again in part: 龙泉小区 after 龙泉小区7栋) is said once.
    kept = [g for i, g in enumerate(groups)
            if not any(g in o and (g != o or j < i) for j, o in enumerate(groups) if j != i)]
    return " ".join(kept)
