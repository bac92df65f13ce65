"""A period's call logging and punctuality as risk evidence (services/quality/performance/domain.py)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.quality.performance.domain import (
    Targets,
    call_logging_severity,
    percent_text,
    performance_evidence,
    punctuality_severity,
)
from services.quality.risk.domain import EvidenceKind, RiskPolicy, Severity, item_points
from shared.contracts.packages import VisitPerformanceReported

TARGETS = Targets(call_logging_percent=Decimal(85), punctuality_percent=Decimal(90))
PROVIDER = uuid.UUID("5f0c3a9e-0000-4000-8000-000000000001")
START, END = date(2026, 10, 5), date(2026, 11, 1)
RANK = {None: 0, Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3}
percents = st.decimals(min_value=0, max_value=100, places=2)


def report(compliance: str, punctuality: str | None = "95.00") -> VisitPerformanceReported:
    return VisitPerformanceReported(
        provider_id=PROVIDER, period_start=START, period_end=END, planned_visits=100,
        logged_visits=int(Decimal(compliance)), missed_visits=3, punctual_visits=38, timed_visits=40,
        compliance_percent=Decimal(compliance),
        punctuality_percent=None if punctuality is None else Decimal(punctuality))


@pytest.mark.parametrize(("compliance", "expected"), [
    ("100.00", None), ("85.00", None), ("84.99", Severity.MEDIUM), ("65.01", Severity.MEDIUM),
    ("65.00", Severity.HIGH), ("0.00", Severity.HIGH),
])
def test_call_logging_under_target_is_medium_and_twenty_points_under_is_high(
    compliance: str, expected: Severity | None
) -> None:
    assert call_logging_severity(Decimal(compliance), target=Decimal(85)) is expected


@pytest.mark.parametrize(("punctuality", "expected"), [
    ("90.00", None), ("89.99", Severity.LOW), ("70.01", Severity.LOW), ("70.00", Severity.MEDIUM),
])
def test_punctuality_under_target_is_low_and_twenty_points_under_is_medium(
    punctuality: str, expected: Severity | None
) -> None:
    assert punctuality_severity(Decimal(punctuality), target=Decimal(90)) is expected


@given(percents, percents)
def test_lower_call_logging_is_never_less_severe(one: Decimal, other: Decimal) -> None:
    lower, higher = sorted((one, other))
    target = TARGETS.call_logging_percent
    assert RANK[call_logging_severity(lower, target=target)] >= RANK[call_logging_severity(higher, target=target)]


def test_a_period_under_the_call_logging_target_is_one_item_dated_its_last_day_and_described() -> None:
    [item] = performance_evidence(report("72.00"), TARGETS)
    assert (item.kind, item.severity, item.occurred_on) == (EvidenceKind.CALL_LOGGING, Severity.MEDIUM, END)
    assert item.detail == "Call logging 72% of 100 planned visits (target 85%), 2026-10-05 to 2026-11-01"


def test_both_figures_under_target_give_two_items_with_the_period_as_their_one_source() -> None:
    items = performance_evidence(report("60.00", "80.50"), TARGETS)
    assert [(item.kind, item.severity) for item in items] == [
        (EvidenceKind.CALL_LOGGING, Severity.HIGH), (EvidenceKind.PUNCTUALITY, Severity.LOW)]
    assert items[1].detail == "Punctuality 80.5% of 40 timed visits (target 90%), 2026-10-05 to 2026-11-01"
    assert {item.source_id for item in items} == {f"{PROVIDER}:2026-10-05:2026-11-01"}


def test_a_period_meeting_its_targets_or_with_no_timed_visit_is_no_evidence() -> None:
    assert performance_evidence(report("85.00", "90.00"), TARGETS) == []
    assert performance_evidence(report("100.00", None), TARGETS) == []


def test_a_period_at_medium_call_logging_weighs_like_a_missed_visit_and_poor_punctuality_like_a_late_one() -> None:
    policy = RiskPolicy(half_life_days=Decimal(90), window_days=365, amber=Decimal(10), red=Decimal(25),
                        inadequate_is_red=True, requires_improvement_points=Decimal(8),
                        overdue_action_points=Decimal(5))
    call_logging, punctuality = performance_evidence(report("72.00", "85.00"), TARGETS)
    assert item_points(call_logging, today=END, policy=policy) == Decimal("3.00")
    assert item_points(punctuality, today=END, policy=policy) == Decimal("0.50")


def test_percentages_are_written_as_an_officer_would() -> None:
    assert [percent_text(Decimal(value)) for value in ("72.00", "72.50", "100.00", "0.00")] == [
        "72", "72.5", "100", "0"]
