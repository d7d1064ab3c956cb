"""Which grid a report belongs to: a place named in the text, a shared location, the resident's
remembered address, the only grid, or the street's default grid marked 位置待确认.

Pure: the lead loads the grids from storage and passes them in as `GridArea`s.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from rapidfuzz import fuzz

from intents.fuzzy import SoundIndex
from intents.normalize import Normalizer, default_normalizer

Source = Literal["text", "location", "remembered", "default", "only"]

# Residents add or drop these after a name (龙泉花园小区, 幸福社区 → 幸福); they are not part of it.
# 花园, 家园, 新村… are: 龙泉花园 and 龙泉小区 are two places.
_GENERIC_SUFFIX = re.compile(r"(?:小区|社区)$")
# What may follow a bare name (龙泉 of 龙泉小区) when it is the same place: not another kind of
# place (龙泉花园, 龙泉路, 龙泉村 are elsewhere).
_OTHER_PLACE_AFTER = re.compile(
    r"^(?:花园|家园|新村|新城|公寓|大院|宿舍|嘉园|雅苑|华庭|名苑|山庄|公馆|广场|大厦|苑|村|"
    r"大道|大街|胡同|路|街|巷|弄|东路|西路|南路|北路|中路|寺|镇|乡|湖|山|公园)"
)
# A two-character bare name (幸福 of 幸福社区) is too often an ordinary word: it counts only when
# what follows says it is a place.
_SHORT_BARE_CONTEXT = re.compile(
    r"^(?:小区|社区|那边|这边|那里|这里|门口|大门|附近|里面|楼下|[0-9一二三四五六七八九十]+(?:号|栋|幢|期|单元))"
)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_EXACT = 100.0
_BARE = 92.0  # the name without 小区/社区: a little weaker than the name as configured
_MIN_FUZZY = 60.0  # rapidfuzz ratio of a same-length window that sounds like the place
_MIN_FUZZY_ANY_SOUND = 80.0  # a window that does not sound alike (one wrong character in 5+)
_EARTH_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class GridArea:
    """A grid (网格) as routing sees it; `centre` and `polygon` points are (lat, lon)."""

    id: int
    name: str
    places: tuple[str, ...] = ()
    centre: tuple[float, float] | None = None
    polygon: tuple[tuple[float, float], ...] | None = None
    is_default: bool = False


def grid_area(row: Any) -> GridArea:
    """From a `storage.models.Grid` row (its polygon is GeoJSON-like [lon, lat])."""
    centre = None
    if row.centre_lat is not None and row.centre_lon is not None:
        centre = (float(row.centre_lat), float(row.centre_lon))
    polygon = tuple((float(lat), float(lon)) for lon, lat in row.polygon) if row.polygon else None
    return GridArea(row.id, row.name, tuple(row.places or ()), centre, polygon,
                    bool(row.is_default))


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    grid_id: int
    place: str  # as configured
    found: str  # the words of the message that matched (normalised)
    score: float  # 0..100


@dataclass(frozen=True, slots=True)
class Route:
    grid_id: int | None  # None only when the street has no grids at all
    source: Source
    place: str | None  # the configured place or the grid's name that decided it
    confirmed: bool  # False: the card shows 位置待确认 so staff can transfer it


@dataclass(frozen=True, slots=True)
class _Form:
    grid_id: int
    place: str
    text: str  # normalised
    score: float  # of an exact find of this form
    sounds: tuple[str, ...]


class PlaceMatcher:
    """Places of all grids, normalised once; `match(text)` finds the most specific one named.

    Exact finds of a place (after Traditional → Simplified) score 100; the name without a
    trailing 小区/社区 scores a little less and only when no other kind of place follows it;
    typos match when a same-length window sounds like the place (拼音 input: 龙全花园).
    A longer place wins over a shorter one found in the same words (团结西路 over 团结路).
    """

    def __init__(self, grids: Sequence[GridArea], normalizer: Normalizer | None = None) -> None:
        self._normalize = normalizer or default_normalizer()
        self._sound = SoundIndex(())
        forms: dict[str, _Form] = {}
        for grid in grids:
            for place in grid.places:
                text = self._norm(place)
                if len(text) < 2:
                    continue
                self._add(forms, _Form(grid.id, place, text, _EXACT, self._sounds(text)))
                bare = _GENERIC_SUFFIX.sub("", text)
                if bare != text and len(bare) >= 2:
                    self._add(forms, _Form(grid.id, place, bare, _BARE, self._sounds(bare)))
        self._forms = sorted(forms.values(), key=lambda f: (-len(f.text), -f.score, f.grid_id))
        self._lengths = sorted({len(f.text) for f in self._forms if _HAN.search(f.text)})

    @staticmethod
    def _add(forms: dict[str, _Form], form: _Form) -> None:
        """Keeps the stronger of two equal forms (a place configured as 幸福 beats 幸福社区's bare)."""
        old = forms.get(form.text)
        if old is None or (form.score, -form.grid_id) > (old.score, -old.grid_id):
            forms[form.text] = form

    def _norm(self, text: str) -> str:
        return self._normalize(text).text.replace(" ", "")

    def _sounds(self, text: str) -> tuple[str, ...]:
        return tuple(self._sound.syllable(c) for c in text)

    def match(self, text: str | None) -> PlaceMatch | None:
        """The most specific configured place the text names, or None."""
        if not text or not self._forms:
            return None
        norm = self._norm(text)
        if not norm:
            return None
        found = self._exact(norm) + self._fuzzy(norm)
        if not found:
            return None
        # Specific first (more characters of a place), then the better score.
        best = max(found, key=lambda fm: (len(fm[0].text), fm[1].score))
        return best[1]

    @staticmethod
    def _fits(form: _Form, after: str) -> bool:
        """A bare name is the place unless another kind of place follows (龙泉路 ≠ 龙泉小区)."""
        if form.score == _EXACT:
            return True
        if _OTHER_PLACE_AFTER.match(after):
            return False
        return len(form.text) > 2 or _SHORT_BARE_CONTEXT.match(after) is not None

    def _exact(self, norm: str) -> list[tuple[_Form, PlaceMatch]]:
        found = []
        for form in self._forms:
            start = norm.find(form.text)
            while start >= 0:
                if self._fits(form, norm[start + len(form.text):]):
                    hit = PlaceMatch(form.grid_id, form.place, form.text, form.score)
                    found.append((form, hit))
                    break
                start = norm.find(form.text, start + 1)
        return found

    def _fuzzy(self, norm: str) -> list[tuple[_Form, PlaceMatch]]:
        """Windows as long as a place that sound like it: pinyin typos (龙全花园, 龍泉花圓)."""
        found = []
        windows: dict[int, list[str]] = {
            size: [norm[i:i + size] for i in range(len(norm) - size + 1)]
            for size in self._lengths
            if size >= 3
        }
        for form in self._forms:
            size = len(form.text)
            if size < 3 or form.text in norm:
                continue
            best: PlaceMatch | None = None
            for window in windows.get(size, ()):
                if window[0] != form.text[0] and window[-1] != form.text[-1]:
                    continue
                score = fuzz.ratio(window, form.text)
                if score < _MIN_FUZZY:
                    continue
                sounds = self._sounds(window)
                differing = [i for i in range(size) if window[i] != form.text[i]]
                alike = all(sounds[i] == form.sounds[i] for i in differing)
                if len(differing) > max(1, size // 3) or not alike and (
                    score < _MIN_FUZZY_ANY_SOUND or len(differing) > 1
                ):
                    continue
                if not self._fits(form, norm[norm.find(window) + size:]):
                    continue
                score = score * form.score / _EXACT
                if best is None or score > best.score:
                    best = PlaceMatch(form.grid_id, form.place, window, round(score, 1))
            if best is not None:
                found.append((form, best))
        return found


@lru_cache(maxsize=8)
def _matcher_for(grids: tuple[GridArea, ...]) -> PlaceMatcher:
    return PlaceMatcher(grids)


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * _EARTH_KM * math.asin(math.sqrt(min(1.0, h)))


def contains(polygon: Sequence[tuple[float, float]], point: tuple[float, float]) -> bool:
    """Ray casting in (lat, lon) as a plane: fine at the size of a grid."""
    lat, lon = point
    inside = False
    n = len(polygon)
    for i in range(n):
        (y1, x1), (y2, x2) = polygon[i], polygon[(i + 1) % n]
        if (y1 > lat) != (y2 > lat):
            x = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < x:
                inside = not inside
    return inside


def _centre(grid: GridArea) -> tuple[float, float] | None:
    if grid.centre is not None:
        return grid.centre
    if grid.polygon:
        return (sum(p[0] for p in grid.polygon) / len(grid.polygon),
                sum(p[1] for p in grid.polygon) / len(grid.polygon))
    return None


def nearest_grid(
    latitude: float, longitude: float, grids: Sequence[GridArea], *, max_km: float = 5.0
) -> GridArea | None:
    """The grid whose polygon holds the point; else the nearest centre within `max_km`."""
    point = (latitude, longitude)
    for grid in grids:
        if grid.polygon and len(grid.polygon) >= 3 and contains(grid.polygon, point):
            return grid
    best: tuple[float, GridArea] | None = None
    for grid in grids:
        centre = _centre(grid)
        if centre is None:
            continue
        distance = haversine_km(point, centre)
        if distance <= max_km and (best is None or distance < best[0]):
            best = (distance, grid)
    return best[1] if best else None


def route(
    text: str | None,
    *,
    latitude: float | None = None,
    longitude: float | None = None,
    remembered_address: str | None = None,
    grids: Sequence[GridArea],
    matcher: PlaceMatcher | None = None,
    max_km: float = 5.0,
) -> Route:
    """The grid for a report, in this order: a place named in the text; the shared location;
    the resident's remembered address; the street's only grid; the default grid, unconfirmed.

    Pass `matcher` built once from the same grids to skip rebuilding it per message.
    """
    if not grids:
        return Route(None, "default", None, confirmed=False)
    matcher = matcher or _matcher_for(tuple(grids))
    if (hit := matcher.match(text)) is not None:
        return Route(hit.grid_id, "text", hit.place, confirmed=True)
    if latitude is not None and longitude is not None:
        grid = nearest_grid(latitude, longitude, grids, max_km=max_km)
        if grid is not None:
            return Route(grid.id, "location", grid.name, confirmed=True)
    if (hit := matcher.match(remembered_address)) is not None:
        return Route(hit.grid_id, "remembered", hit.place, confirmed=True)
    if len(grids) == 1:
        return Route(grids[0].id, "only", grids[0].name, confirmed=True)
    default = next((g for g in grids if g.is_default), None) or min(grids, key=lambda g: g.id)
    return Route(default.id, "default", default.name, confirmed=False)
