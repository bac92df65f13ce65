"""Referral use cases: intake (validated, then sourced at once), reads, and the broker's overrides."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage.cascade.service import (
    add_history,
    lock_referral,
    referral_facts,
    source,
    withdraw_open_offers,
)
from services.brokerage.readmodel.models import KnownProvider
from services.brokerage.readmodel.service import known_area, provider_state
from services.brokerage.referrals.domain import (
    OPEN_STATUSES,
    FieldProblem,
    HistoryEvent,
    short_visit_problems,
    start_problems,
    weekly_hours,
)
from services.brokerage.referrals.exceptions import InvalidReferral, ReferralClosed, ReferralNotFound, UnknownProvider
from services.brokerage.referrals.models import HistoryEntry, Referral
from services.brokerage.referrals.placing import claim_referral, record_placement
from services.brokerage.referrals.schemas import AwardIn, ReferralCreate
from services.brokerage.settings import BrokerageSettings
from shared.audit import record_audit
from shared.auth import Principal
from shared.contracts.brokerage import ReferralCancelled, ReferralCreated, ReferralStatus
from shared.events.outbox import record_event
from shared.pagination import PageRequest


def audit_view(referral: Referral) -> dict[str, object]:
    """What the audit log keeps: the referral's own fields (a pseudonymous client_ref, no names)."""
    return {"status": referral.status, "area": referral.area, "client_ref": referral.client_ref,
            "weekly_hours": str(referral.weekly_hours), "placed_with": referral.placed_with}


def referral_fields(data: ReferralCreate) -> dict[str, Any]:
    """The referral's columns as `data` states them, in the form they are stored and compared in."""
    justification = data.short_visit_justification
    return {
        "client_ref": data.client_ref, "area": data.area, "client_group": data.client_group,
        "needs": sorted({str(each) for each in data.needs}), "urgency": data.urgency,
        "start_on": data.start_on, "visits": [each.model_dump(mode="json") for each in data.visits],
        "short_visit_justification": justification.model_dump() if justification else None,
        "health_share_percent": data.funding.health_share_percent, "weekly_hours": weekly_hours(data.visits),
    }


async def _problems(session: AsyncSession, *, data: ReferralCreate, now: datetime) -> list[FieldProblem]:
    problems = (short_visit_problems(data.visits, data.short_visit_justification)
                + start_problems(data.start_on, today=now.date()))
    if await known_area(session, code=data.area) is None:
        problems.append(FieldProblem("area", f"the area {data.area} is not a known contract area"))
    return problems


async def create_referral(
    session: AsyncSession, *, actor: Principal, data: ReferralCreate, settings: BrokerageSettings, now: datetime
) -> Referral:
    """Refused referrals leave nothing behind; an accepted one is sourced in the same transaction."""
    problems = await _problems(session, data=data, now=now)
    if problems:
        raise InvalidReferral(problems)
    referral = Referral(id=uuid.uuid4(), **referral_fields(data), status=ReferralStatus.SOURCING, round=1,
                        created_at=now,
                        updated_at=now)
    session.add(referral)
    await session.flush()
    await record_audit(session, actor=actor, action="referral.created", entity_type="referral",
                       entity_id=referral.id, after=audit_view(referral))
    await record_event(session, ReferralCreated(referral=referral_facts(referral)))
    await source(session, referral=referral, settings=settings, now=now)
    await session.flush()
    return referral


async def get_referral(
    session: AsyncSession, *, actor: Principal, referral_id: uuid.UUID
) -> tuple[Referral, list[HistoryEntry], dict[uuid.UUID, str]]:
    """A read of a person's record is audited. Also answers the names of the providers in the history,
    so a broker reads "Vale Community Care", not an id."""
    referral = await session.get(Referral, referral_id)
    if referral is None:
        raise ReferralNotFound()
    history = (await session.scalars(select(HistoryEntry).where(HistoryEntry.referral_id == referral_id)
                                     .order_by(HistoryEntry.id))).all()
    await record_audit(session, actor=actor, action="referral.read", entity_type="referral", entity_id=referral_id)
    return referral, list(history), await _provider_names(session, {e.provider_id for e in history if e.provider_id})


async def _provider_names(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = await session.execute(select(KnownProvider.id, KnownProvider.state).where(KnownProvider.id.in_(ids)))
    return {provider_id: str(state.get("name", "")) for provider_id, state in rows}


async def list_referrals(
    session: AsyncSession, *, status: ReferralStatus | None, page: PageRequest
) -> list[Referral]:
    """Oldest first (the waiting list's order), `limit + 1` rows so the caller knows if more follow."""
    query = select(Referral).order_by(Referral.created_at, Referral.id).limit(page.limit + 1)
    if status is not None:
        query = query.where(Referral.status == status)
    if page.cursor is not None:
        after_at, after_id = datetime.fromisoformat(page.cursor[0]), uuid.UUID(page.cursor[1])
        query = query.where(or_(Referral.created_at > after_at,
                                and_(Referral.created_at == after_at, Referral.id > after_id)))
    return list((await session.scalars(query)).all())


def cursor_key(referral: Referral) -> tuple[str, str]:
    return referral.created_at.isoformat(), str(referral.id)


async def _open_referral(session: AsyncSession, *, referral_id: uuid.UUID) -> Referral:
    referral = await lock_referral(session, referral_id=referral_id)
    if referral is None:
        raise ReferralNotFound()
    if referral.status not in OPEN_STATUSES:
        raise ReferralClosed(f"The referral is {referral.status}.")
    return referral


async def award(
    session: AsyncSession, *, actor: Principal, referral_id: uuid.UUID, data: AwardIn, now: datetime
) -> Referral:
    """A broker's direct award to a named provider, outside the cascade, with the reason recorded."""
    referral = await _open_referral(session, referral_id=referral_id)
    provider = await provider_state(session, provider_id=data.provider_id)
    if provider is None:
        raise UnknownProvider()
    before = audit_view(referral)
    tier = next((each.tier for each in provider.contracts if each.area == referral.area), None)
    await claim_referral(session, referral_id=referral.id, provider_id=provider.id, from_statuses=OPEN_STATUSES,
                         now=now)
    await session.refresh(referral)
    await record_placement(session, referral=referral, provider_id=provider.id, tier=tier, awarded=True,
                           start_on=referral.start_on, now=now, detail=f"awarded by a broker: {data.reason}")
    await record_audit(session, actor=actor, action="referral.awarded", entity_type="referral",
                       entity_id=referral.id, before=before, after={**audit_view(referral), "reason": data.reason})
    return referral


async def retry(
    session: AsyncSession, *, actor: Principal, referral_id: uuid.UUID, settings: BrokerageSettings, now: datetime
) -> Referral:
    """Runs the cascade again now as a new round: open offers are withdrawn, everyone may be asked again."""
    referral = await _open_referral(session, referral_id=referral_id)
    before = audit_view(referral)
    await withdraw_open_offers(session, referral=referral, now=now, why="a broker ran the cascade again")
    referral.round += 1
    add_history(session, referral_id=referral.id, at=now, event=HistoryEvent.CONSIDERED,
                detail="a broker ran the cascade again")
    await source(session, referral=referral, settings=settings, now=now)
    await session.flush()
    await record_audit(session, actor=actor, action="referral.retried", entity_type="referral",
                       entity_id=referral.id, before=before, after=audit_view(referral))
    return referral


async def cancel(session: AsyncSession, *, actor: Principal, referral_id: uuid.UUID, now: datetime) -> Referral:
    referral = await _open_referral(session, referral_id=referral_id)
    before = audit_view(referral)
    await withdraw_open_offers(session, referral=referral, now=now, why="the referral was cancelled")
    referral.status, referral.updated_at = ReferralStatus.CANCELLED, now
    await session.flush()
    await record_audit(session, actor=actor, action="referral.cancelled", entity_type="referral",
                       entity_id=referral.id, before=before, after=audit_view(referral))
    await record_event(session, ReferralCancelled(referral=referral_facts(referral), at=now))
    return referral
