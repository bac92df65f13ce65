"""The one place listing the events brokerage handles: the provider registry (its read model), packages
(hours placed, and a person's erasure past retention), and its own offers made (a provider's webhook).
Handlers run inside the consumer's inbox transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage.cascade.sourcing import retry_waiting_list, withdraw_ineligible_offers
from services.brokerage.people.service import erase_person
from services.brokerage.readmodel.service import (
    apply_area,
    apply_package,
    apply_provider,
    lock_provider_areas,
)
from services.brokerage.settings import BrokerageSettings
from services.brokerage.webhooks.service import queue_offer_made
from shared.clock import Clock
from shared.contracts.brokerage import OfferMade
from shared.contracts.packages import (
    PackageChanged,
    PackageEnded,
    PackageResumed,
    PackageStatus,
    PackageSuspended,
    PersonErasureDue,
)
from shared.contracts.providers import (
    PROVIDER_STATE_EVENTS,
    AreaChanged,
    AreaCreated,
    AreaState,
    CapacityChanged,
    ContractsChanged,
    EmbargoEnded,
    EmbargoLifted,
    ProviderRegistered,
    ProviderState,
)
from shared.events.consumer import EventHandlers
from shared.events.envelope import EventEnvelope

WAITING_LIST_TRIGGERS = frozenset(
    each.event_type for each in (CapacityChanged, EmbargoLifted, EmbargoEnded, ContractsChanged, ProviderRegistered)
)
"""DOMAIN.md: the waiting list is retried when capacity appears, an embargo is lifted or ends, or a
provider is admitted or gains a contract. A package that ends frees its provider's hours (a cap, block
hours), so that retries its area's list too; what changes with time alone the periodic pass catches."""

PACKAGE_STATUS = {
    PackageChanged.event_type: PackageStatus.ACTIVE,
    PackageResumed.event_type: PackageStatus.ACTIVE,
    PackageSuspended.event_type: PackageStatus.SUSPENDED,
    PackageEnded.event_type: PackageStatus.ENDED,
}


def build_handlers(settings: BrokerageSettings, clock: Clock) -> EventHandlers:
    handlers = EventHandlers()

    async def on_area(session: AsyncSession, envelope: EventEnvelope) -> None:
        await apply_area(session, area=AreaState.model_validate(envelope.payload["area"]))

    async def on_provider(session: AsyncSession, envelope: EventEnvelope) -> None:
        state = ProviderState.model_validate(envelope.payload["provider"])
        await lock_provider_areas(session, state=state)
        if not await apply_provider(session, state=state, at=envelope.occurred_at):
            return
        now = clock.now()
        await withdraw_ineligible_offers(session, provider_id=state.id, settings=settings, now=now)
        if envelope.type in WAITING_LIST_TRIGGERS:
            await retry_waiting_list(session, areas={each.area for each in state.contracts}, settings=settings,
                                     now=now)

    async def on_package(session: AsyncSession, envelope: EventEnvelope) -> None:
        package = envelope.payload_as(PackageChanged).package
        status = PACKAGE_STATUS[envelope.type]
        applied = await apply_package(session, package=package, status=status, at=envelope.occurred_at)
        if applied and status is PackageStatus.ENDED:  # its hours are free again
            await retry_waiting_list(session, areas={package.area}, settings=settings, now=clock.now())

    @handlers.on(OfferMade.event_type)
    async def on_offer_made(session: AsyncSession, envelope: EventEnvelope) -> None:
        await queue_offer_made(session, made=envelope.payload_as(OfferMade))

    @handlers.on(PersonErasureDue.event_type)
    async def on_erasure_due(session: AsyncSession, envelope: EventEnvelope) -> None:
        await erase_person(session, due=envelope.payload_as(PersonErasureDue))

    for area_event in (AreaCreated, AreaChanged):
        handlers.on(area_event.event_type)(on_area)
    for provider_event in PROVIDER_STATE_EVENTS:
        handlers.on(provider_event.event_type)(on_provider)
    for package_event in PACKAGE_STATUS:
        handlers.on(package_event)(on_package)
    return handlers
