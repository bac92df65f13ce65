"""The cost of care and who pays what (DOMAIN.md, "Costing" and "Published prices"). Pure: no I/O, Decimal only.

Published prices. A rate card publishes its prices to the penny: the price of a contact hour (the care
worker's pay for contact time with its on-costs, training and supervision, overheads and surplus) and
the price of a visit (the paid travel time and mileage of one visit with the same additions), and the
same two uplifted for weekends, bank holidays and nights. Its `hourly_rate`, the price of the reference
visit of 60 minutes, is contact hour + per visit exactly. An agreed contract rate is an all-in price
per contact hour (no per-visit price), uplifted by the area card's uplifts.

Charging. Every amount is a quantity times a published price, rounded once per line (half up), and
every total is the sum of its lines: a week of care is priced as one line of contact hours and one line
of visits per kind of price it uses (a visit's minutes x carers and its carers count). So five one-hour
visits cost 5 x hourly_rate, and a finance officer can redo any figure with a calculator. A quantity of
hours is minutes / 60, written to four places where it does not end sooner (20 minutes: 0.3333 h), and
the amount is priced from the quantity as written.

Uplifts: a visit's band is the kind of its day (weekday, weekend, bank holiday) and whether it is a night
visit (it starts in the council's night window, 22:00 to 07:00 by default). ONE uplift applies: the
higher of its day's (the card's weekend or bank-holiday uplift; none on a weekday) and, for a night
visit, the card's night uplift. Uplifts are never compounded: a Saturday night visit with a 10% weekend
and a 20% night uplift is priced at the night prices, not 32% more. An uplifted price is the published
price times (1 + uplift), rounded once to the penny.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import ClassVar, NamedTuple

from shared.contracts.brokerage import ScheduledVisit
from shared.contracts.common import WEEKEND
from shared.contracts.packages import ChargeUnit
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


Unit = ChargeUnit


class PriceKind(StrEnum):
    """The published prices a visit can be charged at: its day's, or the night's when that uplift is higher."""

    STANDARD = "standard"
    WEEKEND = "weekend"
    BANK_HOLIDAY = "bank_holiday"
    NIGHT = "night"


DAY_PRICE_KIND = {DayKind.WEEKDAY: PriceKind.STANDARD, DayKind.WEEKEND: PriceKind.WEEKEND,
                  DayKind.BANK_HOLIDAY: PriceKind.BANK_HOLIDAY}
PRICE_KIND_LABEL = {PriceKind.STANDARD: "Weekday", PriceKind.WEEKEND: "Weekend",
                    PriceKind.BANK_HOLIDAY: "Bank holiday", PriceKind.NIGHT: "Night"}


HOURS_PLACES = Decimal("0.0001")


def hours_of(minutes: Decimal | int) -> Decimal:
    """A quantity of hours as written on a line: exact where minutes / 60 ends within four places (45
    minutes: 0.75), else to four places, half up (20 minutes: 0.3333)."""
    return (Decimal(minutes) / MINUTES_PER_HOUR).quantize(HOURS_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class UnitPrices:
    """A published pair of prices, to the penny: per contact hour and per visit (per carer)."""

    contact_hour: Decimal
    per_visit: Decimal

    def of(self, unit: Unit) -> Decimal:
        return self.contact_hour if unit is Unit.HOUR else self.per_visit

    def uplifted(self, percent: Decimal) -> UnitPrices:
        factor = 1 + percent / HUNDRED
        return UnitPrices(round_money(self.contact_hour * factor), round_money(self.per_visit * factor))


@dataclass(frozen=True, slots=True)
class PriceLine:
    """A quantity of one unit at one published price; `amount` is their product rounded once."""

    kind: PriceKind
    unit: Unit
    quantity: Decimal
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return round_money(self.quantity * self.unit_price)

    @property
    def description(self) -> str:
        what = "contact hours" if self.unit is Unit.HOUR else "visits (travel and mileage)"
        return f"{PRICE_KIND_LABEL[self.kind]} {what}"


@dataclass(frozen=True, slots=True)
class Care:
    """Care counted per kind of price: carer-minutes and carer-visits (Decimal: a funder's share of them
    may be a fraction)."""

    minutes: dict[PriceKind, Decimal]
    visits: dict[PriceKind, Decimal]

    def share(self, percent: int) -> Care:
        """`percent` of this care (a funder's share): quantities scaled, nothing rounded."""
        return Care({kind: value * percent / HUNDRED for kind, value in self.minutes.items()},
                    {kind: value * percent / HUNDRED for kind, value in self.visits.items()})

    def __sub__(self, other: Care) -> Care:
        return Care({kind: value - other.minutes.get(kind, ZERO) for kind, value in self.minutes.items()},
                    {kind: value - other.visits.get(kind, ZERO) for kind, value in self.visits.items()})


@dataclass(frozen=True, slots=True)
class Pricing:
    """A rate card's published prices (or an agreed rate's), and the uplifts that choose between them."""

    contact_hour: Decimal
    per_visit: Decimal
    weekend_uplift_percent: Decimal = ZERO
    bank_holiday_uplift_percent: Decimal = ZERO
    night_uplift_percent: Decimal = ZERO

    @property
    def hourly_rate(self) -> Decimal:
        """The price of the reference 60-minute visit: contact hour + per visit, exactly."""
        return self.contact_hour + self.per_visit

    @property
    def standard(self) -> UnitPrices:
        return UnitPrices(self.contact_hour, self.per_visit)

    def _uplift_percent(self, kind: PriceKind) -> Decimal:
        return {PriceKind.STANDARD: ZERO, PriceKind.WEEKEND: self.weekend_uplift_percent,
                PriceKind.BANK_HOLIDAY: self.bank_holiday_uplift_percent,
                PriceKind.NIGHT: self.night_uplift_percent}[kind]

    def prices(self, kind: PriceKind) -> UnitPrices:
        """The published prices of a kind: the standard ones uplifted, each rounded once."""
        return _published(self)[kind]

    def published(self) -> Mapping[PriceKind, UnitPrices]:
        """Every published price, by kind."""
        return _published(self)

    def price_kind(self, band: Band) -> PriceKind:
        """Night care is charged at its day's prices unless the night uplift is the higher."""
        day = DAY_PRICE_KIND[band.kind]
        if band.night and self.night_uplift_percent > self._uplift_percent(day):
            return PriceKind.NIGHT
        return day

    def care(self, usage: Usage) -> Care:
        """Usage gathered per kind of price it is charged at (night care without a higher uplift of its own
        is charged, and so counted, with its day's care)."""
        minutes: dict[PriceKind, Decimal] = {}
        visits: dict[PriceKind, Decimal] = {}
        for band, band_minutes, band_visits in usage.per_band():
            if band_minutes or band_visits:
                kind = self.price_kind(band)
                minutes[kind] = minutes.get(kind, ZERO) + band_minutes
                visits[kind] = visits.get(kind, ZERO) + band_visits
        return Care(minutes, visits)

    def lines(self, care: Care) -> list[PriceLine]:
        """A line of contact hours and a line of visits per kind of price used, in `PriceKind` order; lines
        of nothing, or at a price of nothing (an agreed rate has no per-visit price), are left out."""
        lines = []
        for kind in PriceKind:
            prices = self.prices(kind)
            for unit, quantity in ((Unit.HOUR, hours_of(care.minutes.get(kind, ZERO))),
                                   (Unit.VISIT, care.visits.get(kind, ZERO))):
                if quantity and prices.of(unit):
                    lines.append(PriceLine(kind, unit, quantity, prices.of(unit)))
        return lines

    def cost(self, usage: Usage) -> Decimal:
        """The sum of the price lines of `usage`."""
        return sum((line.amount for line in self.lines(self.care(usage))), ZERO)

    @classmethod
    def agreed(cls, hourly_rate: Decimal, *, weekend_uplift_percent: Decimal = ZERO,
               bank_holiday_uplift_percent: Decimal = ZERO, night_uplift_percent: Decimal = ZERO) -> Pricing:
        """A contract's agreed rate is an all-in price per contact hour: no separate per-visit price."""
        return cls(contact_hour=hourly_rate, per_visit=ZERO, weekend_uplift_percent=weekend_uplift_percent,
                   bank_holiday_uplift_percent=bank_holiday_uplift_percent, night_uplift_percent=night_uplift_percent)


@functools.lru_cache(maxsize=4096)
def _published(pricing: Pricing) -> dict[PriceKind, UnitPrices]:
    """Every published price of a pricing, worked out once: an invoice run prices 100,000s of packages at
    a few prices."""
    return {kind: pricing.standard.uplifted(pricing._uplift_percent(kind)) for kind in PriceKind}


def _labour_factor(model: CostModel) -> Decimal:
    return 1 + (model.on_cost_percent + model.training_supervision_percent) / HUNDRED


def _overhead_and_surplus_factor(model: CostModel) -> Decimal:
    return (1 + model.overhead_percent / HUNDRED) * (1 + model.surplus_percent / HUNDRED)


def pricing_of(model: CostModel) -> Pricing:
    """The card's published prices: the model's contact-hour and per-visit prices, each rounded once."""
    labour, markup = _labour_factor(model), _overhead_and_surplus_factor(model)
    travel_pay = model.travel_pay_rate * model.travel_minutes_per_visit / MINUTES_PER_HOUR
    mileage = model.mileage_per_visit_miles * model.mileage_rate
    return Pricing(
        contact_hour=round_money(model.care_worker_hourly_pay * labour * markup),
        per_visit=round_money((travel_pay * labour + mileage) * markup),
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
    """The hourly rate (contact hour + per visit, as published) and its named components adding up to it
    exactly; the care worker's pay, the largest component, takes the rounding remainder."""
    parts = _unrounded_breakdown(model)
    hourly_rate = pricing_of(model).hourly_rate
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
    """A week's cost as the sum of its price lines, and its split between funders."""

    weekly_hours: Decimal
    weekly_cost: Decimal
    council_share: Decimal
    health_share: Decimal
    client_contribution: Decimal
    hourly_rate: Decimal
    price_lines: list[PriceLine]


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
    lines = pricing.lines(pricing.care(usage))
    total = sum((line.amount for line in lines), ZERO)
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
        health_share=health, client_contribution=contribution, hourly_rate=pricing.hourly_rate, price_lines=lines,
    )

