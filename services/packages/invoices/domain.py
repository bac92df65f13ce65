"""Building invoices (DOMAIN.md, "Invoices and payments" and "Published prices"). Pure: no I/O, Decimal only.

Per provider per period, lines per package, rule and funder (council, health). A package is charged from
its reported visits when the provider reported any in the period (each visit paid under the council's
policy, its rule named on the line), else from its planned schedule; suspended days and days outside the
package are left out. Every line is a quantity at a published price (contact hours, or visits for travel
and mileage) and its amount is their product rounded once; a total is the sum of its lines. A funder's
share of a package is a share of its quantities: 75% health funding of 10 hours is a health line of 7.5
hours and a council line of 2.5, each priced alike.

A block contract is paid at least its guaranteed hours (block hours a week, pro rata to the days it
covers): a top-up line pays the hours the block area's packages fell short of them, at the hourly rate.

An issued invoice never changes. When a period is run again and a line's figures changed (visits reported
late or corrected, an unplanned visit approved, a backdated suspension or change), the line billed is
reversed on a credit note and the line now due billed on a supplementary invoice, so what was billed
plus every adjustment is always exactly what is due.
"""

from __future__ import annotations

import functools
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from services.packages.costing.domain import (
    MINUTES_PER_HOUR,
    PRICE_KIND_LABEL,
    ZERO,
    Calendar,
    Care,
    PriceKind,
    Pricing,
    Unit,
    UnitPrices,
    Usage,
    hours_of,
)
from services.packages.visits.domain import PaymentRule
from shared.contracts.brokerage import ScheduledVisit
from shared.contracts.common import Day
from shared.contracts.providers import ContractState
from shared.money import quantity_text, round_money

DAYS = list(Day)
DAYS_PER_WEEK = 7


class Funder(StrEnum):
    COUNCIL = "council"
    HEALTH = "health"


class InvoiceKind(StrEnum):
    INVOICE = "invoice"
    SUPPLEMENTARY = "supplementary_invoice"
    CREDIT_NOTE = "credit_note"


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    @property
    def label(self) -> str:
        return f"{self.start} to {self.end}"


DateRange = tuple[date, date | None]
"""Inclusive first and last day; None is open-ended."""


def _within(day: date, span: DateRange) -> bool:
    return span[0] <= day and (span[1] is None or day <= span[1])


def care_days(period: Period, *, package: DateRange, term: DateRange, suspensions: Iterable[DateRange]) -> list[date]:
    """The days of the period a term was in force, in care and not suspended."""
    suspended = tuple(suspensions)
    return [day for day in period.days()
            if _within(day, package) and _within(day, term) and not any(_within(day, s) for s in suspended)]


def planned_usage(visits: Sequence[ScheduledVisit], days: Iterable[date], calendar: Calendar) -> Usage:
    """The weekly pattern played over the given days (a bank holiday keeps its weekday's visits)."""
    per_weekday = Counter((DAYS[day.weekday()], calendar.day_kind(day)) for day in days)
    total = Usage()
    for (day, kind), times in per_weekday.items():
        for visit in visits:
            if visit.day is day:
                total += Usage.of_visit(minutes=visit.minutes, carers=visit.carers, kind=kind,
                                        night=calendar.is_night(visit.start), times=times)
    return total


def banked_minutes(*, limit: int, paid: int, overrun: Sequence[int]) -> list[int]:
    """DOMAIN.md, banking: a week's over-runs are paid out of the minutes its planned care left unused, the
    week's planned minutes being the limit. Taken band by band in `Usage.BANDS` order."""
    room = max(0, limit - paid)
    banked = []
    for minutes in overrun:
        taken = min(minutes, room)
        room -= taken
        banked.append(taken)
    return banked


RULE_LABEL = {
    PaymentRule.PLANNED_SCHEDULE: "planned schedule (no visits reported)",
    PaymentRule.DELIVERED_WITHIN_TOLERANCE: "delivered within tolerance (planned minutes)",
    PaymentRule.ACTUAL_MINUTES: "actual minutes, rounded up to the billing increment",
    PaymentRule.FRUSTRATED_VISIT: "frustrated visits (planned minutes)",
    PaymentRule.LATE_CANCELLATION: "cancelled by the client at short notice (planned minutes)",
    PaymentRule.APPROVED_EXTENSION: "minutes over planned, extension approved",
    PaymentRule.BANKED_MINUTES: "minutes over planned, paid from the week's unused minutes (banking)",
}

LineKey = tuple[uuid.UUID | None, Funder, PaymentRule, PriceKind | None, Unit, Decimal, str | None]
"""What a line charges for, at which price: a package's care by funder, rule, kind of price and unit, or
a block contract's top-up in an area."""


@dataclass(frozen=True, slots=True)
class Line:
    """A quantity at a published price; `amount` is their product rounded once to the penny. `area` and
    `client_group` choose its ledger codes; `reverses` is the billed line a reversal takes back."""

    package_id: uuid.UUID | None
    funder: Funder
    rule: PaymentRule
    kind: PriceKind | None
    unit: Unit
    quantity: Decimal
    unit_price: Decimal
    description: str
    area: str
    client_group: str | None = None
    block_area: str | None = None
    reverses: int | None = None
    amount: Decimal = field(init=False, compare=False)
    """quantity x unit_price rounded once, worked out when the line is made (a run reads it thrice)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", round_money(self.quantity * self.unit_price))

    @property
    def hours(self) -> Decimal:
        """The hours of care the line is for (a visit line's care is on its contact-hours line)."""
        return self.quantity if self.unit is Unit.HOUR else ZERO

    @property
    def key(self) -> LineKey:
        return self.package_id, self.funder, self.rule, self.kind, self.unit, self.unit_price, self.block_area


@dataclass(frozen=True, slots=True)
class TermCharge:
    """A package's care under one term (schedule, funding and prices) in the period, per payment rule."""

    care: Mapping[PaymentRule, Usage]
    pricing: Pricing
    health_share_percent: int


@dataclass(frozen=True, slots=True)
class PackageRef:
    package_id: uuid.UUID
    area: str
    client_group: str | None


def _funders(care: Care, health_share_percent: int) -> list[tuple[Funder, Care]]:
    if not health_share_percent:
        return [(Funder.COUNCIL, care)]
    health = care.share(health_share_percent)
    return [(Funder.COUNCIL, care - health), (Funder.HEALTH, health)]


def package_lines(package: PackageRef, terms: Iterable[TermCharge], *, period_label: str) -> list[Line]:
    """A package's lines over every term in force in the period: quantities of the same rule, funder, kind
    of price and price are added up before they are priced, so each price is charged once per line."""
    minutes: dict[ChargeKey, Decimal] = {}
    visits: dict[ChargeKey, Decimal] = {}
    for term in terms:
        published = term.pricing.published()
        for rule, usage in term.care.items():
            for funder, care in _funders(term.pricing.care(usage), term.health_share_percent):
                for kind, kind_minutes in care.minutes.items():
                    key = (rule, funder, kind, published[kind])
                    minutes[key] = minutes.get(key, ZERO) + kind_minutes
                    visits[key] = visits.get(key, ZERO) + care.visits[kind]
    lines = []
    for key in sorted(minutes, key=_line_order):
        rule, funder, kind, prices = key
        for unit, quantity, price in ((Unit.HOUR, hours_of(minutes[key]), prices.contact_hour),
                                      (Unit.VISIT, visits[key], prices.per_visit)):
            if quantity and price:
                lines.append(Line(package.package_id, funder, rule, kind, unit, quantity, price,
                                  _description(kind, unit, rule, funder, period_label), package.area,
                                  package.client_group))
    return lines


ChargeKey = tuple[PaymentRule, Funder, PriceKind, UnitPrices]
"""What a package's care is charged as: quantities with the same key make one line of each unit."""
RULE_ORDER = {rule: order for order, rule in enumerate(PaymentRule)}
KIND_ORDER = {kind: order for order, kind in enumerate(PriceKind)}


def _line_order(key: ChargeKey) -> tuple[str, int, int, Decimal, Decimal]:
    """The council's lines, then health's; by rule, then kind of price."""
    rule, funder, kind, prices = key
    return funder, RULE_ORDER[rule], KIND_ORDER[kind], prices.contact_hour, prices.per_visit


@functools.lru_cache(maxsize=1024)
def _description(kind: PriceKind, unit: Unit, rule: PaymentRule, funder: Funder, period_label: str) -> str:
    """A few dozen texts serve a run's 100,000s of lines: made once each."""
    what = "contact hours" if unit is Unit.HOUR else "visits (travel and mileage)"
    share = ", health-funded share" if funder is Funder.HEALTH else ""
    return f"{PRICE_KIND_LABEL[kind]} {what}, {RULE_LABEL[rule]}, {period_label}{share}"


@dataclass(frozen=True)
class BlockContract:
    area: str
    block_hours: Decimal
    span: DateRange

    @classmethod
    def of(cls, contract: ContractState) -> BlockContract:
        return cls(contract.area, contract.block_hours or ZERO, (contract.starts_on, contract.ends_on))

    def covers(self, day: date) -> bool:
        return _within(day, self.span)


@dataclass(frozen=True)
class BlockGuarantee:
    """A block contract's guaranteed hours in the period, paid at the area's hourly rate."""

    area: str
    block_hours: Decimal
    hourly_rate: Decimal
    days_covered: int

    @property
    def guaranteed_hours(self) -> Decimal:
        return self.block_hours * self.days_covered / DAYS_PER_WEEK

    def top_up(self, lines: Iterable[Line]) -> Line | None:
        """The hours the area's package lines fell short of the guarantee, at the hourly rate (nothing when
        they reach it)."""
        charged = sum((line.hours for line in lines if line.area == self.area and line.package_id), ZERO)
        short = hours_of((self.guaranteed_hours - charged) * MINUTES_PER_HOUR)
        if short <= 0 or not self.hourly_rate:
            return None
        return Line(None, Funder.COUNCIL, PaymentRule.BLOCK_TOP_UP, None, Unit.HOUR, short, self.hourly_rate,
                    f"Block contract {self.area}: {self.block_hours} h/week guaranteed for {self.days_covered} days, "
                    f"{quantity_text(charged)} h charged (top-up)", self.area, block_area=self.area)


def invoice_lines(packages: Sequence[Line], blocks: Sequence[BlockGuarantee]) -> list[Line]:
    """Every line of one provider's invoice: packages first, then block top-ups."""
    return [*packages, *[line for block in blocks if (line := block.top_up(packages)) is not None]]


@dataclass(frozen=True, slots=True)
class BilledLine:
    """A line of an issued document still in force (not reversed by a later run)."""

    line_id: int
    position: int
    line: Line


def reversal(billed: BilledLine, *, reference: str) -> Line:
    """Takes a billed line back in full: the same quantity negated, at the same price."""
    line = billed.line
    return replace(line, quantity=-line.quantity, rule=PaymentRule.ADJUSTMENT, reverses=billed.line_id,
                   description=f"Reversal of {reference} line {billed.position}: {line.description}")


def adjustments(*, due: Sequence[Line], in_force: Sequence[BilledLine], reference: str
                ) -> tuple[list[Line], list[Line]]:
    """Credit and rebill: every line whose quantity or price changed since it was billed (or that is no
    longer due) is reversed, and every line now due that is not billed as it is, is billed. Returns the
    lines to bill (a supplementary invoice) and the reversals (a credit note)."""
    billed = {billed.line.key: billed for billed in in_force}
    now = {line.key: line for line in due}
    rebill = [line for key, line in now.items() if key not in billed or billed[key].line.quantity != line.quantity]
    reverse = [reversal(old, reference=reference) for key, old in billed.items()
               if key not in now or now[key].quantity != old.line.quantity]
    return rebill, reverse


ANY = "*"


@dataclass(frozen=True)
class LedgerRule:
    """Where finance posts lines of an area, client group and funder (each may be "*", any)."""

    area: str
    client_group: str
    funder: str
    cost_centre: str
    ledger_code: str

    def matches(self, *, area: str, client_group: str | None, funder: Funder) -> bool:
        return all(wanted in (ANY, value) for wanted, value in
                   ((self.area, area), (self.client_group, client_group), (self.funder, funder)))

    @property
    def specificity(self) -> int:
        return sum(value != ANY for value in (self.area, self.client_group, self.funder))


@dataclass(frozen=True)
class LedgerCodes:
    """The council's mapping of lines to cost centres and ledger codes (DOMAIN.md: "each line carries the
    cost centre and ledger code mapped from its area, client group and funder"): the most specific rule
    that matches wins, the first listed among equals."""

    rules: tuple[LedgerRule, ...]

    def of(self, *, area: str, client_group: str | None, funder: Funder) -> tuple[str | None, str | None]:
        return _codes(self, area, client_group, funder)


@functools.lru_cache(maxsize=4096)
def _codes(codes: LedgerCodes, area: str, client_group: str | None, funder: Funder) -> tuple[str | None, str | None]:
    """Worked out once per area, client group and funder: a run codes 100,000s of lines."""
    matching = [rule for rule in codes.rules if rule.matches(area=area, client_group=client_group, funder=funder)]
    if not matching:
        return None, None
    best = max(matching, key=lambda rule: rule.specificity)
    return best.cost_centre, best.ledger_code


@dataclass(frozen=True)
class RunPolicy:
    """The council's settings a run prices by: its calendar (bank holidays, night window), its ledger codes,
    and how late a visit may start and still count as punctual."""

    calendar: Calendar = field(default_factory=Calendar)
    ledger_codes: LedgerCodes = field(default_factory=lambda: LedgerCodes(()))
    punctual_within_minutes: int = 15
    banking: bool = False
    """Whether over-runs are paid from the week's unused planned minutes (DOMAIN.md's flexibility rule)."""
    work_mem: str = "256MB"
    """What PostgreSQL may give each sort or hash of the run (its own transactions only)."""


def invoice_number(number: int) -> str:
    return f"INV-{number:06d}"


def credit_note_number(number: int) -> str:
    return f"CN-{number:06d}"


class CreditRefused(ValueError):
    """A credit note asks for more than the invoice line it corrects still holds."""


def credit_lines(*, lines: Mapping[int, BilledLine], credited: Mapping[int, Decimal],
                 requested: Sequence[tuple[int, Decimal]], reason: str) -> list[Line]:
    """Negative lines for a credit note, each a quantity of an invoice line (by its position) at that line's
    price. An issued invoice never changes, so a correction is credited against its lines: never more, over
    all its credit notes, than a line's quantity."""
    asked: dict[int, Decimal] = {}
    for position, quantity in requested:
        asked[position] = asked.get(position, ZERO) + quantity
    for position, quantity in asked.items():
        if position not in lines:
            raise CreditRefused(f"The invoice has no line {position}.")
        billed = lines[position]
        left = billed.line.quantity - credited.get(billed.line_id, ZERO)
        if quantity > left:
            raise CreditRefused(f"Only {quantity_text(left)} {billed.line.unit} of line {position} is left to credit.")
    return [replace(lines[position].line, quantity=-quantity, rule=PaymentRule.ADJUSTMENT,
                    reverses=lines[position].line_id,
                    description=f"Credit: {reason} (line {position}: {lines[position].line.description})")
            for position, quantity in requested]
