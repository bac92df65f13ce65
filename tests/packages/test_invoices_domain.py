"""Building invoice lines: pure rules, and totals that reconcile for any schedule and split."""

from __future__ import annotations

import uuid
from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.packages.costing.domain import Calendar, Pricing, Usage
from services.packages.invoices import domain
from services.packages.invoices.domain import BlockGuarantee, Funder, Period, TermCharge
from services.packages.visits.domain import CareWindow, late_by_minutes
from shared.contracts.brokerage import ScheduledVisit
from shared.contracts.common import Day

D = Decimal
FOUR_WEEKS = Period(date(2026, 11, 2), date(2026, 11, 29))  # Monday to Sunday, 28 days
SEED = Pricing.agreed(D("15.75"))


def _visit(day: str, minutes: int, carers: int = 1) -> ScheduledVisit:
    return ScheduledVisit.model_validate({"day": day, "start": "08:00", "minutes": minutes, "carers": carers})


def test_care_days_leave_out_suspended_days_and_days_outside_the_package() -> None:
    days = domain.care_days(FOUR_WEEKS, package=(date(2026, 11, 5), date(2026, 11, 25)),
                            term=(date(2026, 11, 1), None),
                            suspensions=[(date(2026, 11, 10), date(2026, 11, 14)), (date(2026, 11, 24), None)])
    assert days[0] == date(2026, 11, 5)
    assert date(2026, 11, 12) not in days
    assert days[-1] == date(2026, 11, 23)
    assert len(days) == 19 - 5  # the 5th to the 23rd, less five days in hospital


def test_the_planned_schedule_plays_the_weekly_pattern_over_the_days() -> None:
    usage = domain.planned_usage([_visit("mon", 60), _visit("sat", 30, carers=2)], FOUR_WEEKS.days(), Calendar())
    assert usage == Usage(weekday_minutes=240, weekday_visits=4, weekend_minutes=240, weekend_visits=8)


def test_a_health_funded_package_gets_a_council_line_and_a_health_line() -> None:
    usage = domain.planned_usage([_visit("mon", 60)] * 10, FOUR_WEEKS.days(), Calendar())  # 40 hours
    charge = domain.charge_package(package_id=uuid.uuid4(), area="OAK", delivered=False,
                                   terms=[TermCharge(usage, SEED, 75)])
    council, health = charge.lines(FOUR_WEEKS.label)
    assert (council.funder, council.amount, council.hours) == (Funder.COUNCIL, D("157.50"), D("10.00"))
    assert (health.funder, health.amount, health.hours) == (Funder.HEALTH, D("472.50"), D("30.00"))
    assert "planned schedule" in council.description


def test_a_block_contract_is_topped_up_to_its_guarantee_only_when_short() -> None:
    block = BlockGuarantee(area="KET", block_hours=D("60.00"), hourly_rate=D("15.75"), days_covered=28)
    assert block.guaranteed == D("3780.00")
    small = domain.charge_package(package_id=uuid.uuid4(), area="KET", delivered=True,
                                  terms=[TermCharge(Usage(weekday_minutes=600, weekday_visits=10), SEED, 0)])
    top_up = block.top_up([small])
    assert top_up is not None
    assert top_up.amount == D("3780.00") - D("157.50")
    assert top_up.package_id is None
    big = domain.charge_package(package_id=uuid.uuid4(), area="KET", delivered=True,
                                terms=[TermCharge(Usage(weekday_minutes=60 * 300, weekday_visits=300), SEED, 0)])
    assert block.top_up([big]) is None


def test_invoice_numbers_have_a_fixed_shape() -> None:
    assert domain.invoice_number(1) == "INV-000001"


usages = st.builds(Usage, st.integers(0, 20_000), st.integers(0, 400), st.integers(0, 20_000), st.integers(0, 400))
pricings = st.builds(Pricing, st.decimals(min_value=0, max_value=60, places=4),
                     st.decimals(min_value=0, max_value=20, places=4), st.decimals(min_value=0, max_value=50, places=2))
terms = st.lists(st.builds(TermCharge, usages, pricings, st.integers(0, 100)), min_size=1, max_size=3)


@given(st.lists(terms, min_size=1, max_size=12),
       st.lists(st.builds(BlockGuarantee, st.just("OAK"), st.decimals(0, 200, places=2),
                          st.decimals(0, 40, places=2), st.integers(1, 28)), max_size=1))
def test_invoice_totals_reconcile_for_any_schedule_and_split(
    packages: list[list[TermCharge]], blocks: list[BlockGuarantee]
) -> None:
    charges = [domain.charge_package(package_id=uuid.uuid4(), area="OAK", delivered=True, terms=t) for t in packages]
    lines = domain.invoice_lines(FOUR_WEEKS, charges, blocks)
    for charge in charges:
        own = [line for line in lines if line.package_id == charge.package_id]
        assert sum((line.amount for line in own), D(0)) == charge.amount
        assert all(line.amount >= 0 and line.amount == line.amount.quantize(D("0.01")) for line in own)
        exact = sum((t.pricing.cost(t.usage) for t in packages[charges.index(charge)]), D(0))
        assert abs(charge.amount - exact) <= D("0.005")
    total = sum((line.amount for line in lines), D(0))
    packages_total = sum((charge.amount for charge in charges), D(0))
    expected = max(packages_total, blocks[0].guaranteed) if blocks else packages_total
    assert total == expected


def test_a_visit_outside_the_care_window_is_refused_with_the_reason() -> None:
    window = CareWindow(date(2026, 11, 2), date(2026, 11, 20), ((date(2026, 11, 10), date(2026, 11, 12)),))
    today = date(2026, 11, 25)
    assert window.refusal(date(2026, 11, 5), today=today) is None
    assert window.refusal(date(2026, 11, 1), today=today) == "the package starts on 2026-11-02"
    assert window.refusal(date(2026, 11, 21), today=today) == "the package ended on 2026-11-20"
    assert window.refusal(date(2026, 11, 11), today=today) == "the package was suspended that day"
    assert window.refusal(today + timedelta(days=1), today=today) == "the visit date is in the future"


def test_lateness_counts_minutes_after_the_planned_start_only() -> None:
    assert late_by_minutes(planned=time(8, 0), actual=time(8, 25), missed=False) == 25
    assert late_by_minutes(planned=time(8, 0), actual=time(7, 50), missed=False) == 0
    assert late_by_minutes(planned=time(8, 0), actual=None, missed=True) == 0


def test_days_of_the_week_follow_the_calendar() -> None:
    assert domain.DAYS[FOUR_WEEKS.start.weekday()] is Day.MON


def test_credit_lines_never_take_back_more_than_an_invoice_line_held() -> None:
    package_id = uuid.uuid4()
    invoiced = {(package_id, Funder.COUNCIL): D("100.00")}
    lines = domain.credit_lines(invoiced=invoiced, credited={(package_id, Funder.COUNCIL): D("60.00")},
                                requested=[(package_id, Funder.COUNCIL, D("40.00"), D("2.00"))], reason="late change")
    assert [(line.amount, line.hours, line.description) for line in lines] == [
        (D("-40.00"), D("-2.00"), "Credit: late change")]
    with pytest.raises(domain.CreditRefused, match=r"Only 40\.00"):
        domain.credit_lines(invoiced=invoiced, credited={(package_id, Funder.COUNCIL): D("60.00")},
                            requested=[(package_id, Funder.COUNCIL, D("40.01"), D(0))], reason="x")
    with pytest.raises(domain.CreditRefused, match="no health line"):
        domain.credit_lines(invoiced=invoiced, credited={},
                            requested=[(package_id, Funder.HEALTH, D("1.00"), D(0))], reason="x")


def test_a_bank_holiday_keeps_its_visits_and_carries_its_own_uplift_instead_of_the_weekends() -> None:
    christmas, boxing_day = date(2026, 12, 25), date(2026, 12, 26)  # a Friday and a Saturday
    days = [christmas, boxing_day, date(2026, 12, 27)]
    usage = domain.planned_usage([_visit("fri", 60), _visit("sat", 60), _visit("sun", 60)], days,
                                 Calendar(bank_holidays=frozenset({christmas, boxing_day})))
    assert usage == Usage(weekend_minutes=60, weekend_visits=1, holiday_minutes=120, holiday_visits=2)
    pricing = Pricing(D("15.75"), D(0), weekend_uplift_percent=D(10), bank_holiday_uplift_percent=D(100))
    assert pricing.cost(usage) == D("17.325") + D("63.00")


def _line(package: uuid.UUID | None, funder: Funder, amount: str, hours: str = "1.00", area: str | None = None
          ) -> domain.Line:
    return domain.Line(package, funder, "Care", D(hours), D(amount), block_area=area)


def test_adjustments_bill_what_went_up_and_credit_what_went_down_per_line() -> None:
    more, less, gone, new = (uuid.uuid4() for _ in range(4))
    billed = {line.key: line for line in [
        _line(more, Funder.COUNCIL, "100.00"), _line(less, Funder.HEALTH, "50.00"), _line(gone, Funder.COUNCIL, "9.99"),
        _line(None, Funder.COUNCIL, "40.00", area="OAK")]}
    due = [_line(more, Funder.COUNCIL, "130.50", "1.50"), _line(less, Funder.HEALTH, "20.00", "0.40"),
           _line(new, Funder.COUNCIL, "5.00"), _line(None, Funder.COUNCIL, "40.00", area="OAK")]
    owed, overpaid = domain.adjustments(due=due, billed=billed, reference="INV-000007")
    assert [(line.package_id, line.amount, line.hours) for line in owed] == [
        (more, D("30.50"), D("0.50")), (new, D("5.00"), D("1.00"))]
    assert [(line.package_id, line.amount, line.hours) for line in overpaid] == [
        (less, D("-30.00"), D("-0.60")), (gone, D("-9.99"), D("-1.00"))]
    assert all(line.description.startswith("Adjustment to INV-000007: ") for line in owed + overpaid)
    assert overpaid[-1].description.endswith("no longer due")


amounts = st.decimals(min_value=0, max_value=10_000, places=2)
keys = st.tuples(st.sampled_from([uuid.UUID(int=n) for n in range(4)] + [None]), st.sampled_from(list(Funder)))


@given(st.dictionaries(keys, amounts, max_size=8), st.dictionaries(keys, amounts, max_size=8))
def test_billed_and_adjustments_always_add_up_to_what_is_due(
    billed_amounts: dict[tuple[uuid.UUID | None, Funder], Decimal],
    due_amounts: dict[tuple[uuid.UUID | None, Funder], Decimal],
) -> None:
    billed = {(package, funder, None): _line(package, funder, str(amount))
              for (package, funder), amount in billed_amounts.items()}
    due = [_line(package, funder, str(amount)) for (package, funder), amount in due_amounts.items()]
    owed, overpaid = domain.adjustments(due=due, billed=billed, reference="INV-000001")
    assert all(line.amount > 0 for line in owed)
    assert all(line.amount < 0 for line in overpaid)
    for key in {*billed, *(line.key for line in due)}:
        before = billed[key].amount if key in billed else D(0)
        changes = sum((line.amount for line in owed + overpaid if line.key == key), D(0))
        assert before + changes == sum((line.amount for line in due if line.key == key), D(0))
    assert domain.adjustments(due=due, billed={line.key: line for line in due}, reference="INV-000001") == ([], [])
