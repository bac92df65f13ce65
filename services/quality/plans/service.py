"""Use cases of action plans; changing an action rescores the provider (overdue actions raise the risk)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.quality.listing import keyset_page
from services.quality.plans.domain import ActionStatus, may_move
from services.quality.plans.exceptions import ActionFinished, PlanNotFound
from services.quality.plans.models import ActionPlan, PlanAction
from services.quality.plans.schemas import ActionPlanIn
from services.quality.risk.service import add_evidence_and_reassess, known_provider
from services.quality.settings import QualitySettings
from shared.audit import record_audit
from shared.auth import Principal
from shared.pagination import PageRequest

PlanWithActions = tuple[ActionPlan, list[PlanAction]]


async def create_plan(
    session: AsyncSession, *, actor: Principal, data: ActionPlanIn, settings: QualitySettings, now: datetime
) -> PlanWithActions:
    provider = await known_provider(session, provider_id=data.provider_id)
    plan = ActionPlan(provider_id=data.provider_id, title=data.title, reason=data.reason,
                      created_by=actor.subject, created_at=now)
    session.add(plan)
    await session.flush()
    actions = [PlanAction(plan_id=plan.id, provider_id=plan.provider_id, position=position,
                          description=each.description, owner=each.owner, due_on=each.due_on,
                          status=ActionStatus.OPEN.value, updated_at=now, completed_at=None)
               for position, each in enumerate(data.actions)]
    session.add_all(actions)
    await session.flush()
    await record_audit(session, actor=actor, action="action_plan.created", entity_type="action_plan",
                       entity_id=plan.id, after=data.model_dump(mode="json"))
    await add_evidence_and_reassess(session, provider=provider, items=[], source_type="action_plan",
                                    settings=settings, now=now)
    return plan, actions


async def _actions_of(session: AsyncSession, plan_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[PlanAction]]:
    grouped: dict[uuid.UUID, list[PlanAction]] = defaultdict(list)
    rows = await session.scalars(
        select(PlanAction).where(PlanAction.plan_id.in_(plan_ids)).order_by(PlanAction.position)
    )
    for action in rows:
        grouped[action.plan_id].append(action)
    return grouped


async def get_plan(session: AsyncSession, *, plan_id: uuid.UUID) -> PlanWithActions:
    plan = await session.get(ActionPlan, plan_id)
    if plan is None:
        raise PlanNotFound()
    return plan, (await _actions_of(session, [plan.id]))[plan.id]


async def list_plans(
    session: AsyncSession, *, page: PageRequest, provider_id: uuid.UUID | None
) -> tuple[list[PlanWithActions], str | None]:
    query = select(ActionPlan)
    if provider_id is not None:
        query = query.where(ActionPlan.provider_id == provider_id)
    plans, cursor = await keyset_page(session, query, created_at=ActionPlan.created_at, id_column=ActionPlan.id,
                                      page=page)
    actions = await _actions_of(session, [plan.id for plan in plans])
    return [(plan, actions[plan.id]) for plan in plans], cursor


async def update_action(
    session: AsyncSession, *, actor: Principal, plan_id: uuid.UUID, action_id: uuid.UUID, status: ActionStatus,
    settings: QualitySettings, now: datetime,
) -> PlanWithActions:
    """Moves an action on; the provider is rescored at once (a finished action no longer counts as overdue)."""
    action = await session.scalar(
        select(PlanAction).where(PlanAction.id == action_id, PlanAction.plan_id == plan_id).with_for_update()
    )
    if action is None:
        raise PlanNotFound()
    provider = await known_provider(session, provider_id=action.provider_id)
    if not may_move(ActionStatus(action.status), status):
        raise ActionFinished(f"The action is {action.status}; it cannot become {status.value}.")
    before = action.status
    action.status, action.updated_at = status.value, now
    action.completed_at = now if status is ActionStatus.DONE else None
    await session.flush()
    await record_audit(session, actor=actor, action="plan_action.updated", entity_type="plan_action",
                       entity_id=action.id, before={"status": before}, after={"status": status.value})
    await add_evidence_and_reassess(session, provider=provider, items=[], source_type="action_plan",
                                    settings=settings, now=now)
    return await get_plan(session, plan_id=plan_id)
