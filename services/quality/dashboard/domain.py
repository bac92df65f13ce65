"""Arithmetic of the performance dashboard (South Lanarkshire, Southampton: demand, capacity and
performance at a glance). Pure."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from services.quality.intelligence.domain import outcome_of, visit_evidence
from services.quality.risk.domain import EvidenceKind
from shared.contracts.packages import VisitFacts, VisitOutcome

HUNDREDTH = Decimal("0.01")
SHORT_VISIT_MINUTES = 30
"""NICE NG21: visits under 30 minutes only in narrow cases, so the dashboard counts them."""


@dataclass(frozen=True)
class VisitCount:
    """What one visit report adds to its provider's tally. Only delivered visits count as delivered and
    are checked for short and late; a frustrated visit or one the client cancelled counts in neither."""

    delivered: bool
    under_30: bool
    missed: bool
    late: bool


def visit_count(visit: VisitFacts, *, late_threshold: int) -> VisitCount:
    outcome = outcome_of(visit)
    delivered = outcome is VisitOutcome.DELIVERED
    kind = visit_evidence(outcome=outcome, late_by_minutes=visit.late_by_minutes, late_threshold=late_threshold)
    minutes = visit.actual_minutes or visit.planned_minutes
    return VisitCount(delivered=delivered, under_30=delivered and minutes < SHORT_VISIT_MINUTES,
                      missed=kind is EvidenceKind.MISSED_VISIT, late=kind is EvidenceKind.LATE_VISIT)


def is_newer(visit: VisitFacts, *, counted_version: int | None) -> bool:
    """A visit is counted once per version, the highest winning: a correction replaces what the earlier
    version counted; a version already counted, or older than it (arriving late), changes nothing."""
    return counted_version is None or visit.version > counted_version


def week_start(day: date) -> date:
    """Weeks run Monday to Sunday."""
    return day - timedelta(days=day.weekday())


def median(values: Sequence[Decimal]) -> Decimal | None:
    """The middle value; with an even count the mean of the two middle ones."""
    if not values:
        return None
    ordered, middle = sorted(values), len(values) // 2
    if len(ordered) % 2:
        return ordered[middle].quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
    return ((ordered[middle - 1] + ordered[middle]) / 2).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def percentile(values: Sequence[Decimal], fraction: Decimal) -> Decimal | None:
    """Nearest rank: the smallest value that at least `fraction` of the values do not exceed."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(math.ceil(fraction * len(ordered)), 1)
    return ordered[rank - 1].quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def share_percent(part: int, whole: int) -> Decimal | None:
    """`part` as a percentage of `whole` with two places; None when there is nothing to share."""
    if whole <= 0:
        return None
    return (Decimal(100) * part / whole).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def hours_of(delta: timedelta) -> Decimal:
    """A duration in hours, exactly (no float on the way)."""
    seconds = Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds) / 1_000_000
    return seconds / 3600


def weeks_back(today: date, count: int) -> list[date]:
    """The Mondays of the last `count` weeks, oldest first, this week included."""
    this_week = week_start(today)
    return [this_week - timedelta(weeks=back) for back in range(count - 1, -1, -1)]


@dataclass(frozen=True)
class AreaBalance:
    area: str
    capacity_hours: Decimal
    waiting_hours: Decimal


def capacity_against_demand(declared: Iterable[Mapping[str, str]], waiting: Mapping[str, Decimal]) -> list[AreaBalance]:
    """Hours a week declared free by providers (`declared`: each provider's hours by area) beside the hours of
    care waiting to be placed (`waiting`, by area), for every area either names, by area code."""
    capacity: dict[str, Decimal] = {}
    for provider in declared:
        for area, hours in provider.items():
            capacity[area] = capacity.get(area, Decimal(0)) + Decimal(hours)
    return [AreaBalance(area=area, capacity_hours=capacity.get(area, Decimal(0)),
                        waiting_hours=waiting.get(area, Decimal(0)))
            for area in sorted(capacity.keys() | waiting.keys())]
