"""The one place listing the events packages handles: brokerage's placements (a package each, and the
corrections of imported ones) and the
registry's providers (their agreed rates and block contracts). Handlers run inside the consumer's inbox
transaction."""

from sqlalchemy.ext.asyncio import AsyncSession

from services.packages.care.service import correct_imported, create_from_referral
from services.packages.contracts.service import apply_provider_state
from services.packages.settings import PackagesSettings
from shared.contracts.brokerage import PlacementCorrected, ReferralPlaced
from shared.contracts.providers import PROVIDER_STATE_EVENTS, ProviderState
from shared.events.consumer import EventHandlers
from shared.events.envelope import EventEnvelope


async def keep_provider_contracts(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Agreed rates and block contracts come from whichever provider event is newest."""
    await apply_provider_state(session, state=ProviderState.model_validate(envelope.payload["provider"]))


def build_handlers(settings: PackagesSettings) -> EventHandlers:
    handlers = EventHandlers()
    calendar = settings.calendar

    @handlers.on(ReferralPlaced.event_type)
    async def commission_placed_referral(session: AsyncSession, envelope: EventEnvelope) -> None:
        """The new package is costed, and its creation published, with the council's night window."""
        await create_from_referral(session, placed=envelope.payload_as(ReferralPlaced), calendar=calendar)

    @handlers.on(PlacementCorrected.event_type)
    async def correct_imported_placement(session: AsyncSession, envelope: EventEnvelope) -> None:
        await correct_imported(session, corrected=envelope.payload_as(PlacementCorrected), calendar=calendar)

    for event in PROVIDER_STATE_EVENTS:
        handlers.on(event.event_type)(keep_provider_contracts)
    return handlers
