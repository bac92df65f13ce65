"""The cost of care and the split between funders: pure rules, for every input (Hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.packages.costing import domain
from shared.contracts.brokerage import ScheduledVisit
from shared.contracts.common import Day

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
    weekend_uplift_percent=percent, travel_hourly_pay=st.none() | st.decimals(min_value=0, max_value=60, places=2))


def _hours(minutes: int, days: list[Day]) -> list[ScheduledVisit]:
    return [ScheduledVisit.model_validate({"day": day, "start": "08:00", "minutes": minutes, "carers": 1})
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
    assert breakdown.hourly_rate == domain.round_money(domain.pricing_of(model).hourly_rate)


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
    assert pricing.cost(domain.weekly_usage(_hours(60, [Day.SAT]))) == D("17.325")
    assert pricing.cost(domain.weekly_usage(_hours(60, [Day.MON]))) == D("15.75")


def test_an_agreed_rate_prices_every_minute_alike() -> None:
    pricing = domain.Pricing.agreed(D("18.00"))
    assert pricing.cost(domain.Usage.of_visit(minutes=30, carers=2, kind=domain.DayKind.WEEKDAY)) == D("18.00")
