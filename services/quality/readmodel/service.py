"""Keeps the providers read model from the registry's events and rescores on a rating change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.quality.readmodel.models import KnownProvider
from services.quality.risk.service import reassess
from services.quality.settings import QualitySettings
from services.quality.upsert import locked_row
from shared.contracts.providers import ProviderState


def _copy_state(provider: KnownProvider, state: ProviderState, now: datetime) -> None:
    rating = state.rating
    provider.name, provider.status, provider.version, provider.updated_at = (
        state.name, state.status.value, state.version, now)
    provider.rating_regulator = rating.regulator.value if rating else None
    provider.rating_overall = rating.overall if rating else None
    provider.rating_rank = rating.quality_rank if rating else None
    provider.rating_inadequate = rating.inadequate if rating else False
    provider.rating_published_on = rating.published_on if rating else None
    provider.capacity = {each.area: str(each.weekly_hours) for each in state.capacity}


async def apply_provider(
    session: AsyncSession, *, state: ProviderState, settings: QualitySettings, now: datetime
) -> None:
    """Replaces what is held when the event's version is newer (events may arrive out of order), then
    rescores: the regulator's rating weighs in the matrix, and a new provider gets its first row."""
    provider = await locked_row(session, KnownProvider, key="id", values={
        "id": state.id, "name": state.name, "status": state.status.value, "rating_inadequate": False,
        "capacity": {}, "version": 0, "updated_at": now})
    if provider.version >= state.version:
        return
    _copy_state(provider, state, now)
    await session.flush()
    await reassess(session, provider=provider, settings=settings, now=now)
