"""Invoice runs, their adjustments, credit notes and the finance pull.

A run prices every package from set-based SQL aggregates (repository.py) and Decimal arithmetic on a
few figures per package (domain.py). Issuing first locks the numbering counters, so concurrent runs and
credit notes queue: numbers have no gaps, a provider gets one invoice per period (also a unique
constraint) and documents become visible in sequence order, which the finance pull follows.
"""

from __future__ import annotations

import asyncio
import gc
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.packages.contracts.service import block_contracts
from services.packages.costing.domain import Calendar, Usage
from services.packages.costing.service import PriceBook
from services.packages.invoices import domain, repository
from services.packages.invoices.domain import (
    BlockGuarantee,
    DateRange,
    InvoiceKind,
    Line,
    PackageCharge,
    Period,
    TermCharge,
)
from services.packages.invoices.exceptions import CreditNotAllowed, InvalidPeriod, InvoiceNotFound
from services.packages.invoices.models import Invoice, InvoiceLine
from services.packages.invoices.repository import Billed, TermRow
from services.packages.invoices.schemas import (
    CreditNoteIn,
    InvoiceLineOut,
    InvoiceOut,
    InvoiceRunOut,
    InvoiceStatus,
    InvoiceSummary,
)
from shared.audit import AuditEntry, record_audit, record_audits
from shared.auth import Principal, Role, ensure_provider_scope
from shared.contracts.brokerage import ScheduledVisit
from shared.contracts.packages import CreditNoteIssued, InvoiceIssued
from shared.events.envelope import Event
from shared.events.outbox import record_events
from shared.pagination import PageRequest

SERIES = ("documents", "invoices", "credit_notes")
"""The numbering counters: `documents` orders the pull, the others number invoices and credit notes."""
Progress = Callable[[int, int], None]
"""Called with (providers done, providers in the run)."""
PackageTerms = dict[uuid.UUID, list[TermRow]]


@dataclass
class Numbering:
    """The last numbers used, read under the counters' locks and written back when issuing is done."""

    sequence: int
    invoices: int
    credit_notes: int

    @classmethod
    async def take(cls, session: AsyncSession) -> Numbering:
        """Locks every counter until commit, always in `SERIES` order, so issuers queue and never deadlock."""
        return cls(*[await repository.take_counter(session, series) for series in SERIES])

    def next(self, kind: InvoiceKind) -> tuple[int, str]:
        self.sequence += 1
        if kind is InvoiceKind.CREDIT_NOTE:
            self.credit_notes += 1
            return self.sequence, domain.credit_note_number(self.credit_notes)
        self.invoices += 1
        return self.sequence, domain.invoice_number(self.invoices)

    async def save(self, session: AsyncSession) -> None:
        for series, value in zip(SERIES, (self.sequence, self.invoices, self.credit_notes), strict=True):
            await repository.set_counter(session, series, to=value)


@dataclass(frozen=True)
class Document:
    """An invoice, supplementary invoice or credit note about to be issued; `corrects` is the period's
    invoice a supplementary invoice adds to or a credit note corrects."""

    kind: InvoiceKind
    provider_id: uuid.UUID
    period: Period
    lines: list[Line]
    corrects: uuid.UUID | None = None
    reason: str | None = None
    adjustment: bool = False

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))

    def issue(self, sequence: int, number: str, *, at: datetime) -> Invoice:
        return Invoice(
            id=uuid.uuid4(), sequence=sequence, number=number, provider_id=self.provider_id, kind=self.kind,
            period_start=self.period.start, period_end=self.period.end, status=InvoiceStatus.ISSUED,
            total=self.total, issued_at=at, reason=self.reason, adjustment=self.adjustment,
            credits_invoice_id=self.corrects if self.kind is InvoiceKind.CREDIT_NOTE else None,
            supplements_invoice_id=self.corrects if self.kind is InvoiceKind.SUPPLEMENTARY else None)


def _event(invoice: Invoice) -> Event:
    if invoice.credits_invoice_id is not None:
        return CreditNoteIssued(
            credit_note_id=invoice.id, number=invoice.number, invoice_id=invoice.credits_invoice_id,
            provider_id=invoice.provider_id, total=invoice.total, reason=invoice.reason or "",
            issued_at=invoice.issued_at, adjustment=invoice.adjustment)
    return InvoiceIssued(
        invoice_id=invoice.id, number=invoice.number, provider_id=invoice.provider_id,
        period_start=invoice.period_start, period_end=invoice.period_end, total=invoice.total,
        issued_at=invoice.issued_at, kind=InvoiceKind(invoice.kind),
        supplements_invoice_id=invoice.supplements_invoice_id)


def _audit(invoice: Invoice, lines: int) -> AuditEntry:
    after = {"number": invoice.number, "kind": invoice.kind, "total": str(invoice.total), "lines": lines,
             "corrects": str(invoice.credits_invoice_id or invoice.supplements_invoice_id or "") or None}
    return AuditEntry(action=f"{invoice.kind}.issued", entity_type="invoice", entity_id=invoice.id, after=after)


async def _issue(session: AsyncSession, *, actor: Principal | None, documents: list[Document],
                 numbering: Numbering) -> list[Invoice]:
    """Issues the documents in order with their lines, audit entries and events, in the caller's transaction."""
    at = datetime.now(UTC)
    invoices = [document.issue(*numbering.next(document.kind), at=at) for document in documents]
    session.add_all(invoices)
    await session.flush()
    await repository.write_lines(session, [row for invoice, document in zip(invoices, documents, strict=True)
                                           for row in repository.line_rows(invoice.id, document.lines)])
    await record_audits(session, actor=actor, entries=[
        _audit(invoice, len(document.lines)) for invoice, document in zip(invoices, documents, strict=True)])
    await record_events(session, [_event(invoice) for invoice in invoices])
    await numbering.save(session)
    return invoices


@dataclass
class PeriodPricing:
    """What every provider is due for a period: package charges and block contract guarantees."""

    charges: dict[uuid.UUID, list[PackageCharge]] = field(default_factory=lambda: defaultdict(list))
    guarantees: dict[uuid.UUID, list[BlockGuarantee]] = field(default_factory=dict)
    unpriced: set[uuid.UUID] = field(default_factory=set)

    def due(self, period: Period, provider_id: uuid.UUID) -> list[Line]:
        return domain.invoice_lines(period, self.charges.get(provider_id, []), self.guarantees.get(provider_id, []))


@dataclass
class Pricer:
    period: Period
    book: PriceBook
    suspensions: dict[uuid.UUID, list[DateRange]]
    delivered: dict[uuid.UUID, Usage]
    schedules: dict[uuid.UUID, list[ScheduledVisit]]
    calendar: Calendar

    def _usage(self, term: TermRow, reported: bool) -> Usage:
        if reported:
            return self.delivered.get(term.term_id, Usage())
        days = domain.care_days(self.period, package=term.package, term=term.term,
                                suspensions=self.suspensions.get(term.package_id, ()))
        return domain.planned_usage(self.schedules[term.term_id], days, self.calendar)

    def charge(self, terms: list[TermRow]) -> PackageCharge | None:
        """One package's charge over its terms: from delivered visits when any were reported, else from
        the schedule; None when no rate applies to one of its terms."""
        first = terms[0]
        reported = any(term.term_id in self.delivered for term in terms)
        charges: list[TermCharge] = []
        for term in terms:
            prices = self.book.price_list(area=term.area, on=term.term[0], provider_id=term.provider_id)
            if prices is None:
                return None
            charges.append(TermCharge(self._usage(term, reported), prices.pricing, term.health_share_percent))
        return domain.charge_package(package_id=first.package_id, area=first.area, delivered=reported, terms=charges)

    def guarantees(self, provider_id: uuid.UUID, contracts: Iterable[domain.BlockContract]) -> list[BlockGuarantee]:
        guarantees = []
        for contract in contracts:
            days = [day for day in self.period.days() if contract.covers(day)]
            rate = self.book.hourly_rate(area=contract.area, on=days[0], provider_id=provider_id) if days else None
            if rate is not None:
                guarantees.append(BlockGuarantee(contract.area, contract.block_hours, rate, len(days)))
        return guarantees


async def _delivered_beside(session: AsyncSession, period: Period, calendar: Calendar
                            ) -> dict[uuid.UUID, Usage]:
    """The big aggregate on a connection of its own, so the database runs it while the run reads terms."""
    async with AsyncSession(session.bind, info=session.info) as apart:
        return await repository.delivered_by_package(apart, period, calendar)


def _by_provider(rows: Iterable[TermRow]) -> dict[uuid.UUID, PackageTerms]:
    found: dict[uuid.UUID, PackageTerms] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        found[row.provider_id][row.package_id].append(row)
    return found


def _counted_per_term(terms: list[TermRow], suspended: dict[uuid.UUID, list[DateRange]], period: Period) -> bool:
    """Packages whose visits the plain per-package aggregate cannot count: more than one term in the
    period, or days out of care in it (suspended, or ended before the period did)."""
    ends_on = terms[0].package[1]
    return len(terms) > 1 or terms[0].package_id in suspended or (ends_on is not None and ends_on < period.end)


async def _delivered(
    session: AsyncSession, period: Period, by_provider: dict[uuid.UUID, PackageTerms],
    per_package: dict[uuid.UUID, Usage], suspended: dict[uuid.UUID, list[DateRange]], calendar: Calendar,
) -> dict[uuid.UUID, Usage]:
    """Delivered usage per term: a package in care all period under one term has all its package's usage."""
    packages = [terms for package_terms in by_provider.values() for terms in package_terms.values()]
    apart = [terms[0].package_id for terms in packages if _counted_per_term(terms, suspended, period)]
    per_term = await repository.delivered_by_term(session, period, apart, calendar)
    counted_apart = set(apart)
    for terms in packages:
        package_id = terms[0].package_id
        if package_id not in counted_apart and package_id in per_package:
            per_term[terms[0].term_id] = per_package[package_id]
    return per_term


async def _price_period(session: AsyncSession, period: Period, calendar: Calendar,
                        progress: Progress | None) -> PeriodPricing:
    aggregate = asyncio.create_task(_delivered_beside(session, period, calendar))
    try:
        by_provider = _by_provider(await repository.terms(session, period))
        suspended = await repository.suspensions(session, period)
        blocks = await block_contracts(session, start=period.start, end=period.end)
        book = await PriceBook.load(session)
        per_package = await aggregate
    finally:
        aggregate.cancel()
    delivered = await _delivered(session, period, by_provider, per_package, suspended, calendar)
    planned = [term.term_id for package_terms in by_provider.values() for terms in package_terms.values()
               if not any(term.term_id in delivered for term in terms) for term in terms]
    pricer = Pricer(period, book, suspended, delivered, await repository.schedules(session, planned), calendar)
    pricing = PeriodPricing()
    providers = sorted(set(by_provider) | set(blocks))
    for done, provider_id in enumerate(providers, start=1):
        for terms in by_provider.get(provider_id, {}).values():
            charge = pricer.charge(terms)
            if charge is None:
                pricing.unpriced.add(terms[0].package_id)
            else:
                pricing.charges[provider_id].append(charge)
        pricing.guarantees[provider_id] = pricer.guarantees(
            provider_id, [domain.BlockContract.of(contract) for contract in blocks.get(provider_id, [])])
        if progress is not None:
            progress(done, len(providers))
    return pricing


def _documents(provider_id: uuid.UUID, period: Period, due: list[Line], billed: Billed | None,
               unpriced: set[uuid.UUID]) -> list[Document]:
    """The period's invoice, or for a provider invoiced already what the figures changed since (lines of
    packages that cannot be priced now are left as they were billed)."""
    if billed is None:
        return [Document(InvoiceKind.INVOICE, provider_id, period, due)] if due else []
    kept = {key: line for key, line in billed.lines.items() if key[0] not in unpriced}
    owed, overpaid = domain.adjustments(due=due, billed=kept, reference=billed.number)
    documents = []
    if owed:
        documents.append(Document(InvoiceKind.SUPPLEMENTARY, provider_id, period, owed, corrects=billed.invoice_id,
                                  adjustment=True))
    if overpaid:
        documents.append(Document(
            InvoiceKind.CREDIT_NOTE, provider_id, period, overpaid, corrects=billed.invoice_id, adjustment=True,
            reason=f"Adjustment: the figures for {period.label} went down after {billed.number} was issued"))
    return documents


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pauses Python's cyclic garbage collector for a run: it builds 100,000s of objects that all stay
    alive until it ends, and every collection would walk them for nothing (a fifth of the run at 100,000
    packages). Reference counting frees memory as usual; the collector resumes when the run is done."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


async def run_invoices(
    session: AsyncSession, *, actor: Principal | None, period: Period, today: date,
    calendar: Calendar = Calendar(), progress: Progress | None = None,
) -> InvoiceRunOut:
    """Issues the period's invoices, one per provider. A provider invoiced already keeps its invoice as it
    is: where the figures changed since (visits reported late, backdated suspensions or changes) the
    difference is issued as a supplementary invoice or a credit note, so running a period again is safe."""
    if period.end >= today:
        raise InvalidPeriod(f"A period is invoiced once it is over: {period.end} is not before {today}.")
    with _collector_paused():
        numbering = await Numbering.take(session)
        billed = await repository.billed(session, period)
        pricing = await _price_period(session, period, calendar, progress)
        documents = [
            document for provider_id in sorted(set(pricing.guarantees) | set(billed))
            for document in _documents(provider_id, period, pricing.due(period, provider_id),
                                       billed.get(provider_id), pricing.unpriced)]
        issued = await _issue(session, actor=actor, documents=documents, numbering=numbering)
    return InvoiceRunOut(period_start=period.start, period_end=period.end,
                         issued=[InvoiceSummary.model_validate(invoice, from_attributes=True) for invoice in issued],
                         already_issued=len(billed), unpriced_packages=sorted(pricing.unpriced))


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


async def issue_credit_note(
    session: AsyncSession, *, actor: Principal, invoice_id: uuid.UUID, data: CreditNoteIn
) -> InvoiceOut:
    """Corrects an issued invoice with a credit note of its own number (CN-...), in the pull's order."""
    numbering = await Numbering.take(session)
    invoice = await _invoice(session, actor=actor, invoice_id=invoice_id)
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        raise CreditNotAllowed("A credit note corrects an invoice, not another credit note.")
    earlier = list(await session.scalars(select(Invoice.id).where(Invoice.credits_invoice_id == invoice.id)))
    try:
        lines = domain.credit_lines(
            invoiced=await repository.amounts_by_line(session, [invoice.id]),
            credited=await repository.amounts_by_line(session, earlier), reason=data.reason,
            requested=[(line.package_id, line.funder, line.amount, line.hours) for line in data.lines])
    except domain.CreditRefused as refused:
        raise CreditNotAllowed(str(refused)) from None
    period = Period(invoice.period_start, invoice.period_end)
    [note] = await _issue(session, actor=actor, numbering=numbering, documents=[Document(
        InvoiceKind.CREDIT_NOTE, invoice.provider_id, period, lines, corrects=invoice.id, reason=data.reason)])
    return await get_invoice(session, actor=actor, invoice_id=note.id)
