"""Rules of a referral that need no I/O: the moves its status and its offers' may make, what its history
records, the NICE short-visit rule, the start date, weekly hours, what an amendment changes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from services.brokerage.cascade.domain import SkipReason
from shared.contracts.brokerage import OfferStatus, ReferralStatus, ScheduledVisit
from shared.contracts.common import DeclineReason
from shared.contracts.short_visits import ShortVisitJustification, short_visit_breach
from shared.money import round_money

MOVES: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    ReferralStatus.SOURCING: frozenset({ReferralStatus.SOURCING, ReferralStatus.UNSOURCED, ReferralStatus.PLACED,
                                        ReferralStatus.CANCELLED}),
    ReferralStatus.UNSOURCED: frozenset({ReferralStatus.SOURCING, ReferralStatus.UNSOURCED, ReferralStatus.PLACED,
                                         ReferralStatus.CANCELLED}),
    ReferralStatus.PLACED: frozenset(),
    ReferralStatus.CANCELLED: frozenset(),
}
"""The moves a referral may make. Being sourced, it goes on (a new wave or round of offers), joins the
waiting list, is placed or cancelled; waiting, it is sourced again (or stays, when a broker's retry
finds nobody either), awarded or cancelled; placed and cancelled are final. A placement brought in by
the import is placed from the start."""
OPEN_STATUSES = frozenset(status for status, moves in MOVES.items() if moves)
"""A referral still to be placed: a broker may award, retry or cancel it."""
ANSWERS = frozenset({OfferStatus.ACCEPTED, OfferStatus.DECLINED})
"""How a provider answers an open offer, before its deadline; an offer also closes when it expires
unanswered or is withdrawn. Closed is final."""


def may_move(status: ReferralStatus, to: ReferralStatus) -> bool:
    return to in MOVES[status]


def moves_to(status: ReferralStatus) -> frozenset[ReferralStatus]:
    """The statuses a referral may reach `status` from."""
    return frozenset(each for each, moves in MOVES.items() if status in moves)


class HistoryEvent(StrEnum):
    """One step in a referral's history (API.md): every provider the cascade considered or skipped (and
    why), each offer made and how it closed, the placement or award, the waiting list, and a placement
    brought in (or corrected) by the placements import."""

    CONSIDERED = "considered"
    SKIPPED = "skipped"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    PLACED = "placed"
    AWARDED = "awarded"
    UNSOURCED = "unsourced"
    IMPORTED = "imported"
    AMENDED = "amended"
    CANCELLED = "cancelled"


class CancelReason(StrEnum):
    """Why a broker cancelled a referral (kept in its history as the entry's reason)."""

    NO_LONGER_NEEDED = "no_longer_needed"
    CARE_ARRANGED_ELSEWHERE = "care_arranged_elsewhere"
    MOVED_TO_RESIDENTIAL_CARE = "moved_to_residential_care"
    ADMITTED_TO_HOSPITAL = "admitted_to_hospital"
    MOVED_AWAY = "moved_away"
    DIED = "died"
    DUPLICATE = "duplicate"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class FieldProblem:
    field: str
    message: str


def problems_text(problems: Sequence[FieldProblem]) -> str:
    """`field: message; field: message`, as problem details and import reports say them."""
    return "; ".join(f"{each.field}: {each.message}" for each in problems)


def weekly_hours(visits: Sequence[ScheduledVisit]) -> Decimal:
    """Care hours a week: every visit's minutes times its carers (a double-up takes two workers)."""
    minutes = sum(visit.minutes * visit.carers for visit in visits)
    return round_money(Decimal(minutes) / 60)


def short_visit_problems(
    visits: Sequence[ScheduledVisit], justification: ShortVisitJustification | None
) -> list[FieldProblem]:
    """NICE NG21's rule (`shared/contracts/short_visits.py`) as field problems: one per condition not met."""
    breach = short_visit_breach(visits, justification)
    if breach is None:
        return []
    return [FieldProblem(f"short_visit_justification.{condition}", breach.reason(condition))
            for condition in breach.unmet]


def start_problems(start_on: date, *, today: date) -> list[FieldProblem]:
    if start_on < today:
        return [FieldProblem("start_on", f"the start date {start_on} is in the past")]
    return []


def imported_start_problems(start_on: date, *, earliest: date, latest: date) -> list[FieldProblem]:
    """A placement already made may have started long ago (a council's packages at go-live) or last night
    (an out-of-hours placement), but not before `earliest` (a mistyped year) nor after `latest`: a
    placement starting that far ahead is a referral to source, not one to record."""
    if start_on < earliest:
        return [FieldProblem("start_on", f"the start date {start_on} is before {earliest}, the earliest an "
                                         "imported placement may start")]
    if start_on > latest:
        return [FieldProblem("start_on", f"the start date {start_on} is after {latest}: a placement starting "
                                         "that far ahead is a referral to source")]
    return []


HISTORY_REASONS: tuple[StrEnum, ...] = tuple(sorted({*SkipReason, *DeclineReason, *CancelReason}, key=str))
"""What a history entry's reason may be: why the cascade skipped a provider, why a provider declined, or why
a broker cancelled (one value each, where two sets share one: `no_capacity`, `other`)."""

AMENDABLE = ("visits", "short_visit_justification", "needs", "urgency")
"""What a broker may change on a referral still being sourced (the schedule, needs and urgency)."""


def changed_fields(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> dict[str, Any]:
    """The amendable fields of `wanted` whose values differ from `current`'s (needs compared as sets)."""
    def same(name: str) -> bool:
        if name == "needs":
            return set(current[name]) == set(wanted[name])
        return bool(current[name] == wanted[name])
    return {name: wanted[name] for name in AMENDABLE if name in wanted and not same(name)}


def amendment(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> tuple[dict[str, Any], list[FieldProblem]]:
    """The changes `wanted` makes to a referral's `current` terms, and the rules the new terms break (NICE's
    short visits, as on intake); asking for no change at all is refused too: nothing would happen."""
    changes = changed_fields(current, wanted)
    if not changes:
        return changes, [FieldProblem("visits", "nothing to change: the referral already has these terms")]
    terms = {**current, **changes}
    justification = terms["short_visit_justification"]
    return changes, short_visit_problems(
        [ScheduledVisit.model_validate(each) for each in terms["visits"]],
        ShortVisitJustification.model_validate(justification) if justification else None)
