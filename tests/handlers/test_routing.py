"""Routing: which grid's group sees a resident's report, and the grids.yaml import."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main as intake
from bot.grids_import import GridFileError, import_grids, parse_grids
from handlers.routing import (
    GridArea,
    PlaceMatcher,
    contains,
    grid_area,
    haversine_km,
    nearest_grid,
    route,
)

LONGQUAN = GridArea(1, "龙泉网格", ("龙泉花园", "团结路", "实验小学"), (30.2700, 120.1500), None, False)
YANGGUANG = GridArea(2, "阳光网格", ("龙泉小区", "团结西路", "阳光家园", "幸福社区"),
                     (30.2900, 120.1500), None, True)
BINJIANG = GridArea(
    3, "滨江网格", ("滨江苑",), None,
    ((30.2500, 120.1700), (30.2500, 120.1800), (30.2600, 120.1800), (30.2600, 120.1700)), False,
)
GRIDS = (LONGQUAN, YANGGUANG, BINJIANG)


@pytest.fixture(scope="module")
def matcher() -> PlaceMatcher:
    return PlaceMatcher(GRIDS)


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("龙泉花园3号楼门口路灯坏了", "龙泉花园"),
        ("龙泉花园小区的垃圾没人收", "龙泉花园"),  # 小区 added
        ("龍泉花園電梯壞了", "龙泉花园"),  # Traditional
        ("龙全花园楼下好臭", "龙泉花园"),  # pinyin typo
        ("龙泉花圆有人乱停车", "龙泉花园"),  # another homophone
        ("龙泉小区的井盖丢了", "龙泉小区"),
        ("龙泉那边路灯不亮", "龙泉小区"),  # bare name of 龙泉小区, not 龙泉花园
        ("团结西路下水道堵了", "团结西路"),  # longer, more specific
        ("团结路口红绿灯坏了", "团结路"),
        ("团节路上有个坑", "团结路"),  # typo in a three-character name
        ("幸福小区东门垃圾满了", "幸福社区"),  # 社区 / 小区 are one suffix to residents
        ("阳光家圆3栋停水", "阳光家园"),
        ("实验小学门口堵车", "实验小学"),
        ("ＡＢＣ 龙泉花园", "龙泉花园"),  # full-width noise around it
    ],
)
def test_a_place_named_in_the_text_is_found(matcher: PlaceMatcher, text: str, place: str) -> None:
    found = matcher.match(text)
    assert found is not None and found.place == place


@pytest.mark.parametrize(
    "text",
    [
        "楼下垃圾三天没人收",  # no place
        "龙泉路的路灯坏了",  # 龙泉路 is not 龙泉小区
        "龙泉村有人烧垃圾",
        "阳光花园门口堵车",  # 阳光花园 is not 阳光家园 (花/家 do not sound alike)
        "团圆路有个坑",  # 团圆路 is not 团结路
        "我们要团结起来",
        "幸福生活需要大家维护",  # 幸福 as a word, not 幸福社区
        "滨江路井盖丢了",  # 滨江路 is not 滨江苑
        "",
    ],
)
def test_near_misses_and_unrelated_text_match_nothing(matcher: PlaceMatcher, text: str) -> None:
    assert matcher.match(text) is None


def test_the_longer_place_wins_even_when_it_is_elsewhere_in_the_message() -> None:
    grids = (GridArea(1, "一", ("龙泉花园",)), GridArea(2, "二", ("龙泉花园二期",)))
    found = PlaceMatcher(grids).match("龙泉花园那边，准确说是龙泉花园二期5栋")
    assert found is not None and (found.grid_id, found.place) == (2, "龙泉花园二期")


def test_an_exact_match_outscores_a_typo() -> None:
    found = PlaceMatcher(GRIDS).match("龙泉花园")
    assert found is not None and found.score == 100.0


def test_places_are_configured_in_traditional_too() -> None:
    grids = (GridArea(1, "一", ("龍泉花園",)), GridArea(2, "二", ("陽光家園",)))
    found = PlaceMatcher(grids).match("龙泉花园路灯坏了")
    assert found is not None and found.grid_id == 1 and found.place == "龍泉花園"


# --- shared locations --------------------------------------------------------------------


def test_haversine_of_a_degree_of_latitude() -> None:
    assert haversine_km((30.0, 120.0), (31.0, 120.0)) == pytest.approx(111.2, abs=0.2)


def test_point_in_polygon() -> None:
    assert BINJIANG.polygon is not None
    assert contains(BINJIANG.polygon, (30.255, 120.175))
    assert not contains(BINJIANG.polygon, (30.265, 120.175))


def test_a_location_inside_a_polygon_goes_to_that_grid_even_if_another_centre_is_nearer() -> None:
    near_centre = GridArea(9, "近", (), (30.2505, 120.1705), None, False)
    grid = nearest_grid(30.259, 120.179, (near_centre, BINJIANG))
    assert grid is not None and grid.id == 3


def test_otherwise_the_nearest_centre_within_reach() -> None:
    grid = nearest_grid(30.2850, 120.1500, GRIDS)
    assert grid is not None and grid.id == 2
    grid = nearest_grid(30.2750, 120.1500, GRIDS)
    assert grid is not None and grid.id == 1


def test_a_location_far_from_every_grid_matches_none() -> None:
    assert nearest_grid(31.2304, 121.4737, GRIDS) is None  # Shanghai, ~170 km away
    assert nearest_grid(30.2700, 120.2400, GRIDS, max_km=5) is None  # ~6 km east of all


def test_a_grid_with_only_a_polygon_has_its_centroid_as_centre() -> None:
    grid = nearest_grid(30.262, 120.175, (BINJIANG,))  # just north of the polygon
    assert grid is not None and grid.id == 3


# --- the order of sources ----------------------------------------------------------------


def test_the_text_wins_over_location_and_remembered_address() -> None:
    r = route("阳光家园门口的路灯坏了", latitude=30.2700, longitude=120.1500,
              remembered_address="龙泉花园5栋", grids=GRIDS)
    assert (r.grid_id, r.source, r.place, r.confirmed) == (2, "text", "阳光家园", True)


def test_the_shared_location_when_the_text_names_no_place() -> None:
    r = route("这里路灯坏了", latitude=30.2550, longitude=120.1750,
              remembered_address="龙泉花园5栋", grids=GRIDS)
    assert (r.grid_id, r.source, r.confirmed) == (3, "location", True)


def test_the_remembered_address_when_the_location_is_out_of_reach() -> None:
    r = route("楼下垃圾没人收", latitude=31.2304, longitude=121.4737,
              remembered_address="龍泉花園5棟", grids=GRIDS)
    assert (r.grid_id, r.source, r.place) == (1, "remembered", "龙泉花园")


def test_the_only_grid_of_a_street() -> None:
    r = route("楼下垃圾没人收", grids=(LONGQUAN,))
    assert (r.grid_id, r.source, r.confirmed) == (1, "only", True)


def test_otherwise_the_default_grid_unconfirmed_so_the_card_says_位置待确认() -> None:
    r = route("楼下垃圾没人收", remembered_address="火星基地", grids=GRIDS)
    assert (r.grid_id, r.source, r.confirmed) == (2, "default", False)


def test_without_a_default_the_lowest_id_unconfirmed() -> None:
    grids = (GridArea(7, "七", ("甲小区",)), GridArea(4, "四", ("乙小区",)))
    r = route("楼下垃圾没人收", grids=grids)
    assert (r.grid_id, r.source, r.confirmed) == (4, "default", False)


def test_no_grids_at_all() -> None:
    r = route("楼下垃圾没人收", grids=())
    assert r.grid_id is None and not r.confirmed


def test_a_prebuilt_matcher_is_used() -> None:
    matcher = PlaceMatcher((BINJIANG,))
    r = route("龙泉花园路灯坏了", grids=GRIDS, matcher=matcher)
    assert r.source == "default"  # the given matcher knows only 滨江苑


# --- grids.yaml ----------------------------------------------------------------------------

GRIDS_YAML = """\
street: 龙泉街道
grids:
  - name: 龙泉网格
    places: [龙泉花园, 团结路]
    centre: [30.27, 120.15]
    default: true
  - name: 滨江网格
    places:
      - 滨江苑
    polygon: [[30.25, 120.17], [30.25, 120.18], [30.26, 120.18]]
"""


def test_a_grids_file_is_parsed() -> None:
    parsed = parse_grids(GRIDS_YAML)
    assert parsed.street == "龙泉街道"
    first, second = parsed.grids
    assert (first.name, first.places, first.centre, first.is_default) == (
        "龙泉网格", ("龙泉花园", "团结路"), (30.27, 120.15), True)
    assert second.polygon == ((30.25, 120.17), (30.25, 120.18), (30.26, 120.18))
    assert second.line == 7


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("grids: []\n", ["street", "grids"]),
        ("street: 龙泉街道\ngrids:\n  - name: 一\n    places: [甲小区]\n    centre: [200, 1]\n",
         ["第 3 行 网格“一”", "centre"]),
        ("street: 龙泉街道\ngrids:\n  - name: 一\n    places: [甲小区]\n"
         "  - name: 一\n    places: [乙小区]\n", ["第 5 行", "名称重复", "duplicate name"]),
        ("street: 龙泉街道\ngrids:\n  - name: 一\n    places: [甲小区]\n"
         "  - name: 二\n    places: [甲小区]\n", ["甲小区", "already belongs to grid 一"]),
        ("street: 龙泉街道\ngrids:\n  - name: 一\n    places: [甲小区]\n    default: true\n"
         "  - name: 二\n    places: [乙小区]\n    default: true\n", ["只能有一个默认网格"]),
        ("street: 龙泉街道\ngrids:\n  - name: 一\n    place: [甲小区]\n", ["未知字段 place"]),
        ("street: 龙泉街道\ngrids:\n  - name: 一\n    places: [甲小区]\n"
         "    polygon: [[30, 120], [30, 121]]\n", ["polygon", "at least 3"]),
        ("street: 龙泉街道\ngrids:\n  - name: 一\n", ["no places, centre or polygon"]),
        ("street: [unclosed\n", ["YAML"]),
    ],
)
def test_a_bad_grids_file_is_refused_in_chinese_and_english(
    text: str, expected: list[str]
) -> None:
    with pytest.raises(GridFileError) as caught:
        parse_grids(text)
    message = str(caught.value)
    for part in expected:
        assert part in message


async def test_import_upserts_by_grid_name(tmp_path: Path) -> None:
    from sqlalchemy import select

    from storage.db import Database
    from storage.models import Base, Grid, Street

    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'grids.db'}")
    try:
        async with database.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        first = await import_grids(database.sessionmaker, parse_grids(GRIDS_YAML))
        assert first.added == ("龙泉网格", "滨江网格") and first.updated == ()

        changed = GRIDS_YAML.replace("[龙泉花园, 团结路]", "[龙泉花园, 团结路, 团结西路]")
        changed = changed.split("  - name: 滨江网格")[0]
        second = await import_grids(database.sessionmaker, parse_grids(changed))
        assert second.added == () and second.updated == ("龙泉网格",)
        assert second.untouched == ("滨江网格",)

        async with database.sessionmaker() as session:
            rows = {g.name: g for g in await session.scalars(select(Grid))}
            streets = list(await session.scalars(select(Street)))
        assert [s.name for s in streets] == ["龙泉街道"]
        assert rows["龙泉网格"].places == ["龙泉花园", "团结路", "团结西路"]
        assert rows["滨江网格"].polygon == [[120.17, 30.25], [120.18, 30.25], [120.18, 30.26]]
        areas = {a.name: a for a in map(grid_area, rows.values())}
        assert areas["滨江网格"].polygon == ((30.25, 120.17), (30.25, 120.18), (30.26, 120.18))
        assert areas["龙泉网格"].centre == (30.27, 120.15) and areas["龙泉网格"].is_default
        r = route("团结西路下水道堵了", grids=tuple(areas.values()))
        assert r.grid_id == rows["龙泉网格"].id
    finally:
        await database.dispose()


def test_the_intake_command_validates_and_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "grids.yaml"
    good.write_text(GRIDS_YAML, encoding="utf-8")
    assert intake(["grids", "import", str(good), "--dry-run"]) == 0
    assert "2 grids, valid" in capsys.readouterr().out

    bad = tmp_path / "bad.yaml"
    bad.write_text("street: 龙泉街道\ngrids:\n  - name: 一\n    centre: [1]\n", encoding="utf-8")
    assert intake(["grids", "import", str(bad), "--dry-run"]) == 1
    assert "第 3 行 网格“一”" in capsys.readouterr().err

    assert intake(["grids", "import", str(tmp_path / "missing.yaml")]) == 2
