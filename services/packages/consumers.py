"""HANDLERS: the one place listing the events packages handles."""

from sqlalchemy.ext.asyncio import AsyncSession

from services.packages.care.service import create_from_referral
from services.packages.contracts.service import apply_provider_state
from shared.contracts.brokerage import ReferralPlaced
from shared.contracts.providers import PROVIDER_STATE_EVENTS, ProviderState
from shared.events.consumer import EventHandlers
from shared.events.envelope import EventEnvelope

HANDLERS = EventHandlers()


@HANDLERS.on(ReferralPlaced.event_type)
async def commission_placed_referral(session: AsyncSession, envelope: EventEnvelope) -> None:
    await create_from_referral(session, placed=envelope.payload_as(ReferralPlaced))


async def keep_provider_contracts(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Agreed rates and block contracts come from whichever provider event is newest."""
    await apply_provider_state(session, state=ProviderState.model_validate(envelope.payload["provider"]))


for _event_type in PROVIDER_STATE_EVENTS:
    HANDLERS.on(_event_type.event_type)(keep_provider_contracts)
