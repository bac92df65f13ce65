"""The one place listing the events the registry handles (quality escalations, issue 6)."""

from sqlalchemy.ext.asyncio import AsyncSession

from services.providers.registry import service
from shared.clock import Clock
from shared.contracts.quality import EscalationCleared, ProviderEscalated
from shared.events.consumer import EventHandlers
from shared.events.envelope import EventEnvelope


def build_handlers(clock: Clock) -> EventHandlers:
    handlers = EventHandlers()

    @handlers.on(ProviderEscalated.event_type)
    async def embargo_on_escalation(session: AsyncSession, envelope: EventEnvelope) -> None:
        await service.impose_escalation_embargo(session, escalation=envelope.payload_as(ProviderEscalated),
                                                now=clock.now())

    @handlers.on(EscalationCleared.event_type)
    async def suggest_lifting_on_clearance(session: AsyncSession, envelope: EventEnvelope) -> None:
        await service.suggest_lift(session, cleared=envelope.payload_as(EscalationCleared))

    return handlers
