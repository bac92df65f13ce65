"""Checking delivered-visit reports (DOMAIN.md, "Invoices and payments": invoices are built from the
visits providers report). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time


@dataclass(frozen=True)
class CareWindow:
    """When a package was in care: its dates, and its suspensions (inclusive; open ones end None)."""

    start_on: date
    end_on: date | None
    suspensions: tuple[tuple[date, date | None], ...] = ()

    def refusal(self, day: date, *, today: date) -> str | None:
        """Why a visit on `day` cannot have happened, or None when it can."""
        if day > today:
            return "the visit date is in the future"
        if day < self.start_on:
            return f"the package starts on {self.start_on}"
        if self.end_on is not None and day > self.end_on:
            return f"the package ended on {self.end_on}"
        if any(start <= day and (end is None or day <= end) for start, end in self.suspensions):
            return "the package was suspended that day"
        return None


def late_by_minutes(*, planned: time, actual: time | None, missed: bool) -> int:
    """Minutes after the planned start (0 when on time, early or missed)."""
    if missed or actual is None:
        return 0
    delta = datetime.combine(date.min, actual) - datetime.combine(date.min, planned)
    return max(0, int(delta.total_seconds() // 60))
