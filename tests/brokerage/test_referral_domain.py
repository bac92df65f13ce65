"""Referral rules without I/O: the moves of its status, NICE short visits, start dates, weekly hours."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.brokerage.referrals.domain import (
    MOVES,
    OPEN_STATUSES,
    amendment,
    changed_fields,
    may_move,
    moves_to,
    short_visit_problems,
    start_problems,
    weekly_hours,
)
from shared.contracts.brokerage import ReferralStatus, ScheduledVisit
from shared.contracts.common import Day
from shared.contracts.short_visits import ShortVisitJustification

ALL_TRUE = ShortVisitJustification(worker_known=True, part_of_wider_package=True, time_limited_task=True)


def visit(minutes: int, carers: int = 1) -> ScheduledVisit:
    return ScheduledVisit(day=Day.MON, start=time(8), minutes=minutes, carers=carers)


def test_visits_of_30_minutes_or_more_need_no_justification() -> None:
    assert short_visit_problems([visit(30), visit(45)], None) == []


def test_a_short_visit_without_justification_names_every_failing_condition() -> None:
    problems = short_visit_problems([visit(45), visit(15)], None)
    assert [each.field for each in problems] == [
        "short_visit_justification.worker_known", "short_visit_justification.part_of_wider_package",
        "short_visit_justification.time_limited_task"]
    assert "[1]" in problems[0].message


def test_a_short_visit_needs_all_three_conditions() -> None:
    problems = short_visit_problems([visit(15)], ALL_TRUE.model_copy(update={"worker_known": False}))
    assert [each.field for each in problems] == ["short_visit_justification.worker_known"]
    assert short_visit_problems([visit(15)], ALL_TRUE) == []


def test_the_start_date_may_not_be_in_the_past() -> None:
    assert start_problems(date(2026, 11, 22), today=date(2026, 11, 23))[0].field == "start_on"
    assert start_problems(date(2026, 11, 23), today=date(2026, 11, 23)) == []


def test_weekly_hours_count_both_carers_of_a_double_up() -> None:
    assert weekly_hours([visit(45), visit(30, carers=2)]) == Decimal("1.75")


@given(st.lists(st.tuples(st.integers(1, 240), st.integers(1, 2)), min_size=1, max_size=28))
def test_weekly_hours_are_the_exact_minutes_rounded_once(visits: list[tuple[int, int]]) -> None:
    total = weekly_hours([visit(minutes, carers) for minutes, carers in visits])
    exact = Decimal(sum(minutes * carers for minutes, carers in visits)) / 60
    assert abs(total - exact) <= Decimal("0.005")
    assert total == total.quantize(Decimal("0.01"))


def test_placed_and_cancelled_are_final_and_only_a_referral_still_open_may_be_placed() -> None:
    assert not MOVES[ReferralStatus.PLACED]
    assert not MOVES[ReferralStatus.CANCELLED]
    assert moves_to(ReferralStatus.PLACED) == OPEN_STATUSES == {ReferralStatus.SOURCING, ReferralStatus.UNSOURCED}
    assert may_move(ReferralStatus.UNSOURCED, ReferralStatus.SOURCING)
    assert not may_move(ReferralStatus.CANCELLED, ReferralStatus.SOURCING)


def test_an_amendment_changes_only_the_amendable_fields_that_differ() -> None:
    current = {"visits": [{"day": "mon"}], "short_visit_justification": None, "needs": ["dementia", "medication"],
               "urgency": "routine"}
    wanted = {"needs": ["medication", "dementia"], "urgency": "crisis", "area": "UPP"}
    assert changed_fields(current, wanted) == {"urgency": "crisis"}
    assert changed_fields(current, {"visits": [{"day": "tue"}]}) == {"visits": [{"day": "tue"}]}
    assert changed_fields(current, {}) == {}


def test_an_amendment_is_refused_when_it_changes_nothing_or_breaks_the_nice_rule() -> None:
    current = {"visits": [{"day": "mon", "start": "08:00", "minutes": 45, "carers": 1}],
               "short_visit_justification": None, "needs": [], "urgency": "routine"}
    unchanged, nothing = amendment(current, {"urgency": "routine"})
    assert (unchanged, [each.field for each in nothing]) == ({}, ["visits"])
    short = [{"day": "mon", "start": "08:00", "minutes": 15, "carers": 1}]
    _, refused = amendment(current, {"visits": short})
    assert [each.field for each in refused] == [
        "short_visit_justification.worker_known", "short_visit_justification.part_of_wider_package",
        "short_visit_justification.time_limited_task"]
    justified = {"worker_known": True, "part_of_wider_package": True, "time_limited_task": True}
    assert amendment(current, {"visits": short, "short_visit_justification": justified}) == (
        {"visits": short, "short_visit_justification": justified}, [])
