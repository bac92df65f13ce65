"""What a visit is paid under the council's policy (DOMAIN.md, "how delivered visits are paid"): pure rules."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.packages.visits.domain import Payable, PaymentPolicy, PaymentRule, payable
from shared.contracts.packages import VisitOutcome

DEFAULTS = PaymentPolicy()


def _paid(outcome: VisitOutcome, actual: int | None = None, *, planned: int = 60, notice: str | None = None,
          policy: PaymentPolicy = DEFAULTS) -> Payable:
    return payable(outcome=outcome, planned_minutes=planned, actual_minutes=actual,
                   notice_hours=None if notice is None else Decimal(notice), policy=policy)


@pytest.mark.parametrize(("actual", "expected"), [
    (60, Payable(60, PaymentRule.DELIVERED_WITHIN_TOLERANCE)),
    (55, Payable(60, PaymentRule.DELIVERED_WITHIN_TOLERANCE)),  # 5 short: within the tolerance
    (54, Payable(55, PaymentRule.ACTUAL_MINUTES)),  # rounded up to the 5-minute increment
    (41, Payable(45, PaymentRule.ACTUAL_MINUTES)),
    (40, Payable(40, PaymentRule.ACTUAL_MINUTES)),
    (61, Payable(60, PaymentRule.DELIVERED_WITHIN_TOLERANCE, overrun=5)),  # over-runs wait for an extension
    (72, Payable(60, PaymentRule.DELIVERED_WITHIN_TOLERANCE, overrun=15)),
])
def test_a_delivered_visit_is_paid_its_planned_minutes_within_tolerance_else_its_actual_ones_rounded_up(
        actual: int, expected: Payable) -> None:
    assert _paid(VisitOutcome.DELIVERED, actual) == expected


def test_frustrated_visits_and_late_cancellations_are_paid_as_planned_missed_visits_never() -> None:
    assert _paid(VisitOutcome.FRUSTRATED) == Payable(60, PaymentRule.FRUSTRATED_VISIT)
    assert _paid(VisitOutcome.CANCELLED_BY_CLIENT, notice="23.99") == Payable(60, PaymentRule.LATE_CANCELLATION)
    assert _paid(VisitOutcome.CANCELLED_BY_CLIENT, notice="24.00") == Payable(0, None)
    assert _paid(VisitOutcome.MISSED) == Payable(0, None)


def test_the_councils_own_tolerance_increment_and_notice_apply() -> None:
    strict = PaymentPolicy(tolerance_minutes=0, billing_increment_minutes=15,
                           late_cancellation_notice_hours=Decimal(48))
    assert _paid(VisitOutcome.DELIVERED, 59, policy=strict) == Payable(60, PaymentRule.ACTUAL_MINUTES)
    assert _paid(VisitOutcome.DELIVERED, 44, policy=strict) == Payable(45, PaymentRule.ACTUAL_MINUTES)
    assert _paid(VisitOutcome.CANCELLED_BY_CLIENT, notice="30", policy=strict).rule is PaymentRule.LATE_CANCELLATION


@given(st.integers(5, 720), st.integers(1, 720), st.integers(0, 60), st.integers(1, 60))
def test_a_delivered_visit_is_never_paid_more_than_planned_and_over_runs_are_kept_apart(
        planned: int, actual: int, tolerance: int, increment: int) -> None:
    paid = _paid(VisitOutcome.DELIVERED, actual, planned=planned,
                 policy=PaymentPolicy(tolerance_minutes=tolerance, billing_increment_minutes=increment))
    assert 0 < paid.minutes <= planned
    assert paid.minutes >= min(actual, planned)
    assert (paid.overrun > 0) == (actual > planned)
    assert paid.minutes + paid.overrun < max(actual, planned) + increment
