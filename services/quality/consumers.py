"""The one place listing the events quality handles: the registry's providers (read model and ratings),
brokerage's referrals and offers (dashboards, decline and expiry evidence) and packages' visit reports
(missed and late visits, short visits), visit performance per period (call logging and punctuality) and a
person's erasure past retention (the free text of concerns and feedback naming their packages).
Handlers run inside the consumer's inbox transaction."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from services.quality.dashboard.service import note_decline, note_referral, note_visits
from services.quality.intelligence.domain import VISIT_SEVERITY, outcome_of, visit_evidence
from services.quality.people.service import erase_person
from services.quality.performance import domain as performance
from services.quality.performance.service import keep_latest, targets_from
from services.quality.readmodel.service import apply_provider
from services.quality.risk.domain import EvidenceItem, EvidenceKind, Severity
from services.quality.risk.service import locked_provider, replace_evidence_and_reassess
from services.quality.settings import QualitySettings
from shared.clock import Clock
from shared.contracts.brokerage import (
    OfferDeclined,
    OfferExpired,
    OfferFacts,
    ReferralCancelled,
    ReferralCreated,
    ReferralFacts,
    ReferralPlaced,
    ReferralStatus,
    ReferralUnsourced,
)
from shared.contracts.packages import PersonErasureDue, VisitFacts, VisitPerformanceReported, VisitsRecorded
from shared.contracts.providers import PROVIDER_STATE_EVENTS, ProviderState
from shared.events.consumer import EventHandlers
from shared.events.envelope import EventEnvelope

logger = logging.getLogger(__name__)
REFERRAL_STATUS_AFTER = {
    ReferralCreated.event_type: ReferralStatus.SOURCING,
    ReferralUnsourced.event_type: ReferralStatus.UNSOURCED,
    ReferralCancelled.event_type: ReferralStatus.CANCELLED,
}
"""The referral events that carry nothing but the referral's facts, and where each leaves it."""


def _visit_items(visits: list[VisitFacts], late_threshold: int) -> list[EvidenceItem]:
    items = []
    for visit in visits:
        kind = visit_evidence(outcome=outcome_of(visit), late_by_minutes=visit.late_by_minutes,
                              late_threshold=late_threshold)
        if kind is not None:
            items.append(EvidenceItem(kind=kind, severity=VISIT_SEVERITY[kind], occurred_on=visit.date,
                                      source_id=str(visit.visit_id)))
    return items


async def _evidence_from_event(
    session: AsyncSession, *, provider_id: uuid.UUID, source_type: str, source_ids: Collection[str],
    items: list[EvidenceItem], settings: QualitySettings, clock: Clock,
) -> None:
    """What the sources say now replaces what they said before (a corrected visit, a restated period; an
    offer is said once). Evidence about a provider the registry has not announced (yet) is left out, not
    retried forever."""
    if not source_ids:
        return
    provider = await locked_provider(session, provider_id=provider_id)
    if provider is None:
        logger.warning("evidence from %s about an unknown provider %s left out", source_type, provider_id)
        return
    await replace_evidence_and_reassess(session, provider=provider, source_type=source_type, source_ids=source_ids,
                                        items=items, settings=settings, now=clock.now())


def build_handlers(settings: QualitySettings, clock: Clock) -> EventHandlers:
    handlers = EventHandlers()

    async def provider_state(session: AsyncSession, envelope: EventEnvelope) -> None:
        state = ProviderState.model_validate(envelope.payload["provider"])
        await apply_provider(session, state=state, settings=settings, now=clock.now())

    for event in PROVIDER_STATE_EVENTS:
        handlers.on(event.event_type)(provider_state)

    async def referral_moved(session: AsyncSession, envelope: EventEnvelope) -> None:
        facts = ReferralFacts.model_validate(envelope.payload["referral"])
        await note_referral(session, facts=facts, status=REFERRAL_STATUS_AFTER[envelope.type])

    for event_type in REFERRAL_STATUS_AFTER:
        handlers.on(event_type)(referral_moved)

    @handlers.on(PersonErasureDue.event_type)
    async def erasure_due(session: AsyncSession, envelope: EventEnvelope) -> None:
        await erase_person(session, due=envelope.payload_as(PersonErasureDue))

    @handlers.on(ReferralPlaced.event_type)
    async def referral_placed(session: AsyncSession, envelope: EventEnvelope) -> None:
        placed = envelope.payload_as(ReferralPlaced)
        await note_referral(session, facts=placed.referral, status=ReferralStatus.PLACED, placed_at=placed.placed_at,
                            imported=placed.imported)

    async def offer_not_taken(session: AsyncSession, offer: OfferFacts, kind: EvidenceKind) -> None:
        """An offer declined or left to expire is evidence of little weight about its provider, said once."""
        item = EvidenceItem(kind=kind, severity=Severity.LOW, occurred_on=offer.at.date(),
                            source_id=str(offer.offer_id))
        await _evidence_from_event(session, provider_id=offer.provider_id, source_type="offer",
                                   source_ids=[item.source_id], items=[item], settings=settings, clock=clock)

    @handlers.on(OfferDeclined.event_type)
    async def offer_declined(session: AsyncSession, envelope: EventEnvelope) -> None:
        declined = envelope.payload_as(OfferDeclined)
        offer = declined.offer
        await note_decline(session, offer_id=offer.offer_id, provider_id=offer.provider_id,
                           reason=declined.reason, at=offer.at)
        await offer_not_taken(session, offer, EvidenceKind.OFFER_DECLINED)

    @handlers.on(OfferExpired.event_type)
    async def offer_expired(session: AsyncSession, envelope: EventEnvelope) -> None:
        await offer_not_taken(session, envelope.payload_as(OfferExpired).offer, EvidenceKind.OFFER_EXPIRED)

    @handlers.on(VisitsRecorded.event_type)
    async def visits_recorded(session: AsyncSession, envelope: EventEnvelope) -> None:
        recorded = envelope.payload_as(VisitsRecorded)
        counted = await note_visits(session, provider_id=recorded.provider_id, visits=recorded.visits,
                                    late_threshold=settings.late_visit_minutes)
        await _evidence_from_event(session, provider_id=recorded.provider_id, source_type="visit",
                                   source_ids=[str(visit.visit_id) for visit in counted],
                                   items=_visit_items(counted, settings.late_visit_minutes), settings=settings,
                                   clock=clock)

    @handlers.on(VisitPerformanceReported.event_type)
    async def visit_performance_reported(session: AsyncSession, envelope: EventEnvelope) -> None:
        report = envelope.payload_as(VisitPerformanceReported)
        targets = targets_from(settings)
        if not await keep_latest(session, report=report, reported_at=envelope.occurred_at, targets=targets):
            return
        await _evidence_from_event(session, provider_id=report.provider_id, source_type=performance.SOURCE_TYPE,
                                   source_ids=[performance.period_source_id(report)],
                                   items=performance.performance_evidence(report, targets), settings=settings,
                                   clock=clock)

    return handlers
