import pytest

from intents.location import describe, find_locations


def place(text: str) -> str | None:
    return describe(find_locations(text), text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我们龙泉小区3号楼2单元的水管爆了", "龙泉小区3号楼2单元"),
        ("住在阳光花园5栋，楼上天天吵", "阳光花园5栋"),
        ("团结西路印刷技校门口有个井盖没了", "团结西路印刷技校门口"),
        ("中山北路3号门前堆了建筑垃圾", "中山北路3号"),
        ("12幢501室漏水漏到楼下", "12幢501室"),
        ("三号楼二单元的灯坏了", "三号楼二单元"),
        ("第一小学门口接孩子的车堵路", "第一小学门口"),
        ("反映一下幸福家园的垃圾站", "幸福家园"),
        ("我家住龙泉小区3栋2单元", "龙泉小区3栋2单元"),
        ("我住幸福花园5号楼，楼下太吵", "幸福花园5号楼"),
        ("楼下有人天天晚上跳广场舞，吵得不行", None),
        ("万达广场门口的井盖坏了", "万达广场门口"),
    ],
)
def test_places_are_found_without_the_words_before_them(text, expected):
    assert place(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "我家楼下垃圾没人收",
        "马路上有个大坑",
        "这条路坑坑洼洼的",
        "小区门口停满了车",
        "我们社区的路灯不亮",
        "正在修路",
    ],
)
def test_no_place_is_invented(text):
    assert place(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("龙泉花园2栋楼下的路灯坏了", "龙泉花园2栋楼下"),
        ("3号楼楼下有个坑", "3号楼楼下"),
        ("5栋楼顶漏水", "5栋楼顶"),
        ("2号楼道灯不亮", "2号楼道"),
        ("7栋门口垃圾没人收", "7栋门口"),
        ("3号楼上个月就坏了", "3号楼"),  # 上个月 is a time, not upstairs
        ("12幢501室漏水漏到楼下", "12幢501室"),  # downstairs of the flat, not part of its name
    ],
)
def test_the_spot_at_a_building_is_kept(text, expected):
    assert place(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("龙泉小区东门路灯坏了", "龙泉小区东门"),
        ("团结西路路口路灯晚上不亮", "团结西路路口"),  # 路灯 is a lamp, not a road named 路口
        ("团结路路牙子断了", "团结路"),
        ("中山路上有个坑", "中山路"),
        ("团结路东侧人行道塌了", "团结路东侧"),
    ],
)
def test_the_gate_or_end_of_an_estate_or_road_is_kept(text, expected):
    assert place(text) == expected


def test_kinds_and_offsets():
    text = "龙泉小区3号楼"
    locations = find_locations(text)
    assert [(loc.kind, loc.text) for loc in locations] == [
        ("community", "龙泉小区"),
        ("building", "3号楼"),
    ]
    assert all(text[loc.start:loc.end] == loc.text for loc in locations)


def test_a_place_named_again_is_described_once():
    text = "龙泉小区7栋楼电梯坏了,龙泉小区7栋楼没人管,龙泉小区7栋楼的人都很生气"
    assert place(text) == "龙泉小区7栋楼"
    assert place("龙泉小区门口,龙泉小区7栋楼也一样") == "龙泉小区门口 龙泉小区7栋楼"  # two spots
    assert place("龙泉小区7栋和阳光花园2栋") == "龙泉小区7栋 阳光花园2栋"
