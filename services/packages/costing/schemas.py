import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.brokerage import Funding, ScheduledVisit
from shared.contracts.packages import PriceLine
from shared.money import Hours, Money

Percent = Annotated[Decimal, Field(ge=0, le=1000, max_digits=6, decimal_places=2, examples=["20.00"])]
Amount = Annotated[Decimal, Field(ge=0, le=1_000_000, max_digits=12, decimal_places=2)]
AreaCode = Annotated[str, Field(min_length=1, max_length=20, examples=["OAK"])]
ClientRef = Annotated[str, Field(min_length=1, max_length=100, examples=["C-123"],
                                 description="A pseudonymous reference, never a name")]


class RateCardIn(BaseModel):
    """The cost-of-care model's inputs for an area from a date (Sheffield's model)."""

    model_config = ConfigDict(extra="forbid")

    area: AreaCode
    effective_from: date
    care_worker_hourly_pay: Amount = Field(examples=["12.60"])
    travel_minutes_per_visit: int = Field(ge=0, le=240, examples=[12])
    travel_hourly_pay: Amount | None = Field(
        default=None, description="Pay per hour of travel when it differs from the contact rate")
    mileage_per_visit_miles: Amount = Field(examples=["3.0"])
    mileage_rate: Amount = Field(examples=["0.45"])
    on_cost_percent: Percent
    training_supervision_percent: Percent
    overhead_percent: Percent
    surplus_percent: Percent
    weekend_uplift_percent: Percent = Decimal(0)
    bank_holiday_uplift_percent: Percent = Decimal(0)
    night_uplift_percent: Annotated[Percent, Field(le=100)] = Field(
        default=Decimal(0), description="On visits planned to start in the council's night window")
    client_hourly_charge_cap: Amount = Field(examples=["13.00"])
    client_weekly_charge_cap: Amount = Field(examples=["422.00"])


class PublishedPrices(BaseModel):
    """Every price a rate card publishes, to the penny; an uplifted price is the standard one times (1 +
    the uplift), rounded once. A visit is charged its minutes at a contact-hour price plus one per-visit
    price per carer."""

    contact_hour: Money = Field(examples=["22.50"])
    per_visit: Money = Field(examples=["2.32"])
    weekend_contact_hour: Money
    weekend_per_visit: Money
    bank_holiday_contact_hour: Money
    bank_holiday_per_visit: Money
    night_contact_hour: Money
    night_per_visit: Money


class RateCardOut(BaseModel):
    id: uuid.UUID
    area: str
    effective_from: date
    care_worker_hourly_pay: Money
    travel_minutes_per_visit: int
    travel_hourly_pay: Money | None
    mileage_per_visit_miles: Money
    mileage_rate: Money
    on_cost_percent: Money
    training_supervision_percent: Money
    overhead_percent: Money
    surplus_percent: Money
    weekend_uplift_percent: Money
    bank_holiday_uplift_percent: Money
    night_uplift_percent: Money
    client_hourly_charge_cap: Money
    client_weekly_charge_cap: Money
    hourly_rate: Money = Field(description="The price of a 60-minute visit by one carer: contact_hour + per_visit")
    breakdown: dict[str, Money] = Field(description="Named components adding up exactly to hourly_rate")
    prices: PublishedPrices


class AssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_ref: ClientRef
    assessed_weekly_contribution: Amount = Field(examples=["500.00"])
    effective_from: date


class AssessmentOut(BaseModel):
    id: uuid.UUID
    client_ref: str
    assessed_weekly_contribution: Money
    effective_from: date


class QuoteIn(BaseModel):
    """A schedule to cost in an area, without creating anything."""

    model_config = ConfigDict(extra="forbid")

    area: AreaCode
    visits: list[ScheduledVisit] = Field(min_length=1, max_length=200)
    health_share_percent: int = Field(default=0, ge=0, le=100)
    funding: Funding | None = Field(default=None, description="As on a referral; its share wins when given")
    on: date | None = Field(default=None, description="The date whose rates apply (today by default)")
    provider_id: uuid.UUID | None = Field(default=None, description="Applies its contract's agreed rate, if any")
    client_ref: ClientRef | None = Field(default=None, description="Applies the person's financial assessment")


    @model_validator(mode="after")
    def _referral_shaped_funding(self) -> Self:
        """Brokers quote the referral they are drafting: its `funding` object is accepted as it is."""
        if self.funding is not None:
            self.health_share_percent = self.funding.health_share_percent
        return self


class CostOut(BaseModel):
    """API.md "Quote / package cost": weekly_cost is the sum of the price lines' amounts, and the shares
    add up exactly to it."""

    weekly_hours: Hours
    weekly_cost: Money
    council_share: Money
    health_share: Money
    client_contribution: Money
    hourly_rate: Money
    price_lines: list[PriceLine]
