"""The queries of referrals and their offers: the pages the API lists, the rows the lifecycle locks,
and what the cascade asks of past offers. Reads only; every change is the lifecycle's."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage.offers.models import Offer
from services.brokerage.readmodel.models import KnownProvider
from services.brokerage.referrals.models import HistoryEntry, Placement, Referral
from services.brokerage.referrals.queue_domain import NOTABLE_EVENTS
from shared.contracts.brokerage import OfferStatus, ReferralStatus
from shared.contracts.common import Urgency
from shared.pagination import PageRequest, keyset_after, read_cursor

TURNED_DOWN = (OfferStatus.DECLINED, OfferStatus.EXPIRED, OfferStatus.WITHDRAWN)


async def lock_referral(
    session: AsyncSession, *, referral_id: uuid.UUID, skip_locked: bool = False
) -> Referral | None:
    """The referral, read afresh under its row lock, which serialises the steps that move one referral on
    (answers, expiries, retries) across replicas; with `skip_locked`, None while another holds it."""
    return await session.scalar(
        select(Referral).where(Referral.id == referral_id).with_for_update(skip_locked=skip_locked)
        .execution_options(populate_existing=True))


async def open_offers(session: AsyncSession, *, referral_id: uuid.UUID, lock: bool = False) -> list[Offer]:
    """The referral's offers still open; with `lock`, locked (after the referral: always in that order)."""
    query = select(Offer).where(Offer.referral_id == referral_id, Offer.status == OfferStatus.OPEN)
    return list((await session.scalars(query.with_for_update() if lock else query)).all())


async def open_offers_of_provider(session: AsyncSession, *, provider_id: uuid.UUID) -> list[Offer]:
    """The provider's open offers, claimed; one another transaction holds (an answer, an expiry, a retry)
    is skipped: that transaction closes it itself."""
    return list((await session.scalars(select(Offer).where(
        Offer.provider_id == provider_id, Offer.status == OfferStatus.OPEN).order_by(Offer.id)
        .with_for_update(skip_locked=True))).all())


async def due_offers(session: AsyncSession, *, now: datetime, limit: int) -> list[Offer]:
    """Open offers past their deadline, oldest deadline first, claimed: replicas take different ones."""
    return list((await session.scalars(
        select(Offer).where(Offer.status == OfferStatus.OPEN, Offer.deadline <= now)
        .order_by(Offer.deadline, Offer.id).limit(limit).with_for_update(skip_locked=True))).all())


async def offered_in_round(session: AsyncSession, *, referral: Referral) -> frozenset[uuid.UUID]:
    """The providers offered the referral in its current round (a provider is asked once a round)."""
    return frozenset((await session.scalars(select(Offer.provider_id).where(
        Offer.referral_id == referral.id, Offer.round == referral.round))).all())


async def answered_since_last_change(session: AsyncSession, *, referral_id: uuid.UUID) -> frozenset[uuid.UUID]:
    """Providers that turned the referral down (or let it expire) and have not changed since: an
    automatic retry does not ask them again; a provider with new capacity or a lifted embargo it does."""
    rows = await session.scalars(
        select(Offer.provider_id).join(KnownProvider, KnownProvider.id == Offer.provider_id).where(
            Offer.referral_id == referral_id, Offer.status.in_(TURNED_DOWN),
            Offer.answered_at >= KnownProvider.updated_at))
    return frozenset(rows.all())


async def waiting_list(session: AsyncSession, *, areas: Collection[str]) -> list[Referral]:
    """The unsourced referrals of `areas`, oldest first, locked (those another replica holds are skipped)."""
    if not areas:
        return []
    return list((await session.scalars(select(Referral).where(
        Referral.area.in_(sorted(areas)), Referral.status == ReferralStatus.UNSOURCED).order_by(
        Referral.created_at, Referral.id).with_for_update(skip_locked=True))).all())


async def areas_with_waiting_referrals(session: AsyncSession) -> list[str]:
    return list((await session.scalars(select(Referral.area).where(
        Referral.status == ReferralStatus.UNSOURCED).distinct().order_by(Referral.area))).all())


async def history_of(session: AsyncSession, *, referral_id: uuid.UUID) -> list[HistoryEntry]:
    return list((await session.scalars(select(HistoryEntry).where(HistoryEntry.referral_id == referral_id)
                                       .order_by(HistoryEntry.id))).all())


async def imported_referrals(
    session: AsyncSession, *, external_refs: Collection[str]
) -> dict[str, tuple[Referral, Placement | None]]:
    """The referrals already imported under `external_refs`, with their placements, locked (so two
    imports correcting one placement at once take turns)."""
    if not external_refs:
        return {}
    rows = await session.execute(
        select(Referral, Placement).outerjoin(Placement, Placement.referral_id == Referral.id)
        .where(Referral.external_ref.in_(sorted(external_refs))).with_for_update(of=Referral))
    return {referral.external_ref: (referral, placement) for referral, placement in rows
            if referral.external_ref is not None}


# --- pages of the API's lists: `limit + 1` rows, so the caller knows whether more follow ------------------


@dataclass(frozen=True, slots=True)
class ReferralFilter:
    """The referrals a list asks for; None is any. `event_since`: those with a step a broker is told
    about (NOTABLE_EVENTS) at or after it; `created_by`: those one user made."""

    status: ReferralStatus | None = None
    area: str | None = None
    urgency: Urgency | None = None
    event_since: datetime | None = None
    created_by: str | None = None


def _notable_since(since: datetime) -> ColumnElement[bool]:
    return exists().where(HistoryEntry.referral_id == Referral.id, HistoryEntry.at >= since,
                          HistoryEntry.event.in_(sorted(NOTABLE_EVENTS)))


async def page_of_referrals(session: AsyncSession, *, where: ReferralFilter, page: PageRequest) -> list[Referral]:
    """Oldest first: the waiting list's order."""
    query = select(Referral).order_by(Referral.created_at, Referral.id).limit(page.limit + 1)
    for column, value in ((Referral.status, where.status), (Referral.area, where.area),
                          (Referral.urgency, where.urgency), (Referral.created_by, where.created_by)):
        if value is not None:
            query = query.where(column == value)
    if where.event_since is not None:
        query = query.where(_notable_since(where.event_since))
    if page.cursor is not None:
        query = query.where(keyset_after((Referral.created_at, Referral.id),
                                         read_cursor(page.cursor, datetime.fromisoformat)))
    return list((await session.scalars(query)).all())


def referral_cursor(referral: Referral) -> tuple[str, str]:
    return referral.created_at.isoformat(), str(referral.id)


async def offers_this_round(session: AsyncSession, *, referrals: Collection[Referral]) -> list[Offer]:
    """Every offer of each of `referrals` in its current round, in one query, by deadline."""
    if not referrals:
        return []
    rounds = {each.id: each.round for each in referrals}
    offers = await session.scalars(select(Offer).where(Offer.referral_id.in_(sorted(rounds)))
                                   .order_by(Offer.deadline, Offer.id))
    return [offer for offer in offers if offer.round == rounds[offer.referral_id]]


async def last_notable_events(session: AsyncSession, *, referral_ids: Collection[uuid.UUID]) -> dict[
        uuid.UUID, HistoryEntry]:
    """The newest step a broker is told about (NOTABLE_EVENTS) of each of `referral_ids` that has one."""
    if not referral_ids:
        return {}
    newest = (select(func.max(HistoryEntry.id)).where(HistoryEntry.referral_id.in_(sorted(referral_ids)),
                                                      HistoryEntry.event.in_(sorted(NOTABLE_EVENTS)))
              .group_by(HistoryEntry.referral_id))
    rows = await session.scalars(select(HistoryEntry).where(HistoryEntry.id.in_(newest)))
    return {entry.referral_id: entry for entry in rows}


async def page_of_offers(
    session: AsyncSession, *, provider_id: uuid.UUID | None, status: OfferStatus | None, page: PageRequest
) -> list[tuple[Offer, Referral]]:
    """Newest first, every provider's or one's (`provider_id`), each with its referral."""
    query = (select(Offer, Referral).join(Referral, Referral.id == Offer.referral_id)
             .order_by(Offer.created_at.desc(), Offer.id.desc()).limit(page.limit + 1))
    if provider_id is not None:
        query = query.where(Offer.provider_id == provider_id)
    if status is not None:
        query = query.where(Offer.status == status)
    if page.cursor is not None:
        query = query.where(keyset_after((Offer.created_at, Offer.id),
                                         read_cursor(page.cursor, datetime.fromisoformat), descending=True))
    return [(offer, referral) for offer, referral in (await session.execute(query)).all()]


def offer_cursor(row: tuple[Offer, Referral]) -> tuple[str, str]:
    return row[0].created_at.isoformat(), str(row[0].id)
