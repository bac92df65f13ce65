"""Keeping the read model of providers and hours placed, building the cascade's snapshot of an area, and
saying by it whether one provider may take a referral now."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import case, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage.cascade.domain import (
    AreaSnapshot,
    Candidate,
    Contract,
    Embargo,
    Need,
    Policy,
    SkipReason,
    skip_reason,
)
from services.brokerage.offers.models import Offer
from services.brokerage.readmodel.models import KnownArea, KnownProvider, ProviderArea
from services.brokerage.referrals.models import Placement
from shared.clock import as_utc
from shared.contracts.brokerage import OfferStatus
from shared.contracts.common import FrameworkOfferMode, ProviderStatus
from shared.contracts.packages import PackageFacts, PackageStatus
from shared.contracts.providers import AreaState, ProviderState
from shared.db import insert_missing

COUNTED_PLACEMENTS = (PackageStatus.ACTIVE, PackageStatus.SUSPENDED)
"""A suspended package (a hospital stay) keeps its hours with the provider: the care resumes there."""


async def apply_area(session: AsyncSession, *, area: AreaState) -> None:
    row = await session.get(KnownArea, area.code)
    if row is None:
        session.add(KnownArea(code=area.code, name=area.name, framework_offer_mode=area.framework_offer_mode))
    else:
        row.name, row.framework_offer_mode = area.name, area.framework_offer_mode
    await session.flush()


async def apply_provider(session: AsyncSession, *, state: ProviderState, at: datetime) -> bool:
    """Replaces the provider's row when `state` is newer; returns whether it did. Events of one provider
    may be handled at once by several consumers: the row is created if missing, then locked."""
    await insert_missing(session, KnownProvider, {"id": state.id, "version": 0, "state": {}, "capacity_since": {},
                                                  "updated_at": at}, keys=["id"])
    row = await session.get(KnownProvider, state.id, with_for_update=True, populate_existing=True)
    assert row is not None
    if row.version >= state.version:
        return False
    row.capacity_since = _capacity_since(previous=row, state=state, at=at)
    row.version, row.state, row.updated_at = state.version, state.model_dump(mode="json"), at
    await session.execute(delete(ProviderArea).where(ProviderArea.provider_id == state.id))
    for area in sorted({contract.area for contract in state.contracts}):
        session.add(ProviderArea(area=area, provider_id=state.id, capacity_since=_declared_at(row, area)))
    await session.flush()
    return True


def _capacity_since(*, previous: KnownProvider, state: ProviderState, at: datetime) -> dict[str, str]:
    """When each area's declared capacity last changed: hours placed after that use it up."""
    old_hours = {each["area"]: Decimal(str(each["weekly_hours"])) for each in previous.state.get("capacity", [])}
    old_since = previous.capacity_since
    return {
        each.area: old_since[each.area]
        if old_hours.get(each.area) == each.weekly_hours and each.area in old_since
        else at.isoformat()
        for each in state.capacity
    }


async def apply_package(session: AsyncSession, *, package: PackageFacts, status: PackageStatus, at: datetime) -> bool:
    """Keeps the hours placed with a provider right as packages change, pause and end; False if it changed
    nothing. An event older than the one last applied (two replicas taking one package's events side by
    side) changes nothing: the placement's row is locked, so the second of two at once sees the first."""
    placement = None
    if package.referral_id is not None:
        placement = await session.scalar(select(Placement).where(
            Placement.referral_id == package.referral_id).with_for_update())
    if placement is None:
        placement = await session.scalar(select(Placement).where(
            Placement.package_id == package.package_id).with_for_update())
    if placement is None:
        placement = Placement(referral_id=package.referral_id,
                              placed_at=datetime.combine(package.effective_from, time(), UTC))
        session.add(placement)
    elif placement.package_event_at is not None and at < placement.package_event_at:
        return False
    placement.package_id, placement.package_event_at = package.package_id, at
    placement.provider_id, placement.area = package.provider_id, package.area
    placement.weekly_hours, placement.status = package.weekly_hours, status
    await session.flush()
    return True


async def known_area(session: AsyncSession, *, code: str, lock: bool = False) -> KnownArea | None:
    """With `lock`, under a shared lock on the area's row: a cascade decision made from the read model
    waits for a change to the area's providers in progress (`lock_provider_areas`), and that change's retry of the
    waiting list waits for the decision, so a referral is never left waiting by a change neither saw."""
    if not lock:
        return await session.get(KnownArea, code)
    return await session.scalar(select(KnownArea).where(KnownArea.code == code).with_for_update(read=True))


async def lock_provider_areas(session: AsyncSession, *, state: ProviderState) -> None:
    """Takes the rows of the areas a change to a provider touches (those of its new contracts and those the
    read model has it in now), in one order, so two changes never deadlock."""
    held_now = select(ProviderArea.area).where(ProviderArea.provider_id == state.id)
    touched = or_(KnownArea.code.in_(sorted({each.area for each in state.contracts})), KnownArea.code.in_(held_now))
    await session.execute(select(KnownArea.code).where(touched).order_by(KnownArea.code).with_for_update())


async def known_area_codes(session: AsyncSession, *, codes: Collection[str]) -> set[str]:
    """Which of `codes` are known areas, in one query."""
    if not codes:
        return set()
    return set((await session.scalars(select(KnownArea.code).where(KnownArea.code.in_(sorted(codes))))).all())


async def provider_state(session: AsyncSession, *, provider_id: uuid.UUID) -> ProviderState | None:
    row = await session.get(KnownProvider, provider_id)
    return None if row is None else ProviderState.model_validate(row.state)


async def provider_names(session: AsyncSession, *, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The names of the known ones of `ids`, so a broker reads "Vale Community Care", not an id."""
    if not ids:
        return {}
    rows = await session.execute(select(KnownProvider.id, KnownProvider.state).where(KnownProvider.id.in_(ids)))
    return {provider_id: str(state.get("name", "")) for provider_id, state in rows}


async def provider_states(session: AsyncSession, *, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, ProviderState]:
    """The known ones of `ids`, in one query."""
    if not ids:
        return {}
    rows = await session.scalars(select(KnownProvider).where(KnownProvider.id.in_(sorted(ids))))
    return {row.id: ProviderState.model_validate(row.state) for row in rows}


async def placed_hours(
    session: AsyncSession, *, provider_ids: Collection[uuid.UUID]
) -> dict[tuple[uuid.UUID, str], Decimal]:
    """Weekly hours placed with each of the providers, by area: what counts against their caps."""
    if not provider_ids:
        return {}
    rows = await session.execute(
        select(Placement.provider_id, Placement.area, func.sum(Placement.weekly_hours))
        .where(Placement.provider_id.in_(sorted(provider_ids)), Placement.status.in_(COUNTED_PLACEMENTS))
        .group_by(Placement.provider_id, Placement.area))
    return {(provider_id, area): Decimal(hours) for provider_id, area, hours in rows}


async def area_snapshot(
    session: AsyncSession, *, area: KnownArea, now: datetime, declines_window: timedelta,
    only: uuid.UUID | None = None,
) -> AreaSnapshot:
    """Everything the cascade needs about the providers contracted in one area (or one of them)."""
    query = select(KnownProvider).join(ProviderArea, ProviderArea.provider_id == KnownProvider.id).where(
        ProviderArea.area == area.code)
    if only is not None:
        query = query.where(KnownProvider.id == only)
    rows = list((await session.scalars(query)).all())
    ids = [row.id for row in rows]
    placed = await _placed(session, area=area.code, provider_ids=ids)
    declines = await _recent_declines(session, provider_ids=ids, since=now - declines_window)
    candidates = tuple(
        _candidate(row, area=area.code, placed=placed.get(row.id, PlacedHours()), declines=declines.get(row.id, 0))
        for row in rows
    )
    return AreaSnapshot(code=area.code, mode=FrameworkOfferMode(area.framework_offer_mode), candidates=candidates)


@dataclass(frozen=True)
class PlacedHours:
    """A provider's counted weekly hours: everywhere, in one area, and there since it last declared its
    capacity in that area."""

    total: Decimal = Decimal(0)
    in_area: Decimal = Decimal(0)
    since_declared: Decimal = Decimal(0)


def _declared_at(row: KnownProvider, area: str) -> datetime | None:
    since = row.capacity_since.get(area)
    return as_utc(datetime.fromisoformat(since)) if since else None


async def _placed(
    session: AsyncSession, *, area: str, provider_ids: list[uuid.UUID]
) -> dict[uuid.UUID, PlacedHours]:
    """The providers' hours summed by the database, one row each, joined to when each declared its capacity
    in `area`: at England's density (a hundred providers in an area, each with dozens of packages) loading
    every placement cost a decision 200 ms. The ids let PostgreSQL read the placements by their index
    rather than join the area's providers to the whole table."""
    if not provider_ids:
        return {}
    hours, here = Placement.weekly_hours, Placement.area == area
    since_declared = here & (Placement.placed_at >= ProviderArea.capacity_since)
    query = (
        select(Placement.provider_id, func.sum(hours), func.sum(case((here, hours), else_=0)),
               func.sum(case((since_declared, hours), else_=0)))
        .join(ProviderArea, (ProviderArea.provider_id == Placement.provider_id) & (ProviderArea.area == area))
        .where(Placement.provider_id.in_(provider_ids), Placement.status.in_(COUNTED_PLACEMENTS))
        .group_by(Placement.provider_id))
    return {provider_id: PlacedHours(*(_hours(value) for value in sums))
            for provider_id, *sums in await session.execute(query)}


def _hours(summed: Decimal | float | int) -> Decimal:
    """A sum of hours to the penny: SQLite adds NUMERIC columns as floats."""
    return Decimal(str(summed)).quantize(Decimal("0.01"))


async def _recent_declines(
    session: AsyncSession, *, provider_ids: list[uuid.UUID], since: datetime
) -> dict[uuid.UUID, int]:
    """Declines and expiries count alike: both are an offer the provider did not take up."""
    if not provider_ids:
        return {}
    rows = await session.execute(
        select(Offer.provider_id, func.count()).where(
            Offer.provider_id.in_(provider_ids), Offer.status.in_((OfferStatus.DECLINED, OfferStatus.EXPIRED)),
            Offer.answered_at >= since,
        ).group_by(Offer.provider_id)
    )
    return {provider_id: int(count) for provider_id, count in rows}


def _candidate(row: KnownProvider, *, area: str, placed: PlacedHours, declines: int) -> Candidate:
    state = ProviderState.model_validate(row.state)
    contract = next((each for each in state.contracts if each.area == area), None)
    capacity = next((each.weekly_hours for each in state.capacity if each.area == area), None)
    return Candidate(
        id=state.id,
        contract=None if contract is None else Contract(
            tier=contract.tier, starts_on=contract.starts_on, ends_on=contract.ends_on,
            weekly_hours_cap=contract.weekly_hours_cap, block_hours=contract.block_hours),
        active=state.status is ProviderStatus.ACTIVE,
        skills=frozenset(state.skills),
        client_groups=frozenset(state.client_groups),
        embargoes=tuple(
            Embargo(scope=each.scope, starts_on=each.starts_on, ends_on=each.ends_on, area=each.area,
                    client_group=each.client_group, imposed_by=each.imposed_by)
            for each in state.embargoes),
        quality_rank=state.rating.quality_rank if state.rating else None,
        inadequate=bool(state.rating and state.rating.inadequate),
        declared_capacity=capacity,
        placed_since_declared=placed.since_declared,
        placed_in_area=placed.in_area,
        placed_total=placed.total,
        registered_at=as_utc(state.registered_at),
        recent_declines=declines,
    )


async def refusal(
    session: AsyncSession, *, need: Need, provider_id: uuid.UUID, policy: Policy, declines_window: timedelta,
    now: datetime, lock: bool = False,
) -> str | None:
    """Why the provider may not take `need` now, by its current state in the read model, or None. With
    `lock`, under the provider's row lock, so two placements at once cannot pass its cap together."""
    if lock:
        await session.execute(select(KnownProvider.id).where(KnownProvider.id == provider_id).with_for_update())
    area = await known_area(session, code=need.area)
    snapshot = None if area is None else await area_snapshot(
        session, area=area, now=now, declines_window=declines_window, only=provider_id)
    if snapshot is None or not snapshot.candidates:
        return f"{SkipReason.AREA_NOT_COVERED}: no contract in {need.area}"
    refused = skip_reason(need, snapshot.candidates[0], policy, now=now)
    return None if refused is None else f"{refused[0]}: {refused[1]}"
