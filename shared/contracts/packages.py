"""Events of packages: commissioned packages, delivered visits, invoices."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from shared.contracts.brokerage import ScheduledVisit
from shared.contracts.common import WallClock
from shared.events.envelope import Event, register_event
from shared.money import Hours, Money, Quantity


class ChargeUnit(StrEnum):
    HOUR = "hour"
    VISIT = "visit"


class PriceLine(BaseModel):
    """A quantity at a published price (API.md, "Quote / package cost"): `amount` is quantity x unit_price
    rounded once to the penny, and a total is the sum of its lines."""

    description: str = Field(examples=["Weekday contact hours"])
    quantity: Quantity = Field(examples=["5.00"])
    unit: ChargeUnit
    unit_price: Money = Field(examples=["22.50"])
    amount: Money = Field(examples=["112.50"])


class PackageStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ENDED = "ended"


class PackageFacts(BaseModel):
    package_id: uuid.UUID
    referral_id: uuid.UUID | None
    client_ref: str
    provider_id: uuid.UUID
    area: str
    status: PackageStatus
    weekly_hours: Hours
    weekly_cost: Money
    visits: list[ScheduledVisit]
    effective_from: date
    price_lines: list[PriceLine] = Field(default_factory=list, description="weekly_cost is the sum of their amounts")


@register_event
class PackageCreated(Event):
    event_type = "packages.package.created.v1"
    package: PackageFacts


@register_event
class PackageChanged(Event):
    event_type = "packages.package.changed.v1"
    package: PackageFacts


@register_event
class PackageSuspended(Event):
    event_type = "packages.package.suspended.v1"
    package: PackageFacts
    reason: str = ""


@register_event
class PackageResumed(Event):
    event_type = "packages.package.resumed.v1"
    package: PackageFacts


@register_event
class PackageEnded(Event):
    event_type = "packages.package.ended.v1"
    package: PackageFacts
    reason: str = ""


class VisitOutcome(StrEnum):
    """How electronic call monitoring classes a planned visit (DOMAIN.md, "how delivered visits are paid")."""

    DELIVERED = "delivered"
    MISSED = "missed"
    """Nobody came: never paid, and a quality signal."""
    CANCELLED_BY_CLIENT = "cancelled_by_client"
    """Paid when the person gave less notice than the council's rule."""
    FRUSTRATED = "frustrated"
    """The carer came but could not deliver the care: paid."""


class VisitFacts(BaseModel):
    """A visit as the provider reported it (a correction is reported again with a higher version)."""

    visit_id: uuid.UUID
    package_id: uuid.UUID
    date: date
    planned_start: WallClock
    actual_start: WallClock | None
    planned_minutes: int
    actual_minutes: int | None
    carers: int
    missed: bool
    late_by_minutes: int = Field(ge=0, description="0 when on time or missed")
    outcome: VisitOutcome = VisitOutcome.DELIVERED
    version: int = Field(default=1, ge=1, description="1 as first reported; each correction adds one")


@register_event
class VisitsRecorded(Event):
    """A batch of delivered-visit reports newly recorded (replays of known visit ids are left out)."""

    event_type = "packages.visits.recorded.v1"
    provider_id: uuid.UUID
    visits: list[VisitFacts]


@register_event
class InvoiceIssued(Event):
    event_type = "packages.invoice.issued.v1"
    invoice_id: uuid.UUID
    number: str
    provider_id: uuid.UUID
    period_start: date
    period_end: date
    total: Money
    issued_at: datetime
    kind: Literal["invoice", "supplementary_invoice"] = "invoice"
    supplements_invoice_id: uuid.UUID | None = None
    """A supplementary invoice bills what the period's invoice (this id) lacked."""


@register_event
class CreditNoteIssued(Event):
    """A correction of an issued invoice (which itself never changes); `total` is negative."""

    event_type = "packages.credit_note.issued.v1"
    credit_note_id: uuid.UUID
    number: str
    invoice_id: uuid.UUID
    provider_id: uuid.UUID
    total: Money
    reason: str
    issued_at: datetime
    adjustment: bool = False
    """Issued by an invoice run because the period's figures went down after it was invoiced."""


@register_event
class VisitPerformanceReported(Event):
    """How a provider's visits went over a payment period, from electronic call monitoring (DOMAIN.md:
    councils expect at least 85% of planned visits to be logged; punctuality is monitored per provider).
    Published by every invoice run of the period, so a later run restates it with late reports included."""

    event_type = "packages.visit_performance.reported.v1"
    provider_id: uuid.UUID
    period_start: date
    period_end: date
    planned_visits: int = Field(ge=0, description="Visits the provider's schedules planned on days in care")
    logged_visits: int = Field(ge=0, description="Visits reported through call monitoring, whatever the outcome")
    missed_visits: int = Field(ge=0)
    punctual_visits: int = Field(ge=0, description="Delivered visits started within the punctuality window")
    timed_visits: int = Field(ge=0, description="Delivered visits with an actual start (punctuality's base)")
    compliance_percent: Decimal = Field(description="logged / planned x 100 to two places, at most 100; "
                                                    "100 when nothing was planned")
    punctuality_percent: Decimal | None = Field(description="punctual / timed x 100 to two places; null when "
                                                            "no delivered visit was timed")


@register_event
class PersonErasureDue(Event):
    """A person's care ended longer ago than the council keeps records (DOMAIN.md, "Personal data"): packages
    has erased its own part, and every service holding something about the person erases theirs, keeping
    money and provider records. `marker` stands for the client reference from now on, everywhere."""

    event_type = "packages.person.erasure_due.v1"
    erasure_id: uuid.UUID
    client_ref: str
    marker: str = Field(description="What replaces the client reference: the same in every service")
    package_ids: list[uuid.UUID] = Field(description="The person's packages (what quality's records name)")
    care_ended_on: date
