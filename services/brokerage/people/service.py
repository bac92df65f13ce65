"""What brokerage holds about a client reference (referrals, their cascade history, offers, placements and
the webhook deliveries that told providers of them) and its erasure when packages says it is due. A referral
still open (sourcing, or on the waiting list) is care being sought now: it is kept as it is.

A person whose referrals were all cancelled never had a package, so packages never says their erasure is
due: brokerage's own retention pass erases them once the last cancellation is past the retention period."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage.offers.models import Offer
from services.brokerage.referrals.models import HistoryEntry, Placement, Referral
from services.brokerage.webhooks.models import WebhookDelivery
from shared.contracts.brokerage import PersonErased, ReferralStatus
from shared.contracts.packages import PersonErasureDue
from shared.db import Database
from shared.events.outbox import record_event
from shared.personal import (
    ERASED,
    MARKER_PREFIX,
    Person,
    Sections,
    already_erased,
    as_record,
    audit_about,
    erase_from_audit,
    erasure_marker,
    record_erasure,
    scrubbed_json,
    years_before,
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


async def never_placed_past_retention(session: AsyncSession, *, cutoff: datetime) -> list[str]:
    """The client references (not yet erased) whose every referral was cancelled, the last before `cutoff`."""
    last_change = func.max(Referral.updated_at)
    not_cancelled = func.sum(case((Referral.status != ReferralStatus.CANCELLED, 1), else_=0))
    return list((await session.scalars(
        select(Referral.client_ref).where(Referral.client_ref.not_like(f"{MARKER_PREFIX}%"))
        .group_by(Referral.client_ref).having(not_cancelled == 0, last_change < cutoff)
        .order_by(Referral.client_ref))).all())


async def erase_never_placed(session: AsyncSession, *, client_ref: str, cutoff: datetime) -> uuid.UUID | None:
    """Erases a person whose referrals were all cancelled before `cutoff`, as an erasure from packages
    would (and reported the same way). Checked again under the referrals' row locks: of two replicas'
    passes the second finds nobody. Returns the erasure's id, or None when there was nothing to erase."""
    referrals = (await session.scalars(select(Referral).where(Referral.client_ref == client_ref)
                                       .with_for_update())).all()
    if not referrals or any(each.status != ReferralStatus.CANCELLED or each.updated_at >= cutoff
                            for each in referrals):
        return None
    erasure_id = uuid.uuid4()
    due = PersonErasureDue(erasure_id=erasure_id, client_ref=client_ref, marker=erasure_marker(erasure_id),
                           package_ids=[], care_ended_on=max(each.updated_at for each in referrals).date())
    await erase_person(session, due=due)
    await record_event(session, PersonErased(erasure_id=erasure_id, client_ref=client_ref, marker=due.marker))
    return erasure_id


async def erase_past_retention(database: Database, *, years: int, today: date) -> list[uuid.UUID]:
    """The retention pass: each person never placed whose last referral was cancelled more than `years`
    ago is erased in a transaction of their own. Returns the erasures."""
    cutoff = datetime.combine(years_before(today, years), time(), UTC)
    async with database.sessionmaker() as session:
        due = await never_placed_past_retention(session, cutoff=cutoff)
    erasures = []
    for client_ref in due:
        async with database.sessionmaker() as session, session.begin():
            erasure_id = await erase_never_placed(session, client_ref=client_ref, cutoff=cutoff)
        if erasure_id is not None:
            erasures.append(erasure_id)
    return erasures
