"""The registry's use cases: load, decide (domain), store, audit and record the event, in the caller's
transaction (flushed, never committed here).

Every change to a provider first claims its next version with one atomic UPDATE. That also locks the
provider's row until commit (PostgreSQL row lock, SQLite's single writer), so concurrent changes to one
provider queue up and each event carries a version one above the last.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.providers.registry import domain
from services.providers.registry.exceptions import (
    EmbargoNotFound,
    EmbargoNotOpen,
    InvalidRegistryInput,
    ProviderNotFound,
    RatingExists,
    RegulatorIdTaken,
)
from services.providers.registry.models import Capacity, Contract, Embargo, Provider, Rating
from services.providers.registry.repository import (
    OPEN_EMBARGO,
    ProviderView,
    embargo_state,
    history_page,
    known_area_codes,
    load_views,
    page_of_provider_ids,
    rating_state,
)
from services.providers.registry.schemas import (
    CapacityIn,
    CareInspectorateRatingIn,
    ContractsIn,
    CqcRatingIn,
    EmbargoIn,
    ProviderCreate,
    ProviderPatch,
)
from shared.audit import record_audit
from shared.auth import Principal
from shared.contracts.common import EmbargoScope, ImposedBy, ProviderStatus, Tier
from shared.contracts.providers import (
    CapacityChanged,
    ContractsChanged,
    EmbargoEnded,
    EmbargoImposed,
    EmbargoLifted,
    EmbargoState,
    ProviderChanged,
    ProviderRated,
    ProviderRegistered,
    ProviderState,
)
from shared.contracts.quality import EscalationCleared, ProviderEscalated
from shared.events.envelope import Event
from shared.events.outbox import record_event
from shared.pagination import PageRequest, next_cursor, read_cursor

logger = logging.getLogger(__name__)
REGULATOR_ID_FIELDS = ("cqc_location_id", "care_inspectorate_id")


# --- the shape of every change -----------------------------------------------------------------------


async def _begin_change(session: AsyncSession, provider_id: uuid.UUID, *, now: datetime) -> ProviderState:
    """Claims the provider's next version (and its row lock); returns its state before the change."""
    claimed = await session.execute(
        update(Provider).where(Provider.id == provider_id)
        .values(version=Provider.version + 1, updated_at=now).returning(Provider.version)
    )
    version = claimed.scalar_one_or_none()
    if version is None:
        raise ProviderNotFound()
    view = (await load_views(session, [provider_id]))[provider_id]
    return view.state().model_copy(update={"version": version - 1})


async def _finish_change(
    session: AsyncSession,
    *,
    actor: Principal | None,
    action: str,
    provider_id: uuid.UUID,
    before: ProviderState | None,
    make_event: Callable[[ProviderState], Event],
    change: dict[str, Any] | None = None,
) -> ProviderView:
    """Audits the change (state before and after) and records its one event, in the same transaction."""
    await session.flush()
    view = (await load_views(session, [provider_id]))[provider_id]
    await publish_change(session, actor=actor, action=action, view=view, before=before, make_event=make_event,
                         change=change)
    return view


@dataclass(frozen=True)
class Change:
    """One change to a provider: its audit entry (state before and after) and its one event."""

    action: str
    provider_id: uuid.UUID
    before: dict[str, Any] | None
    after: dict[str, Any]
    event: Event


def describe_change(
    *,
    action: str,
    view: ProviderView,
    before: ProviderState | None,
    make_event: Callable[[ProviderState], Event],
    change: dict[str, Any] | None = None,
) -> Change:
    state = view.state()
    after = state.model_dump(mode="json")
    if change is not None:
        after["change"] = change
    return Change(action=action, provider_id=state.id, before=before.model_dump(mode="json") if before else None,
                  after=after, event=make_event(state))


async def publish_change(
    session: AsyncSession,
    *,
    actor: Principal | None,
    action: str,
    view: ProviderView,
    before: ProviderState | None,
    make_event: Callable[[ProviderState], Event],
    change: dict[str, Any] | None = None,
) -> None:
    described = describe_change(action=action, view=view, before=before, make_event=make_event, change=change)
    await record_audit(session, actor=actor, action=action, entity_type="provider", entity_id=described.provider_id,
                       before=described.before, after=described.after)
    await record_event(session, described.event)


def _embargo_event(
    kind: type[EmbargoImposed | EmbargoLifted | EmbargoEnded], embargo: EmbargoState
) -> Callable[[ProviderState], Event]:
    return lambda state: kind(provider=state, embargo=embargo)


def _refuse_if(problems: Sequence[domain.FieldProblem]) -> None:
    if problems:
        raise InvalidRegistryInput(problems)


# --- providers -------------------------------------------------------------------------------------


async def get_provider(session: AsyncSession, *, provider_id: uuid.UUID) -> ProviderView:
    view = (await load_views(session, [provider_id])).get(provider_id)
    if view is None:
        raise ProviderNotFound()
    return view


async def list_providers(
    session: AsyncSession, *, page: PageRequest, area: str | None, status: ProviderStatus | None, tier: Tier | None
) -> tuple[list[ProviderView], str | None]:
    after = read_cursor(page.cursor, str) if page.cursor is not None else None
    keys = await page_of_provider_ids(session, after=after, limit=page.limit + 1, area=area, status=status,
                                      tier=tier)
    shown = keys[: page.limit]
    views = await load_views(session, [provider_id for _, provider_id in shown])
    cursor = next_cursor(keys, page.limit, lambda key: [key[0], str(key[1])])
    return [views[provider_id] for _, provider_id in shown], cursor


async def _ensure_regulator_ids_free(
    session: AsyncSession, values: dict[str, Any], *, provider_id: uuid.UUID | None = None
) -> None:
    for name in REGULATOR_ID_FIELDS:
        value = values.get(name)
        if value is None:
            continue
        holder = await session.scalar(select(Provider.id).where(getattr(Provider, name) == value))
        if holder is not None and holder != provider_id:
            raise RegulatorIdTaken(f"{name} {value} belongs to another provider.")


async def register_provider(
    session: AsyncSession, *, actor: Principal, data: ProviderCreate, now: datetime
) -> ProviderView:
    registered_at = domain.admission_time(data.admitted_on, now)
    if isinstance(registered_at, domain.FieldProblem):
        raise InvalidRegistryInput([registered_at])
    values = data.model_dump(mode="json", exclude={"admitted_on"})
    await _ensure_regulator_ids_free(session, values)
    provider = Provider(id=uuid.uuid4(), version=1, registered_at=registered_at, updated_at=now, **values)
    session.add(provider)
    return await _finish_change(session, actor=actor, action="provider.registered", provider_id=provider.id,
                                before=None, make_event=lambda state: ProviderRegistered(provider=state))


async def update_provider(
    session: AsyncSession, *, actor: Principal, provider_id: uuid.UUID, data: ProviderPatch, now: datetime
) -> ProviderView:
    """A patch that sends no field is no change: no new version, no event."""
    changes = data.model_dump(mode="json", exclude_unset=True)
    if not changes:
        return await get_provider(session, provider_id=provider_id)
    before = await _begin_change(session, provider_id, now=now)
    await _ensure_regulator_ids_free(session, changes, provider_id=provider_id)
    await session.execute(update(Provider).where(Provider.id == provider_id).values(**changes))
    return await _finish_change(session, actor=actor, action="provider.changed", provider_id=provider_id,
                                before=before, make_event=lambda state: ProviderChanged(provider=state))


# --- contracts -------------------------------------------------------------------------------------


async def replace_contracts(
    session: AsyncSession, *, actor: Principal, provider_id: uuid.UUID, data: ContractsIn, now: datetime
) -> ProviderView:
    terms = [domain.ContractTerms(area=c.area, tier=c.tier, weekly_hours_cap=c.weekly_hours_cap,
                                  block_hours=c.block_hours, starts_on=c.starts_on, ends_on=c.ends_on)
             for c in data.contracts]
    known = await known_area_codes(session, {contract.area for contract in data.contracts})
    _refuse_if(domain.contract_problems(terms, known_areas=known))
    before = await _begin_change(session, provider_id, now=now)
    await session.execute(delete(Contract).where(Contract.provider_id == provider_id))
    session.add_all(Contract(provider_id=provider_id, **contract.model_dump()) for contract in data.contracts)
    return await _finish_change(session, actor=actor, action="provider.contracts_changed", provider_id=provider_id,
                                before=before, make_event=lambda state: ContractsChanged(provider=state))


# --- ratings ---------------------------------------------------------------------------------------


def rating_row(
    provider_id: uuid.UUID, data: CqcRatingIn | CareInspectorateRatingIn, *, actor: Principal | None, now: datetime
) -> Rating:
    if isinstance(data, CqcRatingIn):
        details: dict[str, Any] = {question: getattr(data, question) for question in domain.CQC_KEY_QUESTIONS}
        overall = data.overall.value
    else:
        details, overall = dict(data.grades), domain.summarise_care_inspectorate(data.grades).overall
    return Rating(id=uuid.uuid4(), provider_id=provider_id, regulator=data.regulator, overall=overall,
                  details={key: value for key, value in details.items() if value is not None},
                  published_on=data.published_on, recorded_at=now,
                  recorded_by=actor.subject if actor else None)


async def record_rating(
    session: AsyncSession, *, actor: Principal, provider_id: uuid.UUID, data: CqcRatingIn | CareInspectorateRatingIn,
    now: datetime,
) -> tuple[ProviderView, Rating]:
    """History is kept; the provider's current rating is the latest published (domain.current_rating)."""
    if data.published_on > now.date():
        raise InvalidRegistryInput([domain.FieldProblem("published_on", "A rating cannot be published later "
                                                                        "than today.")])
    before = await _begin_change(session, provider_id, now=now)
    duplicate = await session.scalar(select(Rating.id).where(
        Rating.provider_id == provider_id, Rating.regulator == data.regulator,
        Rating.published_on == data.published_on))
    if duplicate is not None:
        raise RatingExists()
    rating = rating_row(provider_id, data, actor=actor, now=now)
    session.add(rating)
    recorded = rating_state(rating)
    assert recorded is not None
    view = await _finish_change(
        session, actor=actor, action="provider.rated", provider_id=provider_id, before=before,
        make_event=lambda state: ProviderRated(provider=state, rating=recorded),
        change={"rating": recorded.model_dump(mode="json")})
    return view, rating


async def list_ratings(
    session: AsyncSession, *, provider_id: uuid.UUID, page: PageRequest
) -> tuple[list[Rating], str | None]:
    """The rating history, newest publication first."""
    await get_provider(session, provider_id=provider_id)
    return await history_page(session, model=Rating, dated=Rating.published_on, provider_id=provider_id, page=page)


# --- embargoes -------------------------------------------------------------------------------------


async def impose_embargo(
    session: AsyncSession, *, actor: Principal, provider_id: uuid.UUID, data: EmbargoIn, now: datetime
) -> tuple[ProviderView, Embargo]:
    terms = domain.EmbargoTerms(scope=data.scope, area=data.area, client_group=data.client_group,
                                starts_on=data.starts_on, ends_on=data.ends_on)
    problems = domain.embargo_problems(terms, known_areas=await known_area_codes(session, {data.area or ""}))
    if data.ends_on is not None and domain.is_due_to_end(data.ends_on, now.date()):
        problems.append(domain.FieldProblem("ends_on", "The embargo would already have ended."))
    _refuse_if(problems)
    return await _impose(session, actor=actor, provider_id=provider_id, values=data.model_dump(), now=now)


async def _impose(
    session: AsyncSession, *, actor: Principal | None, provider_id: uuid.UUID, values: dict[str, Any], now: datetime
) -> tuple[ProviderView, Embargo]:
    before = await _begin_change(session, provider_id, now=now)
    embargo = Embargo(id=uuid.uuid4(), provider_id=provider_id, imposed_at=now,
                      recorded_by=actor.subject if actor else None, **values)
    session.add(embargo)
    imposed = embargo_state(embargo)
    view = await _finish_change(session, actor=actor, action="embargo.imposed", provider_id=provider_id,
                                before=before, make_event=_embargo_event(EmbargoImposed, imposed),
                                change={"embargo": imposed.model_dump(mode="json")})
    return view, embargo


async def lift_embargo(
    session: AsyncSession, *, actor: Principal, provider_id: uuid.UUID, embargo_id: uuid.UUID, reason: str | None,
    now: datetime,
) -> tuple[ProviderView, Embargo]:
    """Safe under races: the provider's row lock queues concurrent lifts, and the conditional UPDATE
    (still open, not past its end date) lets exactly one succeed; the others get 409."""
    before = await _begin_change(session, provider_id, now=now)
    lifted = await session.execute(
        update(Embargo)
        .where(Embargo.id == embargo_id, Embargo.provider_id == provider_id, OPEN_EMBARGO,
               or_(Embargo.ends_on.is_(None), Embargo.ends_on >= now.date()))
        .values(lifted_at=now, lifted_by=actor.subject, lift_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if getattr(lifted, "rowcount", 0) != 1:
        exists = await session.scalar(select(Embargo.id).where(Embargo.id == embargo_id,
                                                               Embargo.provider_id == provider_id))
        raise EmbargoNotOpen() if exists else EmbargoNotFound()
    embargo = await _embargo(session, embargo_id)
    done = embargo_state(embargo)
    view = await _finish_change(session, actor=actor, action="embargo.lifted", provider_id=provider_id,
                                before=before, make_event=_embargo_event(EmbargoLifted, done),
                                change={"embargo_id": str(embargo_id), "reason": reason})
    return view, embargo


async def _embargo(session: AsyncSession, embargo_id: uuid.UUID) -> Embargo:
    embargo = await session.scalar(select(Embargo).where(Embargo.id == embargo_id)
                                   .execution_options(populate_existing=True))
    if embargo is None:
        raise EmbargoNotFound()
    return embargo


async def list_embargoes(
    session: AsyncSession, *, provider_id: uuid.UUID, page: PageRequest
) -> tuple[list[Embargo], str | None]:
    """The whole history, open ones included, latest start first."""
    await get_provider(session, provider_id=provider_id)
    return await history_page(session, model=Embargo, dated=Embargo.starts_on, provider_id=provider_id, page=page)


async def end_due_embargoes(session: AsyncSession, *, now: datetime, limit: int = 100) -> int:
    """Marks embargoes whose end date is before today as ended, each with its event; returns how many.

    Several replicas may run this at once: a provider another one is working on is skipped (its row
    lock is taken with SKIP LOCKED) and the conditional UPDATE ends each embargo once.
    """
    on = now.date()
    due = (await session.execute(
        select(Embargo.id, Embargo.provider_id).where(OPEN_EMBARGO, Embargo.ends_on < on)
        .order_by(Embargo.ends_on).limit(limit))).all()
    ended = 0
    for embargo_id, provider_id in due:
        if await session.scalar(select(Provider.id).where(Provider.id == provider_id)
                                .with_for_update(skip_locked=True)) is None:
            continue
        before = await _begin_change(session, provider_id, now=now)
        marked = await session.execute(
            update(Embargo).where(Embargo.id == embargo_id, OPEN_EMBARGO, Embargo.ends_on < on)
            .values(ended_at=now).execution_options(synchronize_session=False))
        if getattr(marked, "rowcount", 0) != 1:
            await _release_version(session, provider_id)
            continue
        done = embargo_state(await _embargo(session, embargo_id))
        await _finish_change(session, actor=None, action="embargo.ended", provider_id=provider_id, before=before,
                             make_event=_embargo_event(EmbargoEnded, done),
                             change={"embargo_id": str(embargo_id)})
        ended += 1
    return ended


async def _release_version(session: AsyncSession, provider_id: uuid.UUID) -> None:
    """Another transaction lifted or ended the embargo meanwhile: give back the version claimed for it."""
    await session.execute(update(Provider).where(Provider.id == provider_id).values(version=Provider.version - 1))


# --- capacity --------------------------------------------------------------------------------------


async def set_capacity(
    session: AsyncSession, *, actor: Principal, provider_id: uuid.UUID, data: CapacityIn, now: datetime
) -> ProviderView:
    requested = {entry.area for entry in data.areas}
    unknown = requested - await known_area_codes(session, requested)
    _refuse_if([domain.FieldProblem(f"areas.{index}.area", f"Unknown area {entry.area!r}.")
                for index, entry in enumerate(data.areas) if entry.area in unknown])
    before = await _begin_change(session, provider_id, now=now)
    await session.execute(delete(Capacity).where(Capacity.provider_id == provider_id))
    session.add_all(Capacity(provider_id=provider_id, area=entry.area, weekly_hours=entry.weekly_hours,
                             declared_at=now) for entry in data.areas)
    return await _finish_change(session, actor=actor, action="provider.capacity_changed", provider_id=provider_id,
                                before=before, make_event=lambda state: CapacityChanged(provider=state))


# --- quality escalations (consumed events) ---------------------------------------------------------


async def impose_escalation_embargo(session: AsyncSession, *, escalation: ProviderEscalated, now: datetime) -> None:
    """DOMAIN.md, "Quality monitoring": red risk leads to an embargo on new work. One council embargo on
    all new work per escalation, however often the event arrives."""
    if await session.scalar(select(Embargo.id).where(Embargo.escalation_id == escalation.escalation_id)):
        return
    if await session.scalar(select(Provider.id).where(Provider.id == escalation.provider_id)) is None:
        logger.warning("escalation %s names an unknown provider; ignored", escalation.escalation_id)
        return
    values = {"scope": EmbargoScope.ALL, "area": None, "client_group": None,
              "imposed_by": ImposedBy.COUNCIL, "starts_on": escalation.at.date(), "ends_on": None,
              "reason": domain.escalation_embargo_reason(score=escalation.score, reason=escalation.reason),
              "escalation_id": escalation.escalation_id}
    await _impose(session, actor=None, provider_id=escalation.provider_id, values=values, now=now)


async def suggest_lift(session: AsyncSession, *, cleared: EscalationCleared) -> None:
    """The escalation was cleared on review: the embargo it imposed is marked "lift suggested"; a person
    decides and lifts it through the API."""
    embargo = await session.scalar(select(Embargo).where(Embargo.escalation_id == cleared.escalation_id,
                                                         OPEN_EMBARGO))
    if embargo is None or embargo.lift_suggested_at is not None:
        return
    embargo.lift_suggested_at = cleared.at
    await record_audit(session, actor=None, action="embargo.lift_suggested", entity_type="embargo",
                       entity_id=embargo.id, before={"lift_suggested_at": None},
                       after={"lift_suggested_at": cleared.at.isoformat(), "reviewed_by": cleared.reviewed_by})

