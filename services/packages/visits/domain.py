"""Visits as call monitoring reports them, and what each is paid (DOMAIN.md, "Published prices, and how
delivered visits are paid"). Pure: no I/O.

Council policy decides what a visit is paid, in minutes of care and the rule that says why:
- delivered: the planned minutes when the actual fell short of them by no more than the tolerance (5
  minutes by default) or ran over; otherwise the actual minutes rounded up to the billing increment (5
  minutes by default), never more than planned. Minutes a visit ran over (rounded up to the increment)
  are paid only when a broker approves an extension, or, where the council allows banking, out of the
  minutes the package's other visits that week left unused (the week's planned minutes are the limit);
- frustrated (the carer came but could not deliver the care): the planned minutes;
- cancelled by the client: the planned minutes when the person gave less notice than the council's rule
  (24 hours by default), else nothing;
- missed (nobody came): never anything.
A visit on a day its package's schedule does not have is `unplanned`: it is paid only once a broker
approves it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum

from shared.contracts.packages import VisitOutcome


class PaymentRule(StrEnum):
    """How an amount was priced: named on every invoice line (API.md, "Invoice")."""

    PLANNED_SCHEDULE = "planned_schedule"
    """No visits were reported for the package in the period: its schedule is paid as planned."""
    DELIVERED_WITHIN_TOLERANCE = "delivered_within_tolerance"
    ACTUAL_MINUTES = "actual_minutes"
    FRUSTRATED_VISIT = "frustrated_visit"
    LATE_CANCELLATION = "late_cancellation"
    APPROVED_EXTENSION = "approved_extension"
    """Minutes a visit ran over its planned ones, paid because a broker approved the extension."""
    BANKED_MINUTES = "banked_minutes"
    """Minutes visits ran over, paid from minutes the package's other visits that week left unused."""
    BLOCK_TOP_UP = "block_top_up"
    ADJUSTMENT = "adjustment"
    """A reversal of a line billed earlier, or a credit against one."""


class Approval(StrEnum):
    """A broker's decision on an unplanned visit."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


@dataclass(frozen=True)
class PaymentPolicy:
    """The council's payment rules (settings; DOMAIN.md's defaults)."""

    tolerance_minutes: int = 5
    billing_increment_minutes: int = 5
    late_cancellation_notice_hours: Decimal = Decimal(24)


@dataclass(frozen=True, slots=True)
class Payable:
    """The minutes of care a visit is paid for (per carer) and the rule, no rule when nothing is paid; and
    the minutes it ran over its planned ones (rounded up to the increment), paid only by an extension or
    from banked minutes."""

    minutes: int
    rule: PaymentRule | None
    overrun: int = 0


NOTHING = Payable(0, None)


def _rounded_up(minutes: int, increment: int) -> int:
    return -(-minutes // increment) * increment


def payable(*, outcome: VisitOutcome, planned_minutes: int, actual_minutes: int | None,
            notice_hours: Decimal | None, policy: PaymentPolicy) -> Payable:
    """What the visit is paid under the council's policy (the module docstring)."""
    if outcome is VisitOutcome.FRUSTRATED:
        return Payable(planned_minutes, PaymentRule.FRUSTRATED_VISIT)
    if outcome is VisitOutcome.CANCELLED_BY_CLIENT:
        late = notice_hours is not None and notice_hours < policy.late_cancellation_notice_hours
        return Payable(planned_minutes, PaymentRule.LATE_CANCELLATION) if late else NOTHING
    if outcome is VisitOutcome.MISSED or actual_minutes is None:
        return NOTHING
    if actual_minutes >= planned_minutes - policy.tolerance_minutes:
        over = actual_minutes > planned_minutes
        overrun = _rounded_up(actual_minutes, policy.billing_increment_minutes) - planned_minutes if over else 0
        return Payable(planned_minutes, PaymentRule.DELIVERED_WITHIN_TOLERANCE, overrun)
    paid = min(planned_minutes, _rounded_up(actual_minutes, policy.billing_increment_minutes))
    return Payable(paid, PaymentRule.ACTUAL_MINUTES)


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


def late_by_minutes(*, planned: time, actual: time | None) -> int:
    """Minutes after the planned start (0 when on time, early or not started)."""
    if actual is None:
        return 0
    delta = datetime.combine(date.min, actual) - datetime.combine(date.min, planned)
    return max(0, int(delta.total_seconds() // 60))
