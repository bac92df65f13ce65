"""Loading providers with everything their state is made of, in bulk (one query per table, not per row)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.providers.areas.models import Area
from services.providers.registry import domain
from services.providers.registry.models import Capacity, Contract, Embargo, Provider, Rating
from shared.contracts.common import CqcRating, ProviderStatus, Tier
from shared.contracts.providers import CapacityState, ContractState, EmbargoState, ProviderState, RatingState
from shared.pagination import PageRequest, keyset_after, next_cursor, read_cursor

T = TypeVar("T")


@dataclass
class ProviderView:
    """A provider and the rows its published state is built from (`embargoes`: the open ones)."""

    provider: Provider
    contracts: list[Contract] = field(default_factory=list)
    embargoes: list[Embargo] = field(default_factory=list)
    ratings: list[Rating] = field(default_factory=list)
    capacity: list[Capacity] = field(default_factory=list)

    @property
    def current_rating(self) -> Rating | None:
        return domain.current_rating(self.ratings)

    def state(self) -> ProviderState:
        provider = self.provider
        return ProviderState(
            id=provider.id,
            name=provider.name,
            status=ProviderStatus(provider.status),
            skills=provider.skills,
            client_groups=provider.client_groups,
            contracts=[contract_state(contract) for contract in self.contracts],
            embargoes=[embargo_state(embargo) for embargo in self.embargoes],
            rating=rating_state(self.current_rating),
            capacity=[CapacityState(area=row.area, weekly_hours=row.weekly_hours) for row in self.capacity],
            registered_at=provider.registered_at,
            version=provider.version,
        )


def contract_state(contract: Contract) -> ContractState:
    return ContractState(area=contract.area, tier=Tier(contract.tier), weekly_hours_cap=contract.weekly_hours_cap,
                         block_hours=contract.block_hours, hourly_rate=contract.hourly_rate,
                         starts_on=contract.starts_on, ends_on=contract.ends_on)


def embargo_state(embargo: Embargo) -> EmbargoState:
    return EmbargoState.model_validate(embargo, from_attributes=True)


def rating_summary(rating: Rating) -> domain.RatingSummary:
    if rating.regulator == "cqc":
        return domain.summarise_cqc(CqcRating(rating.overall))
    return domain.summarise_care_inspectorate(rating.details)


def rating_state(rating: Rating | None) -> RatingState | None:
    if rating is None:
        return None
    summary = rating_summary(rating)
    return RatingState(regulator=rating.regulator, overall=summary.overall, published_on=rating.published_on,
                       quality_rank=summary.quality_rank, inadequate=summary.inadequate)


OPEN_EMBARGO = and_(Embargo.lifted_at.is_(None), Embargo.ended_at.is_(None))


async def load_views(
    session: AsyncSession, provider_ids: Collection[uuid.UUID], *, lock: bool = False
) -> dict[uuid.UUID, ProviderView]:
    """Every named provider that exists, with its contracts, open embargoes, ratings and capacity."""
    if not provider_ids:
        return {}
    ids = list(provider_ids)
    query = select(Provider).where(Provider.id.in_(ids)).execution_options(populate_existing=True)
    if lock:
        query = query.with_for_update()
    views = {provider.id: ProviderView(provider) for provider in await session.scalars(query)}
    await _attach(session, views, select(Contract).where(Contract.provider_id.in_(ids))
                  .order_by(Contract.area, Contract.starts_on), "contracts")
    await _attach(session, views, select(Embargo).where(Embargo.provider_id.in_(ids), OPEN_EMBARGO)
                  .order_by(Embargo.starts_on, Embargo.imposed_at), "embargoes")
    await _attach(session, views, select(Rating).where(Rating.provider_id.in_(ids)), "ratings")
    await _attach(session, views, select(Capacity).where(Capacity.provider_id.in_(ids))
                  .order_by(Capacity.area), "capacity")
    return views


async def _attach(session: AsyncSession, views: dict[uuid.UUID, ProviderView], query: Any, name: str) -> None:
    grouped: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for row in await session.scalars(query.execution_options(populate_existing=True)):
        grouped[row.provider_id].append(row)
    for provider_id, view in views.items():
        setattr(view, name, grouped.get(provider_id, []))


async def known_area_codes(session: AsyncSession, codes: Collection[str]) -> set[str]:
    if not codes:
        return set()
    return set(await session.scalars(select(Area.code).where(Area.code.in_(list(codes)))))


async def history_page(
    session: AsyncSession, *, model: type[Rating] | type[Embargo], dated: Any, provider_id: uuid.UUID,
    page: PageRequest,
) -> tuple[list[Any], str | None]:
    """A provider's ratings or embargoes, newest first by `dated` (a date column), then by id."""
    query = (select(model).where(model.provider_id == provider_id)
             .order_by(dated.desc(), model.id.desc()).limit(page.limit + 1))
    if page.cursor is not None:
        query = query.where(keyset_after((dated, model.id), read_cursor(page.cursor, date.fromisoformat),
                                         descending=True))
    rows = list(await session.scalars(query))
    cursor = next_cursor(rows, page.limit, lambda row: [getattr(row, dated.key).isoformat(), str(row.id)])
    return rows[: page.limit], cursor


async def page_of_provider_ids(
    session: AsyncSession,
    *,
    after: tuple[str, uuid.UUID] | None,
    limit: int,
    area: str | None,
    status: ProviderStatus | None,
    tier: Tier | None,
) -> list[tuple[str, uuid.UUID]]:
    """Up to `limit` (name, id) keys in name order after the cursor key, filtered."""
    query = select(Provider.name, Provider.id).order_by(Provider.name, Provider.id).limit(limit)
    if after is not None:
        query = query.where(keyset_after((Provider.name, Provider.id), after))
    if status is not None:
        query = query.where(Provider.status == status.value)
    if area is not None or tier is not None:
        contracts = select(Contract.provider_id)
        if area is not None:
            contracts = contracts.where(Contract.area == area)
        if tier is not None:
            contracts = contracts.where(Contract.tier == tier.value)
        query = query.where(Provider.id.in_(contracts))
    return [(row.name, row.id) for row in await session.execute(query)]
