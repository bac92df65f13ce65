"""Action plans with actions, owners, due dates and status."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from services.quality.plans.domain import ActionStatus


class ActionIn(BaseModel):
    description: str = Field(min_length=1, max_length=5000, examples=["Refresh medication training for all carers"])
    owner: str = Field(min_length=1, max_length=200, examples=["Registered manager"])
    due_on: date = Field(examples=["2026-12-15"])


class ActionPlanIn(BaseModel):
    provider_id: uuid.UUID
    title: str = Field(min_length=1, max_length=300, examples=["Medication handling"])
    reason: str = Field(default="", max_length=5000)
    actions: list[ActionIn] = Field(min_length=1)


class ActionOut(ActionIn):
    id: uuid.UUID
    status: ActionStatus
    overdue: bool
    updated_at: datetime
    completed_at: datetime | None


class ActionPlanOut(BaseModel):
    id: uuid.UUID
    provider_id: uuid.UUID
    title: str
    reason: str
    status: str = Field(description="`open` while any action is outstanding, else `closed`",
                        examples=["open"])
    created_by: str
    created_at: datetime
    actions: list[ActionOut]


class ActionUpdate(BaseModel):
    status: ActionStatus
