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
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.packages.contracts.service import block_contracts
from services.packages.costing.domain import HUNDRED, Calendar, Usage
from services.packages.costing.service import PriceBook, PriceList
from services.packages.invoices import domain, repository
from services.packages.invoices.domain import (
    BlockGuarantee,
    DateRange,
    InvoiceKind,
    LedgerCodes,
    Line,
    PackageRef,
    Period,
    RunPolicy,
    TermCharge,
)
from services.packages.invoices.exceptions import (
    CreditNotAllowed,
    InvalidPeriod,
    InvalidRemittance,
    InvoiceNotFound,
)
from services.packages.invoices.models import Invoice, InvoiceLine
from services.packages.invoices.repository import Billed, Reported, TermRow, VisitCounts, WeekOfCare
from services.packages.invoices.schemas import (
    CreditNoteIn,
    InvoiceLineOut,
    InvoiceOut,
    InvoiceRunOut,
    InvoiceStatus,
    InvoiceSummary,
    RemittanceOut,
)
from services.packages.visits.domain import PaymentRule
from shared.audit import AuditEntry, record_audit, record_audits
from shared.auth import Principal, Role, ensure_provider_scope
from shared.contracts.brokerage import ScheduledVisit
from shared.contracts.packages import CreditNoteIssued, InvoiceIssued, VisitPerformanceReported
from shared.contracts.providers import ContractState
from shared.events.envelope import Event
from shared.events.outbox import record_events
from shared.money import round_money
from shared.pagination import PageRequest

SERIES = ("documents", "invoices", "credit_notes")
"""The numbering counters: `documents` orders the pull, the others number invoices and credit notes."""
Progress = Callable[[int, int], None]
"""Called with (providers done, providers in the run)."""
PackageTerms = dict[uuid.UUID, list[TermRow]]
LINES_PER_WRITE = 50_000
"""Lines are written as they are made, this many at a time, so a run never holds every row at once."""
PACKAGES_PER_TURN = 25
"""A run prices this many packages (a few milliseconds) between turns of the event loop, in which the
documents already priced are written."""


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


@dataclass
class Issuer:
    """Issues documents in the order it is given them, in the caller's transaction: numbered, written with
    their lines at once; their audit entries, events and the counters are written by `finish`."""

    session: AsyncSession
    numbering: Numbering
    codes: LedgerCodes
    at: datetime
    issued: list[tuple[Invoice, int]] = field(default_factory=list)
    """Each document issued so far, with its number of lines."""

    async def issue(self, documents: list[Document]) -> None:
        invoices = [document.issue(*self.numbering.next(document.kind), at=self.at) for document in documents]
        self.session.add_all(invoices)
        await self.session.flush()
        rows: list[tuple[Any, ...]] = []
        for invoice, document in zip(invoices, documents, strict=True):
            rows += repository.line_rows(invoice.id, document.lines, self.codes)
            if len(rows) >= LINES_PER_WRITE:
                await repository.write_lines(self.session, rows)
                rows = []
            self.issued.append((invoice, len(document.lines)))
        await repository.write_lines(self.session, rows)

    async def finish(self, *, actor: Principal | None) -> list[Invoice]:
        await record_audits(self.session, actor=actor,
                            entries=[_audit(invoice, lines) for invoice, lines in self.issued])
        await record_events(self.session, [_event(invoice) for invoice, _ in self.issued])
        await self.numbering.save(self.session)
        return [invoice for invoice, _ in self.issued]


@dataclass
class ProviderDue:
    """What a provider is due for a period and how its visits went."""

    lines: list[Line] = field(default_factory=list)
    guarantees: list[BlockGuarantee] = field(default_factory=list)
    planned_visits: int = 0
    counts: VisitCounts = field(default_factory=VisitCounts)

    def due(self) -> list[Line]:
        return domain.invoice_lines(self.lines, self.guarantees)


@dataclass
class Pricer:
    period: Period
    book: PriceBook
    suspensions: dict[uuid.UUID, list[DateRange]]
    reported: Reported
    schedules: dict[uuid.UUID, list[ScheduledVisit]]
    calendar: Calendar
    weeks: dict[uuid.UUID, dict[date, WeekOfCare]]
    """Each package's weeks of reported care, where the council allows banking (else none)."""
    period_weekdays: Counter[int] = field(init=False)
    period_label: str = field(init=False)

    def __post_init__(self) -> None:
        self.period_weekdays = Counter(day.weekday() for day in self.period.days())
        self.period_label = self.period.label  # on each of a run's 100,000s of lines: made once

    def _days(self, term: TermRow) -> list[date]:
        return domain.care_days(self.period, package=term.package, term=term.term,
                                suspensions=self.suspensions.get(term.package_id, ()))

    def _planned(self, term: TermRow) -> dict[PaymentRule, Usage]:
        schedule = self.schedules[term.term_id]
        return {PaymentRule.PLANNED_SCHEDULE: domain.planned_usage(schedule, self._days(term), self.calendar)}

    def _reported(self, term: TermRow) -> dict[PaymentRule, Usage]:
        return {rule: usage for rule, usage in self.reported.get(term.term_id, {}).items() if rule is not None}

    def _banked(self, terms: list[TermRow]) -> dict[uuid.UUID, Usage]:
        """Per term, the over-run minutes each week's unused planned minutes pay (a week's to the term in
        force on its first day in care)."""
        banked: dict[uuid.UUID, Usage] = {}
        in_care = {day: term for term in terms for day in self._days(term)}
        for week_start, week in self.weeks.get(terms[0].package_id, {}).items():
            days = [day for day in (week_start + timedelta(days=n) for n in range(7)) if day in in_care]
            if not days:
                continue
            limit = sum(in_care[day].weekday_minutes[day.weekday()] for day in days)
            minutes = domain.banked_minutes(limit=limit, paid=week.paid, overrun=week.overrun)
            term_id = in_care[days[0]].term_id
            banked[term_id] = banked.get(term_id, Usage()) + Usage(*(n for band in minutes for n in (band, 0)))
        return banked

    def price_lists(self, terms: list[TermRow]) -> list[PriceList] | None:
        """The rates in force at the start of each of a package's terms; None when one of them has none."""
        found = []
        for term in terms:
            prices = self.book.price_list(area=term.area, on=term.term[0], provider_id=term.provider_id)
            if prices is None:
                return None
            found.append(prices)
        return found

    def lines(self, terms: list[TermRow], price_lists: list[PriceList]) -> list[Line]:
        """One package's lines over its terms (priced by `price_lists`, one per term): from its reported
        visits when it reported any, else from its schedule."""
        first = terms[0]
        reported = any(term.term_id in self.reported for term in terms)
        banked = self._banked(terms) if reported and first.package_id in self.weeks else {}
        charges: list[TermCharge] = []
        for term, prices in zip(terms, price_lists, strict=True):
            care = self._reported(term) if reported else self._planned(term)
            if term.term_id in banked:
                care = {**care, PaymentRule.BANKED_MINUTES: banked[term.term_id]}
            charges.append(TermCharge(care, prices.pricing, term.health_share_percent))
        return domain.package_lines(PackageRef(first.package_id, first.area, first.client_group), charges,
                                    period_label=self.period_label)

    def planned_visits(self, terms: list[TermRow], *, whole_period: bool) -> int:
        """The visits the package's schedules planned on its days in care in the period."""
        planned = 0
        for term in terms:
            days = self.period_weekdays if whole_period else Counter(day.weekday() for day in self._days(term))
            planned += sum(term.weekday_visits[weekday] * times for weekday, times in days.items())
        return planned

    def guarantees(self, provider_id: uuid.UUID, contracts: Iterable[domain.BlockContract]) -> list[BlockGuarantee]:
        guarantees = []
        for contract in contracts:
            days = [day for day in self.period.days() if contract.covers(day)]
            rate = self.book.hourly_rate(area=contract.area, on=days[0], provider_id=provider_id) if days else None
            if rate is not None:
                guarantees.append(BlockGuarantee(contract.area, contract.block_hours, rate, len(days)))
        return guarantees


async def _reported_beside(session: AsyncSession, period: Period, policy: RunPolicy
                           ) -> tuple[Reported, dict[uuid.UUID, VisitCounts]]:
    """The big aggregate on a connection of its own, so the database runs it while the run reads terms."""
    async with AsyncSession(session.bind, info=session.info) as apart:
        await repository.tune_for_batch(apart, work_mem=policy.work_mem)
        return await repository.delivered_by_package(apart, period, policy.calendar,
                                                     punctual_within_minutes=policy.punctual_within_minutes)


def _by_provider(rows: Iterable[TermRow]) -> dict[uuid.UUID, PackageTerms]:
    found: dict[uuid.UUID, PackageTerms] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        found[row.provider_id][row.package_id].append(row)
    return found


def _counted_per_term(terms: list[TermRow], suspended: dict[uuid.UUID, list[DateRange]], period: Period) -> bool:
    """Packages whose visits the plain per-package aggregate cannot count: more than one term in the
    period, or days out of care in it (suspended, started after it began or ended before it did)."""
    starts_on, ends_on = terms[0].package
    return (len(terms) > 1 or terms[0].package_id in suspended or starts_on > period.start
            or (ends_on is not None and ends_on < period.end))


async def _reported_per_term(
    session: AsyncSession, period: Period, by_provider: dict[uuid.UUID, PackageTerms], per_package: Reported,
    apart: set[uuid.UUID], calendar: Calendar,
) -> Reported:
    """Reported usage per term: a package in care all period under one term has all its package's usage."""
    per_term = await repository.delivered_by_term(session, period, sorted(apart), calendar)
    for package_terms in by_provider.values():
        for package_id, terms in package_terms.items():
            if package_id not in apart and package_id in per_package:
                per_term[terms[0].term_id] = per_package[package_id]
    return per_term


@dataclass
class PeriodPricing:
    """All a period's pricing reads, loaded at once; then what each provider is due, priced in turn."""

    pricer: Pricer
    by_provider: dict[uuid.UUID, PackageTerms]
    blocks: dict[uuid.UUID, list[ContractState]]
    counts: dict[uuid.UUID, VisitCounts]
    apart: set[uuid.UUID]
    """Packages whose visits are counted per term (see `_counted_per_term`)."""
    price_lists: dict[uuid.UUID, list[PriceList]] = field(init=False)
    """Each priced package's rates, one per term."""
    unpriced: set[uuid.UUID] = field(init=False)
    """The packages no rate applies to."""

    def __post_init__(self) -> None:
        self.price_lists, self.unpriced = {}, set()
        for package_terms in self.by_provider.values():
            for package_id, terms in package_terms.items():
                price_lists = self.pricer.price_lists(terms)
                if price_lists is None:
                    self.unpriced.add(package_id)
                else:
                    self.price_lists[package_id] = price_lists

    @classmethod
    async def load(cls, session: AsyncSession, period: Period, policy: RunPolicy) -> PeriodPricing:
        aggregate = asyncio.create_task(_reported_beside(session, period, policy))
        try:
            by_provider = _by_provider(await repository.terms(session, period))
            suspended = await repository.suspensions(session, period)
            blocks = await block_contracts(session, start=period.start, end=period.end)
            book = await PriceBook.load(session)
            per_package, counts = await aggregate
        finally:
            aggregate.cancel()
        apart = {package_id for package_terms in by_provider.values()
                 for package_id, terms in package_terms.items() if _counted_per_term(terms, suspended, period)}
        reported = await _reported_per_term(session, period, by_provider, per_package, apart, policy.calendar)
        planned = [term.term_id for package_terms in by_provider.values() for terms in package_terms.values()
                   if not any(term.term_id in reported for term in terms) for term in terms]
        weeks = await repository.weeks_of_care(session, period, policy.calendar) if policy.banking else {}
        pricer = Pricer(period, book, suspended, reported, await repository.schedules(session, planned),
                        policy.calendar, weeks)
        return cls(pricer, by_provider, blocks, counts, apart)

    def providers(self, billed: Iterable[uuid.UUID]) -> list[uuid.UUID]:
        """Those with packages or block contracts in the period, and those invoiced for it already."""
        return sorted(set(self.by_provider) | set(self.blocks) | set(billed))

    async def due(self, provider_id: uuid.UUID) -> ProviderDue:
        """Lets the event loop run every `PACKAGES_PER_TURN` packages: meanwhile the database is sent the
        documents of the providers priced before."""
        due = ProviderDue()
        for count, (package_id, terms) in enumerate(sorted(self.by_provider.get(provider_id, {}).items()), start=1):
            if package_id in self.price_lists:
                due.lines += self.pricer.lines(terms, self.price_lists[package_id])
            due.planned_visits += self.pricer.planned_visits(terms, whole_period=package_id not in self.apart)
            due.counts += self.counts.get(package_id, VisitCounts())
            if count % PACKAGES_PER_TURN == 0:
                await asyncio.sleep(0)
        due.guarantees = self.pricer.guarantees(
            provider_id, [domain.BlockContract.of(contract) for contract in self.blocks.get(provider_id, [])])
        return due


async def _price_and_issue(issuer: Issuer, pricing: PeriodPricing, billed: dict[uuid.UUID, Billed],
                           progress: Progress | None) -> list[VisitPerformanceReported]:
    """Prices provider by provider, handing each one's documents to a task that issues them in order: the
    database writes one provider's lines (an invoice run's slowest write) while the next is priced, and a
    provider's lines are let go once written. Returns how each provider's visits went."""
    queue: asyncio.Queue[list[Document] | None] = asyncio.Queue()
    writer = asyncio.create_task(_issue_from(queue, issuer))
    performance = []
    period = pricing.pricer.period
    try:
        providers = pricing.providers(billed)
        for done, provider_id in enumerate(providers, start=1):
            if writer.done():
                break  # it failed: awaiting it below raises why
            due = await pricing.due(provider_id)
            queue.put_nowait(_documents(provider_id, period, due.due(), billed.get(provider_id), pricing.unpriced))
            if due.planned_visits or due.counts.logged:
                performance.append(_performance(provider_id, period, due))
            await asyncio.sleep(0)  # the writer starts on them before the next provider is priced
            if progress is not None:
                progress(done, len(providers))
        queue.put_nowait(None)
        await writer
    except BaseException:
        writer.cancel()
        await asyncio.wait([writer])  # never left writing in the session while the caller rolls it back
        raise
    return performance


async def _issue_from(queue: asyncio.Queue[list[Document] | None], issuer: Issuer) -> None:
    """Issues the documents put in `queue` until it is given None, all those waiting at once."""
    while True:
        waiting = [await queue.get()]
        while not queue.empty():
            waiting.append(queue.get_nowait())
        documents = [document for batch in waiting if batch is not None for document in batch]
        if documents:
            await issuer.issue(documents)
        if waiting[-1] is None:
            return


def _documents(provider_id: uuid.UUID, period: Period, due: list[Line], billed: Billed | None,
               unpriced: set[uuid.UUID]) -> list[Document]:
    """The period's invoice, or for a provider invoiced already the lines whose figures changed since,
    reversed on a credit note and billed again on a supplementary invoice (lines of packages that cannot
    be priced now are left as they were billed)."""
    if billed is None:
        return [Document(InvoiceKind.INVOICE, provider_id, period, due)] if due else []
    in_force = [line for line in billed.lines if line.line.package_id not in unpriced]
    rebill, reverse = domain.adjustments(due=due, in_force=in_force, reference=billed.number)
    documents = []
    if reverse:
        documents.append(Document(
            InvoiceKind.CREDIT_NOTE, provider_id, period, reverse, corrects=billed.invoice_id, adjustment=True,
            reason=f"Adjustment: figures for {period.label} changed after {billed.number} was issued; the lines "
                   "billed are reversed here and billed again as they now stand"))
    if rebill:
        documents.append(Document(InvoiceKind.SUPPLEMENTARY, provider_id, period, rebill, corrects=billed.invoice_id,
                                  adjustment=True))
    return documents


def _performance(provider_id: uuid.UUID, period: Period, due: ProviderDue) -> VisitPerformanceReported:
    counts, planned = due.counts, due.planned_visits
    compliance = min(HUNDRED, Decimal(counts.logged) * HUNDRED / planned) if planned else HUNDRED
    punctuality = Decimal(counts.punctual) * HUNDRED / counts.timed if counts.timed else None
    return VisitPerformanceReported(
        provider_id=provider_id, period_start=period.start, period_end=period.end, planned_visits=planned,
        logged_visits=counts.logged, missed_visits=counts.missed, punctual_visits=counts.punctual,
        timed_visits=counts.timed, compliance_percent=round_money(compliance),
        punctuality_percent=None if punctuality is None else round_money(punctuality))


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
    session: AsyncSession, *, actor: Principal | None, period: Period, now: datetime,
    policy: RunPolicy | None = None, progress: Progress | None = None,
) -> InvoiceRunOut:
    """Issues the period's invoices, one per provider, and reports how each provider's visits went. A
    provider invoiced already keeps its invoice as it is: where a line's figures changed since (visits
    reported late or corrected, approvals, backdated suspensions or changes) it is reversed on a credit note
    and billed again on a supplementary invoice, so running a period again is safe. The documents are issued
    at `now`."""
    today = now.date()
    if period.end >= today:
        raise InvalidPeriod(f"A period is invoiced once it is over: {period.end} is not before {today}.")
    policy = policy or RunPolicy()
    with _collector_paused():
        await repository.tune_for_batch(session, work_mem=policy.work_mem)
        numbering = await Numbering.take(session)
        billed = await repository.billed(session, period)
        pricing = await PeriodPricing.load(session, period, policy)
        issuer = Issuer(session, numbering, policy.ledger_codes, now)
        performance = await _price_and_issue(issuer, pricing, billed, progress)
        issued = await issuer.finish(actor=actor)
        await record_events(session, performance)
    return InvoiceRunOut(period_start=period.start, period_end=period.end,
                         issued=[InvoiceSummary.model_validate(invoice, from_attributes=True) for invoice in issued],
                         already_issued=len(billed), unpriced_packages=sorted(pricing.unpriced))


def visible_to(actor: Principal) -> uuid.UUID | None:
    """A provider client sees its own invoices only; staff see all."""
    return actor.provider_id if not actor.is_staff and Role.PROVIDER in actor.roles else None


@dataclass(frozen=True)
class InvoiceFilter:
    """What a finance officer narrows the list to: documents of a status, a provider, a kind, and of periods
    within the dates."""

    status: InvoiceStatus | None = None
    provider_id: uuid.UUID | None = None
    kind: InvoiceKind | None = None
    period_start: date | None = None
    period_end: date | None = None

    def applied(self, query: Select[Invoice]) -> Select[Invoice]:
        conditions = [column == value for column, value in ((Invoice.status, self.status),
                                                            (Invoice.provider_id, self.provider_id),
                                                            (Invoice.kind, self.kind)) if value is not None]
        if self.period_start is not None:
            conditions.append(Invoice.period_start >= self.period_start)
        if self.period_end is not None:
            conditions.append(Invoice.period_end <= self.period_end)
        return query.where(*conditions)


async def list_invoices(
    session: AsyncSession, *, actor: Principal, page: PageRequest, chosen: InvoiceFilter,
    after_sequence: int | None = None,
) -> list[Invoice]:
    """In issue order (`sequence`), which is commit order: a pull by cursor, or after the last sequence a
    ledger posted, never skips or repeats one."""
    query = chosen.applied(select(Invoice).order_by(Invoice.sequence).limit(page.limit + 1))
    if after_sequence is not None:
        query = query.where(Invoice.sequence > after_sequence)
    own = visible_to(actor)
    if own is not None:
        query = query.where(Invoice.provider_id == own)
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


async def _with_lines(session: AsyncSession, invoices: list[Invoice]) -> list[InvoiceOut]:
    """The documents with their lines, in one query however many there are."""
    lines: dict[uuid.UUID, list[InvoiceLineOut]] = defaultdict(list)
    for line in await session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id.in_([i.id for i in invoices]))
                                      .order_by(InvoiceLine.invoice_id, InvoiceLine.position)):
        lines[line.invoice_id].append(InvoiceLineOut.model_validate(line, from_attributes=True))
    return [InvoiceOut(**InvoiceSummary.model_validate(invoice, from_attributes=True).model_dump(),
                       lines=lines[invoice.id]) for invoice in invoices]


async def get_invoice(session: AsyncSession, *, actor: Principal, invoice_id: uuid.UUID) -> InvoiceOut:
    [shown] = await _with_lines(session, [await _invoice(session, actor=actor, invoice_id=invoice_id)])
    return shown


async def remittance(session: AsyncSession, *, actor: Principal, provider_id: uuid.UUID | None,
                     period: Period) -> RemittanceOut:
    """A provider's documents for periods overlapping `period`, line by line, in issue order: what it is
    paid for each package, at which price and by which rule. A provider sees its own only."""
    own = visible_to(actor)
    chosen = own or provider_id
    if chosen is None:
        raise InvalidRemittance("Name the provider (provider_id) whose remittance to show.")
    invoices = list(await session.scalars(
        select(Invoice).where(Invoice.provider_id == chosen, Invoice.period_start <= period.end,
                              Invoice.period_end >= period.start).order_by(Invoice.sequence)))
    documents = await _with_lines(session, invoices)
    return RemittanceOut(provider_id=chosen, period_start=period.start, period_end=period.end, documents=documents,
                         total=sum((document.total for document in documents), Decimal(0)))


async def acknowledge(
    session: AsyncSession, *, actor: Principal, invoice_id: uuid.UUID, now: datetime
) -> InvoiceSummary:
    """The ledger posted it; acknowledging again changes nothing."""
    invoice = await _invoice(session, actor=actor, invoice_id=invoice_id, for_update=True)
    if invoice.status == InvoiceStatus.ISSUED:
        invoice.status, invoice.acknowledged_at = InvoiceStatus.ACKNOWLEDGED, now
        invoice.acknowledged_by = actor.subject
        await session.flush()
        await record_audit(session, actor=actor, action="invoice.acknowledged", entity_type="invoice",
                           entity_id=invoice.id, before={"status": InvoiceStatus.ISSUED},
                           after={"status": InvoiceStatus.ACKNOWLEDGED})
    return InvoiceSummary.model_validate(invoice, from_attributes=True)


async def issue_credit_note(
    session: AsyncSession, *, actor: Principal, invoice_id: uuid.UUID, data: CreditNoteIn, codes: LedgerCodes,
    now: datetime,
) -> InvoiceOut:
    """Corrects an issued invoice with a credit note of its own number (CN-...), in the pull's order: each
    line a quantity of one of the invoice's lines at that line's price."""
    numbering = await Numbering.take(session)
    invoice = await _invoice(session, actor=actor, invoice_id=invoice_id)
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        raise CreditNotAllowed("A credit note corrects an invoice, not another credit note.")
    lines = await repository.document_lines(session, invoice.id)
    try:
        credits = domain.credit_lines(
            lines=lines, credited=await repository.credited(session, [line.line_id for line in lines.values()]),
            requested=[(line.line, line.quantity) for line in data.lines], reason=data.reason)
    except domain.CreditRefused as refused:
        raise CreditNotAllowed(str(refused)) from None
    period = Period(invoice.period_start, invoice.period_end)
    issuer = Issuer(session, numbering, codes, now)
    await issuer.issue([Document(InvoiceKind.CREDIT_NOTE, invoice.provider_id, period, credits, corrects=invoice.id,
                                 reason=data.reason)])
    [note] = await issuer.finish(actor=actor)
    return await get_invoice(session, actor=actor, invoice_id=note.id)
