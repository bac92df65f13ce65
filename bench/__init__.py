"""Benchmarks (`make bench`): each module here defines `run() -> list[Result]`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Result:
    name: str
    figures: dict[str, float]
    unit: dict[str, str] = field(default_factory=dict)
    notes: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
