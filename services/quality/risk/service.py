"""Use cases of the risk matrix: add evidence and reassess in the same transaction, escalate, review."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.quality.listing import keyset_page
from services.quality.performance.models import VisitPerformance
from services.quality.performance.service import latest_reports
from services.quality.plans.models import PlanAction
from services.quality.readmodel.models import KnownProvider
from services.quality.risk.domain import (
    Assessment,
    Contribution,
    EvidenceItem,
    EvidenceKind,
    OverdueAction,
    RatingFact,
    RiskPolicy,
    Severity,
    assess,
    is_escalation,
)
from services.quality.risk.exceptions import NotAssessed, UnknownProvider
from services.quality.risk.models import Evidence, ProviderRisk, RiskChange, RiskReview
from services.quality.risk.schemas import ReviewIn
from services.quality.settings import QualitySettings
from shared.audit import record_audit
from shared.auth import Principal
from shared.contracts.common import Rag
from shared.contracts.quality import EscalationCleared, ProviderEscalated, RiskChanged
from shared.db import Database
from shared.errors import Unprocessable
from shared.events.outbox import record_event
from shared.pagination import PageRequest, next_cursor

OPEN_ACTION_STATUSES = ("open", "in_progress")


def policy_from(settings: QualitySettings) -> RiskPolicy:
    return RiskPolicy(
        half_life_days=settings.half_life_days,
        window_days=settings.evidence_window_days,
        amber=settings.amber_threshold,
        red=settings.red_threshold,
        inadequate_is_red=settings.inadequate_is_red,
        requires_improvement_points=settings.requires_improvement_points,
        overdue_action_points=settings.overdue_action_points,
    )


async def locked_provider(session: AsyncSession, *, provider_id: uuid.UUID) -> KnownProvider | None:
    """Locks the provider's row, so evidence for one provider is scored one transaction at a time."""
    return await session.scalar(select(KnownProvider).where(KnownProvider.id == provider_id).with_for_update())


async def known_provider(session: AsyncSession, *, provider_id: uuid.UUID) -> KnownProvider:
    """The locked provider a record is about; officers may only record about providers the registry announced."""
    provider = await locked_provider(session, provider_id=provider_id)
    if provider is None:
        raise UnknownProvider()
    return provider


def _rating_of(provider: KnownProvider) -> RatingFact | None:
    if provider.rating_overall is None or provider.rating_rank is None:
        return None
    return RatingFact(overall=provider.rating_overall, quality_rank=provider.rating_rank,
                      inadequate=provider.rating_inadequate)


async def _evidence_of(session: AsyncSession, provider_id: uuid.UUID, since: date) -> list[EvidenceItem]:
    rows = await session.scalars(
        select(Evidence).where(Evidence.provider_id == provider_id, Evidence.occurred_on >= since)
    )
    return [EvidenceItem(kind=EvidenceKind(row.kind), severity=Severity(row.severity),
                         occurred_on=row.occurred_on, source_id=f"{row.source_type}:{row.source_id}",
                         detail=row.detail)
            for row in rows]


async def _overdue_of(session: AsyncSession, provider_id: uuid.UUID, today: date) -> list[OverdueAction]:
    rows = await session.scalars(
        select(PlanAction).where(PlanAction.provider_id == provider_id, PlanAction.due_on < today,
                                 PlanAction.status.in_(OPEN_ACTION_STATUSES))
    )
    return [OverdueAction(action_id=f"action:{row.id}", due_on=row.due_on) for row in rows]


def _evidence_json(line: Contribution) -> dict[str, Any]:
    """The line as stored with the matrix row (JSON: decimals and dates as strings)."""
    return {"kind": line.kind.value, "points": str(line.points),
            "severity": line.severity.value if line.severity else None,
            "occurred_on": line.occurred_on.isoformat() if line.occurred_on else None,
            "source_id": line.source_id, "detail": line.detail}


async def reassess(
    session: AsyncSession, *, provider: KnownProvider, settings: QualitySettings, now: datetime
) -> ProviderRisk:
    """Scores the provider from its evidence now; records `risk.changed` when score or RAG moved and
    `provider.escalated` when it turned red under the escalation policy (once until cleared)."""
    policy, today = policy_from(settings), now.date()
    assessment = assess(
        evidence=await _evidence_of(session, provider.id, today - timedelta(days=policy.window_days)),
        rating=_rating_of(provider),
        overdue_actions=await _overdue_of(session, provider.id, today),
        today=today,
        policy=policy,
    )
    risk = await session.get(ProviderRisk, provider.id)
    previous = (Rag(risk.rag), risk.score) if risk is not None else None
    if risk is None:
        risk = ProviderRisk(provider_id=provider.id, open_escalation_id=None, escalated_at=None)
        session.add(risk)
    risk.score, risk.rag, risk.assessed_at = assessment.score, assessment.rag.value, now
    risk.evidence = [_evidence_json(line) for line in assessment.contributions]
    await session.flush()
    if previous != (assessment.rag, assessment.score):
        previous_rag = previous[0] if previous else None
        session.add(RiskChange(provider_id=provider.id, score=assessment.score, rag=assessment.rag.value, at=now))
        await record_event(session, RiskChanged(provider_id=provider.id, score=assessment.score,
                                                rag=assessment.rag, previous_rag=previous_rag, at=now))
        await _escalate_if_due(session, risk=risk, assessment=assessment, previous=previous_rag,
                               enabled=settings.escalation_enabled, now=now)
    return risk


async def _escalate_if_due(
    session: AsyncSession, *, risk: ProviderRisk, assessment: Assessment, previous: Rag | None,
    enabled: bool, now: datetime,
) -> None:
    """DOMAIN.md: red risk leads to an embargo on new work; the registry imposes it on this event."""
    if not enabled or risk.open_escalation_id is not None:
        return
    if not is_escalation(previous=previous, current=assessment.rag):
        return
    risk.open_escalation_id, risk.escalated_at = uuid.uuid4(), now
    await session.flush()
    reason = f"Risk score {assessment.score} reached red (threshold met by {len(assessment.contributions)} items)"
    await record_event(session, ProviderEscalated(provider_id=risk.provider_id,
                                                  escalation_id=risk.open_escalation_id,
                                                  score=assessment.score, reason=reason, at=now))


async def add_evidence_and_reassess(
    session: AsyncSession,
    *,
    provider: KnownProvider,
    items: list[EvidenceItem],
    source_type: str,
    settings: QualitySettings,
    now: datetime,
) -> ProviderRisk:
    """Adds evidence (maybe none) about a locked provider and rescores it in the same transaction."""
    for item in items:
        session.add(Evidence(provider_id=provider.id, kind=item.kind.value, severity=item.severity.value,
                             occurred_on=item.occurred_on, source_type=source_type, source_id=item.source_id,
                             detail=item.detail, created_at=now))
    await session.flush()
    return await reassess(session, provider=provider, settings=settings, now=now)


async def replace_evidence_and_reassess(
    session: AsyncSession,
    *,
    provider: KnownProvider,
    source_type: str,
    source_ids: Collection[str],
    items: list[EvidenceItem],
    settings: QualitySettings,
    now: datetime,
) -> None:
    """What the sources named said before is dropped and `items` (maybe none) stand in its place: a
    corrected visit or a restated period replaces its earlier evidence instead of adding to it. With
    nothing dropped and nothing added (a batch of punctual visits) the provider is not rescored."""
    result = await session.execute(delete(Evidence).where(Evidence.provider_id == provider.id,
                                                          Evidence.source_type == source_type,
                                                          Evidence.source_id.in_(source_ids)))
    removed: int = getattr(result, "rowcount", 0)
    if items or removed:
        await add_evidence_and_reassess(session, provider=provider, items=items, source_type=source_type,
                                        settings=settings, now=now)


async def _provider_ids(session: AsyncSession) -> list[uuid.UUID]:
    return list(await session.scalars(select(KnownProvider.id).order_by(KnownProvider.id)))


async def _reassess_locked(session: AsyncSession, provider_id: uuid.UUID, *, settings: QualitySettings,
                           now: datetime) -> None:
    provider = await locked_provider(session, provider_id=provider_id)
    if provider is not None:
        await reassess(session, provider=provider, settings=settings, now=now)


async def reassess_everyone(session: AsyncSession, *, settings: QualitySettings, now: datetime) -> None:
    """Time lowers old evidence and makes actions overdue, so a review rescores every provider first."""
    for provider_id in await _provider_ids(session):
        await _reassess_locked(session, provider_id, settings=settings, now=now)


async def rescore_as_time_passes(database: Database, *, settings: QualitySettings, now: datetime) -> int:
    """The background pass (every `QUALITY_RESCORE_SECONDS`): evidence weighs less as it ages and actions
    fall overdue without anyone acting, so every provider is rescored, each in a transaction of its own
    (row locks held briefly; safe with several replicas). Returns how many providers were rescored."""
    async with database.sessionmaker() as session:
        ids = await _provider_ids(session)
    for provider_id in ids:
        async with database.sessionmaker() as session, session.begin():
            await _reassess_locked(session, provider_id, settings=settings, now=now)
    return len(ids)


async def _clear_green_escalations(session: AsyncSession, *, reviewed_by: str, now: datetime) -> list[uuid.UUID]:
    """DOMAIN.md: back to green after a review, lifting the council embargo is suggested (a person lifts it)."""
    rows = list(await session.scalars(
        select(ProviderRisk).where(ProviderRisk.open_escalation_id.is_not(None), ProviderRisk.rag == Rag.GREEN.value)
        .order_by(ProviderRisk.provider_id)
    ))
    for risk in rows:
        assert risk.open_escalation_id is not None
        await record_event(session, EscalationCleared(provider_id=risk.provider_id,
                                                      escalation_id=risk.open_escalation_id,
                                                      reviewed_by=reviewed_by, at=now))
        risk.open_escalation_id, risk.escalated_at = None, None
    await session.flush()
    return [risk.provider_id for risk in rows]


async def _ensure_known(session: AsyncSession, provider_ids: set[uuid.UUID]) -> None:
    known = set(await session.scalars(select(KnownProvider.id).where(KnownProvider.id.in_(provider_ids))))
    if provider_ids - known:
        raise UnknownProvider()


async def record_review(
    session: AsyncSession, *, actor: Principal, data: ReviewIn, settings: QualitySettings, now: datetime
) -> RiskReview:
    """The fortnightly review (Rutland): rescores everyone, records who/when/decisions, clears escalations
    of providers found back to green."""
    await _ensure_known(session, {decision.provider_id for decision in data.decisions})
    await reassess_everyone(session, settings=settings, now=now)
    cleared = await _clear_green_escalations(session, reviewed_by=actor.subject, now=now)
    review = RiskReview(held_on=data.held_on, reviewed_by=actor.subject, notes=data.notes,
                        decisions=[decision.model_dump(mode="json") for decision in data.decisions],
                        cleared=[str(provider_id) for provider_id in cleared], created_at=now)
    session.add(review)
    await session.flush()
    await record_audit(session, actor=actor, action="risk_review.recorded", entity_type="risk_review",
                       entity_id=review.id, after={"held_on": data.held_on, "cleared": review.cleared,
                                                   "decisions": review.decisions})
    return review


async def matrix_page(
    session: AsyncSession, *, page: PageRequest, rag: Rag | None
) -> tuple[list[tuple[ProviderRisk, str, VisitPerformance | None]], str | None]:
    """The matrix in provider id order (a stable key for the cursor), optionally one colour; each row with
    its provider's name and latest period's visit performance."""
    query = (select(ProviderRisk, KnownProvider.name).join(KnownProvider, KnownProvider.id == ProviderRisk.provider_id)
             .order_by(ProviderRisk.provider_id).limit(page.limit + 1))
    if rag is not None:
        query = query.where(ProviderRisk.rag == rag.value)
    if page.cursor:
        query = query.where(ProviderRisk.provider_id > _cursor_id(page.cursor))
    rows = [(risk, name) for risk, name in (await session.execute(query))]
    cursor = next_cursor(rows, page.limit, lambda row: (str(row[0].provider_id),))
    rows = rows[: page.limit]
    reports = await latest_reports(session, provider_ids=[risk.provider_id for risk, _ in rows])
    return [(risk, name, reports.get(risk.provider_id)) for risk, name in rows], cursor


async def provider_row(
    session: AsyncSession, *, provider_id: uuid.UUID
) -> tuple[ProviderRisk, str, VisitPerformance | None]:
    """One provider's row of the matrix, with its name and latest period's visit performance."""
    found = (await session.execute(select(ProviderRisk, KnownProvider.name)
                                   .join(KnownProvider, KnownProvider.id == ProviderRisk.provider_id)
                                   .where(ProviderRisk.provider_id == provider_id))).first()
    if found is None:
        raise NotAssessed()
    risk, name = found
    reports = await latest_reports(session, provider_ids=[provider_id])
    return risk, name, reports.get(provider_id)


async def history_page(
    session: AsyncSession, *, provider_id: uuid.UUID, page: PageRequest, since: datetime | None
) -> tuple[list[RiskChange], str | None]:
    """The provider's score and RAG as they changed, oldest first (from `since` when given)."""
    query = select(RiskChange).where(RiskChange.provider_id == provider_id).order_by(RiskChange.id)
    if since is not None:
        query = query.where(RiskChange.at >= since)
    if page.cursor:
        query = query.where(RiskChange.id > _cursor_int(page.cursor))
    rows = list(await session.scalars(query.limit(page.limit + 1)))
    return rows[: page.limit], next_cursor(rows, page.limit, lambda row: (row.id,))


def _cursor_int(cursor: list[Any]) -> int:
    try:
        return int(cursor[0])
    except (ValueError, IndexError, TypeError):
        raise Unprocessable("The cursor is not one this API gave out.") from None


def _cursor_id(cursor: list[Any]) -> uuid.UUID:
    try:
        return uuid.UUID(str(cursor[0]))
    except (ValueError, IndexError):
        raise Unprocessable("The cursor is not one this API gave out.") from None


async def reviews_page(session: AsyncSession, *, page: PageRequest) -> tuple[list[RiskReview], str | None]:
    return await keyset_page(session, select(RiskReview), created_at=RiskReview.created_at,
                             id_column=RiskReview.id, page=page)
