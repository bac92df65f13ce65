import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from services.brokerage.offers.models import Offer
from services.brokerage.referrals.models import Referral
from shared.contracts.brokerage import OfferStatus, ScheduledVisit
from shared.contracts.common import ClientGroup, DeclineReason, Skill, Tier, Urgency
from shared.money import Hours


class OfferOut(BaseModel):
    """What a provider needs to decide, and no more personal data: no client reference at all."""

    id: uuid.UUID
    referral_id: uuid.UUID
    provider_id: uuid.UUID
    tier: Tier
    status: OfferStatus = Field(examples=["open"])
    deadline: datetime
    area: str = Field(examples=["OAK"])
    weekly_hours: Hours
    visits: list[ScheduledVisit]
    needs: list[Skill]
    client_group: ClientGroup
    urgency: Urgency
    start_on: date = Field(description="The referral's start date, or the one the provider proposed in accepting")
    created_at: datetime
    answered_at: datetime | None = Field(default=None, description="When the provider accepted or declined; null "
                                                                  "while open and for an offer expired or withdrawn")
    decline_reason: DeclineReason | None = None

    @classmethod
    def of(cls, offer: Offer, referral: Referral) -> "OfferOut":
        return cls(
            id=offer.id, referral_id=referral.id, provider_id=offer.provider_id, tier=offer.tier,
            status=offer.status, deadline=offer.deadline, area=referral.area, weekly_hours=referral.weekly_hours,
            visits=[ScheduledVisit.model_validate(each) for each in referral.visits],
            needs=[Skill(each) for each in referral.needs], client_group=referral.client_group,
            urgency=referral.urgency, start_on=offer.proposed_start_on or referral.start_on,
            created_at=offer.created_at, answered_at=offer.answered_at, decline_reason=offer.decline_reason,
        )


class AcceptIn(BaseModel):
    start_on: date | None = Field(default=None, description="A proposed start date, if not the referral's")


class DeclineIn(BaseModel):
    reason: DeclineReason
    detail: str = Field(default="", max_length=500)
