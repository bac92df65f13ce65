import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.brokerage.cascade.domain import SkipReason
from services.brokerage.referrals.domain import CancelReason, HistoryEvent
from shared.contracts.brokerage import Funding, ReferralStatus, ScheduledVisit
from shared.contracts.common import ClientGroup, Skill, Tier, Urgency
from shared.contracts.short_visits import ShortVisitJustification
from shared.money import Hours
from shared.personal import MARKER_PREFIX

EXAMPLE_VISITS = [{"day": "mon", "start": "08:00", "minutes": 45, "carers": 1}]


class ReferralCreate(BaseModel):
    client_ref: str = Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9._/-]+$", examples=["C-123"],
                            description="A pseudonymous reference, never a name")
    area: str = Field(min_length=1, max_length=20, examples=["OAK"])
    client_group: ClientGroup
    needs: list[Skill] = Field(default_factory=list, max_length=len(Skill), examples=[["dementia"]])
    urgency: Urgency
    start_on: date = Field(examples=["2026-12-01"])
    visits: list[ScheduledVisit] = Field(min_length=1, max_length=7 * 12, examples=[EXAMPLE_VISITS])
    short_visit_justification: ShortVisitJustification | None = None
    funding: Funding


class HistoryOut(BaseModel):
    at: datetime
    event: HistoryEvent = Field(examples=["skipped"])
    provider_id: uuid.UUID | None
    provider_name: str | None = Field(default=None, examples=["Vale Community Care"])
    tier: Tier | None
    reason: str | None = Field(description="The skip reason or decline reason, when there is one",
                               examples=["cap_exceeded"])
    detail: str = Field(examples=["cap_exceeded: 125.00 h would pass the cap of 120.00"])
    actor: str | None = Field(default=None, description="Who asked for the step (a user's id): a broker's award, "
                                                        "amendment, retry or cancellation; null for the cascade's own",
                              examples=[None])


class ReferralSummary(ReferralCreate):
    client_ref: str = Field(min_length=1, max_length=50, pattern=rf"^([A-Za-z0-9._/-]+|{MARKER_PREFIX}[0-9a-f]{{32}})$",
                            examples=["C-123"], description="A pseudonymous reference, never a name; "
                            f"`{MARKER_PREFIX}<erasure id>` once the person was erased (docs/data-protection.md)")
    id: uuid.UUID
    status: ReferralStatus = Field(examples=["sourcing"])
    weekly_hours: Hours
    placed_with: uuid.UUID | None
    external_ref: str | None = Field(description="The council's key of a placement brought in by the placements "
                                                 "import; null for a referral sourced here", examples=[None])
    created_at: datetime


class ReferralOut(ReferralSummary):
    history: list[HistoryOut]


class AwardIn(BaseModel):
    provider_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=500, examples=["Only provider with a night carer nearby"])


class CancelIn(BaseModel):
    """Why the referral is cancelled: one of a closed set, and the broker's words (needed for `other`)."""

    model_config = ConfigDict(extra="forbid")

    reason: CancelReason = Field(examples=["care_arranged_elsewhere"])
    detail: str = Field(default="", max_length=400, examples=["Family arranged a live-in carer"])

    @model_validator(mode="after")
    def _other_says_why(self) -> Self:
        if self.reason is CancelReason.OTHER and not self.detail.strip():
            raise ValueError("say why in detail when the reason is other")
        return self


class AmendIn(BaseModel):
    """What changes on a referral still being sourced: any of its schedule (with the short-visit
    justification), needs and urgency. Fields left out keep their values."""

    model_config = ConfigDict(extra="forbid")

    visits: list[ScheduledVisit] | None = Field(default=None, min_length=1, max_length=7 * 12,
                                                examples=[EXAMPLE_VISITS])
    short_visit_justification: ShortVisitJustification | None = None
    needs: list[Skill] | None = Field(default=None, max_length=len(Skill), examples=[["dementia"]])
    urgency: Urgency | None = None

    def terms(self) -> dict[str, Any]:
        """The fields given, as a referral stores them (visits as JSON, needs sorted once each); null leaves
        a field as it is, except the justification, which a schedule with no short visit does without."""
        given = self.model_dump(mode="json", exclude_unset=True)
        terms = {name: value for name, value in given.items()
                 if value is not None or name == "short_visit_justification"}
        if "needs" in terms:
            terms["needs"] = sorted(set(terms["needs"]))
        if "urgency" in terms:
            terms["urgency"] = Urgency(terms["urgency"])
        return terms


class EligibilityOut(BaseModel):
    """One provider of the referral's area as the cascade sees it now for the referral."""

    provider_id: uuid.UUID
    provider_name: str | None = Field(examples=["Vale Community Care"])
    tier: Tier | None
    eligible: bool
    reason: SkipReason | None = Field(description="Why the cascade would skip it; null when eligible",
                                      examples=["embargoed"])
    detail: str = Field(examples=["embargoed: council embargo on all new work"])
    score: Decimal | None = Field(description="The eligible provider's rank score (higher first)", examples=["76.67"])


class EligibilityListOut(BaseModel):
    referral_id: uuid.UUID
    area: str
    items: list[EligibilityOut] = Field(description="Eligible providers first in the cascade's order (tier, then "
                                                    "rank), then every other provider of the area with the reason")


class QueueOfferOut(BaseModel):
    """An offer still open, as the queue shows it: who has it and when it must be answered by."""

    id: uuid.UUID
    provider_id: uuid.UUID
    provider_name: str | None = Field(examples=["Vale Community Care"])
    tier: Tier
    deadline: datetime = Field(description="The answer-by time; the offer expires then unanswered")


class QueueEventOut(BaseModel):
    """The newest step of the referral a broker is told about: an offer declined or expired, the waiting
    list, a placement or an award."""

    at: datetime
    event: HistoryEvent = Field(examples=["declined"])
    provider_id: uuid.UUID | None
    provider_name: str | None = Field(examples=["Vale Community Care"])
    reason: str | None = Field(examples=["no_capacity"])


class ReferralListItem(ReferralSummary):
    """A referral in a list (the broker's queue): its fields and where it stands."""

    tier_reached: Tier | None = Field(description="The furthest tier of the cascade offered the referral in its "
                                                  "current round; null before any offer", examples=["framework"])
    open_offers: list[QueueOfferOut]
    placed_with_name: str | None = Field(examples=["Vale Community Care"])
    last_event: QueueEventOut | None
