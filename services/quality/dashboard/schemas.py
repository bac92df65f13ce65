"""The performance dashboard: demand, capacity and performance at a glance."""

from datetime import date

from pydantic import BaseModel, Field

from shared.contracts.common import Rag, Urgency
from shared.money import Hours, Money


class WeekCount(BaseModel):
    week_start: date
    referrals: int = Field(description="Referrals made that week")
    placed: int = Field(description="Of those, placed so far")


class TimeToSource(BaseModel):
    placed: int
    median_hours: Hours | None
    p90_hours: Hours | None


class UrgencyTimeToSource(TimeToSource):
    urgency: Urgency


class AreaNeed(BaseModel):
    area: str
    people: int
    weekly_hours: Hours


class UnmetNeed(BaseModel):
    """The waiting list: referrals the cascade could not place."""

    people: int
    weekly_hours: Hours
    by_area: list[AreaNeed]


class AreaCapacity(BaseModel):
    area: str
    capacity_hours: Hours = Field(description="Hours a week active providers declare free in the area")
    waiting_hours: Hours = Field(description="Hours a week of referrals being sourced or waiting in the area")


class DischargesWaiting(BaseModel):
    """Hospital discharges not yet placed (sourcing or on the waiting list)."""

    people: int
    weekly_hours: Hours


class ShortVisits(BaseModel):
    """Delivered visits under 30 minutes (NICE NG21 allows them only in narrow cases)."""

    delivered: int
    under_30: int
    share_percent: Money | None = Field(description="Percentage with two places", examples=["12.50"])


class Count(BaseModel):
    key: str
    count: int


class RagCount(BaseModel):
    rag: Rag
    count: int


class DashboardSummary(BaseModel):
    referrals_per_week: list[WeekCount]
    time_to_source: TimeToSource
    time_to_source_by_urgency: list[UrgencyTimeToSource] = Field(description="Each urgency, most urgent first")
    unmet_need: UnmetNeed
    hospital_discharges_waiting: DischargesWaiting
    capacity_by_area: list[AreaCapacity] = Field(description="Declared capacity against care waiting, by area")
    short_visits: ShortVisits
    providers_by_rating: list[Count] = Field(description="By latest overall rating; `none` when unrated")
    providers_by_rag: list[RagCount]
    decline_reasons: list[Count] = Field(description="Declines in the period, by reason (every area)")
