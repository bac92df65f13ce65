"""What brokerage holds about a client reference (referrals, their cascade history, offers, placements and
the webhook deliveries that told providers of them) and its erasure when packages says it is due. A referral
still open (sourcing, or on the waiting list) is care being sought now: it is kept as it is."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage.offers.models import Offer
from services.brokerage.referrals.models import HistoryEntry, Placement, Referral
from services.brokerage.webhooks.models import WebhookDelivery
from shared.contracts.brokerage import ReferralStatus
from shared.contracts.packages import PersonErasureDue
from shared.personal import (
    ERASED,
    Person,
    Sections,
    already_erased,
    as_record,
    audit_about,
    erase_from_audit,
    record_erasure,
    scrubbed_json,
)

OPEN = (ReferralStatus.SOURCING, ReferralStatus.UNSOURCED)
FREE_TEXT = ("detail", "decline_detail", "needs")
"""The fields of brokerage's records (and of their audit entries and webhook bodies) erasure empties."""


async def person_record(session: AsyncSession, person: Person) -> Sections:
    referrals = (await session.scalars(select(Referral).where(Referral.client_ref == person.client_ref)
                                       .order_by(Referral.created_at))).all()
    ids = [referral.id for referral in referrals]
    offers = (await session.scalars(select(Offer).where(Offer.referral_id.in_(ids)).order_by(Offer.created_at))).all()
    return {
        "referrals": [as_record(each) for each in referrals],
        "referral_history": await _rows(session, select(HistoryEntry).where(HistoryEntry.referral_id.in_(ids))
                                        .order_by(HistoryEntry.id)),
        "offers": [as_record(each) for each in offers],
        "placements": await _rows(session, select(Placement).where(Placement.referral_id.in_(ids))),
        "webhook_deliveries": await _rows(session, _deliveries_about(ids)),
        "audit": await audit_about(session, [person.client_ref, *map(str, ids), *(str(each.id) for each in offers)]),
    }


async def _rows(session: AsyncSession, statement: Any) -> list[dict[str, Any]]:
    return [as_record(each) for each in (await session.scalars(statement)).all()]


def _deliveries_about(referral_ids: Sequence[uuid.UUID]) -> Any:
    """Deliveries whose body names one of the referrals (an offer's body carries its referral's facts)."""
    if not referral_ids:
        return select(WebhookDelivery).where(WebhookDelivery.id.is_(None))
    return (select(WebhookDelivery).where(or_(*(WebhookDelivery.body.contains(str(each)) for each in referral_ids)))
            .order_by(WebhookDelivery.next_attempt_at))


async def erase_person(session: AsyncSession, *, due: PersonErasureDue) -> None:
    """Unlinks the person's closed referrals (hours, areas, providers and dates kept) and empties the free
    text about them, then audits what it erased. Run again for the same erasure, it does nothing."""
    if await already_erased(session, due.erasure_id):
        return
    referral_ids = list((await session.scalars(
        update(Referral).where(Referral.client_ref == due.client_ref, Referral.status.not_in(OPEN))
        .values(client_ref=due.marker, needs=[], short_visit_justification=None, external_ref=None)
        .returning(Referral.id))).all())
    offer_ids = list((await session.scalars(select(Offer.id).where(Offer.referral_id.in_(referral_ids)))).all())
    erased = {
        "referrals": len(referral_ids),
        "referrals_kept_open": len((await session.scalars(select(Referral.id).where(
            Referral.client_ref == due.client_ref))).all()),
        "history_details": await _changed(session, update(HistoryEntry).where(
            HistoryEntry.referral_id.in_(referral_ids), HistoryEntry.detail != "").values(detail=ERASED)),
        "offer_decline_details": await _changed(session, update(Offer).where(
            Offer.referral_id.in_(referral_ids), Offer.decline_detail.is_not(None)).values(decline_detail=ERASED)),
        "webhook_deliveries": await _scrub_deliveries(session, due=due, referral_ids=referral_ids),
        "audit_entries": await erase_from_audit(
            session, entity_ids=[*map(str, referral_ids), *map(str, offer_ids)], client_ref=due.client_ref,
            marker=due.marker, free_text=FREE_TEXT),
    }
    await record_erasure(session, erasure_id=due.erasure_id, erased=erased)


async def _changed(session: AsyncSession, statement: Any) -> int:
    result = await session.execute(statement.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0))


async def _scrub_deliveries(session: AsyncSession, *, due: PersonErasureDue, referral_ids: Sequence[uuid.UUID]) -> int:
    deliveries = (await session.scalars(_deliveries_about(referral_ids))).all()
    for delivery in deliveries:
        delivery.body = scrubbed_json(delivery.body, client_ref=due.client_ref, marker=due.marker,
                                      free_text=FREE_TEXT) or ""
    return len(deliveries)
