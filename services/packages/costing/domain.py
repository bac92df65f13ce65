"""The cost of care and who pays what (DOMAIN.md, "Costing"). Pure: no I/O, Decimal only.

How a visit is priced (one method, used for the rate card's hourly rate and for every schedule):
a visit costs `contact_hourly x minutes / 60 + per_visit`, per carer. `contact_hourly` is the care
worker's pay for contact time with its on-costs, training and supervision, overheads and surplus;
`per_visit` is the paid travel time and the mileage of one visit with the same additions. So a
30-minute visit carries relatively more travel than a 60-minute one. The rate card's `hourly_rate` is
the price of the reference visit of 60 minutes (`contact_hourly + per_visit`), and its breakdown names
every component of that price.

Uplifts: a visit's band is the kind of its day (weekday, weekend, bank holiday) and whether it is a night
visit (it starts in the council's night window, 22:00 to 07:00 by default). ONE uplift applies to the
visit's whole price: the higher of its day's (the card's weekend or bank-holiday uplift; none on a
weekday) and, for a night visit, the card's night uplift. Uplifts are never compounded: a Saturday
night visit with a 10% weekend and a 20% night uplift costs 20% more, not 32%.

Rounding (shared/money.py): amounts are summed unrounded and rounded once to the penny, half up; where
a total is split, every part but one is rounded and that one takes the remainder, so parts add up.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import date, time
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar, NamedTuple

from shared.contracts.brokerage import ScheduledVisit
from shared.contracts.common import WEEKEND
from shared.money import round_money

HUNDRED = Decimal(100)
MINUTES_PER_HOUR = 60
REFERENCE_VISIT_MINUTES = 60
ZERO = Decimal(0)
SATURDAY = 5


@dataclass(frozen=True)
class CostModel:
    """The inputs of a rate card's cost-of-care model (API.md, "Rate card")."""

    care_worker_hourly_pay: Decimal
    travel_minutes_per_visit: int
    mileage_per_visit_miles: Decimal
    mileage_rate: Decimal
    on_cost_percent: Decimal
    training_supervision_percent: Decimal
    overhead_percent: Decimal
    surplus_percent: Decimal
    weekend_uplift_percent: Decimal = ZERO
    travel_hourly_pay: Decimal | None = None
    bank_holiday_uplift_percent: Decimal = ZERO
    night_uplift_percent: Decimal = ZERO

    @property
    def travel_pay_rate(self) -> Decimal:
        """Travel time is paid at the contact rate unless the card says otherwise."""
        return self.care_worker_hourly_pay if self.travel_hourly_pay is None else self.travel_hourly_pay


class DayKind(StrEnum):
    """What a day is for pricing: a bank holiday's uplift replaces a weekend's."""

    WEEKDAY = "weekday"
    WEEKEND = "weekend"
    BANK_HOLIDAY = "bank_holiday"


@dataclass(frozen=True)
class Calendar:
    """The council's days and hours for pricing: its bank holidays and its night window."""

    bank_holidays: frozenset[date] = frozenset()
    night_starts: time = time(22, 0)
    night_ends: time = time(7, 0)

    def day_kind(self, day: date) -> DayKind:
        if day in self.bank_holidays:
            return DayKind.BANK_HOLIDAY
        return DayKind.WEEKEND if day.weekday() >= SATURDAY else DayKind.WEEKDAY

    def is_night(self, start: time) -> bool:
        """A visit planned to start at or after `night_starts` and before `night_ends` is a night visit;
        the window may run past midnight, and equal ends mean no night at all. A planned start is a local
        wall-clock time, so an offset given with it is ignored."""
        start = start.replace(tzinfo=None)
        if self.night_starts <= self.night_ends:
            return self.night_starts <= start < self.night_ends
        return start >= self.night_starts or start < self.night_ends


class Band(NamedTuple):
    """What a visit is priced as: the kind of its day and whether it is a night visit."""

    kind: DayKind
    night: bool


@dataclass(frozen=True, slots=True)
class Usage:
    """Care counted for costing: carer-minutes and carer-visits per band.

    The fields are (minutes, visits) for each band in `BANDS` order: the day bands first, then the night
    bands. That order is a contract with the invoice run's SQL aggregate, which builds its SUM columns
    per band in the same order and passes them positionally (`Usage(*counts)`)."""

    BANDS: ClassVar[tuple[Band, ...]] = tuple(Band(kind, night) for night in (False, True) for kind in DayKind)

    weekday_minutes: int = 0
    weekday_visits: int = 0
    weekend_minutes: int = 0
    weekend_visits: int = 0
    holiday_minutes: int = 0
    holiday_visits: int = 0
    weekday_night_minutes: int = 0
    weekday_night_visits: int = 0
    weekend_night_minutes: int = 0
    weekend_night_visits: int = 0
    holiday_night_minutes: int = 0
    holiday_night_visits: int = 0

    def counts(self) -> tuple[int, ...]:
        """Every field in order (an invoice run calls this per package: `astuple` would deep-copy)."""
        return _USAGE_COUNTS(self)

    def __add__(self, other: Usage) -> Usage:
        return Usage(*map(operator.add, self.counts(), other.counts()))

    def per_band(self) -> Iterator[tuple[Band, int, int]]:
        """(band, carer-minutes, carer-visits) for every band, in `BANDS` order."""
        counts = self.counts()
        return zip(self.BANDS, counts[::2], counts[1::2], strict=True)

    @property
    def hours(self) -> Decimal:
        return Decimal(sum(self.counts()[::2])) / MINUTES_PER_HOUR

    @classmethod
    def of_visit(cls, *, minutes: int, carers: int, kind: DayKind, night: bool = False, times: int = 1) -> Usage:
        """`times` visits of `minutes` by `carers` carers each, in one band."""
        counts = [0] * (2 * len(cls.BANDS))
        at = 2 * cls.BANDS.index(Band(kind, night))
        counts[at:at + 2] = minutes * carers * times, carers * times
        return cls(*counts)


_USAGE_COUNTS = operator.attrgetter(*(field.name for field in fields(Usage)))


@dataclass(frozen=True, slots=True)
class Pricing:
    """What a visit costs: per contact hour and per visit (per carer), and the uplifts."""

    contact_hourly: Decimal
    per_visit: Decimal
    weekend_uplift_percent: Decimal = ZERO
    bank_holiday_uplift_percent: Decimal = ZERO
    night_uplift_percent: Decimal = ZERO

    @property
    def hourly_rate(self) -> Decimal:
        """The price of the reference 60-minute visit, unrounded."""
        return self.contact_hourly + self.per_visit

    def _base(self, minutes: int, visits: int) -> Decimal:
        return self.contact_hourly * minutes / MINUTES_PER_HOUR + self.per_visit * visits

    def _day_uplift_percent(self, kind: DayKind) -> Decimal:
        if kind is DayKind.BANK_HOLIDAY:
            return self.bank_holiday_uplift_percent
        return self.weekend_uplift_percent if kind is DayKind.WEEKEND else ZERO

    def uplift_percent(self, band: Band) -> Decimal:
        """The one uplift of a band: the higher of its day's and, at night, the night's (module docstring)."""
        day = self._day_uplift_percent(band.kind)
        return max(day, self.night_uplift_percent) if band.night else day

    def priced_as(self, band: Band) -> Band:
        """Night care is priced as its day's care unless the night uplift is the higher."""
        return Band(band.kind, band.night and self.night_uplift_percent > self._day_uplift_percent(band.kind))

    def cost(self, usage: Usage) -> Decimal:
        """Unrounded cost of `usage`; the caller rounds once. Care is summed per band it is priced as before
        it is priced: Decimal division rounds at 28 digits, so pricing parts apart could move the last digit,
        and night care without an uplift of its own must cost exactly what day care does."""
        plan = _price_plan(self)
        minutes, visits = [0] * len(plan), [0] * len(plan)
        for (priced_as, _), (_, band_minutes, band_visits) in zip(plan, usage.per_band(), strict=True):
            minutes[priced_as] += band_minutes
            visits[priced_as] += band_visits
        return sum((self._base(minutes[band], visits[band]) * factor
                    for band, (_, factor) in enumerate(plan) if minutes[band] or visits[band]), ZERO)

    @classmethod
    def agreed(cls, hourly_rate: Decimal, *, weekend_uplift_percent: Decimal = ZERO,
               bank_holiday_uplift_percent: Decimal = ZERO, night_uplift_percent: Decimal = ZERO) -> Pricing:
        """A contract's agreed rate is an all-in price per hour of care: no separate per-visit part."""
        return cls(contact_hourly=hourly_rate, per_visit=ZERO, weekend_uplift_percent=weekend_uplift_percent,
                   bank_holiday_uplift_percent=bank_holiday_uplift_percent, night_uplift_percent=night_uplift_percent)


@functools.lru_cache(maxsize=4096)
def _price_plan(pricing: Pricing) -> tuple[tuple[int, Decimal], ...]:
    """Per band of `Usage.BANDS`: the band its care is priced as, and the band's price factor (1 + its
    uplift). Worked out once per pricing: an invoice run prices 100,000s of packages at a few prices."""
    return tuple((Usage.BANDS.index(pricing.priced_as(band)), 1 + pricing.uplift_percent(band) / HUNDRED)
                 for band in Usage.BANDS)


def _labour_factor(model: CostModel) -> Decimal:
    return 1 + (model.on_cost_percent + model.training_supervision_percent) / HUNDRED


def _overhead_and_surplus_factor(model: CostModel) -> Decimal:
    return (1 + model.overhead_percent / HUNDRED) * (1 + model.surplus_percent / HUNDRED)


def pricing_of(model: CostModel) -> Pricing:
    labour, markup = _labour_factor(model), _overhead_and_surplus_factor(model)
    travel_pay = model.travel_pay_rate * model.travel_minutes_per_visit / MINUTES_PER_HOUR
    mileage = model.mileage_per_visit_miles * model.mileage_rate
    return Pricing(
        contact_hourly=model.care_worker_hourly_pay * labour * markup,
        per_visit=(travel_pay * labour + mileage) * markup,
        weekend_uplift_percent=model.weekend_uplift_percent,
        bank_holiday_uplift_percent=model.bank_holiday_uplift_percent,
        night_uplift_percent=model.night_uplift_percent,
    )


def _unrounded_breakdown(model: CostModel) -> dict[str, Decimal]:
    """The reference visit's price by component (Sheffield's cost of care model)."""
    pay = model.care_worker_hourly_pay * REFERENCE_VISIT_MINUTES / MINUTES_PER_HOUR
    travel = model.travel_pay_rate * model.travel_minutes_per_visit / MINUTES_PER_HOUR
    mileage = model.mileage_per_visit_miles * model.mileage_rate
    on_costs = (pay + travel) * model.on_cost_percent / HUNDRED
    training = (pay + travel) * model.training_supervision_percent / HUNDRED
    direct = pay + travel + mileage + on_costs + training
    overheads = direct * model.overhead_percent / HUNDRED
    surplus = (direct + overheads) * model.surplus_percent / HUNDRED
    return {
        "care_worker_pay": pay, "travel_time_pay": travel, "mileage": mileage, "on_costs": on_costs,
        "training_supervision": training, "overheads": overheads, "surplus": surplus,
    }


def split_exactly(total: Decimal, parts: Mapping[str, Decimal], *, remainder_to: str) -> dict[str, Decimal]:
    """Rounds every part but `remainder_to`, which takes what is left, so the parts add up to `total`."""
    rounded = {name: round_money(value) for name, value in parts.items() if name != remainder_to}
    return {**rounded, remainder_to: total - sum(rounded.values(), ZERO)} if remainder_to in parts else rounded


@dataclass(frozen=True)
class RateBreakdown:
    hourly_rate: Decimal
    components: dict[str, Decimal]


def rate_breakdown(model: CostModel) -> RateBreakdown:
    """The hourly rate (rounded once) and its named components adding up to it exactly; the care
    worker's pay, the largest component, takes the rounding remainder."""
    parts = _unrounded_breakdown(model)
    hourly_rate = round_money(sum(parts.values(), ZERO))
    components = split_exactly(hourly_rate, parts, remainder_to="care_worker_pay")
    return RateBreakdown(hourly_rate=hourly_rate, components={name: components[name] for name in parts})


def effective_hourly_pay(model: CostModel) -> Decimal:
    """The worker's pay per hour worked on the reference visit once its travel time is counted."""
    contact = model.care_worker_hourly_pay * REFERENCE_VISIT_MINUTES
    paid = contact + model.travel_pay_rate * model.travel_minutes_per_visit
    return paid / (REFERENCE_VISIT_MINUTES + model.travel_minutes_per_visit)


def pays_at_least_minimum_wage(model: CostModel, minimum_wage: Decimal) -> bool:
    """DOMAIN.md: no worker may end up below the legal minimum wage once travel time is counted."""
    return effective_hourly_pay(model) >= minimum_wage


def weekly_usage(visits: Iterable[ScheduledVisit], calendar: Calendar = Calendar()) -> Usage:
    """A usual week's usage (visits on Saturday and Sunday are weekend visits; no bank holidays), with the
    visits starting in the calendar's night window counted as night visits."""
    total = Usage()
    for visit in visits:
        kind = DayKind.WEEKEND if visit.day in WEEKEND else DayKind.WEEKDAY
        total += Usage.of_visit(minutes=visit.minutes, carers=visit.carers, kind=kind,
                                night=calendar.is_night(visit.start))
    return total


@dataclass(frozen=True)
class ChargeCaps:
    """Rutland's caps on what a person pays: per hour of care and per week."""

    hourly: Decimal
    weekly: Decimal


@dataclass(frozen=True)
class WeeklyCost:
    weekly_hours: Decimal
    weekly_cost: Decimal
    council_share: Decimal
    health_share: Decimal
    client_contribution: Decimal
    hourly_rate: Decimal


def client_contribution(
    *, non_health_cost: Decimal, chargeable_hours: Decimal, assessed: Decimal | None, caps: ChargeCaps | None
) -> Decimal:
    """The least of the assessed weekly contribution, the hourly charge cap times the hours the
    person is charged for, and the weekly cap; never more than the part health does not fund.
    No financial assessment yet means nothing is charged (the Care Act assessment sets the charge)."""
    if assessed is None:
        return ZERO
    candidates = [assessed, non_health_cost]
    if caps is not None:
        candidates += [caps.hourly * chargeable_hours, caps.weekly]
    return max(ZERO, round_money(min(candidates)))


def weekly_cost(
    *,
    visits: Iterable[ScheduledVisit],
    pricing: Pricing,
    health_share_percent: int,
    assessed_contribution: Decimal | None,
    caps: ChargeCaps | None,
    calendar: Calendar = Calendar(),
) -> WeeklyCost:
    """Weekly cost and its split: health (the CHC share) first, then the person's contribution on the
    rest (the hours it covers are the hours not funded by health), the council the remainder."""
    usage = weekly_usage(visits, calendar)
    total = round_money(pricing.cost(usage))
    health = round_money(total * health_share_percent / HUNDRED)
    non_health = total - health
    contribution = client_contribution(
        non_health_cost=non_health,
        chargeable_hours=usage.hours * (HUNDRED - health_share_percent) / HUNDRED,
        assessed=assessed_contribution,
        caps=caps,
    )
    return WeeklyCost(
        weekly_hours=usage.hours, weekly_cost=total, council_share=non_health - contribution,
        health_share=health, client_contribution=contribution, hourly_rate=round_money(pricing.hourly_rate),
    )

