"""`intake grids import grids.yaml`: a street office sets up its grids and their places at once.

```yaml
street: 龙泉街道
grids:
  - name: 第一网格
    places: [龙泉花园, 团结路]
    centre: [30.2741, 120.1551]        # [纬度 lat, 经度 lon]
    polygon: [[30.27, 120.15], [30.28, 120.15], [30.28, 120.16]]   # optional, [lat, lon]
    default: true                      # the grid for reports whose place is unknown
```
Grids are matched by name: a grid already in the database is updated, a new one is added,
grids missing from the file are left alone (they may have tickets).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

_GRID_KEYS = {"name", "places", "centre", "polygon", "default"}


@dataclass(frozen=True)
class GridSpec:
    name: str
    places: tuple[str, ...]
    centre: tuple[float, float] | None  # (lat, lon)
    polygon: tuple[tuple[float, float], ...] | None  # (lat, lon) points
    is_default: bool
    line: int


@dataclass(frozen=True)
class GridFile:
    street: str
    grids: tuple[GridSpec, ...]
    warnings: tuple[str, ...] = ()


class GridFileError(ValueError):
    """The file cannot be imported; `problems` are bilingual lines, each with its line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class _Check:
    problems: list[str] = field(default_factory=list)

    def add(self, line: int, where: str, zh: str, en: str) -> None:
        self.problems.append(f"第 {line} 行{where}：{zh} / line {line}{where and ' ' + where}: {en}")


def _point(value: Any) -> tuple[float, float] | None:
    if (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)):
        lat, lon = float(value[0]), float(value[1])
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return lat, lon
    return None


def _lines(text: str) -> tuple[int, list[int]]:
    """Line of the `grids` key and of each grid entry (1-based), for messages."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return 1, []
    if not isinstance(root, yaml.MappingNode):
        return 1, []
    for key, value in root.value:
        if key.value == "grids" and isinstance(value, yaml.SequenceNode):
            return key.start_mark.line + 1, [item.start_mark.line + 1 for item in value.value]
    return 1, []


def parse_grids(text: str) -> GridFile:
    """Parse and validate; raises `GridFileError` listing every problem found."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise GridFileError([f"第 {line} 行：YAML 格式错误 / line {line}: not valid YAML "
                             f"({getattr(exc, 'problem', None) or exc})"]) from None
    check = _Check()
    if not isinstance(data, dict):
        raise GridFileError(["第 1 行：文件应包含 street 和 grids / line 1: the file needs a "
                             "mapping with street and grids"])
    grids_line, item_lines = _lines(text)
    street = data.get("street")
    if not isinstance(street, str) or not street.strip():
        check.add(1, "", "缺少街道名称 street", "street (the street office's name) is missing")
    for key in sorted(set(data) - {"street", "grids"}, key=str):
        check.add(1, "", f"未知字段 {key}", f"unknown key {key}")
    raw = data.get("grids")
    if not isinstance(raw, list) or not raw:
        check.add(grids_line, "", "grids 应为非空列表", "grids must be a non-empty list")
        raise GridFileError(check.problems)
    specs: list[GridSpec] = []
    seen_names: dict[str, int] = {}
    seen_places: dict[str, str] = {}
    for index, entry in enumerate(raw):
        line = item_lines[index] if index < len(item_lines) else grids_line
        if not isinstance(entry, dict):
            check.add(line, "", f"第 {index + 1} 个网格应为映射", f"grid {index + 1} is not a mapping")
            continue
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            check.add(line, "", f"第 {index + 1} 个网格缺少名称 name",
                      f"grid {index + 1} has no name")
            name = f"#{index + 1}"
        name = name.strip()
        where = f" 网格“{name}”"
        if name in seen_names:
            check.add(line, where, f"名称重复（第 {seen_names[name]} 行已有）",
                      f"duplicate name (also on line {seen_names[name]})")
        seen_names.setdefault(name, line)
        for key in sorted(set(entry) - _GRID_KEYS, key=str):
            check.add(line, where, f"未知字段 {key}", f"unknown key {key}")
        places_raw = entry.get("places", [])
        places: list[str] = []
        if not isinstance(places_raw, list) or not all(
            isinstance(p, str) and p.strip() for p in places_raw
        ):
            check.add(line, where, "places 应为地名列表", "places must be a list of place names")
        else:
            for place in (p.strip() for p in places_raw):
                if place in seen_places and seen_places[place] != name:
                    check.add(line, where, f"地名“{place}”已属于网格“{seen_places[place]}”",
                              f"place {place} already belongs to grid {seen_places[place]}")
                seen_places.setdefault(place, name)
                if place not in places:
                    places.append(place)
        centre = None
        if entry.get("centre") is not None:
            centre = _point(entry["centre"])
            if centre is None:
                check.add(line, where, "centre 应为 [纬度, 经度]",
                          "centre must be [lat, lon] in degrees")
        polygon = None
        if entry.get("polygon") is not None:
            points = entry["polygon"]
            parsed = [_point(p) for p in points] if isinstance(points, list) else []
            if len(parsed) < 3 or any(p is None for p in parsed):
                check.add(line, where, "polygon 应为至少 3 个 [纬度, 经度] 点",
                          "polygon must be a list of at least 3 [lat, lon] points")
            else:
                polygon = tuple(p for p in parsed if p is not None)
        is_default = entry.get("default", False)
        if not isinstance(is_default, bool):
            check.add(line, where, "default 应为 true 或 false", "default must be true or false")
            is_default = False
        if not places and centre is None and polygon is None and not is_default:
            check.add(line, where, "没有地名、中心点或范围，无法分派工单",
                      "no places, centre or polygon: no report could ever be routed to it")
        specs.append(GridSpec(name, tuple(places), centre, polygon, is_default, line))
    defaults = [g for g in specs if g.is_default]
    if len(defaults) > 1:
        check.add(defaults[1].line, f" 网格“{defaults[1].name}”",
                  f"只能有一个默认网格（已有“{defaults[0].name}”）",
                  f"only one grid may be the default (already {defaults[0].name})")
    if check.problems:
        raise GridFileError(check.problems)
    warnings = ()
    if not defaults and len(specs) > 1:
        warnings = ("未指定默认网格：地点不明的工单将交给编号最小的网格 / no default grid: "
                    "reports with no known place go to the grid with the lowest id",)
    return GridFile(str(street).strip(), tuple(specs), warnings)


@dataclass(frozen=True)
class ImportResult:
    street: str
    added: tuple[str, ...]
    updated: tuple[str, ...]
    untouched: tuple[str, ...]  # grids of the street in the database, not in the file


async def import_grids(sessionmaker: Any, grid_file: GridFile,
                       now: datetime | None = None) -> ImportResult:
    """Upsert the street and its grids by name, in one transaction."""
    from sqlalchemy import select

    from storage.models import Grid, Street

    now = now or datetime.now(UTC)
    async with sessionmaker() as session, session.begin():
        street = await session.scalar(select(Street).where(Street.name == grid_file.street))
        if street is None:
            street = Street(name=grid_file.street, created_at=now)
            session.add(street)
            await session.flush()
        names = [g.name for g in grid_file.grids]
        existing = {
            g.name: g for g in await session.scalars(select(Grid).where(Grid.name.in_(names)))
        }
        added, updated = [], []
        for spec in grid_file.grids:
            grid = existing.get(spec.name)
            if grid is None:
                grid = Grid(name=spec.name, created_at=now)
                session.add(grid)
                added.append(spec.name)
            else:
                updated.append(spec.name)
            grid.street_id = street.id
            grid.places = list(spec.places)
            grid.centre_lat, grid.centre_lon = spec.centre or (None, None)
            # storage keeps boundaries GeoJSON-like: [lon, lat]
            grid.polygon = [[lon, lat] for lat, lon in spec.polygon] if spec.polygon else None
            grid.is_default = spec.is_default
        others = list(await session.scalars(
            select(Grid).where(Grid.street_id == street.id, Grid.name.not_in(names))
        ))
        if any(g.is_default for g in grid_file.grids):
            for grid in others:
                grid.is_default = False
    return ImportResult(grid_file.street, tuple(added), tuple(updated),
                        tuple(sorted(g.name for g in others)))


def cmd_grids_import(args: argparse.Namespace, settings_factory: Callable[[], Any]) -> int:
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"无法读取 {path} / cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        grid_file = parse_grids(text)
    except GridFileError as exc:
        print(f"{path}: 未导入 / nothing imported", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    for warning in grid_file.warnings:
        print(f"注意 / note: {warning}", file=sys.stderr)
    if args.dry_run:
        print(f"{path}: {grid_file.street}，{len(grid_file.grids)} 个网格，格式正确（未写入）/ "
              f"{len(grid_file.grids)} grids, valid (nothing written)")
        return 0
    url = args.database_url or settings_factory().database_url
    result = asyncio.run(_import(url, grid_file))
    print(f"{result.street}: 新增 {len(result.added)} 个网格，更新 {len(result.updated)} 个 / "
          f"{len(result.added)} grids added, {len(result.updated)} updated")
    if result.untouched:
        print("未在文件中、保持不变 / not in the file, left as they are: "
              + "、".join(result.untouched))
    return 0


async def _import(url: str, grid_file: GridFile) -> ImportResult:
    from storage.db import Database

    database = Database(url)
    try:
        # As `intake run` does: on a fresh database the tables are not there yet.
        await database.upgrade()
        return await import_grids(database.sessionmaker, grid_file)
    finally:
        await database.dispose()


def register(sub: Any, settings_factory: Callable[[], Any]) -> None:
    grids = sub.add_parser("grids", help="grids (网格) and the places they cover")
    grids_sub = grids.add_subparsers(dest="grids_command", required=True)
    load = grids_sub.add_parser("import", help="add or update grids from a YAML file")
    load.add_argument("file", help="grids.yaml")
    load.add_argument("--dry-run", action="store_true", help="validate only, write nothing")
    load.add_argument("--database-url", help="instead of DATABASE_URL")
    load.set_defaults(func=lambda args: cmd_grids_import(args, settings_factory))
