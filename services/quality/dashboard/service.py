"""Feeding the dashboard's read models from events, and reading the summary."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from services.quality.dashboard.domain import (
    VisitCount,
    capacity_against_demand,
    hours_of,
    is_newer,
    median,
    percentile,
    share_percent,
    visit_count,
    week_start,
    weeks_back,
)
from services.quality.dashboard.models import CountedVisit, DeclineFact, ReferralFact, VisitTally
from services.quality.dashboard.schemas import (
    AreaCapacity,
    AreaNeed,
    Count,
    DashboardSummary,
    DischargesWaiting,
    RagCount,
    ShortVisits,
    TimeToSource,
    UnmetNeed,
    UrgencyTimeToSource,
    WeekCount,
)
from services.quality.readmodel.models import KnownProvider
from services.quality.risk.models import ProviderRisk
from services.quality.upsert import locked_row
from shared.contracts.brokerage import ReferralFacts, ReferralStatus
from shared.contracts.common import DeclineReason, ProviderStatus, Rag, Urgency
from shared.contracts.packages import VisitFacts

SETTLED = frozenset({ReferralStatus.PLACED, ReferralStatus.CANCELLED})
"""A referral placed or cancelled stays so in the read model, whatever order later events arrive in."""
WAITING = (ReferralStatus.SOURCING, ReferralStatus.UNSOURCED)
P90 = Decimal("0.9")


async def note_referral(
    session: AsyncSession, *, facts: ReferralFacts, status: ReferralStatus, placed_at: datetime | None = None,
    imported: bool = False,
) -> None:
    fact = await locked_row(session, ReferralFact, key="referral_id", values={
        "referral_id": facts.referral_id, "area": facts.area, "urgency": facts.urgency,
        "weekly_hours": facts.weekly_hours, "created_at": facts.created_at, "status": status,
        "placed_at": placed_at, "imported": imported})
    if fact.status not in SETTLED and not (status == ReferralStatus.SOURCING
                                           and fact.status == ReferralStatus.UNSOURCED):
        fact.status, fact.placed_at = status, placed_at
    await session.flush()


async def note_decline(session: AsyncSession, *, offer_id: object, provider_id: object, reason: DeclineReason,
                       at: datetime) -> None:
    await locked_row(session, DeclineFact, key="offer_id",
                     values={"offer_id": offer_id, "provider_id": provider_id, "reason": reason, "at": at})


def _add_to_tally(tally: VisitTally, count: VisitCount, sign: int) -> None:
    tally.delivered += sign * count.delivered
    tally.under_30 += sign * count.under_30
    tally.missed += sign * count.missed
    tally.late += sign * count.late


def _recount(tally: VisitTally, row: CountedVisit, *, version: int, count: VisitCount) -> None:
    """Takes back what the row counted (a new row counted nothing) and counts the visit's new version."""
    _add_to_tally(tally, VisitCount(delivered=row.delivered, under_30=row.under_30, missed=row.missed,
                                    late=row.late), -1)
    _add_to_tally(tally, count, 1)
    row.version, row.delivered, row.under_30, row.missed, row.late = (
        version, count.delivered, count.under_30, count.missed, count.late)


async def _counted_visits(session: AsyncSession, visits: list[VisitFacts]) -> dict[uuid.UUID, CountedVisit]:
    rows = await session.scalars(select(CountedVisit).where(CountedVisit.visit_id.in_({v.visit_id for v in visits})))
    return {row.visit_id: row for row in rows}


async def note_visits(session: AsyncSession, *, provider_id: uuid.UUID, visits: list[VisitFacts],
                      late_threshold: int) -> list[VisitFacts]:
    """Counts each visit once in its provider's tally, at its highest version: a correction takes back what
    the version before it added. Returns the visits counted now (the latest of each), whose evidence is new.
    The provider's tally row is locked first, so reports about one provider are counted one at a time."""
    tally = await locked_row(session, VisitTally, key="provider_id", values={
        "provider_id": provider_id, "delivered": 0, "under_30": 0, "missed": 0, "late": 0})
    counted = await _counted_visits(session, visits)
    now_counted: dict[uuid.UUID, VisitFacts] = {}
    for visit in visits:
        row = counted.get(visit.visit_id)
        if not is_newer(visit, counted_version=row.version if row else None):
            continue
        if row is None:
            row = counted[visit.visit_id] = CountedVisit(visit_id=visit.visit_id, version=0, delivered=False,
                                                         under_30=False, missed=False, late=False)
            session.add(row)
        _recount(tally, row, version=visit.version, count=visit_count(visit, late_threshold=late_threshold))
        now_counted[visit.visit_id] = visit
    await session.flush()
    return list(now_counted.values())


def _in_area(area: str | None) -> ColumnElement[bool]:
    """Referrals of `area`, or of every area when it is None."""
    return true() if area is None else ReferralFact.area == area


async def _weekly(session: AsyncSession, today: date, weeks: int, area: str | None) -> list[WeekCount]:
    """Referrals made and placed per week; placements brought in at go-live are no week's demand."""
    mondays = weeks_back(today, weeks)
    since = datetime.combine(mondays[0], time.min, tzinfo=UTC)
    rows = (await session.execute(
        select(ReferralFact.created_at, ReferralFact.status)
        .where(ReferralFact.created_at >= since, ReferralFact.imported.is_(False), _in_area(area))
    ))
    made, placed = Counter[date](), Counter[date]()
    for created_at, status in rows:
        made[week_start(created_at.date())] += 1
        placed[week_start(created_at.date())] += status == ReferralStatus.PLACED
    return [WeekCount(week_start=monday, referrals=made[monday], placed=placed[monday]) for monday in mondays]


def _time_to_source(hours: list[Decimal]) -> TimeToSource:
    return TimeToSource(placed=len(hours), median_hours=median(hours), p90_hours=percentile(hours, P90))


async def _hours_to_source(session: AsyncSession, since: datetime, area: str | None) -> dict[Urgency, list[Decimal]]:
    """Hours from referral to placement by urgency, of referrals sourced through the suite only: an imported
    placement was made before it was recorded."""
    rows = (await session.execute(
        select(ReferralFact.urgency, ReferralFact.created_at, ReferralFact.placed_at)
        .where(ReferralFact.placed_at.is_not(None), ReferralFact.created_at >= since, ReferralFact.imported.is_(False),
               _in_area(area))
    ))
    hours: dict[Urgency, list[Decimal]] = {urgency: [] for urgency in Urgency}
    for urgency, created_at, placed_at in rows:
        if placed_at is not None:
            hours[urgency].append(hours_of(placed_at - created_at))
    return hours


async def _unmet_need(session: AsyncSession, area: str | None) -> UnmetNeed:
    rows = (await session.execute(
        select(ReferralFact.area, func.count(), func.coalesce(func.sum(ReferralFact.weekly_hours), 0))
        .where(ReferralFact.status == ReferralStatus.UNSOURCED, _in_area(area))
        .group_by(ReferralFact.area).order_by(ReferralFact.area)
    ))
    by_area = [AreaNeed(area=area, people=people, weekly_hours=Decimal(hours)) for area, people, hours in rows]
    return UnmetNeed(people=sum(each.people for each in by_area),
                     weekly_hours=sum((each.weekly_hours for each in by_area), Decimal(0)), by_area=by_area)


async def _discharges_waiting(session: AsyncSession, area: str | None) -> DischargesWaiting:
    people, hours = (await session.execute(
        select(func.count(), func.coalesce(func.sum(ReferralFact.weekly_hours), 0))
        .where(ReferralFact.status.in_(WAITING), ReferralFact.urgency == Urgency.HOSPITAL_DISCHARGE, _in_area(area))
    )).one()
    return DischargesWaiting(people=people, weekly_hours=Decimal(hours))


async def _capacity_by_area(session: AsyncSession, area: str | None) -> list[AreaCapacity]:
    declared = (await session.scalars(select(KnownProvider.capacity).where(
        KnownProvider.status == ProviderStatus.ACTIVE))).all()
    waiting = (await session.execute(
        select(ReferralFact.area, func.coalesce(func.sum(ReferralFact.weekly_hours), 0))
        .where(ReferralFact.status.in_(WAITING), _in_area(area)).group_by(ReferralFact.area)))
    balances = capacity_against_demand(declared, {code: Decimal(hours) for code, hours in waiting})
    return [AreaCapacity(area=each.area, capacity_hours=each.capacity_hours, waiting_hours=each.waiting_hours)
            for each in balances if area is None or each.area == area]


async def _short_visits(session: AsyncSession) -> ShortVisits:
    delivered, under_30 = (await session.execute(
        select(func.coalesce(func.sum(VisitTally.delivered), 0), func.coalesce(func.sum(VisitTally.under_30), 0))
    )).one()
    return ShortVisits(delivered=delivered, under_30=under_30, share_percent=share_percent(under_30, delivered))


async def _counts(session: AsyncSession, column: InstrumentedAttribute[str | None] | InstrumentedAttribute[str],
                  where: ColumnElement[bool] | None = None) -> list[tuple[str | None, int]]:
    query = select(column, func.count()).group_by(column).order_by(column)
    if where is not None:
        query = query.where(where)
    return [(key, count) for key, count in (await session.execute(query))]


async def summary(session: AsyncSession, *, today: date, weeks: int, area: str | None = None) -> DashboardSummary:
    """The figures of the last `weeks` weeks (the waiting list and discharges waiting: now), of one `area` or
    all; declines and providers are every area's (a decline or a provider belongs to no one area)."""
    since = datetime.combine(today - timedelta(weeks=weeks), time.min, tzinfo=UTC)
    hours = await _hours_to_source(session, since, area)
    return DashboardSummary(
        referrals_per_week=await _weekly(session, today, weeks, area),
        time_to_source=_time_to_source([each for urgency in Urgency for each in hours[urgency]]),
        time_to_source_by_urgency=[UrgencyTimeToSource(urgency=urgency, **_time_to_source(hours[urgency]).model_dump())
                                   for urgency in Urgency],
        unmet_need=await _unmet_need(session, area),
        hospital_discharges_waiting=await _discharges_waiting(session, area),
        capacity_by_area=await _capacity_by_area(session, area),
        short_visits=await _short_visits(session),
        providers_by_rating=[Count(key=key or "none", count=count)
                             for key, count in await _counts(session, KnownProvider.rating_overall)],
        providers_by_rag=[RagCount(rag=Rag(key), count=count)
                          for key, count in await _counts(session, ProviderRisk.rag) if key],
        decline_reasons=[Count(key=key or "", count=count)
                         for key, count in await _counts(session, DeclineFact.reason, DeclineFact.at >= since)],
    )
