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

from sqlalchemy import Table, and_, case, exists, false, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import ColumnElement

from services.packages.care.models import Package, PackageTerm, Suspension
from services.packages.costing.domain import Band, Calendar, DayKind, Usage
from services.packages.invoices.domain import DateRange, Funder, InvoiceKind, Line, LineKey, Period
from services.packages.invoices.models import Invoice, InvoiceCounter, InvoiceLine
from services.packages.visits.models import Visit
from shared.contracts.brokerage import ScheduledVisit

CHUNK = 5000
LINES = Table(InvoiceLine.__tablename__, InvoiceLine.metadata)
LINE_COLUMNS = ("invoice_id", "position", "package_id", "funder", "description", "hours", "amount", "block_area")


async def take_counter(session: AsyncSession, series: str) -> int:
    """Locks a counter row until commit (a write first on SQLite, FOR UPDATE on PostgreSQL); its value.
    Every issuer takes `documents` first, so they queue in one order and never deadlock."""
    is_postgres = session.get_bind().dialect.name == "postgresql"
    upsert = pg_insert if is_postgres else sqlite_insert
    await session.execute(upsert(InvoiceCounter).values(name=series, last_value=0)
                          .on_conflict_do_nothing(index_elements=["name"]))
    last = await session.scalar(select(InvoiceCounter.last_value).where(InvoiceCounter.name == series)
                                .with_for_update())
    return int(last or 0)


async def set_counter(session: AsyncSession, series: str, *, to: int) -> None:
    """Records the last number used (under the lock `take_counter` took)."""
    await session.execute(update(InvoiceCounter).where(InvoiceCounter.name == series).values(last_value=to))


def _overlaps(
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
    package: DateRange
    term: DateRange
    health_share_percent: int


async def terms(session: AsyncSession, period: Period) -> list[TermRow]:
    """Every term in force in the period of a package in care in the period."""
    connection = await session.connection()  # Core rows: no ORM bookkeeping for 100,000s of plain tuples
    rows = await connection.execute(
        select(PackageTerm.id, Package.id, Package.provider_id, Package.area, Package.start_on, Package.end_on,
               PackageTerm.effective_from, PackageTerm.effective_to, PackageTerm.health_share_percent)
        .join(Package, Package.id == PackageTerm.package_id)
        .where(_overlaps(Package.start_on, Package.end_on, period),
               _overlaps(PackageTerm.effective_from, PackageTerm.effective_to, period, end_exclusive=True)))
    return [
        TermRow(term_id, package_id, provider_id, area, (start_on, end_on),
                (term_from, None if term_to is None else term_to - timedelta(days=1)), health)
        for term_id, package_id, provider_id, area, start_on, end_on, term_from, term_to, health in rows
    ]


async def suspensions(session: AsyncSession, period: Period) -> dict[uuid.UUID, list[DateRange]]:
    """The suspensions overlapping the period, per package."""
    found: dict[uuid.UUID, list[DateRange]] = defaultdict(list)
    for package_id, starts_on, ends_on in await session.execute(
            select(Suspension.package_id, Suspension.starts_on, Suspension.ends_on)
            .where(_overlaps(Suspension.starts_on, Suspension.ends_on, period))):
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


def _in_band(band: Band, calendar: Calendar) -> ColumnElement[bool]:
    """`Calendar.day_kind` and `is_night` in SQL: the visit is priced in `band`."""
    holiday = Visit.date.in_(sorted(calendar.bank_holidays)) if calendar.bank_holidays else false()
    day = {DayKind.BANK_HOLIDAY: holiday, DayKind.WEEKEND: and_(Visit.weekend, ~holiday),
           DayKind.WEEKDAY: and_(~Visit.weekend, ~holiday)}[band.kind]
    night = _night(calendar)
    return and_(day, night if band.night else ~night)


def _usage_columns(calendar: Calendar) -> list[ColumnElement[Any]]:
    """Carer-minutes and carer-visits per band, in `Usage`'s order (missed visits are reported but cost
    nothing)."""
    minutes = case((Visit.missed, 0), else_=Visit.actual_minutes * Visit.carers)
    visits = case((Visit.missed, 0), else_=Visit.carers)
    return [func.sum(case((_in_band(band, calendar), amount), else_=0))
            for band in Usage.BANDS for amount in (minutes, visits)]


def _usage(row: Sequence[Any]) -> Usage:
    return Usage(*(int(value or 0) for value in row))


def _in_period(period: Period) -> ColumnElement[bool]:
    return and_(Visit.date >= period.start, Visit.date <= period.end)


async def delivered_by_package(session: AsyncSession, period: Period, calendar: Calendar
                               ) -> dict[uuid.UUID, Usage]:
    """Delivered usage per package over the period: one aggregate over the period's visits and nothing
    else (no join), so it costs one scan. It is right for every package in care all period long under
    one term; `delivered_by_term` counts the others."""
    query = (select(Visit.package_id, *_usage_columns(calendar))
             .where(_in_period(period)).group_by(Visit.package_id))
    connection = await session.connection()
    return {row[0]: _usage(row[1:]) for row in await connection.execute(query)}


def _in_care() -> ColumnElement[bool]:
    """Visits on days the package was suspended or after it ended do not count."""
    suspended = exists().where(Suspension.package_id == Visit.package_id, Suspension.starts_on <= Visit.date,
                               or_(Suspension.ends_on.is_(None), Suspension.ends_on >= Visit.date))
    ended = exists().where(Package.id == Visit.package_id, Package.end_on < Visit.date)
    return and_(~suspended, ~ended)


async def delivered_by_term(session: AsyncSession, period: Period, package_ids: Sequence[uuid.UUID],
                            calendar: Calendar) -> dict[uuid.UUID, Usage]:
    """Delivered usage per term of the given packages (those whose schedule or funding changed, that were
    suspended or that ended within the period), leaving out days out of care."""
    usage: dict[uuid.UUID, Usage] = {}
    for start in range(0, len(package_ids), CHUNK):
        query = (
            select(PackageTerm.id, *_usage_columns(calendar))
            .join(PackageTerm, and_(PackageTerm.package_id == Visit.package_id,
                                    PackageTerm.effective_from <= Visit.date,
                                    or_(PackageTerm.effective_to.is_(None), PackageTerm.effective_to > Visit.date)))
            .where(Visit.package_id.in_(package_ids[start:start + CHUNK]), _in_period(period), _in_care())
            .group_by(PackageTerm.id))
        usage.update({row[0]: _usage(row[1:]) for row in await session.execute(query)})
    return usage


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
    """What a provider was billed for a period so far: its invoice, and the net of every line of the
    invoice, its supplementary invoices and the credit notes runs issued as adjustments (a credit note
    finance issued by hand is a correction of its own, which a run leaves alone)."""

    invoice_id: uuid.UUID
    number: str
    lines: dict[LineKey, Line] = field(default_factory=dict)

    def add(self, line: Line) -> None:
        key = line.key
        earlier = self.lines.get(key)
        self.lines[key] = line if earlier is None else earlier.plus(line)


async def billed(session: AsyncSession, period: Period) -> dict[uuid.UUID, Billed]:
    """Per provider invoiced for the period, what it was billed."""
    found = {provider_id: Billed(invoice_id, number) for invoice_id, number, provider_id in await session.execute(
        select(Invoice.id, Invoice.number, Invoice.provider_id)
        .where(Invoice.period_start == period.start, Invoice.period_end == period.end,
               Invoice.kind == InvoiceKind.INVOICE))}
    if not found:
        return found
    counted = or_(Invoice.kind != InvoiceKind.CREDIT_NOTE, Invoice.adjustment)
    for provider_id, package_id, funder, block_area, description, hours, amount in await session.execute(
            select(Invoice.provider_id, InvoiceLine.package_id, InvoiceLine.funder, InvoiceLine.block_area,
                   InvoiceLine.description, InvoiceLine.hours, InvoiceLine.amount)
            .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
            .where(Invoice.period_start == period.start, Invoice.period_end == period.end, counted)):
        found[provider_id].add(Line(package_id, Funder(funder), description, hours, amount, block_area))
    return found


def line_rows(invoice_id: uuid.UUID, lines: Sequence[Line]) -> list[tuple[Any, ...]]:
    return [(invoice_id, position, line.package_id, str(line.funder), line.description, line.hours, line.amount,
             line.block_area) for position, line in enumerate(lines, start=1)]


async def write_lines(session: AsyncSession, rows: list[tuple[Any, ...]]) -> None:
    """COPY on PostgreSQL (a run writes 100,000s of lines, in the run's transaction); executemany elsewhere."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        raw = await connection.get_raw_connection()
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            InvoiceLine.__tablename__, records=rows, columns=LINE_COLUMNS)
    elif rows:
        await session.execute(insert(LINES), [dict(zip(LINE_COLUMNS, row, strict=True)) for row in rows])


async def amounts_by_line(
    session: AsyncSession, invoice_ids: Sequence[uuid.UUID]
) -> dict[tuple[uuid.UUID, Funder], Decimal]:
    """What the documents hold per package and funder (credit notes' negative amounts as positive)."""
    totals: dict[tuple[uuid.UUID, Funder], Decimal] = defaultdict(Decimal)
    for package_id, funder, amount in await session.execute(
            select(InvoiceLine.package_id, InvoiceLine.funder, InvoiceLine.amount)
            .where(InvoiceLine.invoice_id.in_(invoice_ids), InvoiceLine.package_id.is_not(None))):
        if package_id is not None:
            totals[(package_id, Funder(funder))] += abs(amount)
    return totals
