"""NICE NG21's short-visit rule, written once for brokerage and packages."""

from __future__ import annotations

from datetime import time

from shared.contracts.brokerage import ScheduledVisit
from shared.contracts.common import Day
from shared.contracts.short_visits import NiceCondition, ShortVisitJustification, short_visit_breach

ALL_MET = ShortVisitJustification(worker_known=True, part_of_wider_package=True, time_limited_task=True)


def visits(*minutes: int) -> list[ScheduledVisit]:
    return [ScheduledVisit(day=Day.MON, start=time(8 + n), minutes=each, carers=1) for n, each in enumerate(minutes)]


def test_a_schedule_without_visits_under_30_minutes_keeps_the_rule_without_justification() -> None:
    assert short_visit_breach(visits(30, 45), None) is None


def test_a_visit_under_30_minutes_needs_all_three_conditions_and_each_unmet_one_is_named() -> None:
    assert short_visit_breach(visits(15), ALL_MET) is None
    breach = short_visit_breach(visits(45, 15), ALL_MET.model_copy(update={"worker_known": False}))
    assert breach is not None
    assert breach.unmet == (NiceCondition.WORKER_KNOWN,)
    assert breach.reasons() == ["visits [1] are under 30 minutes, which NICE allows only when the care worker is "
                                "known to the person"]
    assert short_visit_breach(visits(15), None) == short_visit_breach(visits(15), ShortVisitJustification(
        worker_known=False, part_of_wider_package=False, time_limited_task=False))
