"""Events of the provider registry. Each carries the provider's whole current state (`ProviderState`),
so a consumer keeps its read model by replacing what it holds when `state.version` is newer."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from shared.contracts.common import (
    ClientGroup,
    EmbargoScope,
    FrameworkOfferMode,
    ImposedBy,
    ProviderStatus,
    Regulator,
    Skill,
    Tier,
)
from shared.events.envelope import Event, register_event
from shared.money import Hours, Money


class ContractState(BaseModel):
    area: str
    tier: Tier
    weekly_hours_cap: Hours | None = None
    block_hours: Hours | None = None
    hourly_rate: Money | None = Field(default=None, description="The contract's agreed rate, if it sets one")
    starts_on: date
    ends_on: date | None = None


class EmbargoState(BaseModel):
    id: uuid.UUID
    scope: EmbargoScope
    area: str | None = None
    client_group: ClientGroup | None = None
    imposed_by: ImposedBy
    starts_on: date
    ends_on: date | None = None
    reason: str


class RatingState(BaseModel):
    """The latest rating by publication date. `quality_rank` puts both regulators on one scale:
    4 outstanding (CI 6-5), 3 good (CI 4), 2 requires improvement (CI 3), 1 inadequate (CI 2-1)."""

    regulator: Regulator
    overall: str
    published_on: date
    quality_rank: int = Field(ge=1, le=4)
    inadequate: bool


class CapacityState(BaseModel):
    area: str
    weekly_hours: Hours


class ProviderState(BaseModel):
    id: uuid.UUID
    name: str
    status: ProviderStatus
    skills: list[Skill]
    client_groups: list[ClientGroup]
    contracts: list[ContractState]
    embargoes: list[EmbargoState] = Field(description="Embargoes not lifted and not yet ended")
    rating: RatingState | None
    capacity: list[CapacityState]
    registered_at: datetime = Field(description="When the council admitted it (ramp-up counts from here)")
    version: int = Field(description="Grows with every change to the provider")


class AreaState(BaseModel):
    code: str
    name: str
    rural: bool
    framework_offer_mode: FrameworkOfferMode


@register_event
class AreaCreated(Event):
    event_type = "providers.area.created.v1"
    area: AreaState


@register_event
class AreaChanged(Event):
    event_type = "providers.area.changed.v1"
    area: AreaState


@register_event
class ProviderRegistered(Event):
    event_type = "providers.provider.registered.v1"
    provider: ProviderState


@register_event
class ProviderChanged(Event):
    """Name, status, skills or client groups changed (a deregistration included)."""

    event_type = "providers.provider.changed.v1"
    provider: ProviderState


@register_event
class ContractsChanged(Event):
    event_type = "providers.contracts.changed.v1"
    provider: ProviderState


@register_event
class ProviderRated(Event):
    event_type = "providers.provider.rated.v1"
    provider: ProviderState
    rating: RatingState = Field(description="The rating just recorded (maybe older than the current one)")


@register_event
class EmbargoImposed(Event):
    event_type = "providers.embargo.imposed.v1"
    provider: ProviderState
    embargo: EmbargoState


@register_event
class EmbargoLifted(Event):
    event_type = "providers.embargo.lifted.v1"
    provider: ProviderState
    embargo: EmbargoState


@register_event
class EmbargoEnded(Event):
    """An embargo reached its end date without anyone acting."""

    event_type = "providers.embargo.ended.v1"
    provider: ProviderState
    embargo: EmbargoState


@register_event
class CapacityChanged(Event):
    event_type = "providers.capacity.changed.v1"
    provider: ProviderState


PROVIDER_STATE_EVENTS: tuple[type[Event], ...] = (
    ProviderRegistered, ProviderChanged, ContractsChanged, ProviderRated,
    EmbargoImposed, EmbargoLifted, EmbargoEnded, CapacityChanged,
)
