"""Building invoice lines: pure rules, and totals that reconcile for any schedule and split."""

from __future__ import annotations

import uuid
from datetime import date, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.packages.costing.domain import Calendar, PriceKind, Pricing, Unit, Usage
from services.packages.invoices import domain
from services.packages.invoices.domain import BlockGuarantee, Funder, PackageRef, Period, TermCharge
from services.packages.visits.domain import CareWindow, PaymentRule, late_by_minutes
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


DELIVERED = PaymentRule.DELIVERED_WITHIN_TOLERANCE
OAK = PackageRef(uuid.UUID(int=1), "OAK", "older_people")


def _lines(terms: list[TermCharge], package: PackageRef = OAK) -> list[domain.Line]:
    return domain.package_lines(package, terms, period_label=FOUR_WEEKS.label)


def _show(lines: list[domain.Line]) -> list[tuple[Funder, PaymentRule, str, Decimal, Decimal, Decimal]]:
    return [(line.funder, line.rule, line.unit, line.quantity, line.unit_price, line.amount) for line in lines]


def test_a_health_funded_package_gets_council_lines_and_health_lines_of_its_share_of_the_quantities() -> None:
    usage = domain.planned_usage([_visit("mon", 60)] * 10, FOUR_WEEKS.days(), Calendar())  # 40 hours
    modelled = Pricing(D("20.28"), D("4.54"))
    lines = _lines([TermCharge({PaymentRule.PLANNED_SCHEDULE: usage}, modelled, 75)])
    planned = PaymentRule.PLANNED_SCHEDULE
    assert _show(lines) == [
        (Funder.COUNCIL, planned, "hour", D("10.0000"), D("20.28"), D("202.80")),
        (Funder.COUNCIL, planned, "visit", D("10.00"), D("4.54"), D("45.40")),
        (Funder.HEALTH, planned, "hour", D("30.0000"), D("20.28"), D("608.40")),
        (Funder.HEALTH, planned, "visit", D("30.00"), D("4.54"), D("136.20"))]
    assert "planned schedule" in lines[0].description
    assert lines[2].description.endswith("health-funded share")
    assert [line.hours for line in lines] == [D(10), D(0), D(30), D(0)]


def test_quantities_of_one_rule_and_price_over_two_terms_are_priced_once() -> None:
    third = Usage(weekday_minutes=20, weekday_visits=1)  # 20 minutes: 0.3333 h alone
    lines = _lines([TermCharge({DELIVERED: third}, SEED, 0), TermCharge({DELIVERED: third + third}, SEED, 0)])
    assert _show(lines) == [(Funder.COUNCIL, DELIVERED, "hour", D("1.0000"), D("15.75"), D("15.75"))]


def test_a_block_contract_is_topped_up_to_its_guaranteed_hours_only_when_short() -> None:
    block = BlockGuarantee(area="KET", block_hours=D("60.00"), hourly_rate=D("15.75"), days_covered=28)
    assert block.guaranteed_hours == D(240)
    ket = PackageRef(uuid.uuid4(), "KET", None)
    small = _lines([TermCharge({DELIVERED: Usage(weekday_minutes=600, weekday_visits=10)}, SEED, 0)], ket)
    top_up = block.top_up(small)
    assert top_up is not None
    assert (top_up.quantity, top_up.unit_price, top_up.amount, top_up.rule) == (
        D("230.0000"), D("15.75"), D("3622.50"), PaymentRule.BLOCK_TOP_UP)
    assert top_up.package_id is None
    assert "10.00 h charged" in top_up.description
    elsewhere = _lines([TermCharge({DELIVERED: Usage(weekday_minutes=600, weekday_visits=10)}, SEED, 0)])
    assert [line.quantity for line in [block.top_up(elsewhere)] if line] == [240]  # another area's care
    big = _lines([TermCharge({DELIVERED: Usage(weekday_minutes=60 * 300, weekday_visits=300)}, SEED, 0)], ket)
    assert block.top_up(big) is None


def test_invoice_numbers_have_a_fixed_shape() -> None:
    assert domain.invoice_number(1) == "INV-000001"
    assert domain.credit_note_number(12) == "CN-000012"


usages = st.builds(Usage, st.integers(0, 20_000), st.integers(0, 400), st.integers(0, 20_000), st.integers(0, 400))
prices = st.decimals(min_value=0, max_value=60, places=2)
pricings = st.builds(Pricing, prices, st.decimals(min_value=0, max_value=20, places=2),
                     st.decimals(min_value=0, max_value=50, places=2))
rules = st.sampled_from([rule for rule in PaymentRule if rule not in (PaymentRule.BLOCK_TOP_UP,
                                                                      PaymentRule.ADJUSTMENT)])
terms = st.lists(st.builds(TermCharge, st.dictionaries(rules, usages, min_size=1, max_size=3), pricings,
                           st.integers(0, 100)), min_size=1, max_size=3)


@given(st.lists(terms, min_size=1, max_size=6),
       st.lists(st.builds(BlockGuarantee, st.just("OAK"), st.decimals(0, 200, places=2),
                          st.decimals(0, 40, places=2), st.integers(1, 28)), max_size=1))
def test_every_line_is_a_quantity_at_a_price_rounded_once_and_funders_share_the_quantities(
    packages: list[list[TermCharge]], blocks: list[BlockGuarantee]
) -> None:
    refs = [PackageRef(uuid.UUID(int=n), "OAK", None) for n in range(len(packages))]
    per_package = [_lines(charges, ref) for charges, ref in zip(packages, refs, strict=True)]
    lines = domain.invoice_lines([line for own in per_package for line in own], blocks)
    for line in lines:
        assert line.amount == (line.quantity * line.unit_price).quantize(D("0.01"), rounding=ROUND_HALF_UP)
        assert line.quantity > 0
        assert line.unit_price > 0
    for charges, own in zip(packages, per_package, strict=True):
        carer_minutes = sum(sum(usage.counts()[::2]) for term in charges for usage in term.care.values()
                            if term.pricing.contact_hour)
        hours = sum((line.quantity for line in own if line.unit == "hour"), D(0))
        assert abs(hours - D(carer_minutes) / 60) <= D("0.0001") * 2 * len(own)
    if blocks and (top_up := blocks[0].top_up(lines)) is not None:
        assert lines[-1] == top_up


def test_a_visit_outside_the_care_window_is_refused_with_the_reason() -> None:
    window = CareWindow(date(2026, 11, 2), date(2026, 11, 20), ((date(2026, 11, 10), date(2026, 11, 12)),))
    today = date(2026, 11, 25)
    assert window.refusal(date(2026, 11, 5), today=today) is None
    assert window.refusal(date(2026, 11, 1), today=today) == "the package starts on 2026-11-02"
    assert window.refusal(date(2026, 11, 21), today=today) == "the package ended on 2026-11-20"
    assert window.refusal(date(2026, 11, 11), today=today) == "the package was suspended that day"
    assert window.refusal(today + timedelta(days=1), today=today) == "the visit date is in the future"


def test_lateness_counts_minutes_after_the_planned_start_only() -> None:
    assert late_by_minutes(planned=time(8, 0), actual=time(8, 25)) == 25
    assert late_by_minutes(planned=time(8, 0), actual=time(7, 50)) == 0
    assert late_by_minutes(planned=time(8, 0), actual=None) == 0


def test_days_of_the_week_follow_the_calendar() -> None:
    assert domain.DAYS[FOUR_WEEKS.start.weekday()] is Day.MON


def _billed(line_id: int, package: uuid.UUID | None, funder: Funder, quantity: str, price: str = "15.75",
            rule: PaymentRule = DELIVERED, area: str = "OAK") -> domain.BilledLine:
    return domain.BilledLine(line_id, line_id, _due(package, funder, quantity, price, rule, area))


def _due(package: uuid.UUID | None, funder: Funder, quantity: str, price: str = "15.75",
         rule: PaymentRule = DELIVERED, area: str = "OAK") -> domain.Line:
    return domain.Line(package, funder, rule, PriceKind.STANDARD, Unit.HOUR, D(quantity), D(price), "Care", area,
                       block_area=area if package is None else None)


def test_credit_lines_take_a_quantity_of_a_line_at_its_price_and_never_more_than_it_held() -> None:
    package_id = uuid.uuid4()
    invoice = {1: _billed(11, package_id, Funder.COUNCIL, "10.0000")}
    [line] = domain.credit_lines(lines=invoice, credited={11: D("6.00")}, requested=[(1, D("4.00"))],
                                 reason="late change")
    assert (line.quantity, line.unit_price, line.amount, line.reverses, line.rule) == (
        D("-4.00"), D("15.75"), D("-63.00"), 11, PaymentRule.ADJUSTMENT)
    assert line.description == "Credit: late change (line 1: Care)"
    with pytest.raises(domain.CreditRefused, match=r"Only 4\.00 hour of line 1"):
        domain.credit_lines(lines=invoice, credited={11: D("6.00")}, requested=[(1, D("4.01"))], reason="x")
    with pytest.raises(domain.CreditRefused, match="no line 2"):
        domain.credit_lines(lines=invoice, credited={}, requested=[(2, D("1.00"))], reason="x")


def test_a_bank_holiday_keeps_its_visits_and_is_charged_at_its_own_prices_instead_of_the_weekends() -> None:
    christmas, boxing_day = date(2026, 12, 25), date(2026, 12, 26)  # a Friday and a Saturday
    days = [christmas, boxing_day, date(2026, 12, 27)]
    usage = domain.planned_usage([_visit("fri", 60), _visit("sat", 60), _visit("sun", 60)], days,
                                 Calendar(bank_holidays=frozenset({christmas, boxing_day})))
    assert usage == Usage(weekend_minutes=60, weekend_visits=1, holiday_minutes=120, holiday_visits=2)
    pricing = Pricing(D("15.75"), D(0), weekend_uplift_percent=D(10), bank_holiday_uplift_percent=D(100))
    assert pricing.cost(usage) == D("17.33") + D("63.00")


def test_adjustments_reverse_every_changed_line_in_full_and_bill_it_as_it_now_stands() -> None:
    more, less, gone, new, same = (uuid.UUID(int=n) for n in range(5))
    in_force = [_billed(1, more, Funder.COUNCIL, "1.00"), _billed(2, less, Funder.HEALTH, "3.00"),
                _billed(3, gone, Funder.COUNCIL, "0.50"), _billed(4, same, Funder.COUNCIL, "2.00"),
                _billed(5, None, Funder.COUNCIL, "40.00", rule=PaymentRule.BLOCK_TOP_UP)]
    due = [_due(more, Funder.COUNCIL, "1.50"), _due(less, Funder.HEALTH, "1.00"), _due(new, Funder.COUNCIL, "2.00"),
           _due(same, Funder.COUNCIL, "2.00"), _due(None, Funder.COUNCIL, "40.00", rule=PaymentRule.BLOCK_TOP_UP),
           _due(same, Funder.COUNCIL, "2.00", price="16.00")]
    rebill, reverse = domain.adjustments(due=due, in_force=in_force, reference="INV-000007")
    assert [(line.package_id, line.quantity, line.amount) for line in rebill] == [
        (more, D("1.50"), D("23.63")), (less, D("1.00"), D("15.75")), (new, D("2.00"), D("31.50")),
        (same, D("2.00"), D("32.00"))]
    assert [(line.reverses, line.quantity, line.amount, line.rule) for line in reverse] == [
        (1, D("-1.00"), D("-15.75"), PaymentRule.ADJUSTMENT), (2, D("-3.00"), D("-47.25"), PaymentRule.ADJUSTMENT),
        (3, D("-0.50"), D("-7.88"), PaymentRule.ADJUSTMENT)]
    assert reverse[0].description == "Reversal of INV-000007 line 1: Care"


quantities = st.decimals(min_value=D("0.0001"), max_value=500, places=4)
keys = st.tuples(st.sampled_from([uuid.UUID(int=n) for n in range(4)] + [None]), st.sampled_from(list(Funder)),
                 st.sampled_from(["15.75", "16.00"]))


@given(st.dictionaries(keys, quantities, max_size=8), st.dictionaries(keys, quantities, max_size=8))
def test_what_is_in_force_plus_the_adjustments_is_always_exactly_what_is_due(
    billed_quantities: dict[tuple[uuid.UUID | None, Funder, str], Decimal],
    due_quantities: dict[tuple[uuid.UUID | None, Funder, str], Decimal],
) -> None:
    in_force = [_billed(n, package, funder, str(quantity), price)
                for n, ((package, funder, price), quantity) in enumerate(billed_quantities.items(), start=1)]
    due = [_due(package, funder, str(quantity), price) for (package, funder, price), quantity in due_quantities.items()]
    rebill, reverse = domain.adjustments(due=due, in_force=in_force, reference="INV-000001")
    assert all(line.amount >= 0 for line in rebill)
    assert all(line.amount <= 0 for line in reverse)
    billed = sum((billed.line.amount for billed in in_force), D(0))
    assert billed + sum((line.amount for line in rebill + reverse), D(0)) == sum((line.amount for line in due), D(0))
    for line in rebill + reverse:
        assert line.amount == (line.quantity * line.unit_price).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    now_in_force = [billed for billed in in_force if billed.line_id not in {line.reverses for line in reverse}]
    again = domain.adjustments(due=due, in_force=[*now_in_force, *(domain.BilledLine(1000 + n, n, line)
                                                                   for n, line in enumerate(rebill))],
                               reference="INV-000001")
    assert again == ([], [])


def test_banking_pays_over_runs_only_from_the_weeks_unused_planned_minutes_band_by_band() -> None:
    assert domain.banked_minutes(limit=90, paid=75, overrun=[15, 0, 0, 0, 0, 0]) == [15, 0, 0, 0, 0, 0]
    assert domain.banked_minutes(limit=90, paid=80, overrun=[15, 5, 0, 0, 0, 0]) == [10, 0, 0, 0, 0, 0]
    assert domain.banked_minutes(limit=90, paid=60, overrun=[20, 20, 0, 0, 0, 0]) == [20, 10, 0, 0, 0, 0]
    assert domain.banked_minutes(limit=90, paid=100, overrun=[20, 0, 0, 0, 0, 0]) == [0, 0, 0, 0, 0, 0]


@given(st.integers(0, 5000), st.integers(0, 5000), st.lists(st.integers(0, 600), min_size=6, max_size=6))
def test_banked_minutes_never_take_a_week_past_its_planned_minutes_nor_pay_more_than_ran_over(
        limit: int, paid: int, overrun: list[int]) -> None:
    banked = domain.banked_minutes(limit=limit, paid=paid, overrun=overrun)
    assert all(0 <= taken <= ran for taken, ran in zip(banked, overrun, strict=True))
    assert paid + sum(banked) <= max(limit, paid)
    assert sum(banked) == min(sum(overrun), max(0, limit - paid))
