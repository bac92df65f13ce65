"""Visits reported by providers, in bulk: recorded, corrected (a new version, the old one kept) or voided,
each row checked against the provider's own packages, their dates and schedules; unplanned visits wait
for a broker's approval. What a visit is paid is worked out here, once, under the council's policy."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.packages.care.models import Package, PackageTerm, Suspension
from services.packages.visits.domain import Approval, CareWindow, PaymentPolicy, late_by_minutes, payable
from services.packages.visits.exceptions import NoExtension, VisitNotFound, VisitNotPending, VisitVoided
from services.packages.visits.models import Visit, VisitRevision
from services.packages.visits.schemas import (
    REPORTED_FIELDS,
    DecisionIn,
    RevisionOut,
    RowResult,
    RowStatus,
    VisitDetail,
    VisitIn,
    VisitOut,
    VisitsIn,
    VisitsReport,
    VoidIn,
)
from shared.audit import AuditEntry, record_audit, record_audits
from shared.auth import Principal, ensure_provider_scope
from shared.contracts.common import WEEKEND, Day
from shared.contracts.packages import VisitFacts, VisitOutcome, VisitsRecorded
from shared.events.outbox import record_event
from shared.pagination import PageRequest, keyset_after, read_cursor

DAYS = list(Day)
Slot = tuple[uuid.UUID, date, time]
"""A package's visit on a date at a planned start: one visit may hold it."""


@dataclass(frozen=True)
class Term:
    """The days of the week a package's schedule has, from a date until the day before another."""

    effective_from: date
    effective_to: date | None
    days: frozenset[Day]

    def in_force(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)


@dataclass(frozen=True)
class PackageFile:
    """What checking a visit needs of its package: when it was in care and its schedules over time."""

    window: CareWindow
    terms: tuple[Term, ...]

    def planned_on(self, day: date) -> bool:
        """Whether the schedule in force that day has a visit on that day of the week."""
        return any(term.in_force(day) and DAYS[day.weekday()] in term.days for term in self.terms)


async def _package_files(
    session: AsyncSession, *, provider_id: uuid.UUID, package_ids: set[uuid.UUID]
) -> dict[uuid.UUID, PackageFile]:
    """The provider's own packages among those named (others stay unknown: never revealed)."""
    packages = (await session.execute(
        select(Package.id, Package.start_on, Package.end_on)
        .where(Package.id.in_(package_ids), Package.provider_id == provider_id))).all()
    own = {row.id for row in packages}
    suspensions: dict[uuid.UUID, list[tuple[date, date | None]]] = {}
    for package_id, starts_on, ends_on in await session.execute(
            select(Suspension.package_id, Suspension.starts_on, Suspension.ends_on)
            .where(Suspension.package_id.in_(own))):
        suspensions.setdefault(package_id, []).append((starts_on, ends_on))
    terms: dict[uuid.UUID, list[Term]] = {}
    for package_id, effective_from, effective_to, visits in await session.execute(
            select(PackageTerm.package_id, PackageTerm.effective_from, PackageTerm.effective_to, PackageTerm.visits)
            .where(PackageTerm.package_id.in_(own))):
        terms.setdefault(package_id, []).append(
            Term(effective_from, effective_to, frozenset(Day(visit["day"]) for visit in visits)))
    return {row.id: PackageFile(CareWindow(row.start_on, row.end_on, tuple(suspensions.get(row.id, ()))),
                                tuple(terms.get(row.id, ()))) for row in packages}


@dataclass
class Ledger:
    """The provider's visits a batch touches, kept current as the batch goes: by visit id, and the slots
    (package, date, planned start) that visits not voided hold."""

    provider_id: uuid.UUID
    by_visit_id: dict[str, Visit]
    slots: dict[Slot, str]
    results: list[RowResult] = field(default_factory=list)
    recorded: list[Visit] = field(default_factory=list)
    corrected: list[tuple[Visit, dict[str, Any]]] = field(default_factory=list)

    @classmethod
    async def load(cls, session: AsyncSession, *, provider_id: uuid.UUID, rows: list[VisitIn]) -> Ledger:
        visits = list(await session.scalars(select(Visit).where(
            Visit.provider_id == provider_id, Visit.provider_visit_id.in_([row.visit_id for row in rows]))))
        slots = {(row.package_id, row.date, row.planned_start) for row in rows}
        taken = await session.execute(
            select(Visit.package_id, Visit.date, Visit.planned_start, Visit.provider_visit_id).where(
                Visit.voided_at.is_(None), Visit.package_id.in_({slot[0] for slot in slots}),
                Visit.date.in_({slot[1] for slot in slots})))
        return cls(provider_id, {visit.provider_visit_id: visit for visit in visits},
                   {(package_id, day, start): visit_id for package_id, day, start, visit_id in taken})

    def holder(self, slot: Slot, *, other_than: str) -> str | None:
        holder = self.slots.get(slot)
        return holder if holder is not None and holder != other_than else None

    def take(self, visit: Visit, *, leaving: Slot | None = None) -> None:
        if leaving is not None:
            self.slots.pop(leaving, None)
        self.slots[_slot_of(visit)] = visit.provider_visit_id
        self.by_visit_id[visit.provider_visit_id] = visit

    def answer(self, row: VisitIn, status: RowStatus, *, visit: Visit | None = None, reason: str | None = None) -> None:
        self.results.append(RowResult(
            visit_id=row.visit_id, status=status, reason=reason, id=visit.id if visit else None,
            version=visit.version if visit else None, unplanned=bool(visit and visit.approval is not None)))


def _slot_of(visit: Visit | VisitIn) -> Slot:
    return visit.package_id, visit.date, visit.planned_start


def _reported(visit: Visit) -> dict[str, Any]:
    return {name: getattr(visit, name) for name in REPORTED_FIELDS}


def _approval(visit: Visit, row: VisitIn, *, file: PackageFile) -> Approval | None:
    """None for a visit the schedule plans; a broker's decision stands while the visit stays on the same
    package and day, and a visit newly unplanned (or moved) waits for one."""
    if file.planned_on(row.date):
        return None
    if visit.approval is not None and (visit.package_id, visit.date) == (row.package_id, row.date):
        return Approval(visit.approval)
    return Approval.PENDING


def _apply(visit: Visit, row: VisitIn, *, file: PackageFile, policy: PaymentPolicy) -> None:
    """Sets what the report says, and what follows from it: the weekend flag, lateness, what it is paid,
    and whether a broker must approve it (a day its package's schedule does not have)."""
    visit.approval = _approval(visit, row, file=file)
    for name, value in row.reported().items():
        setattr(visit, name, value)
    visit.weekend = DAYS[row.date.weekday()] in WEEKEND
    visit.late_by_minutes = late_by_minutes(planned=row.planned_start, actual=row.actual_start)
    paid = payable(outcome=row.outcome, planned_minutes=row.planned_minutes, actual_minutes=row.actual_minutes,
                   notice_hours=row.notice_hours, policy=policy)
    if paid.overrun != visit.overrun_minutes:
        visit.extension_approved_by = None
    visit.paid_minutes, visit.rule, visit.overrun_minutes = paid.minutes, paid.rule, paid.overrun
    visit.week_start = row.date - timedelta(days=row.date.weekday())


def _facts(visit: Visit) -> VisitFacts:
    outcome = VisitOutcome(visit.outcome)
    return VisitFacts(
        visit_id=visit.id, package_id=visit.package_id, date=visit.date, planned_start=visit.planned_start,
        actual_start=visit.actual_start, planned_minutes=visit.planned_minutes,
        actual_minutes=visit.actual_minutes, carers=visit.carers, missed=outcome is VisitOutcome.MISSED,
        late_by_minutes=visit.late_by_minutes if outcome is VisitOutcome.DELIVERED else 0, outcome=outcome,
        version=visit.version,
    )


def _refusal(row: VisitIn, *, file: PackageFile | None, ledger: Ledger, today: date) -> str | None:
    if file is None:
        return "no such package of yours"
    if (why := file.window.refusal(row.date, today=today)) is not None:
        return why
    holder = ledger.holder(_slot_of(row), other_than=row.visit_id)
    if holder is not None:
        return (f"a duplicate of visit {holder}: the package has a visit on {row.date} planned at "
                f"{row.planned_start:%H:%M} already")
    return None


def _check(row: VisitIn, *, ledger: Ledger, files: dict[uuid.UUID, PackageFile], today: date,
           now: datetime, policy: PaymentPolicy) -> None:
    """Records, corrects, or answers why not, one row of a report."""
    known = ledger.by_visit_id.get(row.visit_id)
    if known is not None and _reported(known) == row.reported():
        ledger.answer(row, RowStatus.DUPLICATE, visit=known)
        return
    if known is None and row.correction_reason is not None:
        ledger.answer(row, RowStatus.REJECTED, reason=f"there is no visit {row.visit_id} to correct")
        return
    if known is not None and row.correction_reason is None:
        ledger.answer(row, RowStatus.REJECTED, visit=known, reason=(
            f"visit {row.visit_id} was reported already with other details: to correct it, send it again "
            "with a correction_reason"))
        return
    if known is not None and known.voided_at is not None:
        ledger.answer(row, RowStatus.REJECTED, visit=known, reason=f"visit {row.visit_id} was voided")
        return
    file = files.get(row.package_id)
    if (why := _refusal(row, file=file, ledger=ledger, today=today)) is not None:
        ledger.answer(row, RowStatus.REJECTED, visit=known, reason=why)
        return
    assert file is not None
    if known is None:
        visit = Visit(id=uuid.uuid4(), provider_id=ledger.provider_id, provider_visit_id=row.visit_id, version=1,
                      recorded_at=now, overrun_minutes=0)
        _apply(visit, row, file=file, policy=policy)
        ledger.recorded.append(visit)
        ledger.take(visit)
        ledger.answer(row, RowStatus.RECORDED, visit=visit)
        return
    before, leaving = _reported(known), _slot_of(known)
    _apply(known, row, file=file, policy=policy)
    known.version += 1
    known.corrected_at = now
    ledger.corrected.append((known, before))
    ledger.take(known, leaving=leaving)
    ledger.answer(row, RowStatus.CORRECTED, visit=known)


def _revision(visit: Visit, before: dict[str, Any], *, reason: str, at: datetime) -> VisitRevision:
    reported = {name: value if isinstance(value, int | None) else str(value) for name, value in before.items()}
    return VisitRevision(visit_id=visit.id, version=visit.version - 1, reported=reported, replaced_at=at,
                         correction_reason=reason)


async def record_visits(session: AsyncSession, *, actor: Principal, data: VisitsIn, now: datetime,
                        policy: PaymentPolicy) -> VisitsReport:
    assert actor.provider_id is not None, "provider clients are bound to a provider"
    provider_id, today = actor.provider_id, now.date()
    files = await _package_files(session, provider_id=provider_id, package_ids={v.package_id for v in data.visits})
    ledger = await Ledger.load(session, provider_id=provider_id, rows=data.visits)
    reasons = {row.visit_id: row.correction_reason or "" for row in data.visits}
    for row in data.visits:
        _check(row, ledger=ledger, files=files, today=today, now=now, policy=policy)
    session.add_all(ledger.recorded)
    session.add_all([_revision(visit, before, reason=reasons[visit.provider_visit_id], at=now)
                     for visit, before in ledger.corrected])
    await session.flush()
    await _audit_and_publish(session, actor=actor, provider_id=provider_id, ledger=ledger)
    counts = {status: sum(1 for result in ledger.results if result.status is status) for status in RowStatus}
    return VisitsReport(recorded=counts[RowStatus.RECORDED], corrected=counts[RowStatus.CORRECTED],
                        duplicates=counts[RowStatus.DUPLICATE], rejected=counts[RowStatus.REJECTED],
                        results=ledger.results)


async def _audit_and_publish(session: AsyncSession, *, actor: Principal, provider_id: uuid.UUID,
                             ledger: Ledger) -> None:
    entries = [AuditEntry(action="visit.corrected", entity_type="visit", entity_id=visit.id,
                          before={name: str(value) for name, value in before.items()},
                          after={name: str(value) for name, value in _reported(visit).items()})
               for visit, before in ledger.corrected]
    if ledger.recorded:
        entries.append(AuditEntry(action="visits.recorded", entity_type="visits", entity_id=provider_id,
                                  after=[str(visit.id) for visit in ledger.recorded]))
    await record_audits(session, actor=actor, entries=entries)
    changed = [*ledger.recorded, *(visit for visit, _ in ledger.corrected)]
    if changed:
        await record_event(session, VisitsRecorded(provider_id=provider_id, visits=[_facts(v) for v in changed]))


def counted(visit: Visit) -> bool:
    """Whether the visit counts towards what is paid: not voided, and planned or approved."""
    return visit.voided_at is None and visit.approval in (None, Approval.APPROVED)


def visit_out(visit: Visit) -> VisitOut:
    paid = counted(visit)
    extended = paid and visit.extension_approved_by is not None
    return VisitOut.model_validate({
        **{name: getattr(visit, name) for name in VisitOut.model_fields if hasattr(visit, name)},
        "provider_visit_id": visit.provider_visit_id, "voided": visit.voided_at is not None,
        "paid_minutes": (visit.paid_minutes + (visit.overrun_minutes if extended else 0)) if paid else 0,
        "rule": visit.rule if paid else None, "extension_approved": visit.extension_approved_by is not None})


async def _visit(session: AsyncSession, *, actor: Principal, visit_id: uuid.UUID, for_update: bool = False) -> Visit:
    visit = await session.get(Visit, visit_id, with_for_update=for_update)
    if visit is None:
        raise VisitNotFound()
    ensure_provider_scope(actor, visit.provider_id, what="visit")
    return visit


async def get_visit(session: AsyncSession, *, actor: Principal, visit_id: uuid.UUID) -> VisitDetail:
    visit = await _visit(session, actor=actor, visit_id=visit_id)
    revisions = await session.scalars(select(VisitRevision).where(VisitRevision.visit_id == visit.id)
                                      .order_by(VisitRevision.version))
    return VisitDetail(**visit_out(visit).model_dump(), revisions=[
        RevisionOut.model_validate(revision, from_attributes=True) for revision in revisions])


async def list_visits(
    session: AsyncSession, *, actor: Principal, page: PageRequest, approval: Approval | None,
    package_id: uuid.UUID | None, date_from: date | None, date_to: date | None,
) -> list[Visit]:
    """By date then id; a provider client sees its own visits only."""
    query = select(Visit).order_by(Visit.date, Visit.id).limit(page.limit + 1)
    if not actor.is_staff:
        query = query.where(Visit.provider_id == actor.provider_id)
    if approval is not None:
        query = query.where(Visit.approval == approval)
    if package_id is not None:
        query = query.where(Visit.package_id == package_id)
    if date_from is not None:
        query = query.where(Visit.date >= date_from)
    if date_to is not None:
        query = query.where(Visit.date <= date_to)
    if page.cursor:
        query = query.where(keyset_after((Visit.date, Visit.id), read_cursor(page.cursor, date.fromisoformat)))
    return list(await session.scalars(query))


async def void(
    session: AsyncSession, *, actor: Principal, visit_id: uuid.UUID, data: VoidIn, now: datetime
) -> VisitOut:
    """The provider withdraws a visit it reported (the wrong package, a test record): it is kept, never
    paid, and the next invoice run settles anything it was paid."""
    visit = await _visit(session, actor=actor, visit_id=visit_id, for_update=True)
    if visit.voided_at is not None:
        raise VisitVoided()
    visit.voided_at, visit.void_reason = now, data.reason
    await session.flush()
    await record_audit(session, actor=actor, action="visit.voided", entity_type="visit", entity_id=visit.id,
                       after={"reason": data.reason})
    return visit_out(visit)


async def approve_extension(session: AsyncSession, *, actor: Principal, visit_id: uuid.UUID,
                            data: DecisionIn) -> VisitOut:
    """A broker approves the minutes a visit ran over its planned ones: the next run pays them."""
    visit = await _visit(session, actor=actor, visit_id=visit_id, for_update=True)
    if visit.voided_at is not None:
        raise VisitVoided()
    if not visit.overrun_minutes or visit.extension_approved_by is not None:
        raise NoExtension("The visit did not run over its planned minutes." if not visit.overrun_minutes
                          else "The extension was approved already.")
    visit.extension_approved_by = actor.name
    await session.flush()
    await record_audit(session, actor=actor, action="visit.extension_approved", entity_type="visit",
                       entity_id=visit.id, after={"overrun_minutes": visit.overrun_minutes, "note": data.note})
    return visit_out(visit)


async def decide(session: AsyncSession, *, actor: Principal, visit_id: uuid.UUID, data: DecisionIn,
                 approval: Approval) -> VisitOut:
    """A broker approves an unplanned visit (it is paid by the next run) or refuses it (never paid)."""
    visit = await _visit(session, actor=actor, visit_id=visit_id, for_update=True)
    if visit.voided_at is not None:
        raise VisitVoided()
    if visit.approval != Approval.PENDING:
        raise VisitNotPending(f"The visit is {'planned' if visit.approval is None else visit.approval}: only an "
                              "unplanned visit waiting for a decision can be approved or refused.")
    visit.approval, visit.approved_by = approval, actor.name
    await session.flush()
    await record_audit(session, actor=actor, action=f"visit.{approval}", entity_type="visit", entity_id=visit.id,
                       before={"approval": Approval.PENDING}, after={"approval": approval, "note": data.note})
    return visit_out(visit)
