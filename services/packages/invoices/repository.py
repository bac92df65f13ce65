"""The queries of invoicing: what a run reads (terms, suspensions, delivered usage, what a period was
billed already) and writes (lines, numbering counters).

Delivered usage is counted by set-based SQL aggregates of integers (carer-minutes and carer-visits per
kind of day), so they are exact on every database and leave the Decimal arithmetic to the domain.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, and_, case, exists, false, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import ColumnElement

from services.packages.care.models import Package, PackageTerm, Suspension
from services.packages.costing.domain import Calendar, DayKind, PriceKind, Unit, Usage
from services.packages.invoices.domain import BilledLine, DateRange, Funder, InvoiceKind, LedgerCodes, Line, Period
from services.packages.invoices.models import Invoice, InvoiceCounter, InvoiceLine
from services.packages.visits.domain import Approval, PaymentRule
from services.packages.visits.models import Visit
from shared.contracts.brokerage import ScheduledVisit
from shared.contracts.packages import VisitOutcome
from shared.db import copy_rows, insert_missing, set_local

CHUNK = 5000
LINES = Table(InvoiceLine.__tablename__, InvoiceLine.metadata)
LINE_COLUMNS = ("invoice_id", "position", "package_id", "funder", "description", "quantity", "unit",
                "unit_price", "amount", "rule", "price_kind", "area", "client_group", "cost_centre", "ledger_code",
                "block_area", "reverses_line_id")


async def tune_for_batch(session: AsyncSession, *, work_mem: str) -> None:
    """On PostgreSQL, for the run's own transaction only: the memory each sort or hash may take (its
    aggregates group millions of visits, which at the default 4MB spill to disk and sort instead of
    hashing), and no JIT compilation (it costs a second a run and gains nothing on these plain sums)."""
    await set_local(session, work_mem=work_mem, jit="off")


async def take_counter(session: AsyncSession, series: str) -> int:
    """Locks a counter row until commit (a write first on SQLite, FOR UPDATE on PostgreSQL); its value.
    Every issuer takes `documents` first, so they queue in one order and never deadlock."""
    await insert_missing(session, InvoiceCounter, {"name": series, "last_value": 0}, keys=["name"])
    last = await session.scalar(select(InvoiceCounter.last_value).where(InvoiceCounter.name == series)
                                .with_for_update())
    return int(last or 0)


async def set_counter(session: AsyncSession, series: str, *, to: int) -> None:
    """Records the last number used (under the lock `take_counter` took)."""
    await session.execute(update(InvoiceCounter).where(InvoiceCounter.name == series).values(last_value=to))


def overlaps(
    start: InstrumentedAttribute[date], end: InstrumentedAttribute[date | None], period: Period, *,
    end_exclusive: bool = False,
) -> ColumnElement[bool]:
    """Rows whose dates overlap the period (`end` inclusive unless `end_exclusive`)."""
    ends_after = end > period.start if end_exclusive else end >= period.start
    return and_(start <= period.end, or_(end.is_(None), ends_after))


@dataclass(frozen=True, slots=True)
class TermRow:
    """A package's schedule and funding in force over part of the period."""

    term_id: uuid.UUID
    package_id: uuid.UUID
    provider_id: uuid.UUID
    area: str
    client_group: str | None
    package: DateRange
    term: DateRange
    health_share_percent: int
    weekday_visits: tuple[int, ...]
    """The schedule's visits per day of the week, Monday first."""
    weekday_minutes: tuple[int, ...]
    """The schedule's carer-minutes per day of the week, Monday first."""


async def terms(session: AsyncSession, period: Period) -> list[TermRow]:
    """Every term in force in the period of a package in care in the period."""
    connection = await session.connection()  # Core rows: no ORM bookkeeping for 100,000s of plain tuples
    rows = await connection.execute(
        select(PackageTerm.id, Package.id, Package.provider_id, Package.area, Package.client_group, Package.start_on,
               Package.end_on, PackageTerm.effective_from, PackageTerm.effective_to, PackageTerm.health_share_percent,
               PackageTerm.weekday_visits, PackageTerm.weekday_minutes)
        .join(Package, Package.id == PackageTerm.package_id)
        .where(overlaps(Package.start_on, Package.end_on, period),
               overlaps(PackageTerm.effective_from, PackageTerm.effective_to, period, end_exclusive=True)))
    return [
        TermRow(term_id, package_id, provider_id, area, client_group, (start_on, end_on),
                (term_from, None if term_to is None else term_to - timedelta(days=1)), health,
                tuple(map(int, weekday_visits.split())), tuple(map(int, weekday_minutes.split())))
        for (term_id, package_id, provider_id, area, client_group, start_on, end_on, term_from, term_to, health,
             weekday_visits, weekday_minutes) in rows
    ]


async def suspensions(session: AsyncSession, period: Period) -> dict[uuid.UUID, list[DateRange]]:
    """The suspensions overlapping the period, per package."""
    found: dict[uuid.UUID, list[DateRange]] = defaultdict(list)
    for package_id, starts_on, ends_on in await session.execute(
            select(Suspension.package_id, Suspension.starts_on, Suspension.ends_on)
            .where(overlaps(Suspension.starts_on, Suspension.ends_on, period))):
        found[package_id].append((starts_on, ends_on))
    return found


def _night(calendar: Calendar) -> ColumnElement[bool]:
    """`Calendar.is_night` in SQL: the visit's planned start is in the night window."""
    starts, ends = calendar.night_starts.replace(tzinfo=None), calendar.night_ends.replace(tzinfo=None)
    if starts == ends:
        return false()
    if starts < ends:
        return and_(Visit.planned_start >= starts, Visit.planned_start < ends)
    return or_(Visit.planned_start >= starts, Visit.planned_start < ends)


DAY_KINDS = list(DayKind)


def _band(calendar: Calendar) -> ColumnElement[int]:
    """`Calendar.day_kind` and `is_night` in SQL: the visit's position in `Usage.BANDS` (the day bands,
    then the night bands). Grouping by it costs one expression a visit, not one per band."""
    holiday = Visit.date.in_(sorted(calendar.bank_holidays)) if calendar.bank_holidays else false()
    day = case((holiday, DAY_KINDS.index(DayKind.BANK_HOLIDAY)), (Visit.weekend, DAY_KINDS.index(DayKind.WEEKEND)),
               else_=DAY_KINDS.index(DayKind.WEEKDAY))
    return day + case((_night(calendar), len(DAY_KINDS)), else_=0)


USAGE_COLUMNS = (func.sum(Visit.paid_minutes * Visit.carers), func.sum(Visit.carers))
"""Paid carer-minutes and carer-visits of a group of visits."""
_EXTENDED = Visit.extension_approved_by.is_not(None)
EXTENDED_COLUMN = func.sum(case((_EXTENDED, Visit.overrun_minutes * Visit.carers), else_=0))
"""The carer-minutes visits ran over that approved extensions pay."""


def _paid_rule() -> ColumnElement[Any]:
    """A visit's payment rule when it counts towards what is paid (planned or approved); else null."""
    return case((or_(Visit.approval.is_(None), Visit.approval == Approval.APPROVED), Visit.rule), else_=None)


class UsageTally:
    """Adds up (band, carer-minutes, carer-visits) groups into a `Usage` per key."""

    def __init__(self) -> None:
        self.counts: dict[Any, list[int]] = {}

    def add_group(self, owner: uuid.UUID, rule: PaymentRule | None, band: int, minutes: int | None,
                  visits: int | None, extended: int | None) -> None:
        """A group of visits paid by one rule in one band, and the extensions approved on them."""
        self.add((owner, rule), band, minutes, visits)
        if rule is not None and extended:
            self.add((owner, PaymentRule.APPROVED_EXTENSION), band, extended, 0)

    def add(self, key: Any, band: int, minutes: int | None, visits: int | None) -> None:
        counts = self.counts.get(key)
        if counts is None:
            counts = self.counts[key] = [0] * (2 * len(Usage.BANDS))
        counts[2 * band] += int(minutes or 0)
        counts[2 * band + 1] += int(visits or 0)

    def reported(self) -> Reported:
        found: Reported = defaultdict(dict)
        for (owner, rule), counts in self.counts.items():
            found[owner][rule] = Usage(*counts)
        return found


RULES = {rule.value: rule for rule in PaymentRule}


def _rule(value: str | None) -> PaymentRule | None:
    return None if value is None else RULES[value]


def _reported(period: Period) -> ColumnElement[bool]:
    """The period's visits that were not voided."""
    return and_(Visit.date >= period.start, Visit.date <= period.end, Visit.voided_at.is_(None))


Reported = dict[uuid.UUID, dict[PaymentRule | None, Usage]]
"""Per package (or term): paid usage per payment rule; the rule None holds visits paid nothing (missed,
cancelled in time, waiting for approval), so a package that reported only those is still known to have
reported."""


@dataclass(slots=True)
class VisitCounts:
    """Call-monitoring counts of a package's reported visits in the period (planned visits only)."""

    logged: int = 0
    missed: int = 0
    timed: int = 0
    punctual: int = 0

    def __iadd__(self, other: VisitCounts) -> VisitCounts:
        self.logged += other.logged
        self.missed += other.missed
        self.timed += other.timed
        self.punctual += other.punctual
        return self


def _count_columns(punctual_within_minutes: int) -> list[ColumnElement[Any]]:
    planned = Visit.approval.is_(None)
    delivered = and_(planned, Visit.outcome == VisitOutcome.DELIVERED, Visit.actual_start.is_not(None))
    return [func.sum(case((planned, 1), else_=0)),
            func.sum(case((and_(planned, Visit.outcome == VisitOutcome.MISSED), 1), else_=0)),
            func.sum(case((delivered, 1), else_=0)),
            func.sum(case((and_(delivered, Visit.late_by_minutes <= punctual_within_minutes), 1), else_=0))]


async def delivered_by_package(session: AsyncSession, period: Period, calendar: Calendar, *,
                               punctual_within_minutes: int) -> tuple[Reported, dict[uuid.UUID, VisitCounts]]:
    """Paid usage per package and rule over the period, and call-monitoring counts per package: one
    aggregate over the period's visits and nothing else (no join), so it costs one scan. The usage is right
    for every package in care all period long under one term; `delivered_by_term` counts the others."""
    rule, band = _paid_rule(), _band(calendar)
    query = (select(Visit.package_id, rule, band, *USAGE_COLUMNS, EXTENDED_COLUMN,
                    *_count_columns(punctual_within_minutes))
             .where(_reported(period)).group_by(Visit.package_id, rule, band))
    connection = await session.connection()
    tally = UsageTally()
    counts: dict[uuid.UUID, VisitCounts] = defaultdict(VisitCounts)
    for package_id, paid_rule, band_index, minutes, visits, extended, *visit_counts in await connection.execute(query):
        tally.add_group(package_id, _rule(paid_rule), band_index, minutes, visits, extended)
        counts[package_id] += VisitCounts(*(int(value or 0) for value in visit_counts))
    return tally.reported(), counts


def _in_care() -> ColumnElement[bool]:
    """Visits on days the package was suspended or after it ended do not count."""
    suspended = exists().where(Suspension.package_id == Visit.package_id, Suspension.starts_on <= Visit.date,
                               or_(Suspension.ends_on.is_(None), Suspension.ends_on >= Visit.date))
    ended = exists().where(Package.id == Visit.package_id, Package.end_on < Visit.date)
    return and_(~suspended, ~ended)


async def delivered_by_term(session: AsyncSession, period: Period, package_ids: Sequence[uuid.UUID],
                            calendar: Calendar) -> Reported:
    """Paid usage per term and rule of the given packages (those whose schedule or funding changed, that
    were suspended or that ended within the period), leaving out days out of care."""
    tally = UsageTally()
    rule, band = _paid_rule(), _band(calendar)
    for start in range(0, len(package_ids), CHUNK):
        query = (
            select(PackageTerm.id, rule, band, *USAGE_COLUMNS, EXTENDED_COLUMN)
            .join(PackageTerm, and_(PackageTerm.package_id == Visit.package_id,
                                    PackageTerm.effective_from <= Visit.date,
                                    or_(PackageTerm.effective_to.is_(None), PackageTerm.effective_to > Visit.date)))
            .where(Visit.package_id.in_(package_ids[start:start + CHUNK]), _reported(period), _in_care())
            .group_by(PackageTerm.id, rule, band))
        for term_id, paid_rule, band_index, minutes, visits, extended in await session.execute(query):
            tally.add_group(term_id, _rule(paid_rule), band_index, minutes, visits, extended)
    return tally.reported()


@dataclass(slots=True)
class WeekOfCare:
    """A package's week of reported care: the carer-minutes paid (approved extensions included) and, per
    band, the carer-minutes visits ran over that no extension paid."""

    paid: int = 0
    overrun: list[int] = field(default_factory=lambda: [0] * len(Usage.BANDS))


async def weeks_of_care(session: AsyncSession, period: Period, calendar: Calendar
                        ) -> dict[uuid.UUID, dict[date, WeekOfCare]]:
    """Where the council allows banking: each package's weeks of counted visits on days in care."""
    band = _band(calendar)
    counted = and_(Visit.rule.is_not(None), or_(Visit.approval.is_(None), Visit.approval == Approval.APPROVED))
    overrun = Visit.overrun_minutes * Visit.carers
    query = (select(Visit.package_id, Visit.week_start, band,
                    func.sum(Visit.paid_minutes * Visit.carers + case((_EXTENDED, overrun), else_=0)),
                    func.sum(case((_EXTENDED, 0), else_=overrun)))
             .where(_reported(period), counted, _in_care()).group_by(Visit.package_id, Visit.week_start, band))
    weeks: dict[uuid.UUID, dict[date, WeekOfCare]] = defaultdict(dict)
    for package_id, week_start, band_index, paid, unpaid in await session.execute(query):
        week = weeks[package_id].setdefault(week_start, WeekOfCare())
        week.paid += int(paid or 0)
        week.overrun[band_index] += int(unpaid or 0)
    return weeks


async def schedules(session: AsyncSession, term_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[ScheduledVisit]]:
    """The weekly schedules of the given terms (for packages charged by their plan)."""
    found: dict[uuid.UUID, list[ScheduledVisit]] = {}
    for start in range(0, len(term_ids), CHUNK):
        for term_id, visits in await session.execute(
                select(PackageTerm.id, PackageTerm.visits).where(PackageTerm.id.in_(term_ids[start:start + CHUNK]))):
            found[term_id] = [ScheduledVisit.model_validate(visit) for visit in visits]
    return found


@dataclass
class Billed:
    """What a provider was billed for a period: its invoice, and the lines still in force of the invoice
    and its supplementary invoices (those no run has reversed since). A credit note finance issued by hand
    is a correction of its own, which a run leaves alone."""

    invoice_id: uuid.UUID
    number: str
    lines: list[BilledLine] = field(default_factory=list)


_LINE_FIELDS = (InvoiceLine.id, InvoiceLine.position, InvoiceLine.package_id, InvoiceLine.funder, InvoiceLine.rule,
                InvoiceLine.price_kind, InvoiceLine.unit, InvoiceLine.quantity, InvoiceLine.unit_price,
                InvoiceLine.description, InvoiceLine.area, InvoiceLine.client_group, InvoiceLine.block_area,
                InvoiceLine.reverses_line_id)


def _billed_line(row: Sequence[Any]) -> BilledLine:
    (line_id, position, package_id, funder, rule, kind, unit, quantity, unit_price, description, area, client_group,
     block_area, reverses) = row
    return BilledLine(line_id, position, Line(
        package_id, Funder(funder), PaymentRule(rule), None if kind is None else PriceKind(kind), Unit(unit), quantity,
        unit_price, description, area or "", client_group, block_area, reverses))


async def billed(session: AsyncSession, period: Period) -> dict[uuid.UUID, Billed]:
    """Per provider invoiced for the period, its lines in force."""
    found = {provider_id: Billed(invoice_id, number) for invoice_id, number, provider_id in await session.execute(
        select(Invoice.id, Invoice.number, Invoice.provider_id)
        .where(Invoice.period_start == period.start, Invoice.period_end == period.end,
               Invoice.kind == InvoiceKind.INVOICE))}
    if not found:
        return found
    rows = (await session.execute(
        select(Invoice.provider_id, Invoice.kind, Invoice.adjustment, *_LINE_FIELDS)
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(Invoice.period_start == period.start, Invoice.period_end == period.end)
        .order_by(InvoiceLine.id))).all()
    reversed_by_runs = {row.reverses_line_id for row in rows if row.kind == InvoiceKind.CREDIT_NOTE and row.adjustment}
    for row in rows:
        if row.kind != InvoiceKind.CREDIT_NOTE and row.id not in reversed_by_runs:
            found[row.provider_id].lines.append(_billed_line(row[3:]))
    return found


async def document_lines(session: AsyncSession, invoice_id: uuid.UUID) -> dict[int, BilledLine]:
    """An issued document's lines by position."""
    rows = await session.execute(select(*_LINE_FIELDS).where(InvoiceLine.invoice_id == invoice_id))
    return {line.position: line for line in map(_billed_line, rows)}


async def credited(session: AsyncSession, line_ids: Sequence[int]) -> dict[int, Decimal]:
    """How much of each line credit notes took back so far (as a positive quantity)."""
    rows = await session.execute(
        select(InvoiceLine.reverses_line_id, func.sum(InvoiceLine.quantity))
        .where(InvoiceLine.reverses_line_id.in_(line_ids)).group_by(InvoiceLine.reverses_line_id))
    return {line_id: -quantity for line_id, quantity in rows if line_id is not None}


def line_rows(invoice_id: uuid.UUID, lines: Sequence[Line], codes: LedgerCodes) -> list[tuple[Any, ...]]:
    rows = []
    coded: dict[tuple[str, str | None, Funder], tuple[str | None, str | None]] = {}
    for position, line in enumerate(lines, start=1):
        key = (line.area, line.client_group, line.funder)
        if key not in coded:
            coded[key] = codes.of(area=line.area, client_group=line.client_group, funder=line.funder)
        cost_centre, ledger_code = coded[key]
        rows.append((invoice_id, position, line.package_id, str(line.funder), line.description, line.quantity,
                     str(line.unit), line.unit_price, line.amount, str(line.rule),
                     None if line.kind is None else str(line.kind), line.area, line.client_group, cost_centre,
                     ledger_code, line.block_area, line.reverses))
    return rows


async def write_lines(session: AsyncSession, rows: list[tuple[Any, ...]]) -> None:
    """A run writes 100,000s of lines, in the run's transaction: COPY where the database has it."""
    await copy_rows(session, LINES, LINE_COLUMNS, rows)
