"""The cost of care and the split between funders: pure rules, for every input (Hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.packages.costing import domain
from services.packages.costing.domain import Band, Calendar, DayKind, Pricing, Usage
from shared.contracts.brokerage import ScheduledVisit
from shared.contracts.common import Day
from shared.money import round_money

D = Decimal
SEED = domain.CostModel(
    care_worker_hourly_pay=D("12.60"), travel_minutes_per_visit=0, mileage_per_visit_miles=D(0),
    mileage_rate=D("0.45"), on_cost_percent=D(20), training_supervision_percent=D(5), overhead_percent=D(0),
    surplus_percent=D(0))
SEED_CAPS = domain.ChargeCaps(hourly=D("13.00"), weekly=D("422.00"))
money = st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False, allow_infinity=False)
percent = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
visits = st.lists(st.builds(
    ScheduledVisit, day=st.sampled_from(list(Day)), start=st.times(),
    minutes=st.integers(min_value=5, max_value=240), carers=st.integers(min_value=1, max_value=2)), max_size=40)
models = st.builds(
    domain.CostModel, care_worker_hourly_pay=st.decimals(min_value=1, max_value=60, places=2),
    travel_minutes_per_visit=st.integers(min_value=0, max_value=90), mileage_per_visit_miles=money,
    mileage_rate=st.decimals(min_value=0, max_value=2, places=2), on_cost_percent=percent,
    training_supervision_percent=percent, overhead_percent=percent, surplus_percent=percent,
    weekend_uplift_percent=percent, travel_hourly_pay=st.none() | st.decimals(min_value=0, max_value=60, places=2),
    bank_holiday_uplift_percent=percent)


def _hours(minutes: int, days: list[Day], start: str = "08:00") -> list[ScheduledVisit]:
    return [ScheduledVisit.model_validate({"day": day, "start": start, "minutes": minutes, "carers": 1})
            for day in days]


def test_the_seed_model_gives_rutlands_15_75_an_hour() -> None:
    breakdown = domain.rate_breakdown(SEED)
    assert breakdown.hourly_rate == D("15.75")
    assert breakdown.components["on_costs"] == D("2.52")
    assert breakdown.components["training_supervision"] == D("0.63")


@given(models)
def test_the_breakdown_adds_up_exactly_to_the_hourly_rate(model: domain.CostModel) -> None:
    breakdown = domain.rate_breakdown(model)
    assert sum(breakdown.components.values(), D(0)) == breakdown.hourly_rate
    assert all(value == value.quantize(D("0.01")) for value in breakdown.components.values())
    pricing = domain.pricing_of(model)
    assert breakdown.hourly_rate == pricing.contact_hour + pricing.per_visit


@given(models)
def test_a_sixty_minute_visit_costs_the_hourly_rate_and_shorter_visits_cost_more_per_hour(
        model: domain.CostModel) -> None:
    pricing = domain.pricing_of(model)
    hour = pricing.cost(domain.Usage.of_visit(minutes=60, carers=1, kind=domain.DayKind.WEEKDAY))
    half = pricing.cost(domain.Usage.of_visit(minutes=30, carers=1, kind=domain.DayKind.WEEKDAY))
    assert hour == pricing.hourly_rate
    assert half * 2 >= hour


def test_travel_paid_below_the_minimum_wage_is_caught() -> None:
    cheap_travel = replace(SEED, travel_minutes_per_visit=20, travel_hourly_pay=D(6))
    assert domain.effective_hourly_pay(cheap_travel) == D("10.95")
    assert not domain.pays_at_least_minimum_wage(cheap_travel, D("12.21"))
    assert domain.pays_at_least_minimum_wage(SEED, D("12.21"))
    assert not domain.pays_at_least_minimum_wage(SEED, D("12.61"))


def _seed_cost(visits: list[ScheduledVisit], health: int, assessed: Decimal | None) -> domain.WeeklyCost:
    return domain.weekly_cost(visits=visits, pricing=domain.pricing_of(SEED), health_share_percent=health,
                              assessed_contribution=assessed, caps=SEED_CAPS)


def test_the_hourly_charge_cap_limits_the_contribution() -> None:
    cost = _seed_cost(_hours(60, list(Day)[:5]) * 2, 0, D("500.00"))
    assert (cost.weekly_cost, cost.client_contribution, cost.council_share) == (D("157.50"), D("130.00"), D("27.50"))


def test_the_weekly_cap_limits_the_contribution() -> None:
    cost = _seed_cost(_hours(60, list(Day)[:5]) * 8, 0, D("500.00"))
    assert (cost.weekly_cost, cost.client_contribution, cost.council_share) == (D("630.00"), D("422.00"), D("208.00"))


def test_the_assessment_limits_the_contribution_and_no_assessment_means_no_charge() -> None:
    visits = _hours(60, list(Day)[:5]) * 2
    assert _seed_cost(visits, 0, D("20.00")).client_contribution == D("20.00")
    assert _seed_cost(visits, 0, None).client_contribution == D(0)


def test_chc_shares_of_100_75_and_50_percent_are_never_charged_to_the_person() -> None:
    visits = _hours(60, list(Day)[:5]) * 8  # 40 hours, 630.00 a week
    full = _seed_cost(visits, 100, D("500.00"))
    assert (full.health_share, full.client_contribution, full.council_share) == (D("630.00"), D(0), D(0))
    most = _seed_cost(visits, 75, D("500.00"))
    assert (most.health_share, most.client_contribution, most.council_share) == (D("472.50"), D("130.00"),
                                                                                 D("27.50"))
    half = _seed_cost(visits, 50, D("500.00"))
    assert (half.health_share, half.client_contribution, half.council_share) == (D("315.00"), D("260.00"),
                                                                                 D("55.00"))


@given(visits, models, st.integers(min_value=0, max_value=100), st.none() | money, money, money)
def test_the_shares_add_up_exactly_for_any_schedule_and_split(
    schedule: list[ScheduledVisit], model: domain.CostModel, health: int, assessed: Decimal | None,
    hourly_cap: Decimal, weekly_cap: Decimal,
) -> None:
    cost = domain.weekly_cost(visits=schedule, pricing=domain.pricing_of(model), health_share_percent=health,
                              assessed_contribution=assessed, caps=domain.ChargeCaps(hourly_cap, weekly_cap))
    assert cost.council_share + cost.health_share + cost.client_contribution == cost.weekly_cost
    assert min(cost.council_share, cost.health_share, cost.client_contribution) >= 0
    assert cost.client_contribution <= min(weekly_cap, assessed if assessed is not None else D(0))
    assert cost.client_contribution <= cost.weekly_cost - cost.health_share
    for share in (cost.weekly_cost, cost.council_share, cost.health_share, cost.client_contribution):
        assert share == share.quantize(D("0.01"))


def test_weekend_visits_carry_the_uplift() -> None:
    model = replace(SEED, weekend_uplift_percent=D(10))
    pricing = domain.pricing_of(model)
    assert pricing.prices(domain.PriceKind.WEEKEND) == domain.UnitPrices(D("17.33"), D(0))  # 15.75 x 1.10, rounded
    assert pricing.cost(domain.weekly_usage(_hours(60, [Day.SAT]))) == D("17.33")
    assert pricing.cost(domain.weekly_usage(_hours(60, [Day.MON]))) == D("15.75")


def test_an_agreed_rate_prices_every_minute_alike() -> None:
    pricing = domain.Pricing.agreed(D("18.00"))
    assert pricing.cost(domain.Usage.of_visit(minutes=30, carers=2, kind=domain.DayKind.WEEKDAY)) == D("18.00")


NIGHTS = Calendar()
WEEKEND_10_HOLIDAY_50_NIGHT_20 = Pricing(D("15.75"), D(0), weekend_uplift_percent=D(10),
                                         bank_holiday_uplift_percent=D(50), night_uplift_percent=D(20))
NO_NIGHT = Calendar(night_starts=time(0), night_ends=time(0))


@pytest.mark.parametrize(("start", "night"), [
    (time(21, 59), False), (time(22, 0), True), (time(23, 59), True), (time(0, 0), True), (time(6, 59), True),
    (time(7, 0), False), (time(12, 0), False)])
def test_the_default_night_runs_from_22_00_up_to_but_not_including_07_00(start: time, night: bool) -> None:
    assert NIGHTS.is_night(start) is night


@pytest.mark.parametrize(("start", "night"), [
    (time(0, 59), False), (time(1, 0), True), (time(4, 59), True), (time(5, 0), False), (time(23, 0), False)])
def test_a_night_window_that_does_not_cross_midnight(start: time, night: bool) -> None:
    assert Calendar(night_starts=time(1, 0), night_ends=time(5, 0)).is_night(start) is night


def test_a_window_that_starts_when_it_ends_has_no_night_and_an_offset_is_read_as_local_time() -> None:
    assert not any(NO_NIGHT.is_night(time(hour)) for hour in range(24))
    assert NIGHTS.is_night(time.fromisoformat("23:00+01:00"))


def test_the_calendar_tells_weekdays_weekends_and_bank_holidays() -> None:
    calendar = Calendar(bank_holidays=frozenset({date(2026, 12, 25)}))
    assert calendar.day_kind(date(2026, 12, 24)) is DayKind.WEEKDAY
    assert calendar.day_kind(date(2026, 12, 25)) is DayKind.BANK_HOLIDAY
    assert calendar.day_kind(date(2026, 12, 26)) is DayKind.WEEKEND


@pytest.mark.parametrize(("band", "fields"), [
    (Band(DayKind.WEEKDAY, False), ("weekday_minutes", "weekday_visits")),
    (Band(DayKind.WEEKEND, False), ("weekend_minutes", "weekend_visits")),
    (Band(DayKind.BANK_HOLIDAY, False), ("holiday_minutes", "holiday_visits")),
    (Band(DayKind.WEEKDAY, True), ("weekday_night_minutes", "weekday_night_visits")),
    (Band(DayKind.WEEKEND, True), ("weekend_night_minutes", "weekend_night_visits")),
    (Band(DayKind.BANK_HOLIDAY, True), ("holiday_night_minutes", "holiday_night_visits")),
])
def test_usage_counts_a_visit_in_its_band_at_the_position_bands_gives_it(band: Band, fields: tuple[str, str]) -> None:
    usage = Usage.of_visit(minutes=45, carers=2, kind=band.kind, night=band.night, times=3)
    minutes, visits = fields
    assert usage == Usage(**{minutes: 270, visits: 6})
    assert [(b, m, v) for b, m, v in usage.per_band() if m or v] == [(band, 270, 6)]
    position = 2 * Usage.BANDS.index(band)
    assert Usage(*[270 if i == position else 6 if i == position + 1 else 0 for i in range(12)]) == usage
    assert usage.hours == D("4.5")


def test_a_weeks_visits_fall_in_day_and_night_bands_by_their_planned_start() -> None:
    week = [*_hours(30, [Day.MON], "22:00"), *_hours(30, [Day.TUE], "06:59"), *_hours(30, [Day.WED], "07:00"),
            *_hours(60, [Day.SAT], "23:30"), *_hours(60, [Day.SUN], "09:00")]
    assert domain.weekly_usage(week, NIGHTS) == Usage(
        weekday_minutes=30, weekday_visits=1, weekday_night_minutes=60, weekday_night_visits=2,
        weekend_minutes=60, weekend_visits=1, weekend_night_minutes=60, weekend_night_visits=1)


@pytest.mark.parametrize(("band", "cost"), [
    (Band(DayKind.WEEKDAY, False), D("15.75")),
    (Band(DayKind.WEEKDAY, True), D("18.90")),  # 15.75 x 1.20
    (Band(DayKind.WEEKEND, False), D("17.33")),  # 15.75 x 1.10, the published price
    (Band(DayKind.WEEKEND, True), D("18.90")),  # the night's 20% beats the weekend's 10%; not 15.75 x 1.1 x 1.2
    (Band(DayKind.BANK_HOLIDAY, False), D("23.63")),  # 15.75 x 1.50, the published price
    (Band(DayKind.BANK_HOLIDAY, True), D("23.63")),  # the bank holiday's 50% beats the night's 20%
])
def test_one_uplift_applies_to_a_visit_the_higher_of_its_days_and_the_nights(band: Band, cost: Decimal) -> None:
    usage = Usage.of_visit(minutes=60, carers=1, kind=band.kind, night=band.night)
    assert WEEKEND_10_HOLIDAY_50_NIGHT_20.cost(usage) == cost


def test_the_night_uplift_is_on_the_whole_price_travel_included_and_on_an_agreed_rate() -> None:
    modelled = Pricing(D("12.00"), D("3.00"), night_uplift_percent=D(20))
    night = Usage.of_visit(minutes=30, carers=2, kind=DayKind.WEEKDAY, night=True)
    assert modelled.cost(night) == D("21.60")  # 1.00 carer-hour x 14.40 + 2 carer-visits x 3.60
    agreed = Pricing.agreed(D("18.00"), weekend_uplift_percent=D(10), night_uplift_percent=D("12.50"))
    assert agreed.cost(night) == D("20.25")  # 18.00 x 1 hour x 1.125
    assert agreed.cost(replace(night, weekday_night_minutes=0, weekday_night_visits=0)) == D(0)


def test_a_cards_night_uplift_reaches_its_pricing() -> None:
    pricing = domain.pricing_of(replace(SEED, night_uplift_percent=D("33.33")))
    assert pricing.night_uplift_percent == D("33.33")
    assert pricing.cost(domain.weekly_usage(_hours(60, [Day.FRI], "02:00"))) == D("21.00")


calendars = st.builds(Calendar, night_starts=st.times(), night_ends=st.times())
nights = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


@given(visits, models, calendars)
def test_without_a_night_uplift_night_visits_cost_what_day_visits_do(
        schedule: list[ScheduledVisit], model: domain.CostModel, calendar: Calendar) -> None:
    pricing = domain.pricing_of(model)
    assert pricing.cost(domain.weekly_usage(schedule, calendar)) == pricing.cost(
        domain.weekly_usage(schedule, NO_NIGHT))


uplifts = st.decimals(min_value=0, max_value=200, places=2, allow_nan=False, allow_infinity=False)


@given(models, uplifts, uplifts)
def test_a_published_price_never_falls_as_its_uplift_rises(model: domain.CostModel, one: Decimal,
                                                           other: Decimal) -> None:
    lower, higher = sorted((one, other))
    prices = [domain.pricing_of(replace(model, night_uplift_percent=night)).prices(domain.PriceKind.NIGHT)
              for night in (lower, higher)]
    assert prices[0].contact_hour <= prices[1].contact_hour
    assert prices[0].per_visit <= prices[1].per_visit


# A card with travel and mileage (the contract smoke test's): contact hour 20.28 + per visit 4.54 = 24.82.
SMOKE = domain.CostModel(
    care_worker_hourly_pay=D("12.60"), travel_minutes_per_visit=10, mileage_per_visit_miles=D("2.0"),
    mileage_rate=D("0.45"), on_cost_percent=D(20), training_supervision_percent=D(5), overhead_percent=D(25),
    surplus_percent=D(3), weekend_uplift_percent=D(10), night_uplift_percent=D(20))
WEEKDAYS = [Day.MON, Day.TUE, Day.WED, Day.THU, Day.FRI]


def _smoke(visits: list[ScheduledVisit]) -> domain.WeeklyCost:
    return domain.weekly_cost(visits=visits, pricing=domain.pricing_of(SMOKE), health_share_percent=0,
                              assessed_contribution=None, caps=None)


def _lines(cost: domain.WeeklyCost) -> list[tuple[str, Decimal, str, Decimal, Decimal]]:
    return [(line.description, line.quantity, line.unit, line.unit_price, line.amount) for line in cost.price_lines]


def test_the_published_prices_are_to_the_penny_and_the_hourly_rate_is_their_sum() -> None:
    pricing = domain.pricing_of(SMOKE)
    assert (pricing.contact_hour, pricing.per_visit, pricing.hourly_rate) == (D("20.28"), D("4.54"), D("24.82"))
    assert pricing.prices(domain.PriceKind.WEEKEND) == domain.UnitPrices(D("22.31"), D("4.99"))
    assert pricing.prices(domain.PriceKind.NIGHT) == domain.UnitPrices(D("24.34"), D("5.45"))
    assert domain.rate_breakdown(SMOKE).hourly_rate == D("24.82")


def test_five_one_hour_visits_cost_five_times_the_hourly_rate() -> None:
    cost = _smoke(_hours(60, WEEKDAYS))
    assert cost.weekly_cost == D("124.10") == 5 * D("24.82")
    assert _lines(cost) == [("Weekday contact hours", D(5), "hour", D("20.28"), D("101.40")),
                            ("Weekday visits (travel and mileage)", D(5), "visit", D("4.54"), D("22.70"))]


def test_forty_hours_a_week_cost_forty_hourly_rates() -> None:
    assert _smoke(_hours(60, WEEKDAYS) * 8).weekly_cost == D("992.80") == 40 * D("24.82")


def test_a_45_minute_visit_is_three_quarters_of_a_contact_hour_and_one_visit() -> None:
    cost = _smoke(_hours(45, [Day.MON]))
    assert _lines(cost) == [("Weekday contact hours", D("0.75"), "hour", D("20.28"), D("15.21")),
                            ("Weekday visits (travel and mileage)", D(1), "visit", D("4.54"), D("4.54"))]
    assert cost.weekly_cost == D("19.75")


def test_a_20_minute_visit_is_priced_from_its_quantity_as_written() -> None:
    cost = _smoke(_hours(20, WEEKDAYS))
    assert _lines(cost)[0] == ("Weekday contact hours", D("1.6667"), "hour", D("20.28"), D("33.80"))


def test_a_double_up_counts_two_carers_hours_and_two_visits() -> None:
    double = [ScheduledVisit(day=day, start=time(8), minutes=60, carers=2) for day in WEEKDAYS]
    cost = _smoke(double)
    assert _lines(cost) == [("Weekday contact hours", D(10), "hour", D("20.28"), D("202.80")),
                            ("Weekday visits (travel and mileage)", D(10), "visit", D("4.54"), D("45.40"))]
    assert cost.weekly_cost == D("248.20") == 2 * _smoke(_hours(60, WEEKDAYS)).weekly_cost


def test_weekend_and_night_visits_are_charged_at_their_published_prices() -> None:
    cost = _smoke([*_hours(60, [Day.SAT]), *_hours(30, [Day.TUE], "23:00")])
    assert _lines(cost) == [("Weekend contact hours", D(1), "hour", D("22.31"), D("22.31")),
                            ("Weekend visits (travel and mileage)", D(1), "visit", D("4.99"), D("4.99")),
                            ("Night contact hours", D("0.5"), "hour", D("24.34"), D("12.17")),
                            ("Night visits (travel and mileage)", D(1), "visit", D("5.45"), D("5.45"))]
    assert cost.weekly_cost == D("44.92")


def test_an_agreed_rate_is_one_price_per_contact_hour_with_the_cards_uplifts() -> None:
    pricing = Pricing.agreed(D("18.00"), weekend_uplift_percent=D(10))
    cost = domain.weekly_cost(visits=[*_hours(45, WEEKDAYS), *_hours(60, [Day.SUN])], pricing=pricing,
                              health_share_percent=0, assessed_contribution=None, caps=None)
    assert _lines(cost) == [("Weekday contact hours", D("3.75"), "hour", D("18.00"), D("67.50")),
                            ("Weekend contact hours", D(1), "hour", D("19.80"), D("19.80"))]
    assert (cost.weekly_cost, cost.hourly_rate) == (D("87.30"), D("18.00"))


@given(visits, models, st.integers(min_value=0, max_value=100), st.none() | money, money, money, calendars)
def test_the_weekly_cost_is_the_sum_of_its_price_lines_and_of_its_shares(
    schedule: list[ScheduledVisit], model: domain.CostModel, health: int, assessed: Decimal | None,
    hourly_cap: Decimal, weekly_cap: Decimal, calendar: Calendar,
) -> None:
    pricing = domain.pricing_of(model)
    cost = domain.weekly_cost(visits=schedule, pricing=pricing, health_share_percent=health,
                              assessed_contribution=assessed, caps=domain.ChargeCaps(hourly_cap, weekly_cap),
                              calendar=calendar)
    published = {price for kind in domain.PriceKind for price in (pricing.prices(kind).contact_hour,
                                                                   pricing.prices(kind).per_visit)}
    assert cost.weekly_cost == sum((line.amount for line in cost.price_lines), D(0))
    assert cost.weekly_cost == cost.council_share + cost.health_share + cost.client_contribution
    for line in cost.price_lines:
        assert line.amount == round_money(line.quantity * line.unit_price)
        assert line.unit_price in published
        assert line.quantity == line.quantity.quantize(D("0.0001"))
