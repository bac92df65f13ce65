"""Events of quality monitoring: the risk matrix and its escalations."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import Field

from shared.contracts.common import Rag
from shared.events.envelope import Event, register_event


@register_event
class RiskChanged(Event):
    event_type = "quality.risk.changed.v1"
    provider_id: uuid.UUID
    score: Decimal
    rag: Rag
    previous_rag: Rag | None
    at: datetime


@register_event
class ProviderEscalated(Event):
    """The provider turned red and the escalation policy is on: the registry imposes a council embargo
    on all new work."""

    event_type = "quality.provider.escalated.v1"
    provider_id: uuid.UUID
    escalation_id: uuid.UUID
    score: Decimal
    reason: str
    at: datetime


@register_event
class EscalationCleared(Event):
    """Back to green after a review: lifting the council embargo is suggested (a person lifts it)."""

    event_type = "quality.escalation.cleared.v1"
    provider_id: uuid.UUID
    escalation_id: uuid.UUID
    reviewed_by: str = Field(description="Subject of the officer who recorded the review")
    at: datetime
