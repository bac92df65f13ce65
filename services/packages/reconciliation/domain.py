"""Reconciling a period (docs/finance.md, "Reconciling a run"): per package, the visits its schedules planned
on its days in care, the visits its provider reported by outcome, and what the period's documents charge for
it. Pure: no I/O."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from services.packages.invoices.domain import DateRange, Period, care_days
from shared.contracts.packages import VisitOutcome

MAX_DAYS = 366


def period_problem(start: date, end: date) -> str | None:
    if end < start:
        return "period_end is before period_start"
    if (end - start).days + 1 > MAX_DAYS:
        return f"a reconciliation covers at most {MAX_DAYS} days"
    return None


@dataclass(frozen=True, slots=True)
class Term:
    """A schedule in force from its first to its last day (None: still in force), as visits per weekday."""

    span: DateRange
    weekday_visits: tuple[int, ...]


def planned_visits(period: Period, *, package: DateRange, terms: Iterable[Term],
                   suspensions: Sequence[DateRange]) -> int:
    """The visits the package's schedules planned on its days in care in the period (suspended days, and days
    before it started or after it ended, plan none)."""
    planned = 0
    for term in terms:
        days = Counter(day.weekday() for day in care_days(period, package=package, term=term.span,
                                                           suspensions=suspensions))
        planned += sum(term.weekday_visits[weekday] * times for weekday, times in days.items())
    return planned


def term_span(effective_from: date, effective_to: date | None) -> DateRange:
    """A term's `effective_to` is the first day of the next one; its last day is the day before."""
    return effective_from, None if effective_to is None else effective_to - timedelta(days=1)


@dataclass(slots=True)
class Reported:
    """A package's reported visits in the period (not voided), counted at their latest version. Unplanned
    visits count once a broker approved them; those waiting for a decision are counted apart."""

    by_outcome: Counter[VisitOutcome] = field(default_factory=Counter)
    planned_reported: int = 0
    awaiting_approval: int = 0

    def not_reported(self, planned: int) -> int:
        """Planned visits nobody reported (call logging missed them): never below zero."""
        return max(planned - self.planned_reported, 0)
