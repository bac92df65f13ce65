"""NICE NG21's rule on short visits, written once: brokerage refuses a referral and packages a change of
schedule that breaks it, in the same words (each answers in its own problem shape).

NICE NG21 (home care): a visit under 30 minutes only when the care worker is known to the person,
the visit is part of a wider package of support, and it allows time to complete specific time-limited
tasks or to check the person is safe and well. All three must hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, Field

from shared.contracts.brokerage import ScheduledVisit

SHORT_VISIT_MINUTES = 30


class NiceCondition(StrEnum):
    WORKER_KNOWN = "worker_known"
    PART_OF_WIDER_PACKAGE = "part_of_wider_package"
    TIME_LIMITED_TASK = "time_limited_task"


CONDITION_TEXT = {
    NiceCondition.WORKER_KNOWN: "the care worker is known to the person",
    NiceCondition.PART_OF_WIDER_PACKAGE: "the visit is part of a wider package of support",
    NiceCondition.TIME_LIMITED_TASK: "the visit allows time for specific time-limited tasks or a safe-and-well check",
}


class ShortVisitJustification(BaseModel):
    """NICE NG21: all three must hold for a visit under 30 minutes."""

    worker_known: bool = Field(examples=[True])
    part_of_wider_package: bool = Field(examples=[True])
    time_limited_task: bool = Field(examples=[True])


@dataclass(frozen=True, slots=True)
class ShortVisitBreach:
    """The visits under 30 minutes (their positions in the schedule) and the conditions not met."""

    short: tuple[int, ...]
    unmet: tuple[NiceCondition, ...]

    def reason(self, condition: NiceCondition) -> str:
        return (f"visits {list(self.short)} are under {SHORT_VISIT_MINUTES} minutes, which NICE allows only when "
                f"{CONDITION_TEXT[condition]}")

    def reasons(self) -> list[str]:
        return [self.reason(condition) for condition in self.unmet]


def short_visit_breach(
    visits: Sequence[ScheduledVisit], justification: ShortVisitJustification | None
) -> ShortVisitBreach | None:
    """How a schedule breaks the rule, naming every condition not met; None when it keeps it."""
    short = tuple(index for index, visit in enumerate(visits) if visit.minutes < SHORT_VISIT_MINUTES)
    given = justification.model_dump() if justification is not None else {}
    unmet = tuple(condition for condition in NiceCondition if given.get(condition) is not True)
    return ShortVisitBreach(short, unmet) if short and unmet else None
