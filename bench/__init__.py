"""Benchmarks (`make bench`): each figure beside its floor, measured in the same run on the same machine.

A floor is the least the same work could cost here (raw aio-pika for the event pipeline, one SQL
aggregate for the invoice run, a bare FastAPI app for the request path, nginx for the gateway), so a
figure reads as a ratio that survives a faster or slower machine. Each module's `figures(scale)`
returns its figures; `bench.runner` runs them all and writes `bench/results.json`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Goal:
    """What a figure should reach: its value under a limit, or its ratio to the floor past one."""

    text: str
    value_below: float | None = None
    ratio_at_least: float | None = None
    ratio_at_most: float | None = None

    def met(self, value: float, ratio: float | None) -> bool:
        if self.value_below is not None and not value < self.value_below:
            return False
        if self.ratio_at_least is not None and (ratio is None or ratio < self.ratio_at_least):
            return False
        return not (self.ratio_at_most is not None and (ratio is None or ratio > self.ratio_at_most))


@dataclass(frozen=True)
class Figure:
    """One measured figure; `ratio` is value / floor (none when the floor is not above zero, as an added
    latency lost in the noise can be), `detail` holds what explains it (p50s, counts)."""

    name: str
    value: float
    unit: str
    floor: float | None
    goal: Goal | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        return None if self.floor is None or self.floor <= 0 else self.value / self.floor

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "unit": self.unit, "floor": self.floor,
                "ratio": self.ratio, "goal": self.goal.text if self.goal else None,
                "meets_goal": self.goal.met(self.value, self.ratio) if self.goal else None,
                "detail": self.detail}


@dataclass(frozen=True)
class Scale:
    """How much each benchmark does: `full` for `make bench`, `tiny` for the test that keeps it working."""

    name: str
    cascade_providers: int
    cascade_decisions: int
    events: int
    referrals: int
    referral_seconds: int
    wrk_seconds: int
    import_rows: int
    packages: int
    visit_packages: int

    @classmethod
    def chosen(cls) -> Scale:
        """`BENCH_SCALE=tiny` for the quick run; `BENCH_PACKAGES` still sets the invoice run's size."""
        scale = TINY if os.environ.get("BENCH_SCALE", "full") == "tiny" else FULL
        packages = int(os.environ.get("BENCH_PACKAGES", scale.packages))
        return cls(**{**scale.__dict__, "packages": packages})


FULL = Scale(name="full", cascade_providers=15_000, cascade_decisions=5_000, events=3_000, referrals=200,
             referral_seconds=60, wrk_seconds=5, import_rows=10_000, packages=100_000,
             visit_packages=10_000)
TINY = Scale(name="tiny", cascade_providers=1_500, cascade_decisions=200, events=50, referrals=8,
             referral_seconds=30, wrk_seconds=1, import_rows=200, packages=200,
             visit_packages=1_000)
