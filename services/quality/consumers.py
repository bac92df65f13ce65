"""The one place listing the events quality handles: the registry's providers (read model and ratings),
brokerage's referrals and offers (dashboards, decline and expiry evidence) and packages' visit reports
(missed and late visits, short visits). Handlers run inside the consumer's inbox transaction."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from services.quality.clock import utcnow
from services.quality.dashboard.service import note_decline, note_referral, note_visits
from services.quality.intelligence.domain import VISIT_SEVERITY, visit_evidence
from services.quality.readmodel.service import apply_provider
from services.quality.risk.domain import EvidenceItem, EvidenceKind, Severity
from services.quality.risk.service import add_evidence_and_reassess, locked_provider
from services.quality.settings import QualitySettings
from shared.contracts.brokerage import (
    OfferDeclined,
    OfferExpired,
    ReferralCancelled,
    ReferralCreated,
    ReferralPlaced,
    ReferralUnsourced,
)
from shared.contracts.packages import VisitFacts, VisitsRecorded
from shared.contracts.providers import PROVIDER_STATE_EVENTS, ProviderState
from shared.events.consumer import EventHandlers
from shared.events.envelope import EventEnvelope

logger = logging.getLogger(__name__)
Handler = Callable[[AsyncSession, EventEnvelope], Awaitable[None]]


def _visit_items(visits: list[VisitFacts], late_threshold: int) -> list[EvidenceItem]:
    items = []
    for visit in visits:
        kind = visit_evidence(missed=visit.missed, late_by_minutes=visit.late_by_minutes,
                              late_threshold=late_threshold)
        if kind is not None:
            items.append(EvidenceItem(kind=kind, severity=VISIT_SEVERITY[kind], occurred_on=visit.date,
                                      source_id=str(visit.visit_id)))
    return items


async def _evidence_from_event(
    session: AsyncSession, *, provider_id: uuid.UUID, items: list[EvidenceItem], source_type: str,
    settings: QualitySettings,
) -> None:
    """Evidence about a provider the registry has not announced (yet) is left out, not retried forever."""
    if not items:
        return
    provider = await locked_provider(session, provider_id=provider_id)
    if provider is None:
        logger.warning("evidence from %s about an unknown provider %s left out", source_type, provider_id)
        return
    await add_evidence_and_reassess(session, provider=provider, items=items, source_type=source_type,
                                    settings=settings, now=utcnow())


def build_handlers(settings: QualitySettings) -> EventHandlers:
    handlers = EventHandlers()

    async def provider_state(session: AsyncSession, envelope: EventEnvelope) -> None:
        state = ProviderState.model_validate(envelope.payload["provider"])
        await apply_provider(session, state=state, settings=settings, now=utcnow())

    for event in PROVIDER_STATE_EVENTS:
        handlers.on(event.event_type)(provider_state)

    @handlers.on(ReferralCreated.event_type)
    async def referral_created(session: AsyncSession, envelope: EventEnvelope) -> None:
        await note_referral(session, facts=envelope.payload_as(ReferralCreated).referral, status="sourcing")

    @handlers.on(ReferralPlaced.event_type)
    async def referral_placed(session: AsyncSession, envelope: EventEnvelope) -> None:
        placed = envelope.payload_as(ReferralPlaced)
        await note_referral(session, facts=placed.referral, status="placed", placed_at=placed.placed_at,
                            imported=placed.imported)

    @handlers.on(ReferralUnsourced.event_type)
    async def referral_unsourced(session: AsyncSession, envelope: EventEnvelope) -> None:
        await note_referral(session, facts=envelope.payload_as(ReferralUnsourced).referral, status="unsourced")

    @handlers.on(ReferralCancelled.event_type)
    async def referral_cancelled(session: AsyncSession, envelope: EventEnvelope) -> None:
        await note_referral(session, facts=envelope.payload_as(ReferralCancelled).referral, status="cancelled")

    @handlers.on(OfferDeclined.event_type)
    async def offer_declined(session: AsyncSession, envelope: EventEnvelope) -> None:
        declined = envelope.payload_as(OfferDeclined)
        offer = declined.offer
        await note_decline(session, offer_id=offer.offer_id, provider_id=offer.provider_id,
                           reason=declined.reason.value, at=offer.at)
        item = EvidenceItem(kind=EvidenceKind.OFFER_DECLINED, severity=Severity.LOW, occurred_on=offer.at.date(),
                            source_id=str(offer.offer_id))
        await _evidence_from_event(session, provider_id=offer.provider_id, items=[item], source_type="offer",
                                   settings=settings)

    @handlers.on(OfferExpired.event_type)
    async def offer_expired(session: AsyncSession, envelope: EventEnvelope) -> None:
        offer = envelope.payload_as(OfferExpired).offer
        item = EvidenceItem(kind=EvidenceKind.OFFER_EXPIRED, severity=Severity.LOW, occurred_on=offer.at.date(),
                            source_id=str(offer.offer_id))
        await _evidence_from_event(session, provider_id=offer.provider_id, items=[item], source_type="offer",
                                   settings=settings)

    @handlers.on(VisitsRecorded.event_type)
    async def visits_recorded(session: AsyncSession, envelope: EventEnvelope) -> None:
        recorded = envelope.payload_as(VisitsRecorded)
        await note_visits(session, provider_id=recorded.provider_id, visits=recorded.visits,
                          late_threshold=settings.late_visit_minutes)
        await _evidence_from_event(session, provider_id=recorded.provider_id,
                                   items=_visit_items(recorded.visits, settings.late_visit_minutes),
                                   source_type="visit", settings=settings)

    return handlers
