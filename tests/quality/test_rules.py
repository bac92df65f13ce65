"""What intelligence counts as evidence, action statuses, and the dashboard's arithmetic."""

from __future__ import annotations

import uuid
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.quality.dashboard.domain import (
    VisitCount,
    hours_of,
    is_newer,
    median,
    percentile,
    share_percent,
    visit_count,
    week_start,
    weeks_back,
)
from services.quality.intelligence.domain import (
    ConcernKind,
    FeedbackAspect,
    FindingOutcome,
    concern_evidence_kind,
    feedback_severity,
    finding_severity,
    outcome_of,
    visit_evidence,
)
from services.quality.plans.domain import ActionStatus, is_overdue, may_move
from services.quality.risk.domain import EvidenceKind, Severity
from shared.contracts.packages import VisitFacts, VisitOutcome


@pytest.mark.parametrize("kind", list(ConcernKind))
def test_every_concern_kind_is_scored_as_the_evidence_of_the_same_name(kind: ConcernKind) -> None:
    assert concern_evidence_kind(kind).value == kind.value


def test_only_shortfalls_found_on_a_monitoring_visit_are_evidence() -> None:
    assert finding_severity(FindingOutcome.GOOD) is None
    assert finding_severity(FindingOutcome.REQUIRES_IMPROVEMENT) is Severity.MEDIUM
    assert finding_severity(FindingOutcome.INADEQUATE) is Severity.HIGH


@pytest.mark.parametrize(("scores", "expected"), [
    ({FeedbackAspect.OVERALL: 5}, None),
    ({FeedbackAspect.OVERALL: 4, FeedbackAspect.PUNCTUALITY: 3}, None),
    ({FeedbackAspect.OVERALL: 4, FeedbackAspect.PUNCTUALITY: 2}, Severity.LOW),
    ({FeedbackAspect.OVERALL: 1}, Severity.MEDIUM),
])
def test_the_lowest_feedback_score_decides_whether_it_is_evidence(
    scores: dict[FeedbackAspect, int], expected: Severity | None
) -> None:
    assert feedback_severity(scores) is expected


def visit(outcome: VisitOutcome = VisitOutcome.DELIVERED, *, minutes: int = 60, late_by: int = 0,
          **changes: Any) -> VisitFacts:
    return VisitFacts(visit_id=uuid.uuid4(), package_id=uuid.uuid4(), date=date(2026, 11, 23), planned_start=time(8),
                      actual_start=time(8), planned_minutes=60, actual_minutes=minutes, carers=1,
                      missed=outcome is VisitOutcome.MISSED, late_by_minutes=late_by, outcome=outcome, **changes)


def test_missed_and_late_visits_are_evidence_and_punctual_ones_are_not() -> None:
    delivered, missed = VisitOutcome.DELIVERED, VisitOutcome.MISSED
    assert visit_evidence(outcome=missed, late_by_minutes=0, late_threshold=15) is EvidenceKind.MISSED_VISIT
    assert visit_evidence(outcome=delivered, late_by_minutes=15, late_threshold=15) is EvidenceKind.LATE_VISIT
    assert visit_evidence(outcome=delivered, late_by_minutes=14, late_threshold=15) is None


@pytest.mark.parametrize("outcome", [VisitOutcome.FRUSTRATED, VisitOutcome.CANCELLED_BY_CLIENT])
def test_frustrated_and_client_cancelled_visits_are_no_evidence_however_late(outcome: VisitOutcome) -> None:
    assert visit_evidence(outcome=outcome, late_by_minutes=60, late_threshold=15) is None


def test_a_report_from_before_outcomes_says_missed_through_its_flag_alone() -> None:
    legacy = VisitFacts.model_validate({**visit().model_dump(), "missed": True, "actual_minutes": None})
    assert legacy.outcome is VisitOutcome.DELIVERED
    assert outcome_of(legacy) is VisitOutcome.MISSED
    assert outcome_of(visit(VisitOutcome.FRUSTRATED)) is VisitOutcome.FRUSTRATED


def test_only_delivered_visits_are_tallied_as_delivered_short_or_late() -> None:
    assert visit_count(visit(minutes=20, late_by=20), late_threshold=15) == VisitCount(
        delivered=True, under_30=True, missed=False, late=True)
    assert visit_count(visit(VisitOutcome.MISSED), late_threshold=15) == VisitCount(
        delivered=False, under_30=False, missed=True, late=False)
    nowhere = VisitCount(delivered=False, under_30=False, missed=False, late=False)
    assert visit_count(visit(VisitOutcome.FRUSTRATED, minutes=10, late_by=30), late_threshold=15) == nowhere
    assert visit_count(visit(VisitOutcome.CANCELLED_BY_CLIENT, minutes=0), late_threshold=15) == nowhere


def test_a_visit_counts_at_its_highest_version_only() -> None:
    assert is_newer(visit(), counted_version=None)
    assert is_newer(visit(version=2), counted_version=1)
    assert not is_newer(visit(version=2), counted_version=2)
    assert not is_newer(visit(version=1), counted_version=2)


def test_finished_actions_stay_finished_and_outstanding_ones_may_move() -> None:
    assert may_move(ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
    assert may_move(ActionStatus.IN_PROGRESS, ActionStatus.DONE)
    assert not may_move(ActionStatus.DONE, ActionStatus.OPEN)
    assert not may_move(ActionStatus.CANCELLED, ActionStatus.DONE)
    assert not may_move(ActionStatus.OPEN, ActionStatus.OPEN)


def test_only_outstanding_actions_past_their_due_date_are_overdue() -> None:
    today = date(2026, 11, 23)
    assert is_overdue(status=ActionStatus.OPEN, due_on=today - timedelta(days=1), today=today)
    assert not is_overdue(status=ActionStatus.OPEN, due_on=today, today=today)
    assert not is_overdue(status=ActionStatus.DONE, due_on=today - timedelta(days=9), today=today)


def test_median_and_p90_of_times_to_source() -> None:
    hours = [Decimal(value) for value in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)]
    assert median(hours) == Decimal("5.50")
    assert percentile(hours, Decimal("0.9")) == Decimal("9.00")
    assert median([]) is None
    assert percentile([], Decimal("0.9")) is None


@given(st.lists(st.decimals(min_value=0, max_value=10_000, places=2), min_size=1, max_size=50))
def test_median_and_p90_lie_within_the_values_and_in_order(values: list[Decimal]) -> None:
    middle, p90 = median(values), percentile(values, Decimal("0.9"))
    assert middle is not None
    assert p90 is not None
    assert min(values) <= middle <= max(values)
    assert middle <= p90


def test_shares_weeks_and_hours() -> None:
    assert share_percent(1, 8) == Decimal("12.50")
    assert share_percent(0, 0) is None
    assert week_start(date(2026, 11, 29)) == date(2026, 11, 23)
    assert weeks_back(date(2026, 11, 25), 2) == [date(2026, 11, 16), date(2026, 11, 23)]
    assert hours_of(timedelta(minutes=90)) == Decimal("1.5")
