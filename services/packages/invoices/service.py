"""Invoice runs and the finance pull.

A run prices every package with set-based SQL aggregates (delivered carer-minutes and carer-visits per
term, weekday and weekend: integers, so exact on every database) and Decimal arithmetic on those few
figures per package. Issuing first locks the numbering counter row, so concurrent runs queue: numbers
have no gaps, a provider gets one invoice per period (also a unique constraint), and invoices become
visible in sequence order, which the finance pull follows.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, and_, case, exists, false, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import ColumnElement

from services.packages.care.models import Package, PackageTerm, Suspension
from services.packages.contracts.service import block_contracts
from services.packages.costing.domain import Usage
from services.packages.costing.service import PriceBook
from services.packages.invoices import domain
from services.packages.invoices.domain import BlockGuarantee, DateRange, Funder, PackageCharge, Period, TermCharge
from services.packages.invoices.exceptions import CreditNotAllowed, InvalidPeriod, InvoiceNotFound
from services.packages.invoices.models import Invoice, InvoiceCounter, InvoiceLine
from services.packages.invoices.schemas import (
    CreditNoteIn,
    InvoiceKind,
    InvoiceLineOut,
    InvoiceOut,
    InvoiceRunOut,
    InvoiceStatus,
    InvoiceSummary,
)
from services.packages.visits.models import Visit
from shared.audit import record_audit
from shared.auth import Principal, Role, ensure_provider_scope
from shared.contracts.brokerage import ScheduledVisit
from shared.contracts.packages import CreditNoteIssued, InvoiceIssued
from shared.events.outbox import record_event
from shared.pagination import PageRequest

DOCUMENTS, INVOICES, CREDIT_NOTES = "documents", "invoices", "credit_notes"
CHUNK = 5000
LINES = Table(InvoiceLine.__tablename__, InvoiceLine.metadata)
LINE_COLUMNS = ("invoice_id", "position", "package_id", "funder", "description", "hours", "amount")
Progress = Callable[[int, int], None]
"""Called with (providers done, providers in the run)."""


@dataclass(frozen=True, slots=True)
class TermRow:
    term_id: uuid.UUID
    package_id: uuid.UUID
    provider_id: uuid.UUID
    area: str
    package: DateRange
    term: DateRange
    term_from: date
    health_share_percent: int


async def _take_counter(session: AsyncSession, series: str) -> int:
    """Locks a counter row until commit (a write first on SQLite, FOR UPDATE on PostgreSQL); its value.
    Every issuer takes `documents` first, so they queue in one order and never deadlock."""
    is_postgres = session.get_bind().dialect.name == "postgresql"
    upsert = pg_insert if is_postgres else sqlite_insert
    await session.execute(upsert(InvoiceCounter).values(name=series, last_value=0)
                          .on_conflict_do_nothing(index_elements=["name"]))
    last = await session.scalar(select(InvoiceCounter.last_value).where(InvoiceCounter.name == series)
                                .with_for_update())
    return int(last or 0)


async def _advance_counter(session: AsyncSession, series: str, *, by: int) -> None:
    await session.execute(update(InvoiceCounter).where(InvoiceCounter.name == series)
                          .values(last_value=InvoiceCounter.last_value + by))


def _overlaps(
    start: InstrumentedAttribute[date], end: InstrumentedAttribute[date | None], period: Period, *,
    end_exclusive: bool = False,
) -> ColumnElement[bool]:
    """Rows whose dates overlap the period (`end` inclusive unless `end_exclusive`)."""
    ends_after = end > period.start if end_exclusive else end >= period.start
    return and_(start <= period.end, or_(end.is_(None), ends_after))


async def _terms(session: AsyncSession, period: Period) -> list[TermRow]:
    rows = await session.execute(
        select(PackageTerm.id, Package.id, Package.provider_id, Package.area, Package.start_on, Package.end_on,
               PackageTerm.effective_from, PackageTerm.effective_to, PackageTerm.health_share_percent)
        .join(Package, Package.id == PackageTerm.package_id)
        .where(_overlaps(Package.start_on, Package.end_on, period),
               _overlaps(PackageTerm.effective_from, PackageTerm.effective_to, period, end_exclusive=True)))
    return [
        TermRow(term_id, package_id, provider_id, area, (start_on, end_on),
                (term_from, None if term_to is None else term_to - timedelta(days=1)), term_from, health)
        for term_id, package_id, provider_id, area, start_on, end_on, term_from, term_to, health in rows
    ]


async def _suspensions(session: AsyncSession, period: Period) -> dict[uuid.UUID, list[DateRange]]:
    found: dict[uuid.UUID, list[DateRange]] = defaultdict(list)
    for package_id, starts_on, ends_on in await session.execute(
            select(Suspension.package_id, Suspension.starts_on, Suspension.ends_on)
            .where(_overlaps(Suspension.starts_on, Suspension.ends_on, period))):
        found[package_id].append((starts_on, ends_on))
    return found


def _not_suspended_nor_ended() -> ColumnElement[bool]:
    """Visits on days the package was suspended or after it ended do not count."""
    suspended = exists().where(Suspension.package_id == Visit.package_id, Suspension.starts_on <= Visit.date,
                               or_(Suspension.ends_on.is_(None), Suspension.ends_on >= Visit.date))
    ended = exists().where(Package.id == Visit.package_id, Package.end_on < Visit.date)
    return and_(~suspended, ~ended)


def _usage_columns(bank_holidays: frozenset[date]) -> list[ColumnElement[Any]]:
    """Carer-minutes and carer-visits on weekdays, weekends and bank holidays, in `Usage`'s order
    (missed visits are reported but cost nothing)."""
    minutes = case((Visit.missed, 0), else_=Visit.actual_minutes * Visit.carers)
    visits = case((Visit.missed, 0), else_=Visit.carers)
    holiday = Visit.date.in_(sorted(bank_holidays)) if bank_holidays else false()
    weekend = and_(Visit.weekend, ~holiday)
    weekday = and_(~Visit.weekend, ~holiday)
    return [func.sum(case((condition, amount), else_=0))
            for condition in (weekday, weekend, holiday) for amount in (minutes, visits)]


def _usage(row: Sequence[Any]) -> Usage:
    return Usage(*(int(value or 0) for value in row))


async def _delivered(session: AsyncSession, period: Period, bank_holidays: frozenset[date]
                     ) -> dict[uuid.UUID, Usage]:
    """Delivered usage per package over the period, in one aggregate over the period's visits."""
    query = (select(Visit.package_id, *_usage_columns(bank_holidays))
             .where(Visit.date >= period.start, Visit.date <= period.end, _not_suspended_nor_ended())
             .group_by(Visit.package_id))
    return {row[0]: _usage(row[1:]) for row in await session.execute(query)}


async def _delivered_by_term(session: AsyncSession, period: Period, package_ids: list[uuid.UUID],
                             bank_holidays: frozenset[date]) -> dict[uuid.UUID, Usage]:
    """The same per term, for the few packages whose schedule or funding changed within the period."""
    usage: dict[uuid.UUID, Usage] = {}
    for start in range(0, len(package_ids), CHUNK):
        query = (
            select(PackageTerm.id, *_usage_columns(bank_holidays))
            .join(PackageTerm, and_(PackageTerm.package_id == Visit.package_id,
                                    PackageTerm.effective_from <= Visit.date,
                                    or_(PackageTerm.effective_to.is_(None), PackageTerm.effective_to > Visit.date)))
            .where(Visit.package_id.in_(package_ids[start:start + CHUNK]), Visit.date >= period.start,
                   Visit.date <= period.end, _not_suspended_nor_ended())
            .group_by(PackageTerm.id))
        usage.update({row[0]: _usage(row[1:]) for row in await session.execute(query)})
    return usage


async def _schedules(session: AsyncSession, term_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ScheduledVisit]]:
    schedules: dict[uuid.UUID, list[ScheduledVisit]] = {}
    for start in range(0, len(term_ids), CHUNK):
        for term_id, visits in await session.execute(
                select(PackageTerm.id, PackageTerm.visits).where(PackageTerm.id.in_(term_ids[start:start + CHUNK]))):
            schedules[term_id] = [ScheduledVisit.model_validate(visit) for visit in visits]
    return schedules


@dataclass
class RunContext:
    period: Period
    book: PriceBook
    suspensions: dict[uuid.UUID, list[DateRange]]
    delivered: dict[uuid.UUID, Usage]
    schedules: dict[uuid.UUID, list[ScheduledVisit]]
    bank_holidays: frozenset[date]

    def charge(self, terms: list[TermRow]) -> PackageCharge | None:
        """One package's charge over its terms, or None when no rate applies to one of them."""
        first = terms[0]
        reported = any(term.term_id in self.delivered for term in terms)
        charges: list[TermCharge] = []
        for term in terms:
            prices = self.book.price_list(area=term.area, on=term.term_from, provider_id=term.provider_id)
            if prices is None:
                return None
            usage = self.delivered.get(term.term_id, Usage()) if reported else domain.planned_usage(
                self.schedules[term.term_id], domain.care_days(
                    self.period, package=term.package, term=term.term,
                    suspensions=self.suspensions.get(term.package_id, ())), self.bank_holidays)
            charges.append(TermCharge(usage, prices.pricing, term.health_share_percent))
        return domain.charge_package(package_id=first.package_id, area=first.area, delivered=reported, terms=charges)

    def guarantees(self, provider_id: uuid.UUID, contracts: list[domain.BlockContract]) -> list[BlockGuarantee]:
        guarantees = []
        for contract in contracts:
            days = [day for day in self.period.days() if contract.covers(day)]
            rate = self.book.hourly_rate(area=contract.area, on=days[0], provider_id=provider_id) if days else None
            if rate is not None:
                guarantees.append(BlockGuarantee(contract.area, contract.block_hours, rate, len(days)))
        return guarantees


async def _delivered_beside(session: AsyncSession, period: Period, bank_holidays: frozenset[date]
                            ) -> dict[uuid.UUID, Usage]:
    """The big aggregate on a connection of its own, so the database runs it while the run reads terms."""
    async with AsyncSession(session.bind, info=session.info) as apart:
        return await _delivered(apart, period, bank_holidays)


async def _delivered_per_term(
    session: AsyncSession, period: Period, by_provider: dict[uuid.UUID, dict[uuid.UUID, list[TermRow]]],
    per_package: dict[uuid.UUID, Usage], bank_holidays: frozenset[date],
) -> dict[uuid.UUID, Usage]:
    """Delivered usage per term: a package with one term in the period has all of its package's usage."""
    changed = [package_id for packages in by_provider.values() for package_id, terms in packages.items()
               if len(terms) > 1 and package_id in per_package]
    per_term = await _delivered_by_term(session, period, changed, bank_holidays)
    for packages in by_provider.values():
        for package_id, terms in packages.items():
            if len(terms) == 1 and package_id in per_package:
                per_term[terms[0].term_id] = per_package[package_id]
    return per_term


async def _already_invoiced(session: AsyncSession, period: Period) -> set[uuid.UUID]:
    return set(await session.scalars(select(Invoice.provider_id).where(
        Invoice.period_start == period.start, Invoice.period_end == period.end)))


async def _write_lines(session: AsyncSession, rows: list[tuple[Any, ...]]) -> None:
    """COPY on PostgreSQL (a run writes 100,000s of lines, in the run's transaction); executemany elsewhere."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        raw = await connection.get_raw_connection()
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            InvoiceLine.__tablename__, records=rows, columns=LINE_COLUMNS)
    elif rows:
        await session.execute(insert(LINES), [dict(zip(LINE_COLUMNS, row, strict=True)) for row in rows])


def _line_rows(invoice_id: uuid.UUID, lines: list[domain.Line]) -> list[tuple[Any, ...]]:
    return [(invoice_id, position, line.package_id, str(line.funder), line.description, line.hours, line.amount)
            for position, line in enumerate(lines, start=1)]


async def _issue(
    session: AsyncSession, *, actor: Principal | None, provider_id: uuid.UUID, period: Period,
    lines: list[domain.Line], sequence: int, number: int,
) -> Invoice:
    """The invoice itself, its audit entry and its event; the caller writes its lines."""
    invoice = Invoice(
        sequence=sequence, number=domain.invoice_number(number), provider_id=provider_id, kind=InvoiceKind.INVOICE,
        period_start=period.start, period_end=period.end, status=InvoiceStatus.ISSUED,
        total=sum((line.amount for line in lines), Decimal(0)), issued_at=datetime.now(UTC),
    )
    session.add(invoice)
    await session.flush()
    await record_audit(session, actor=actor, action="invoice.issued", entity_type="invoice", entity_id=invoice.id,
                       after={"number": invoice.number, "total": str(invoice.total), "lines": len(lines)})
    await record_event(session, InvoiceIssued(
        invoice_id=invoice.id, number=invoice.number, provider_id=provider_id, period_start=period.start,
        period_end=period.end, total=invoice.total, issued_at=invoice.issued_at))
    return invoice


async def run_invoices(
    session: AsyncSession, *, actor: Principal | None, period: Period, today: date,
    bank_holidays: frozenset[date] = frozenset(), progress: Progress | None = None,
) -> InvoiceRunOut:
    """Issues the period's missing invoices, one per provider; a provider invoiced already is left as it is."""
    if period.end >= today:
        raise InvalidPeriod(f"A period is invoiced once it is over: {period.end} is not before {today}.")
    last_sequence = await _take_counter(session, DOCUMENTS)
    last_number = await _take_counter(session, INVOICES)
    done = await _already_invoiced(session, period)
    aggregate = asyncio.create_task(_delivered_beside(session, period, bank_holidays))
    by_provider: dict[uuid.UUID, dict[uuid.UUID, list[TermRow]]] = defaultdict(lambda: defaultdict(list))
    try:
        for row in await _terms(session, period):
            if row.provider_id not in done:
                by_provider[row.provider_id][row.package_id].append(row)
        per_package = await aggregate
    finally:
        aggregate.cancel()
    blocks = {provider: [domain.BlockContract.of(c) for c in contracts]
              for provider, contracts in (await block_contracts(session, start=period.start, end=period.end)).items()
              if provider not in done}
    delivered = await _delivered_per_term(session, period, by_provider, per_package, bank_holidays)
    planned = [t.term_id for packages in by_provider.values() for terms in packages.values()
               if not any(term.term_id in delivered for term in terms) for t in terms]
    context = RunContext(period, await PriceBook.load(session), await _suspensions(session, period), delivered,
                         await _schedules(session, planned), bank_holidays)
    issued: list[InvoiceSummary] = []
    unpriced: list[uuid.UUID] = []
    line_rows: list[tuple[Any, ...]] = []
    providers = sorted(set(by_provider) | set(blocks))
    for done_count, provider_id in enumerate(providers, start=1):
        charges = []
        for package_id, terms in by_provider.get(provider_id, {}).items():
            charge = context.charge(terms)
            if charge is None:
                unpriced.append(package_id)
            else:
                charges.append(charge)
        lines = domain.invoice_lines(period, charges, context.guarantees(provider_id, blocks.get(provider_id, [])))
        if lines:
            invoice = await _issue(session, actor=actor, provider_id=provider_id, period=period, lines=lines,
                                   sequence=last_sequence + len(issued) + 1, number=last_number + len(issued) + 1)
            line_rows += _line_rows(invoice.id, lines)
            issued.append(InvoiceSummary.model_validate(invoice, from_attributes=True))
        if progress is not None:
            progress(done_count, len(providers))
    await _write_lines(session, line_rows)
    await _advance_counter(session, DOCUMENTS, by=len(issued))
    await _advance_counter(session, INVOICES, by=len(issued))
    return InvoiceRunOut(period_start=period.start, period_end=period.end, issued=issued, already_issued=len(done),
                         unpriced_packages=sorted(unpriced))


def _visible_to(actor: Principal) -> uuid.UUID | None:
    """A provider client sees its own invoices only; staff see all."""
    return actor.provider_id if not actor.is_staff and Role.PROVIDER in actor.roles else None


async def list_invoices(
    session: AsyncSession, *, actor: Principal, page: PageRequest, status: InvoiceStatus | None,
    provider_id: uuid.UUID | None,
) -> list[Invoice]:
    """In issue order (`sequence`), which is commit order: a pull by cursor never skips or repeats one."""
    query = select(Invoice).order_by(Invoice.sequence).limit(page.limit + 1)
    own = _visible_to(actor)
    if own is not None:
        query = query.where(Invoice.provider_id == own)
    if provider_id is not None:
        query = query.where(Invoice.provider_id == provider_id)
    if status is not None:
        query = query.where(Invoice.status == status)
    if page.cursor:
        query = query.where(Invoice.sequence > int(page.cursor[0]))
    return list(await session.scalars(query))


async def _invoice(session: AsyncSession, *, actor: Principal, invoice_id: uuid.UUID,
                   for_update: bool = False) -> Invoice:
    invoice = await session.get(Invoice, invoice_id, with_for_update=for_update)
    if invoice is None:
        raise InvoiceNotFound()
    ensure_provider_scope(actor, invoice.provider_id, what="invoice")
    return invoice


async def get_invoice(session: AsyncSession, *, actor: Principal, invoice_id: uuid.UUID) -> InvoiceOut:
    invoice = await _invoice(session, actor=actor, invoice_id=invoice_id)
    lines = await session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)
                                  .order_by(InvoiceLine.position))
    summary = InvoiceSummary.model_validate(invoice, from_attributes=True)
    return InvoiceOut(**summary.model_dump(),
                      lines=[InvoiceLineOut.model_validate(line, from_attributes=True) for line in lines])


async def acknowledge(session: AsyncSession, *, actor: Principal, invoice_id: uuid.UUID) -> InvoiceSummary:
    """The ledger posted it; acknowledging again changes nothing."""
    invoice = await _invoice(session, actor=actor, invoice_id=invoice_id, for_update=True)
    if invoice.status == InvoiceStatus.ISSUED:
        invoice.status, invoice.acknowledged_at = InvoiceStatus.ACKNOWLEDGED, datetime.now(UTC)
        await session.flush()
        await record_audit(session, actor=actor, action="invoice.acknowledged", entity_type="invoice",
                           entity_id=invoice.id, before={"status": "issued"}, after={"status": "acknowledged"})
    return InvoiceSummary.model_validate(invoice, from_attributes=True)


async def _amounts_by_line(
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


async def issue_credit_note(
    session: AsyncSession, *, actor: Principal, invoice_id: uuid.UUID, data: CreditNoteIn
) -> InvoiceOut:
    """Corrects an issued invoice with a credit note of its own number (CN-...), in the pull's order."""
    last_sequence = await _take_counter(session, DOCUMENTS)
    last_number = await _take_counter(session, CREDIT_NOTES)
    invoice = await _invoice(session, actor=actor, invoice_id=invoice_id)
    if invoice.kind != InvoiceKind.INVOICE:
        raise CreditNotAllowed("A credit note corrects an invoice, not another credit note.")
    earlier = list(await session.scalars(select(Invoice.id).where(Invoice.credits_invoice_id == invoice.id)))
    try:
        lines = domain.credit_lines(
            invoiced=await _amounts_by_line(session, [invoice.id]),
            credited=await _amounts_by_line(session, earlier), reason=data.reason,
            requested=[(line.package_id, line.funder, line.amount, line.hours) for line in data.lines])
    except domain.CreditRefused as refused:
        raise CreditNotAllowed(str(refused)) from None
    note = Invoice(
        sequence=last_sequence + 1, number=domain.credit_note_number(last_number + 1),
        provider_id=invoice.provider_id, period_start=invoice.period_start, period_end=invoice.period_end,
        status=InvoiceStatus.ISSUED, total=sum((line.amount for line in lines), Decimal(0)),
        issued_at=datetime.now(UTC), kind=InvoiceKind.CREDIT_NOTE, credits_invoice_id=invoice.id,
        reason=data.reason)
    session.add(note)
    await session.flush()
    await _write_lines(session, _line_rows(note.id, lines))
    await _advance_counter(session, DOCUMENTS, by=1)
    await _advance_counter(session, CREDIT_NOTES, by=1)
    await record_audit(session, actor=actor, action="credit_note.issued", entity_type="invoice", entity_id=note.id,
                       after={"number": note.number, "credits": str(invoice.id), "total": str(note.total)})
    await record_event(session, CreditNoteIssued(
        credit_note_id=note.id, number=note.number, invoice_id=invoice.id, provider_id=note.provider_id,
        total=note.total, reason=data.reason, issued_at=note.issued_at))
    return await get_invoice(session, actor=actor, invoice_id=note.id)
