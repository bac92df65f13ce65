"""The registry's rules, pure: contract validation, rating scales and the current rating, embargo rules.

No I/O here; `service.py` loads, asks these functions, stores.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, TypeVar

from shared.contracts.common import ClientGroup, CqcRating, EmbargoScope, Tier


@dataclass(frozen=True)
class FieldProblem:
    """One broken rule, named by the request field it concerns (problem+json `errors`)."""

    field: str
    message: str


# --- contracts -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContractTerms:
    area: str
    tier: Tier
    weekly_hours_cap: Decimal | None
    block_hours: Decimal | None
    starts_on: date
    ends_on: date | None


def _overlap(first: ContractTerms, second: ContractTerms) -> bool:
    first_end, second_end = first.ends_on or date.max, second.ends_on or date.max
    return first.starts_on <= second_end and second.starts_on <= first_end


def contract_problems(contracts: Sequence[ContractTerms], *, known_areas: Collection[str]) -> list[FieldProblem]:
    """DOMAIN.md, "Brokerage: the cascade" and "Provider registry":
    - a contract names a known area and runs forwards in time (`starts_on <= ends_on`);
    - a block contract guarantees a block of hours (`block_hours > 0`), no more than its cap;
      block hours belong to block contracts only;
    - a primary provider takes work "only up to a specified number of weekly hours": it needs a cap;
    - a provider holds one contract per area at any time (no two overlapping for the same area).
    """
    problems: list[FieldProblem] = []
    for index, terms in enumerate(contracts):
        prefix = f"contracts.{index}"
        if terms.area not in known_areas:
            problems.append(FieldProblem(f"{prefix}.area", f"Unknown area {terms.area!r}."))
        if terms.ends_on is not None and terms.ends_on < terms.starts_on:
            problems.append(FieldProblem(f"{prefix}.ends_on", "The contract ends before it starts."))
        problems.extend(_tier_problems(terms, prefix))
        problems.extend(
            FieldProblem(f"{prefix}.starts_on", f"Overlaps contract {earlier} for the same area {terms.area!r}.")
            for earlier, other in enumerate(contracts[:index])
            if other.area == terms.area and _overlap(other, terms)
        )
    return problems


def _tier_problems(terms: ContractTerms, prefix: str) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if terms.tier is Tier.BLOCK:
        if not terms.block_hours:
            problems.append(FieldProblem(f"{prefix}.block_hours", "A block contract needs block hours above 0."))
        elif terms.weekly_hours_cap is not None and terms.block_hours > terms.weekly_hours_cap:
            problems.append(FieldProblem(f"{prefix}.block_hours", "Block hours exceed the weekly hours cap."))
    elif terms.block_hours is not None:
        problems.append(FieldProblem(f"{prefix}.block_hours", "Only a block contract has block hours."))
    if terms.tier is Tier.PRIMARY and terms.weekly_hours_cap is None:
        problems.append(FieldProblem(f"{prefix}.weekly_hours_cap", "A primary contract needs a weekly hours cap."))
    return problems


# --- ratings ---------------------------------------------------------------------------------------

CQC_QUALITY_RANK: Mapping[CqcRating, int] = {
    CqcRating.OUTSTANDING: 4,
    CqcRating.GOOD: 3,
    CqcRating.REQUIRES_IMPROVEMENT: 2,
    CqcRating.INADEQUATE: 1,
}
CQC_KEY_QUESTIONS = ("safe", "effective", "caring", "responsive", "well_led")
CARE_INSPECTORATE_GRADES: Mapping[int, str] = {
    1: "unsatisfactory", 2: "weak", 3: "adequate", 4: "good", 5: "very_good", 6: "excellent",
}


@dataclass(frozen=True)
class RatingSummary:
    """A rating on the suite's one scale (shared/contracts/providers.py `RatingState`)."""

    overall: str
    quality_rank: int
    inadequate: bool


def summarise_cqc(overall: CqcRating) -> RatingSummary:
    rank = CQC_QUALITY_RANK[overall]
    return RatingSummary(overall=overall.value, quality_rank=rank, inadequate=rank == 1)


def care_inspectorate_rank(grade: int) -> int:
    """Care Inspectorate grades 1-6 on the CQC scale: 6-5 outstanding, 4 good, 3 requires improvement,
    2-1 inadequate (Weak and Unsatisfactory both call for improvement the council must act on)."""
    if not 1 <= grade <= 6:
        raise ValueError(f"a Care Inspectorate grade is 1 to 6, not {grade}")
    return {6: 4, 5: 4, 4: 3, 3: 2}.get(grade, 1)


def summarise_care_inspectorate(grades: Mapping[str, int]) -> RatingSummary:
    """The Care Inspectorate grades themes, not the service as a whole; its weakest theme stands for
    the service, so a Weak grade anywhere is never hidden by good grades elsewhere."""
    if not grades:
        raise ValueError("a Care Inspectorate rating grades at least one theme")
    lowest = min(grades.values())
    rank = care_inspectorate_rank(lowest)
    return RatingSummary(overall=CARE_INSPECTORATE_GRADES[lowest], quality_rank=rank, inadequate=rank == 1)


class Dated(Protocol):
    @property
    def published_on(self) -> date: ...

    @property
    def recorded_at(self) -> datetime: ...


D = TypeVar("D", bound=Dated)


def current_rating(ratings: Iterable[D]) -> D | None:
    """The current rating is the latest by publication date: an older report posted late is kept in the
    history but does not replace a newer one. Two published the same day: the later recorded wins."""
    return max(ratings, key=lambda rating: (rating.published_on, rating.recorded_at), default=None)


# --- embargoes -------------------------------------------------------------------------------------


class EmbargoStatus(StrEnum):
    OPEN = "open"
    LIFTED = "lifted"
    ENDED = "ended"


def embargo_status(*, lifted: bool, ended: bool) -> EmbargoStatus:
    """An embargo is open until a person lifts it or it ends by passing its end date."""
    if lifted:
        return EmbargoStatus.LIFTED
    return EmbargoStatus.ENDED if ended else EmbargoStatus.OPEN



@dataclass(frozen=True)
class EmbargoTerms:
    scope: EmbargoScope
    area: str | None
    client_group: ClientGroup | None
    starts_on: date
    ends_on: date | None


def embargo_problems(terms: EmbargoTerms, *, known_areas: Collection[str]) -> list[FieldProblem]:
    """An embargo covers all new work, one area, or one client group (DOMAIN.md, "Provider registry"):
    the scope names exactly what it needs, and it ends on or after the day it starts."""
    problems: list[FieldProblem] = []
    if terms.scope is EmbargoScope.AREA:
        if terms.area is None:
            problems.append(FieldProblem("area", "An area embargo names its area."))
        elif terms.area not in known_areas:
            problems.append(FieldProblem("area", f"Unknown area {terms.area!r}."))
    elif terms.area is not None:
        problems.append(FieldProblem("area", f"An embargo of scope {terms.scope.value!r} names no area."))
    if terms.scope is EmbargoScope.CLIENT_GROUP and terms.client_group is None:
        problems.append(FieldProblem("client_group", "A client group embargo names its client group."))
    elif terms.scope is not EmbargoScope.CLIENT_GROUP and terms.client_group is not None:
        problems.append(
            FieldProblem("client_group", f"An embargo of scope {terms.scope.value!r} names no client group."))
    if terms.ends_on is not None and terms.ends_on < terms.starts_on:
        problems.append(FieldProblem("ends_on", "The embargo ends before it starts."))
    return problems


def admission_time(admitted_on: date | None, now: datetime) -> datetime | FieldProblem:
    """When a provider was admitted: now, or the start of an earlier day given (never a later one)."""
    if admitted_on is None:
        return now
    if admitted_on > now.date():
        return FieldProblem("admitted_on", "a provider cannot be admitted after today")
    return datetime.combine(admitted_on, time(), tzinfo=now.tzinfo)


def is_due_to_end(ends_on: date | None, today: date) -> bool:
    """An embargo runs to the end of its `ends_on` day and has ended from the day after."""
    return ends_on is not None and ends_on < today


def escalation_embargo_reason(*, score: Decimal, reason: str) -> str:
    """The reason a council embargo imposed on a quality escalation carries (DOMAIN.md, "Quality
    monitoring": red risk leads to an embargo on new work)."""
    return f"Council embargo on all new work: the provider risk matrix turned red (score {score}). {reason}".strip()
