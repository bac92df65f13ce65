"""Recording concerns, monitoring visits and feedback: each is stored, becomes evidence and rescores the
provider in the same transaction, so the matrix (and an escalation) is never behind the records."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.quality.intelligence.domain import (
    after_today,
    concern_evidence_kind,
    feedback_severity,
    finding_severity,
)
from services.quality.intelligence.exceptions import DatedInFuture
from services.quality.intelligence.models import Concern, Feedback, MonitoringVisit
from services.quality.intelligence.schemas import ConcernIn, FeedbackIn, MonitoringVisitIn
from services.quality.listing import keyset_page
from services.quality.risk.domain import EvidenceItem, EvidenceKind
from services.quality.risk.service import add_evidence_and_reassess, known_provider
from services.quality.settings import QualitySettings
from shared.audit import record_audit
from shared.auth import Principal
from shared.pagination import PageRequest

Record = TypeVar("Record", Concern, MonitoringVisit, Feedback)


async def _store(
    session: AsyncSession, *, record: Concern | MonitoringVisit | Feedback, actor: Principal, entity_type: str,
    after: dict[str, Any],
) -> None:
    session.add(record)
    await session.flush()
    await record_audit(session, actor=actor, action=f"{entity_type}.recorded", entity_type=entity_type,
                       entity_id=record.id, after=after)


def _not_after_today(day: date | None, *, field: str, now: datetime) -> None:
    if after_today(day, now=now):
        raise DatedInFuture(field)


async def record_concern(
    session: AsyncSession, *, actor: Principal, data: ConcernIn, settings: QualitySettings, now: datetime
) -> Concern:
    _not_after_today(data.occurred_on, field="occurred_on", now=now)
    provider = await known_provider(session, provider_id=data.provider_id)
    concern = Concern(provider_id=data.provider_id, package_id=data.package_id, kind=data.kind.value,
                      severity=data.severity.value, summary=data.summary,
                      occurred_on=data.occurred_on or now.date(), recorded_by=actor.subject, created_at=now)
    await _store(session, record=concern, actor=actor, entity_type="concern", after=data.model_dump(mode="json"))
    item = EvidenceItem(kind=concern_evidence_kind(data.kind), severity=data.severity,
                        occurred_on=concern.occurred_on, source_id=str(concern.id))
    await add_evidence_and_reassess(session, provider=provider, items=[item], source_type="concern",
                                    settings=settings, now=now)
    return concern


async def record_monitoring_visit(
    session: AsyncSession, *, actor: Principal, data: MonitoringVisitIn, settings: QualitySettings, now: datetime
) -> MonitoringVisit:
    _not_after_today(data.visited_on, field="visited_on", now=now)
    provider = await known_provider(session, provider_id=data.provider_id)
    payload = data.model_dump(mode="json")
    visit = MonitoringVisit(provider_id=data.provider_id, visited_on=data.visited_on, summary=data.summary,
                            findings=payload["findings"], recorded_by=actor.subject, created_at=now)
    await _store(session, record=visit, actor=actor, entity_type="monitoring_visit", after=payload)
    items = [
        EvidenceItem(kind=EvidenceKind.MONITORING_FINDING, severity=severity, occurred_on=data.visited_on,
                     source_id=f"{visit.id}:{finding.area.value}")
        for finding in data.findings
        if (severity := finding_severity(finding.outcome)) is not None
    ]
    await add_evidence_and_reassess(session, provider=provider, items=items, source_type="monitoring_visit",
                                    settings=settings, now=now)
    return visit


async def record_feedback(
    session: AsyncSession, *, actor: Principal, data: FeedbackIn, settings: QualitySettings, now: datetime
) -> Feedback:
    _not_after_today(data.received_on, field="received_on", now=now)
    provider = await known_provider(session, provider_id=data.provider_id)
    payload = data.model_dump(mode="json")
    feedback = Feedback(provider_id=data.provider_id, package_id=data.package_id,
                        received_on=data.received_on or now.date(), scores=payload["scores"],
                        comments=data.comments, recorded_by=actor.subject, created_at=now)
    await _store(session, record=feedback, actor=actor, entity_type="feedback", after=payload)
    severity = feedback_severity(data.scores)
    items = [] if severity is None else [EvidenceItem(kind=EvidenceKind.FEEDBACK, severity=severity,
                                                      occurred_on=feedback.received_on, source_id=str(feedback.id))]
    await add_evidence_and_reassess(session, provider=provider, items=items, source_type="feedback",
                                    settings=settings, now=now)
    return feedback


async def list_records(
    session: AsyncSession, *, model: type[Record], actor: Principal, page: PageRequest,
    provider_id: uuid.UUID | None,
) -> tuple[list[Record], str | None]:
    """A page of records, oldest first; the read is audited (concerns and feedback are about people)."""
    query = select(model)
    if provider_id is not None:
        query = query.where(model.provider_id == provider_id)
    rows, cursor = await keyset_page(session, query, created_at=model.created_at, id_column=model.id, page=page)
    await record_audit(session, actor=actor, action=f"{model.__tablename__}.listed", entity_type=model.__tablename__,
                       entity_id=provider_id or "*", after={"ids": [str(row.id) for row in rows]})
    return rows, cursor
