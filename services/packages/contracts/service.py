"""Keeping the registry's contracts (a read model) and answering what packages needs from them."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.packages.contracts.models import ProviderContracts
from shared.contracts.common import Tier
from shared.contracts.providers import ContractState, ProviderState


async def apply_provider_state(session: AsyncSession, *, state: ProviderState) -> None:
    """Replaces our copy only with a newer version: events may arrive late or twice."""
    current = await session.get(ProviderContracts, state.id, with_for_update=True)
    contracts = [contract.model_dump(mode="json") for contract in state.contracts]
    if current is None:
        session.add(ProviderContracts(provider_id=state.id, version=state.version, contracts=contracts))
    elif state.version > current.version:
        current.version, current.contracts = state.version, contracts
    await session.flush()


def _covers(contract: ContractState, on: date) -> bool:
    return contract.starts_on <= on and (contract.ends_on is None or on <= contract.ends_on)


def contract_in_area(contracts: list[ContractState], *, area: str, on: date) -> ContractState | None:
    return next((c for c in contracts if c.area == area and _covers(c, on)), None)


async def block_contracts(session: AsyncSession, *, start: date, end: date) -> dict[uuid.UUID, list[ContractState]]:
    """Every provider's block contracts overlapping the period (guaranteed payment for block hours)."""
    found: dict[uuid.UUID, list[ContractState]] = {}
    for row in await session.scalars(select(ProviderContracts)):
        blocks = [
            contract for item in row.contracts
            if (contract := ContractState.model_validate(item)).tier is Tier.BLOCK and contract.block_hours
            and contract.starts_on <= end and (contract.ends_on is None or contract.ends_on >= start)
        ]
        if blocks:
            found[row.provider_id] = blocks
    return found
