"""Events of brokerage: referrals, offers and placements."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from shared.contracts.common import ClientGroup, Day, DeclineReason, Skill, Tier, Urgency, WallClock
from shared.events.envelope import Event, register_event
from shared.money import Hours


class ReferralStatus(StrEnum):
    """Where a referral stands: being sourced (offers out), placed, on the waiting list of unmet need
    (unsourced), or cancelled."""

    SOURCING = "sourcing"
    PLACED = "placed"
    UNSOURCED = "unsourced"
    CANCELLED = "cancelled"


class OfferStatus(StrEnum):
    """An offer is open until it is answered (accepted, declined), expires unanswered at its deadline, or
    is withdrawn (placed elsewhere, cancelled, retried, or the provider can no longer take it)."""

    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class ScheduledVisit(BaseModel):
    """One visit of the weekly pattern."""

    day: Day
    start: WallClock
    minutes: int = Field(gt=0, le=24 * 60, examples=[45])
    carers: int = Field(ge=1, le=2, examples=[1])


class Funding(BaseModel):
    health_share_percent: int = Field(ge=0, le=100, examples=[0])


class ReferralFacts(BaseModel):
    """What every referral event says about the care sought (a pseudonymous client_ref, no names)."""

    referral_id: uuid.UUID
    client_ref: str
    area: str
    client_group: ClientGroup
    needs: list[Skill]
    urgency: Urgency
    start_on: date
    visits: list[ScheduledVisit]
    weekly_hours: Hours
    funding: Funding
    created_at: datetime


@register_event
class ReferralCreated(Event):
    event_type = "brokerage.referral.created.v1"
    referral: ReferralFacts


class OfferFacts(BaseModel):
    offer_id: uuid.UUID
    referral_id: uuid.UUID
    provider_id: uuid.UUID
    tier: Tier
    area: str
    weekly_hours: Hours
    urgency: Urgency
    at: datetime


@register_event
class OfferMade(Event):
    event_type = "brokerage.offer.made.v1"
    offer: OfferFacts
    deadline: datetime


@register_event
class OfferAccepted(Event):
    event_type = "brokerage.offer.accepted.v1"
    offer: OfferFacts


@register_event
class OfferDeclined(Event):
    event_type = "brokerage.offer.declined.v1"
    offer: OfferFacts
    reason: DeclineReason
    detail: str = ""


@register_event
class OfferExpired(Event):
    event_type = "brokerage.offer.expired.v1"
    offer: OfferFacts


@register_event
class OfferWithdrawn(Event):
    event_type = "brokerage.offer.withdrawn.v1"
    offer: OfferFacts


@register_event
class ReferralPlaced(Event):
    """Everything packages needs to commission the care (by acceptance or a broker's award)."""

    event_type = "brokerage.referral.placed.v1"
    referral: ReferralFacts
    provider_id: uuid.UUID
    tier: Tier | None = Field(description="None for a direct award outside the tiers")
    awarded: bool = Field(description="True when a broker awarded it directly")
    start_on: date = Field(description="The agreed start (the provider's proposal when it made one)")
    placed_at: datetime
    imported: bool = Field(default=False, description="True for a placement made before it was recorded here (a "
                                                      "council's existing packages at go-live, an out-of-hours "
                                                      "placement), brought in by the placements import")


@register_event
class PlacementCorrected(Event):
    """An imported placement imported again with other details (its schedule, funding, needs or start): the
    import states the placement as it was made, so packages corrects the package's terms from its start."""

    event_type = "brokerage.placement.corrected.v1"
    referral: ReferralFacts
    provider_id: uuid.UUID
    start_on: date
    at: datetime


@register_event
class ReferralUnsourced(Event):
    """The cascade ran out: the referral joins the waiting list of unmet need."""

    event_type = "brokerage.referral.unsourced.v1"
    referral: ReferralFacts
    at: datetime


@register_event
class ReferralCancelled(Event):
    event_type = "brokerage.referral.cancelled.v1"
    referral: ReferralFacts
    at: datetime


@register_event
class PersonErased(Event):
    """Brokerage erased a person never placed (every referral cancelled, the last longer ago than the council
    keeps records), as `packages.person.erasure_due.v1` erases anyone else: the gateway unlinks its audit of
    requests for their record. `marker` stands for the client reference from now on."""

    event_type = "brokerage.person.erased.v1"
    erasure_id: uuid.UUID
    client_ref: str
    marker: str
