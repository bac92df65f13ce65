"""Building invoices (DOMAIN.md, "Invoices and payments"). Pure: no I/O, Decimal only.

Per provider per period, lines per package and funder (council, health). A package is charged from
its delivered visits when the provider reported any in the period, else from its planned schedule
(the line says which); suspended days and days outside the package are left out. A block contract is
paid at least its guaranteed amount (block hours x rate per week, pro rata to the days it covers): a
top-up line makes up the difference when the block area's packages came to less. Amounts are summed
unrounded and rounded once; the health share is rounded and the council line takes the remainder.

An issued invoice never changes. When a period is run again after its figures changed (visits reported
late, a backdated suspension or change), the difference per line is issued as an adjustment: what is
owed on a supplementary invoice, what was overpaid on a credit note.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from services.packages.costing.domain import HUNDRED, ZERO, Calendar, Pricing, Usage
from shared.contracts.brokerage import ScheduledVisit
from shared.contracts.common import Day
from shared.contracts.providers import ContractState
from shared.money import round_money

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


@dataclass(frozen=True, slots=True)
class TermCharge:
    usage: Usage
    pricing: Pricing
    health_share_percent: int


LineKey = tuple[uuid.UUID | None, Funder, str | None]
"""What a line charges for: a package and funder, or a block contract's area."""


@dataclass(frozen=True, slots=True)
class Line:
    package_id: uuid.UUID | None
    funder: Funder
    description: str
    hours: Decimal
    amount: Decimal
    block_area: str | None = None

    @property
    def key(self) -> LineKey:
        return self.package_id, self.funder, self.block_area

    def plus(self, other: Line) -> Line:
        return Line(self.package_id, self.funder, self.description, self.hours + other.hours,
                    self.amount + other.amount, self.block_area)


@dataclass(frozen=True, slots=True)
class PackageCharge:
    package_id: uuid.UUID
    area: str
    delivered: bool
    hours: Decimal
    amount: Decimal
    health: Decimal

    def lines(self, period_label: str) -> list[Line]:
        """The council line (with the remainder) and the health line when health funds a share."""
        basis = "delivered visits" if self.delivered else "planned schedule (no visits reported)"
        health_hours = round_money(self.hours * self.health / self.amount) if self.amount else ZERO
        council_hours = round_money(self.hours) - health_hours
        lines = [Line(self.package_id, Funder.COUNCIL, f"Care {period_label}, {basis}", council_hours,
                      self.amount - self.health)]
        if self.health:
            lines.append(Line(self.package_id, Funder.HEALTH, f"Care {period_label}, {basis}, health-funded share",
                              health_hours, self.health))
        return lines


def charge_package(
    *, package_id: uuid.UUID, area: str, delivered: bool, terms: Iterable[TermCharge]
) -> PackageCharge:
    """A package's amount for the period over all the terms in force in it, rounded once."""
    amount, health, hours = ZERO, ZERO, ZERO
    for term in terms:
        cost = term.pricing.cost(term.usage)
        amount += cost
        health += cost * term.health_share_percent / HUNDRED
        hours += term.usage.hours
    total = round_money(amount)
    return PackageCharge(package_id=package_id, area=area, delivered=delivered, hours=hours, amount=total,
                         health=min(total, round_money(health)))


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
    area: str
    block_hours: Decimal
    hourly_rate: Decimal
    days_covered: int

    @property
    def guaranteed(self) -> Decimal:
        return round_money(self.block_hours * self.hourly_rate * self.days_covered / DAYS_PER_WEEK)

    def top_up(self, charges: Iterable[PackageCharge]) -> Line | None:
        """What makes the area's package charges up to the guarantee (nothing when they reach it)."""
        charged = sum((c.amount for c in charges if c.area == self.area), ZERO)
        if charged >= self.guaranteed:
            return None
        return Line(None, Funder.COUNCIL,
                    f"Block contract {self.area}: {self.block_hours} h/week guaranteed at {self.hourly_rate}/h "
                    f"for {self.days_covered} days (top-up)",
                    round_money(self.block_hours * self.days_covered / DAYS_PER_WEEK), self.guaranteed - charged,
                    block_area=self.area)


def invoice_lines(period: Period, charges: Sequence[PackageCharge], blocks: Sequence[BlockGuarantee]) -> list[Line]:
    """Every line of one provider's invoice: packages first, then block top-ups; zero lines left out."""
    label = period.label
    lines = [line for charge in charges for line in charge.lines(label)]
    lines += [line for block in blocks if (line := block.top_up(charges)) is not None]
    return [line for line in lines if line.amount or line.hours]


NO_LONGER_DUE = "no longer due"


def _net_due(lines: Iterable[Line]) -> dict[LineKey, Line]:
    due: dict[LineKey, Line] = {}
    for line in lines:
        due[line.key] = line if line.key not in due else due[line.key].plus(line)
    return due


def adjustments(
    *, due: Sequence[Line], billed: Mapping[LineKey, Line], reference: str
) -> tuple[list[Line], list[Line]]:
    """What the period's figures now come to, against what was billed: per line, the difference owed
    (for a supplementary invoice) and the difference overpaid (negative, for a credit note)."""
    now = _net_due(due)
    owed: list[Line] = []
    overpaid: list[Line] = []
    for key in [*now, *(key for key in billed if key not in now)]:
        current, before = now.get(key), billed.get(key)
        amount = (current.amount if current else ZERO) - (before.amount if before else ZERO)
        if not amount:
            continue
        hours = (current.hours if current else ZERO) - (before.hours if before else ZERO)
        what = current.description if current else NO_LONGER_DUE
        line = Line(key[0], key[1], f"Adjustment to {reference}: {what}", hours, amount, key[2])
        (owed if amount > 0 else overpaid).append(line)
    return owed, overpaid


def invoice_number(number: int) -> str:
    return f"INV-{number:06d}"


def credit_note_number(number: int) -> str:
    return f"CN-{number:06d}"


class CreditRefused(ValueError):
    """A credit note asks for more than the invoice line it corrects still holds."""


def credit_lines(
    *, invoiced: dict[tuple[uuid.UUID, Funder], Decimal], credited: dict[tuple[uuid.UUID, Funder], Decimal],
    requested: Sequence[tuple[uuid.UUID, Funder, Decimal, Decimal]], reason: str,
) -> list[Line]:
    """Negative lines for a credit note. An issued invoice never changes, so a correction is credited
    against its lines: never more, over all its credit notes, than a line's amount."""
    asked: dict[tuple[uuid.UUID, Funder], Decimal] = {}
    for package_id, funder, amount, _hours in requested:
        asked[(package_id, funder)] = asked.get((package_id, funder), ZERO) + amount
    for key, amount in asked.items():
        if key not in invoiced:
            raise CreditRefused(f"The invoice has no {key[1]} line for package {key[0]}.")
        if credited.get(key, ZERO) + amount > invoiced[key]:
            left = invoiced[key] - credited.get(key, ZERO)
            raise CreditRefused(f"Only {left} of the {key[1]} line for package {key[0]} is left to credit.")
    return [Line(package_id, funder, f"Credit: {reason}", -hours, -amount)
            for package_id, funder, amount, hours in requested]
