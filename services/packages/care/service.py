"""Use cases of packages: created when a referral is placed, changed, suspended, resumed, ended; each
change re-costs the package from its effective date and is published."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.packages.care import domain
from services.packages.care.exceptions import PackageNotFound, ShortVisitRefused
from services.packages.care.models import Package, PackageTerm, Suspension
from services.packages.care.schemas import (
    ChangeIn,
    EndIn,
    PackageOut,
    PackageView,
    ProviderPackageOut,
    ResumeIn,
    SuspendIn,
)
from services.packages.costing.domain import Calendar, WeeklyCost, weekly_usage
from services.packages.costing.service import CostingInputs, Placement, price_line_out
from shared.audit import record_audit
from shared.auth import Principal
from shared.contracts.brokerage import PlacementCorrected, ReferralPlaced, ScheduledVisit
from shared.contracts.packages import (
    PackageChanged,
    PackageCreated,
    PackageEnded,
    PackageFacts,
    PackageResumed,
    PackageStatus,
    PackageSuspended,
)
from shared.contracts.short_visits import short_visit_breach
from shared.events.envelope import Event
from shared.events.outbox import record_event
from shared.pagination import PageRequest


@dataclass(frozen=True)
class PackageRecord:
    package: Package
    term: PackageTerm
    suspension: Suspension | None

    @property
    def visits(self) -> list[ScheduledVisit]:
        return [ScheduledVisit.model_validate(visit) for visit in self.term.visits]

    @property
    def placement(self) -> Placement:
        return Placement(self.package.area, self.package.provider_id, self.package.client_ref)

    @property
    def unassessed_placement(self) -> Placement:
        """The placement without the person, so costing it never reads their financial assessment."""
        return Placement(self.package.area, self.package.provider_id, None)


def _latest_terms(package_ids: Sequence[uuid.UUID]) -> Select[PackageTerm]:
    """Each package's term with the latest effective date."""
    latest = (select(PackageTerm.package_id, func.max(PackageTerm.effective_from).label("effective_from"))
              .where(PackageTerm.package_id.in_(package_ids)).group_by(PackageTerm.package_id).subquery())
    return select(PackageTerm).join(latest, (PackageTerm.package_id == latest.c.package_id)
                                    & (PackageTerm.effective_from == latest.c.effective_from))


async def load_many(session: AsyncSession, *, packages: Sequence[Package]) -> list[PackageRecord]:
    """The packages' records, in their order, with two queries however many packages there are (none for
    none: a broker polling for a package not made yet asks often)."""
    if not packages:
        return []
    ids = [package.id for package in packages]
    terms = {term.package_id: term for term in await session.scalars(_latest_terms(ids))}
    open_suspensions = {suspension.package_id: suspension for suspension in await session.scalars(
        select(Suspension).where(Suspension.package_id.in_(ids), Suspension.ends_on.is_(None)))}
    return [PackageRecord(package, terms[package.id], open_suspensions.get(package.id)) for package in packages]


async def load(session: AsyncSession, *, package_id: uuid.UUID, for_update: bool = False) -> PackageRecord:
    package = await session.get(Package, package_id, with_for_update=for_update)
    if package is None:
        raise PackageNotFound()
    [record] = await load_many(session, packages=[package])
    return record


def _weekly_cost(
    record: PackageRecord, *, costing: CostingInputs, today: date, assessed: bool = True
) -> WeeklyCost | None:
    """The weekly cost at the rates in force when the current terms took effect, split under the
    assessment in force today (or when the terms take effect, if later); None when no rate applies.
    Unassessed, the split leaves the person out; the weekly cost and hourly rate are the same."""
    term = record.term
    placement = record.placement if assessed else record.unassessed_placement
    return costing.weekly_cost(placement, visits=record.visits, health_share_percent=term.health_share_percent,
                               rates_on=term.effective_from, assessed_on=max(today, term.effective_from))


def _provider_view(record: PackageRecord, *, costing: CostingInputs, cost: WeeklyCost | None) -> ProviderPackageOut:
    package, term = record.package, record.term
    return ProviderPackageOut(
        id=package.id, referral_id=package.referral_id, client_ref=package.client_ref,
        provider_id=package.provider_id, area=package.area, tier=package.tier, status=package.status,
        start_on=package.start_on, end_on=package.end_on,
        suspended_from=record.suspension.starts_on if record.suspension else None, visits=record.visits,
        terms_from=term.effective_from, weekly_hours=weekly_usage(record.visits, costing.calendar).hours,
        weekly_cost=cost.weekly_cost if cost else None, hourly_rate=cost.hourly_rate if cost else None,
        price_lines=[price_line_out(line) for line in cost.price_lines] if cost else None,
    )


def _view(record: PackageRecord, *, costing: CostingInputs, today: date) -> PackageOut:
    cost = _weekly_cost(record, costing=costing, today=today)
    return PackageOut(**_provider_view(record, costing=costing, cost=cost).model_dump(),
                      health_share_percent=record.term.health_share_percent,
                      council_share=cost.council_share if cost else None,
                      health_share=cost.health_share if cost else None,
                      client_contribution=cost.client_contribution if cost else None)


async def views(
    session: AsyncSession, records: Sequence[PackageRecord], *, today: date, calendar: Calendar
) -> list[PackageOut]:
    """The packages as staff see them, costed with three queries however many there are, so a list page
    of 500 costs what one package does; visits in the calendar's night window are priced as night visits."""
    if not records:
        return []
    costing = await CostingInputs.load(session, placements={record.placement for record in records},
                                       calendar=calendar)
    return [_view(record, costing=costing, today=today) for record in records]


async def view(session: AsyncSession, record: PackageRecord, *, today: date, calendar: Calendar) -> PackageOut:
    [shown] = await views(session, [record], today=today, calendar=calendar)
    return shown


async def provider_views(
    session: AsyncSession, records: Sequence[PackageRecord], *, today: date, calendar: Calendar
) -> list[ProviderPackageOut]:
    """The packages as their provider sees them: costed without the people, so no financial assessment
    is read (nor shown through the split)."""
    if not records:
        return []
    costing = await CostingInputs.load(session, placements={record.unassessed_placement for record in records},
                                       calendar=calendar)
    return [_provider_view(record, costing=costing, cost=_weekly_cost(record, costing=costing, today=today,
                                                                      assessed=False))
            for record in records]


async def views_for(
    session: AsyncSession, records: Sequence[PackageRecord], *, actor: Principal, today: date, calendar: Calendar
) -> Sequence[PackageView]:
    """Staff see the whole package; anyone else reaching a read is a provider client (the routes let in
    nobody more) and sees its provider's view."""
    if actor.is_staff:
        return await views(session, records, today=today, calendar=calendar)
    return await provider_views(session, records, today=today, calendar=calendar)


async def _facts(
    session: AsyncSession, record: PackageRecord, *, effective_from: date, calendar: Calendar
) -> PackageFacts:
    """What the package's events tell: its terms from `effective_from`, costed at the rates then in force,
    from the package's own records and the costing domain (never from what the API shows of it)."""
    package = record.package
    costing = await CostingInputs.load(session, placements={record.placement}, calendar=calendar)
    cost = _weekly_cost(record, costing=costing, today=effective_from)
    return PackageFacts(
        package_id=package.id, referral_id=package.referral_id, client_ref=package.client_ref,
        provider_id=package.provider_id, area=package.area, status=package.status,
        weekly_hours=weekly_usage(record.visits, calendar).hours, visits=record.visits,
        weekly_cost=cost.weekly_cost if cost else Decimal(0), effective_from=effective_from,
        price_lines=[price_line_out(line) for line in cost.price_lines] if cost else [],
    )


async def _publish(
    session: AsyncSession, *, actor: Principal | None, action: str, before: dict[str, object] | None,
    record: PackageRecord, effective_from: date, calendar: Calendar, event: Callable[[PackageFacts], Event],
) -> None:
    """A change of the package is audited (its record before and after) and published with its facts from
    `effective_from`, in the caller's transaction."""
    await record_audit(session, actor=actor, action=action, entity_type="package", entity_id=record.package.id,
                       before=before, after=_audit_view(record))
    await record_event(session, event(await _facts(session, record, effective_from=effective_from,
                                                   calendar=calendar)))


def _audit_view(record: PackageRecord) -> dict[str, object]:
    package = record.package
    return {"status": package.status, "end_on": package.end_on, "terms_from": record.term.effective_from,
            "visits": record.term.visits, "health_share_percent": record.term.health_share_percent,
            "suspended_from": record.suspension.starts_on if record.suspension else None}


async def create_from_referral(
    session: AsyncSession, *, placed: ReferralPlaced, calendar: Calendar
) -> Package | None:
    """One package per referral (a unique referral_id): a redelivered or repeated placement adds nothing."""
    referral = placed.referral
    if await session.scalar(select(Package.id).where(Package.referral_id == referral.referral_id)):
        return None
    package = Package(referral_id=referral.referral_id, client_ref=referral.client_ref,
                      provider_id=placed.provider_id, area=referral.area, client_group=referral.client_group,
                      tier=None if placed.tier is None else str(placed.tier), status=PackageStatus.ACTIVE,
                      start_on=placed.start_on)
    session.add(package)
    await session.flush()
    term = PackageTerm(package_id=package.id, effective_from=placed.start_on,
                       health_share_percent=referral.funding.health_share_percent)
    term.schedule(referral.visits)
    session.add(term)
    await session.flush()
    await _publish(session, actor=None, action="package.created", before=None,
                   record=PackageRecord(package, term, None), effective_from=placed.start_on, calendar=calendar,
                   event=lambda facts: PackageCreated(package=facts))
    return package


async def correct_imported(
    session: AsyncSession, *, corrected: PlacementCorrected, calendar: Calendar
) -> Package | None:
    """An imported placement imported again with other details: the import states the placement as it was
    made, so the package's first terms (its schedule and funding from its start) are corrected, and its start
    date where that keeps its later changes after it. Changes made since in the suite stay as they are; the
    next invoice run settles what was billed. A correction arriving before its placement places it."""
    referral = corrected.referral
    package = await session.scalar(select(Package).where(Package.referral_id == referral.referral_id)
                                   .with_for_update())
    if package is None:
        return await create_from_referral(session, calendar=calendar, placed=ReferralPlaced(
            referral=referral, provider_id=corrected.provider_id, tier=None, awarded=False,
            start_on=corrected.start_on, placed_at=corrected.at, imported=True))
    [record] = await load_many(session, packages=[package])
    before = _audit_view(record)
    terms = list(await session.scalars(select(PackageTerm).where(PackageTerm.package_id == package.id)
                                       .order_by(PackageTerm.effective_from)))
    first = terms[0]
    first.schedule(referral.visits)
    first.health_share_percent = referral.funding.health_share_percent
    if first.effective_to is None or corrected.start_on < first.effective_to:
        package.start_on = first.effective_from = corrected.start_on
    package.client_ref, package.client_group = referral.client_ref, referral.client_group
    await session.flush()
    [record] = await load_many(session, packages=[package])
    await _publish(session, actor=None, action="package.corrected_by_import", before=before, record=record,
                   effective_from=package.start_on, calendar=calendar,
                   event=lambda facts: PackageChanged(package=facts))
    return package


async def read(
    session: AsyncSession, *, actor: Principal, package_id: uuid.UUID, today: date, calendar: Calendar
) -> PackageView:
    """A person's record: every read is audited. Another provider's package is not found, as if it did
    not exist."""
    record = await load(session, package_id=package_id)
    if not actor.may_see_provider(record.package.provider_id):
        raise PackageNotFound()
    await record_audit(session, actor=actor, action="package.read", entity_type="package", entity_id=package_id)
    [shown] = await views_for(session, [record], actor=actor, today=today, calendar=calendar)
    return shown


async def list_packages(
    session: AsyncSession, *, actor: Principal, page: PageRequest, status: PackageStatus | None,
    provider_id: uuid.UUID | None, referral_id: uuid.UUID | None, today: date, calendar: Calendar,
) -> tuple[Sequence[PackageView], list[Package]]:
    """Ordered by id, so a client paging through never sees one twice or misses one that existed when
    it started; the read of the page is audited with its ids. A provider client gets its own packages
    only, whatever it asks for."""
    query = select(Package).order_by(Package.id).limit(page.limit + 1)
    if not actor.is_staff:
        query = query.where(Package.provider_id == actor.provider_id)
    if status is not None:
        query = query.where(Package.status == status)
    if provider_id is not None:
        query = query.where(Package.provider_id == provider_id)
    if referral_id is not None:
        query = query.where(Package.referral_id == referral_id)
    if page.cursor:
        query = query.where(Package.id > uuid.UUID(str(page.cursor[0])))
    rows = list(await session.scalars(query))
    records = await load_many(session, packages=rows[: page.limit])
    shown = await views_for(session, records, actor=actor, today=today, calendar=calendar)
    await record_audit(session, actor=actor, action="package.listed", entity_type="package", entity_id="list",
                       after=[str(item.id) for item in shown])
    return shown, rows


async def change(
    session: AsyncSession, *, actor: Principal, package_id: uuid.UUID, data: ChangeIn, calendar: Calendar
) -> PackageRecord:
    breach = None if data.visits is None else short_visit_breach(data.visits, data.short_visit_justification)
    if breach is not None:
        raise ShortVisitRefused("; ".join(breach.reasons()))
    record = await load(session, package_id=package_id, for_update=True)
    domain.check_change(status=record.package.status, effective_from=data.effective_from,
                        latest_term_from=record.term.effective_from)
    before = _audit_view(record)
    visits = record.visits if data.visits is None else data.visits
    health = record.term.health_share_percent if data.health_share_percent is None else data.health_share_percent
    if data.effective_from == record.term.effective_from:
        term = record.term
    else:
        record.term.effective_to = data.effective_from
        term = PackageTerm(package_id=package_id, effective_from=data.effective_from)
        session.add(term)
    term.schedule(visits)
    term.health_share_percent = health
    await session.flush()
    changed = PackageRecord(record.package, term, record.suspension)
    await _publish(session, actor=actor, action="package.changed", before=before, record=changed,
                   effective_from=data.effective_from, calendar=calendar,
                   event=lambda facts: PackageChanged(package=facts))
    return changed


async def suspend(
    session: AsyncSession, *, actor: Principal, package_id: uuid.UUID, data: SuspendIn, calendar: Calendar
) -> PackageRecord:
    record = await load(session, package_id=package_id, for_update=True)
    domain.check_suspend(status=record.package.status, starts_on=data.starts_on,
                         start_on=record.package.start_on)
    before = _audit_view(record)
    suspension = Suspension(package_id=package_id, starts_on=data.starts_on, reason=data.reason)
    session.add(suspension)
    record.package.status = PackageStatus.SUSPENDED
    await session.flush()
    suspended = PackageRecord(record.package, record.term, suspension)
    await _publish(session, actor=actor, action="package.suspended", before=before, record=suspended,
                   effective_from=data.starts_on, calendar=calendar,
                   event=lambda facts: PackageSuspended(package=facts, reason=data.reason))
    return suspended


async def resume(
    session: AsyncSession, *, actor: Principal, package_id: uuid.UUID, data: ResumeIn, calendar: Calendar
) -> PackageRecord:
    record = await load(session, package_id=package_id, for_update=True)
    suspension = record.suspension
    domain.check_resume(status=record.package.status, on=data.on,
                        suspended_from=suspension.starts_on if suspension else data.on)
    assert suspension is not None
    before = _audit_view(record)
    suspension.ends_on = data.on - timedelta(days=1)
    record.package.status = PackageStatus.ACTIVE
    await session.flush()
    resumed = PackageRecord(record.package, record.term, None)
    await _publish(session, actor=actor, action="package.resumed", before=before, record=resumed,
                   effective_from=data.on, calendar=calendar, event=lambda facts: PackageResumed(package=facts))
    return resumed


async def end(
    session: AsyncSession, *, actor: Principal, package_id: uuid.UUID, data: EndIn, calendar: Calendar
) -> PackageRecord:
    record = await load(session, package_id=package_id, for_update=True)
    suspension = record.suspension
    domain.check_end(status=record.package.status, on=data.on, start_on=record.package.start_on,
                     suspended_from=suspension.starts_on if suspension else None)
    before = _audit_view(record)
    if suspension is not None:
        suspension.ends_on = data.on
    record.package.status, record.package.end_on = PackageStatus.ENDED, data.on
    await session.flush()
    ended = PackageRecord(record.package, record.term, None)
    await _publish(session, actor=actor, action="package.ended", before=before, record=ended,
                   effective_from=data.on, calendar=calendar,
                   event=lambda facts: PackageEnded(package=facts, reason=data.reason))
    return ended
