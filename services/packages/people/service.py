"""What packages holds about a client reference, and the retention job that erases it once care has ended
long enough ago (packages knows when care ended: a person's packages have all ended), or, for someone
financially assessed but never given a package, once their last assessment is that old."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from functools import partial
from typing import Any

from sqlalchemy import case, func, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.packages.care.models import Package, PackageTerm, Suspension
from services.packages.costing.models import FinancialAssessment
from services.packages.invoices.models import InvoiceLine
from services.packages.visits.models import Visit, VisitRevision
from shared.audit import record_audit
from shared.auth import Principal
from shared.contracts.packages import PackageStatus, PersonErasureDue
from shared.db import Database
from shared.errors import Conflict, NotFound
from shared.events.outbox import record_event
from shared.personal import (
    ERASED,
    MARKER_PREFIX,
    Person,
    Sections,
    as_record,
    audit_about,
    erase_from_audit,
    erasure_marker,
    record_erasure,
    years_before,
)

FREE_TEXT = ("reason", "void_reason", "correction_reason")
"""The fields of packages' records (and of their audit entries) a person's erasure empties."""


async def person_record(session: AsyncSession, person: Person) -> Sections:
    """Every row about the person: packages and their terms and suspensions, visits and their earlier
    versions, invoice lines of their packages, financial assessments, and the audit entries about them."""
    client_ref = person.client_ref
    packages = (await session.scalars(select(Package).where(Package.client_ref == client_ref)
                                      .order_by(Package.start_on))).all()
    package_ids = [package.id for package in packages]
    visits = (await session.scalars(select(Visit).where(Visit.package_id.in_(package_ids))
                                    .order_by(Visit.date, Visit.planned_start))).all()
    assessments = (await session.scalars(select(FinancialAssessment).where(FinancialAssessment.client_ref == client_ref)
                                         .order_by(FinancialAssessment.effective_from))).all()
    entity_ids = [client_ref, *map(str, package_ids), *(str(each.id) for each in assessments)]
    return {
        "packages": [as_record(each) for each in packages],
        "package_terms": await _rows(session, select(PackageTerm).where(PackageTerm.package_id.in_(package_ids))
                                     .order_by(PackageTerm.package_id, PackageTerm.effective_from)),
        "suspensions": await _rows(session, select(Suspension).where(Suspension.package_id.in_(package_ids))
                                   .order_by(Suspension.starts_on)),
        "visits": [as_record(each) for each in visits],
        "visit_revisions": await _rows(session, select(VisitRevision).where(
            VisitRevision.visit_id.in_([visit.id for visit in visits])).order_by(VisitRevision.id)),
        "invoice_lines": await _rows(session, select(InvoiceLine).where(InvoiceLine.package_id.in_(package_ids))
                                     .order_by(InvoiceLine.id)),
        "financial_assessments": [as_record(each) for each in assessments],
        "audit": await audit_about(session, entity_ids),
    }


async def _rows(session: AsyncSession, statement: Any) -> list[dict[str, Any]]:
    return [as_record(each) for each in (await session.scalars(statement)).all()]


class CareNotEnded(Conflict):
    title = "The person's care has not ended"


class PersonUnknown(NotFound):
    title = "Packages holds nothing about that client reference"


async def people_past_retention(session: AsyncSession, *, cutoff: date,
                                client_ref: str | None = None) -> list[tuple[str, date]]:
    """The client references (or just `client_ref`) whose packages have all ended, the last before `cutoff`,
    not yet erased, with the day their care ended."""
    ended = func.max(Package.end_on)
    in_care = func.sum(case((Package.status != PackageStatus.ENDED, 1), else_=0))
    chosen = Package.client_ref == client_ref if client_ref is not None else true()
    rows = await session.execute(
        select(Package.client_ref, ended)
        .where(Package.client_ref.not_like(f"{MARKER_PREFIX}%"), chosen)
        .group_by(Package.client_ref)
        .having(in_care == 0, ended < cutoff)
        .order_by(Package.client_ref))
    return [(client_ref, ended_on) for client_ref, ended_on in rows if ended_on is not None]


async def erase_person(session: AsyncSession, *, client_ref: str, care_ended_on: date) -> uuid.UUID | None:
    """Erases packages' part of the person and publishes that the others' is due, in one transaction.
    Returns the erasure's id, or None when another pass erased them first (its update came first)."""
    erasure_id = uuid.uuid4()
    marker = erasure_marker(erasure_id)
    package_ids = list((await session.scalars(
        update(Package).where(Package.client_ref == client_ref).values(client_ref=marker)
        .returning(Package.id))).all())
    if not package_ids:
        return None
    erased = {"packages": len(package_ids), **await _erase_rows(session, client_ref=client_ref, marker=marker,
                                                                package_ids=package_ids)}
    await _report_erasure(session, PersonErasureDue(erasure_id=erasure_id, client_ref=client_ref, marker=marker,
                                                    package_ids=package_ids, care_ended_on=care_ended_on), erased)
    return erasure_id


async def assessed_only_past_retention(session: AsyncSession, *, cutoff: date) -> list[tuple[str, date]]:
    """The client references (not yet erased) with a financial assessment but never a package, whose last
    assessment (by when it took effect or was recorded, the later) was before `cutoff`, with that day."""
    has_package = select(Package.id).where(Package.client_ref == FinancialAssessment.client_ref).exists()
    rows = await session.execute(
        select(FinancialAssessment.client_ref, func.max(FinancialAssessment.effective_from),
               func.max(FinancialAssessment.created_at))
        .where(FinancialAssessment.client_ref.not_like(f"{MARKER_PREFIX}%"), ~has_package)
        .group_by(FinancialAssessment.client_ref).order_by(FinancialAssessment.client_ref))
    lasts = [(client_ref, max(effective, created.date())) for client_ref, effective, created in rows]
    return [(client_ref, last) for client_ref, last in lasts if last < cutoff]


async def erase_assessed_only(session: AsyncSession, *, client_ref: str, last_assessed_on: date) -> uuid.UUID | None:
    """Erases a person assessed but never given a package: their assessments are packages' whole part, and the
    event tells the others as for anyone else (no packages named). None when another pass came first."""
    erasure_id = uuid.uuid4()
    marker = erasure_marker(erasure_id)
    assessment_ids = await _unlink_assessments(session, client_ref=client_ref, marker=marker)
    if not assessment_ids:
        return None
    audit_entries = await erase_from_audit(session, entity_ids=[*map(str, assessment_ids)], client_ref=client_ref,
                                           marker=marker, free_text=FREE_TEXT)
    await _report_erasure(session, PersonErasureDue(erasure_id=erasure_id, client_ref=client_ref, marker=marker,
                                                    package_ids=[], care_ended_on=last_assessed_on),
                          {"financial_assessments": len(assessment_ids), "audit_entries": audit_entries})
    return erasure_id


async def _report_erasure(session: AsyncSession, due: PersonErasureDue, erased: dict[str, int]) -> None:
    await record_erasure(session, erasure_id=due.erasure_id, erased=erased)
    await record_event(session, due)


async def erase_on_request(session: AsyncSession, *, client_ref: str, actor: Principal, today: date) -> uuid.UUID:
    """The data protection officer's erasure of one person now, whose care has ended (every package of theirs,
    by today): the same erasure as the retention job's, with who asked for it audited."""
    due = await people_past_retention(session, cutoff=today + timedelta(days=1), client_ref=client_ref)
    if not due:
        if await session.scalar(select(Package.id).where(Package.client_ref == client_ref).limit(1)) is None:
            raise PersonUnknown("Packages holds nothing about that client reference.")
        raise CareNotEnded("Every package of the person must have ended before they are erased.")
    [(_, ended_on)] = due
    erasure_id = await erase_person(session, client_ref=client_ref, care_ended_on=ended_on)
    if erasure_id is None:
        raise PersonUnknown("The person was erased meanwhile.")
    await record_audit(session, actor=actor, action="person.erasure_requested", entity_type="erasure",
                       entity_id=erasure_id)
    return erasure_id


async def _erase_rows(session: AsyncSession, *, client_ref: str, marker: str,
                      package_ids: Sequence[uuid.UUID]) -> dict[str, int]:
    """Unlinks the assessments (their contributions kept) and empties the free text about the person."""
    assessment_ids = await _unlink_assessments(session, client_ref=client_ref, marker=marker)
    visit_ids = select(Visit.id).where(Visit.package_id.in_(package_ids)).scalar_subquery()
    changes = {
        "suspension_reasons": update(Suspension).where(Suspension.package_id.in_(package_ids))
        .values(reason=ERASED),
        "visit_void_reasons": update(Visit).where(Visit.package_id.in_(package_ids), Visit.void_reason.is_not(None))
        .values(void_reason=ERASED),
        "visit_correction_reasons": update(VisitRevision).where(VisitRevision.visit_id.in_(visit_ids))
        .values(correction_reason=ERASED),
    }
    erased = {"financial_assessments": len(assessment_ids)}
    for name, statement in changes.items():
        result = await session.execute(statement.execution_options(synchronize_session=False))
        erased[name] = int(getattr(result, "rowcount", 0))
    erased["audit_entries"] = await erase_from_audit(
        session, entity_ids=[*map(str, package_ids), *map(str, assessment_ids)], client_ref=client_ref,
        marker=marker, free_text=FREE_TEXT)
    return erased


async def _unlink_assessments(session: AsyncSession, *, client_ref: str, marker: str) -> list[uuid.UUID]:
    return list((await session.scalars(
        update(FinancialAssessment).where(FinancialAssessment.client_ref == client_ref)
        .values(client_ref=marker).returning(FinancialAssessment.id))).all())


async def erase_past_retention(database: Database, *, years: int, today: date) -> list[uuid.UUID]:
    """The retention job's pass: each person whose care ended more than `years` ago, and each assessed but
    never given a package whose last assessment is that old, is erased in a transaction of their own (safe
    with several replicas: the first update wins). Returns the erasures."""
    cutoff = years_before(today, years)
    async with database.sessionmaker() as session:
        due = [partial(erase_person, client_ref=client_ref, care_ended_on=ended_on)
               for client_ref, ended_on in await people_past_retention(session, cutoff=cutoff)]
        due += [partial(erase_assessed_only, client_ref=client_ref, last_assessed_on=last_assessed_on)
                for client_ref, last_assessed_on in await assessed_only_past_retention(session, cutoff=cutoff)]
    erasures = []
    for erase in due:
        async with database.sessionmaker() as session, session.begin():
            erasures.append(await erase(session))
    return [erasure_id for erasure_id in erasures if erasure_id is not None]
