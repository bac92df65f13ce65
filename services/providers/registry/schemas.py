"""Request and response bodies of the registry (API.md, "Provider registry" and "Core payloads")."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from services.providers.registry.domain import EmbargoStatus
from shared.contracts.common import ClientGroup, CqcRating, EmbargoScope, ImposedBy, ProviderStatus, Skill, Tier
from shared.contracts.providers import CapacityState, ContractState
from shared.money import Hours, Money

T = TypeVar("T")
PositiveHours = Annotated[Hours, Field(gt=0, max_digits=12, decimal_places=2)]
AreaCode = Annotated[str, Field(min_length=1, max_length=20, examples=["OAK"])]
RegulatorId = Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9-]+$", examples=["1-000000001"])]


class RequestBody(BaseModel):
    """Request bodies: unknown fields are ignored (a client may send back what it read)."""

    model_config = ConfigDict(extra="ignore")


class Branch(RequestBody):
    """A branch (office) of the provider; the regulator registers and rates each one."""

    name: str = Field(min_length=1, max_length=300)
    postcode: str | None = Field(default=None, max_length=20)
    cqc_location_id: RegulatorId | None = None


def _unique(values: list[T]) -> list[T]:
    return list(dict.fromkeys(values))


Skills = Annotated[list[Skill], AfterValidator(_unique), Field(examples=[["dementia", "peg_feeding"]])]
ClientGroups = Annotated[list[ClientGroup], AfterValidator(_unique), Field(examples=[["older_people"]])]


class ProviderFields(RequestBody):
    cqc_location_id: RegulatorId | None = None
    cqc_provider_id: RegulatorId | None = None
    care_inspectorate_id: RegulatorId | None = None
    postcode: str | None = Field(default=None, max_length=20)
    local_authority: str | None = Field(default=None, max_length=200)


class ProviderCreate(ProviderFields):
    name: str = Field(min_length=1, max_length=300, examples=["Oakham Home Care Ltd"])
    skills: Skills = Field(default_factory=list)
    client_groups: ClientGroups = Field(default_factory=list)
    status: ProviderStatus = ProviderStatus.ACTIVE
    branches: list[Branch] = Field(default_factory=list, max_length=200)
    admitted_on: date | None = Field(
        default=None, examples=["2019-04-01"],
        description="When the council admitted it, if before today (a provider already serving the council when the "
                    "suite goes live): its `registered_at`, from which the ramp-up of a new provider counts. Default "
                    "now; never after today")


class ProviderPatch(ProviderFields):
    """Only the fields sent change; `null` clears an optional field."""

    name: str | None = Field(default=None, min_length=1, max_length=300)
    skills: Skills | None = None
    client_groups: ClientGroups | None = None
    status: ProviderStatus | None = None
    branches: list[Branch] | None = Field(default=None, max_length=200)

    @field_validator("name", "skills", "client_groups", "status", "branches", mode="after")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may be left out, not null")
        return value


class ContractIn(RequestBody):
    area: AreaCode
    tier: Tier
    weekly_hours_cap: PositiveHours | None = Field(default=None, examples=["120.00"])
    block_hours: PositiveHours | None = Field(default=None, examples=[None])
    hourly_rate: Annotated[Money, Field(gt=0, max_digits=12, decimal_places=2)] | None = Field(
        default=None, description="The rate the contract agrees, if it sets one", examples=["24.10"])
    starts_on: date
    ends_on: date | None = None


class ContractsIn(RequestBody):
    """PUT replaces the provider's whole set of contracts."""

    contracts: list[ContractIn] = Field(max_length=500)


class ContractsOut(BaseModel):
    contracts: list[ContractState]


class CqcRatingIn(RequestBody):
    regulator: Literal["cqc"]
    overall: CqcRating
    safe: CqcRating | None = None
    effective: CqcRating | None = None
    caring: CqcRating | None = None
    responsive: CqcRating | None = None
    well_led: CqcRating | None = None
    published_on: date


class CareInspectorateRatingIn(RequestBody):
    regulator: Literal["care_inspectorate"]
    grades: dict[Annotated[str, Field(min_length=1, max_length=100)], Annotated[int, Field(ge=1, le=6)]] = Field(
        min_length=1, examples=[{"care_and_support": 4, "staffing": 5}])
    published_on: date


RatingIn = Annotated[CqcRatingIn | CareInspectorateRatingIn, Field(discriminator="regulator")]


class RatingOut(BaseModel):
    id: uuid.UUID
    regulator: str
    overall: str
    published_on: date
    quality_rank: int = Field(description="4 outstanding, 3 good, 2 requires improvement, 1 inadequate")
    inadequate: bool
    safe: str | None = None
    effective: str | None = None
    caring: str | None = None
    responsive: str | None = None
    well_led: str | None = None
    grades: dict[str, int] | None = None
    recorded_at: datetime
    recorded_by: str | None = Field(default=None, description="The account that recorded or imported it (its name "
                                    "is at GET /users); null for one recorded before accounts were kept")


class EmbargoIn(RequestBody):
    scope: EmbargoScope
    area: AreaCode | None = None
    client_group: ClientGroup | None = None
    imposed_by: ImposedBy
    starts_on: date
    ends_on: date | None = None
    reason: str = Field(min_length=1, max_length=2000)


class LiftIn(RequestBody):
    reason: str | None = Field(default=None, max_length=2000)


class EmbargoOut(BaseModel):
    id: uuid.UUID
    scope: EmbargoScope
    area: str | None
    client_group: ClientGroup | None
    imposed_by: ImposedBy
    starts_on: date
    ends_on: date | None
    reason: str
    status: EmbargoStatus = Field(description="open until lifted or past its end date")
    imposed_at: datetime
    recorded_by: str | None = Field(default=None, description="The account that imposed it (its name is at GET "
                                                              "/users); null when a quality escalation did")
    escalation_id: uuid.UUID | None = Field(description="The quality escalation that imposed it, if any")
    lift_suggested: bool = Field(description="Quality cleared the escalation behind it: a person may lift it")
    lift_suggested_at: datetime | None
    lifted_at: datetime | None
    lifted_by: str | None
    lift_reason: str | None
    ended_at: datetime | None


class CapacityArea(RequestBody):
    area: AreaCode
    weekly_hours: Annotated[Hours, Field(ge=0, max_digits=12, decimal_places=2, examples=["40.00"])]


class CapacityIn(RequestBody):
    """PUT replaces the declared capacity: hours per week available, by area."""

    areas: list[CapacityArea] = Field(max_length=500)

    @field_validator("areas")
    @classmethod
    def _one_entry_per_area(cls, areas: list[CapacityArea]) -> list[CapacityArea]:
        if len({entry.area for entry in areas}) != len(areas):
            raise ValueError("each area appears once")
        return areas


class CapacityOut(BaseModel):
    areas: list[CapacityState]


class ProviderOut(BaseModel):
    id: uuid.UUID
    name: str
    status: ProviderStatus
    cqc_location_id: str | None
    cqc_provider_id: str | None
    care_inspectorate_id: str | None
    postcode: str | None
    local_authority: str | None
    skills: list[Skill]
    client_groups: list[ClientGroup]
    branches: list[Branch]
    registered_at: datetime
    version: int
    rating: RatingOut | None = Field(description="The latest by publication date")
    contracts: list[ContractState]
    embargoes: list[EmbargoOut] = Field(description="Embargoes not lifted and not ended")
    capacity: list[CapacityState]
    lift_suggested: bool = Field(description="Some open embargo may be lifted (its escalation was cleared)")


class RatingList(BaseModel):
    items: list[RatingOut]
    next_cursor: str | None = None


class EmbargoList(BaseModel):
    items: list[EmbargoOut]
    next_cursor: str | None = None

