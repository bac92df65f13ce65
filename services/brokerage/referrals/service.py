"""Referral use cases: intake (validated, then sourced at once), reads, and the broker's overrides.

Each checks what may be asked, asks the referral's lifecycle to make the change (and the cascade to
source, where it must), audits it, and answers the referral as the API shows it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage.cascade import sourcing
from services.brokerage.cascade.domain import Decision
from services.brokerage.readmodel.models import KnownArea
from services.brokerage.readmodel.service import known_area, provider_names, provider_state, refusal
from services.brokerage.referrals import lifecycle, repository
from services.brokerage.referrals.domain import (
    AMENDABLE,
    FieldProblem,
    amendment,
    short_visit_problems,
    start_problems,
    weekly_hours,
)
from services.brokerage.referrals.exceptions import InvalidReferral, ReferralNotFound, UnknownProvider
from services.brokerage.referrals.models import HistoryEntry, Referral
from services.brokerage.referrals.schemas import AmendIn, AwardIn, CancelIn, ReferralCreate
from services.brokerage.settings import BrokerageSettings
from shared.audit import record_audit
from shared.auth import Principal
from shared.db import Database


@dataclass(frozen=True, slots=True)
class ReferralRecord:
    """A referral as the API answers it: with its whole history and the names of the providers in it."""

    referral: Referral
    history: list[HistoryEntry]
    provider_names: dict[uuid.UUID, str]


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


def _problems(data: ReferralCreate, *, area: KnownArea | None, now: datetime) -> list[FieldProblem]:
    problems = (short_visit_problems(data.visits, data.short_visit_justification)
                + start_problems(data.start_on, today=now.date()))
    if area is None:
        problems.append(FieldProblem("area", f"the area {data.area} is not a known contract area"))
    return problems


async def _record(session: AsyncSession, referral: Referral) -> ReferralRecord:
    history = await repository.history_of(session, referral_id=referral.id)
    names = await provider_names(session, ids={entry.provider_id for entry in history if entry.provider_id})
    return ReferralRecord(referral, history, names)


async def create_referral(
    session: AsyncSession, *, actor: Principal, data: ReferralCreate, settings: BrokerageSettings, now: datetime
) -> ReferralRecord:
    """Refused referrals leave nothing behind; an accepted one is sourced in the same transaction. The
    answer is the referral the broker just made, so it is not audited again as a read. The area is read
    once, under the shared lock its cascade decision holds (`known_area`)."""
    area = await known_area(session, code=data.area, lock=True)
    problems = _problems(data, area=area, now=now)
    if problems or area is None:
        raise InvalidReferral(problems)
    referral = await lifecycle.create(session, fields={**referral_fields(data), "created_by": actor.subject}, now=now)
    await record_audit(session, actor=actor, action="referral.created", entity_type="referral",
                       entity_id=referral.id, after=audit_view(referral))
    await sourcing.source_new(session, referral=referral, area=area, settings=settings, now=now)
    await session.flush()
    return await _record(session, referral)


async def get_referral(session: AsyncSession, *, actor: Principal, referral_id: uuid.UUID) -> ReferralRecord:
    """A read of a person's record is audited."""
    referral = await session.get(Referral, referral_id)
    if referral is None:
        raise ReferralNotFound()
    await record_audit(session, actor=actor, action="referral.read", entity_type="referral", entity_id=referral_id)
    return await _record(session, referral)


async def award(
    session: AsyncSession, *, actor: Principal, referral_id: uuid.UUID, data: AwardIn, settings: BrokerageSettings,
    now: datetime,
) -> ReferralRecord:
    """A broker's direct award to a named provider, outside the cascade, with the reason recorded. An award
    to a provider the cascade would skip (an embargo, a cap) is the broker's to make; the history and the
    audit say which rule it overrode."""
    referral = await lifecycle.open_referral(session, referral_id=referral_id)
    provider = await provider_state(session, provider_id=data.provider_id)
    if provider is None:
        raise UnknownProvider()
    before = audit_view(referral)
    tier = next((each.tier for each in provider.contracts if each.area == referral.area), None)
    overrides = await refusal(session, need=lifecycle.need_of(referral), provider_id=provider.id,
                              policy=settings.policy(), declines_window=settings.declines_window(), now=now)
    await lifecycle.award(session, referral=referral, provider_id=provider.id, tier=tier, reason=data.reason,
                          overrides=overrides, now=now, actor=actor.subject)
    await record_audit(session, actor=actor, action="referral.awarded", entity_type="referral",
                       entity_id=referral.id, before=before,
                       after={**audit_view(referral), "reason": data.reason, "overrides": overrides})
    return await _record(session, referral)


async def retry(
    session: AsyncSession, *, actor: Principal, referral_id: uuid.UUID, settings: BrokerageSettings, now: datetime
) -> ReferralRecord:
    """Runs the cascade again now as a new round: open offers are withdrawn, everyone may be asked again."""
    referral = await lifecycle.open_referral(session, referral_id=referral_id)
    before = audit_view(referral)
    await lifecycle.start_round(session, referral=referral, now=now, why="a broker ran the cascade again",
                                actor=actor.subject)
    await sourcing.source(session, referral=referral, settings=settings, now=now)
    await session.flush()
    await record_audit(session, actor=actor, action="referral.retried", entity_type="referral",
                       entity_id=referral.id, before=before, after=audit_view(referral))
    return await _record(session, referral)


async def cancel(
    session: AsyncSession, *, actor: Principal, referral_id: uuid.UUID, data: CancelIn | None, now: datetime
) -> ReferralRecord:
    """Without a body (as before reasons were asked) the history says only that a broker cancelled it."""
    referral = await lifecycle.open_referral(session, referral_id=referral_id)
    before = audit_view(referral)
    reason = data.reason if data else None
    detail = data.detail.strip() if data else ""
    await lifecycle.cancel(session, referral=referral, now=now, reason=reason,
                           detail=detail or "cancelled by a broker", actor=actor.subject)
    await record_audit(session, actor=actor, action="referral.cancelled", entity_type="referral",
                       entity_id=referral.id, before=before, after={**audit_view(referral), "reason": reason})
    return await _record(session, referral)


async def amend(
    session: AsyncSession, *, actor: Principal, referral_id: uuid.UUID, data: AmendIn, settings: BrokerageSettings,
    now: datetime,
) -> ReferralRecord:
    """A referral still being sourced takes new terms (schedule, needs, urgency) under the same rules as a
    new one, and is sourced again in a new round. Asking for no change is refused: nothing would happen."""
    referral = await lifecycle.open_referral(session, referral_id=referral_id)
    changes, problems = amendment({name: getattr(referral, name) for name in AMENDABLE}, data.terms())
    if problems:
        raise InvalidReferral(problems)
    before = audit_view(referral)
    await lifecycle.amend(session, referral=referral, changes=changes, now=now, actor=actor.subject)
    await sourcing.source(session, referral=referral, settings=settings, now=now)
    await session.flush()
    await record_audit(session, actor=actor, action="referral.amended", entity_type="referral",
                       entity_id=referral.id, before=before, after={**audit_view(referral), "changed": sorted(changes)})
    return await _record(session, referral)


async def eligibility(
    session: AsyncSession, *, referral_id: uuid.UUID, settings: BrokerageSettings, now: datetime
) -> tuple[Referral, list[Decision], dict[uuid.UUID, str]]:
    """How the cascade sees every provider of the referral's area for it now (nobody left out as offered
    already): the eligible in its order, then the others with the rule each breaks; and their names."""
    referral = await session.get(Referral, referral_id)
    if referral is None:
        raise ReferralNotFound()
    outcome = await sourcing.decide(session, referral=referral, settings=settings, now=now, exclude=frozenset(),
                                    lock_area=False)
    decisions = sorted(outcome.decisions, key=lambda each: each.skipped)
    names = await provider_names(session, ids={each.provider_id for each in decisions})
    return referral, decisions, names


async def retry_waiting_lists(database: Database, *, settings: BrokerageSettings, now: datetime) -> int:
    """One pass of the waiting-list worker: every area's unsourced referrals run again, an area a
    transaction. A provider's change retries its areas' lists at once; this pass catches what changes with
    time alone (a new provider's ramp-up that ends). Safe with several replicas: a referral another holds
    is skipped. Returns how many found offers."""
    async with database.sessionmaker() as session:
        areas = await repository.areas_with_waiting_referrals(session)
    moved = 0
    for area in areas:
        async with database.sessionmaker() as session, session.begin():
            moved += await sourcing.retry_waiting_list(session, areas={area}, settings=settings, now=now)
    return moved
