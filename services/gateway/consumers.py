"""The one place listing the events the gateway handles: a person's erasure past retention (by packages, or
by brokerage for someone never placed), which unlinks them from the gateway's audit of who asked for their
record. Handlers run inside the consumer's inbox transaction."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts.brokerage import PersonErased
from shared.contracts.packages import PersonErasureDue
from shared.events.consumer import EventHandlers
from shared.events.envelope import EventEnvelope
from shared.personal import already_erased, erase_from_audit, record_erasure


async def erase_person(session: AsyncSession, *, erasure_id: uuid.UUID, client_ref: str, marker: str) -> None:
    """The requests for the person's record stay audited (who asked, when), for the marker, not the person."""
    if await already_erased(session, erasure_id):
        return
    entries = await erase_from_audit(session, entity_ids=(), client_ref=client_ref, marker=marker, free_text=())
    await record_erasure(session, erasure_id=erasure_id, erased={"audit_entries": entries})


def build_handlers() -> EventHandlers:
    handlers = EventHandlers()

    @handlers.on(PersonErasureDue.event_type)
    async def on_erasure_due(session: AsyncSession, envelope: EventEnvelope) -> None:
        due = envelope.payload_as(PersonErasureDue)
        await erase_person(session, erasure_id=due.erasure_id, client_ref=due.client_ref, marker=due.marker)

    @handlers.on(PersonErased.event_type)
    async def on_erased_by_brokerage(session: AsyncSession, envelope: EventEnvelope) -> None:
        erased = envelope.payload_as(PersonErased)
        await erase_person(session, erasure_id=erased.erasure_id, client_ref=erased.client_ref, marker=erased.marker)

    return handlers
