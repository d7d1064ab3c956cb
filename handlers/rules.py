"""Rules that come from configuration and that several handlers share: points (积分).

Apart from `handlers.points` so that `handlers.app.Config` can hold them without a cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PointsRules:
    """How many points what earns. `by_category` overrides `report` for a verified report."""

    report: int = 10
    by_category: Mapping[str, int] = field(default_factory=lambda: {
        "safety": 20, "elevator": 15, "road": 15, "utilities": 15, "charging": 15,
    })
    urgent_bonus: int = 10
    wish: int = 20
    daily_cap: int = 100  # points one person can earn in one local day

    def for_report(self, category: str, urgent: bool) -> int:
        return self.by_category.get(category, self.report) + (self.urgent_bonus if urgent else 0)


DEFAULT_POINTS = PointsRules()
