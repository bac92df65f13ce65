"""Action plans with actions, owners and due dates (API.md, "Quality")."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, status

from services.quality.deps import QualityOfficer, SettingsDep
from services.quality.plans import service
from services.quality.plans.domain import OUTSTANDING, ActionStatus, is_overdue
from services.quality.plans.exceptions import ActionFinished, PlanNotFound
from services.quality.plans.schemas import ActionOut, ActionPlanIn, ActionPlanOut, ActionUpdate
from shared.auth import StaffPrincipal
from shared.clock import ClockDep
from shared.db import SessionDep
from shared.errors import Forbidden, Unauthorized, Unprocessable, problem_responses
from shared.pagination import Page, PageDep

router = APIRouter(prefix="/api/v1/action-plans", tags=["action plans"],
                   responses=problem_responses(Unauthorized, Forbidden, Unprocessable))


def plan_out(plan_with_actions: service.PlanWithActions, *, today: date) -> ActionPlanOut:
    plan, actions = plan_with_actions
    items = [ActionOut(id=action.id, description=action.description, owner=action.owner, due_on=action.due_on,
                       status=ActionStatus(action.status), updated_at=action.updated_at,
                       completed_at=action.completed_at,
                       overdue=is_overdue(status=ActionStatus(action.status), due_on=action.due_on, today=today))
             for action in actions]
    state = "open" if any(item.status in OUTSTANDING for item in items) else "closed"
    return ActionPlanOut(id=plan.id, provider_id=plan.provider_id, title=plan.title, reason=plan.reason,
                         status=state, created_by=plan.created_by, created_at=plan.created_at, actions=items)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ActionPlanOut)
async def create_plan(data: ActionPlanIn, session: SessionDep, officer: QualityOfficer,
                      settings: SettingsDep, clock: ClockDep) -> ActionPlanOut:
    plan = await service.create_plan(session, actor=officer, data=data, settings=settings, now=clock.now())
    return plan_out(plan, today=clock.today())


@router.get("", response_model=Page[ActionPlanOut])
async def list_plans(
    session: SessionDep, _staff: StaffPrincipal, page: PageDep, clock: ClockDep,
    provider_id: Annotated[uuid.UUID | None, Query(description="Only this provider's plans")] = None,
) -> Page[ActionPlanOut]:
    plans, cursor = await service.list_plans(session, page=page, provider_id=provider_id)
    return Page(items=[plan_out(each, today=clock.today()) for each in plans], next_cursor=cursor)


@router.get("/{plan_id}", response_model=ActionPlanOut, responses=problem_responses(PlanNotFound))
async def get_plan(plan_id: uuid.UUID, session: SessionDep, _staff: StaffPrincipal, clock: ClockDep) -> ActionPlanOut:
    return plan_out(await service.get_plan(session, plan_id=plan_id), today=clock.today())


@router.patch("/{plan_id}/actions/{action_id}", response_model=ActionPlanOut,
              responses=problem_responses(PlanNotFound, ActionFinished),
              summary="Change an action's status (open, in_progress, done, cancelled)")
async def update_action(plan_id: uuid.UUID, action_id: uuid.UUID, data: ActionUpdate, session: SessionDep,
                        officer: QualityOfficer, settings: SettingsDep, clock: ClockDep) -> ActionPlanOut:
    plan = await service.update_action(session, actor=officer, plan_id=plan_id, action_id=action_id,
                                       status=data.status, settings=settings, now=clock.now())
    return plan_out(plan, today=clock.today())
