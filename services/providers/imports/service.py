"""Bulk import of CQC locations: keyed by `cqc_location_id` (the same document twice updates, never
duplicates), committed a batch at a time so a big file neither sits in memory nor holds one huge
transaction. Every created or changed provider is audited and emits its event, like an API change:
a new location `providers.provider.registered.v1` (then `.rated.v1` when it carries a rating), a known
one `providers.provider.changed.v1` when its details changed and `.rated.v1` when its rating is new.
Skills and client groups from CQC specialisms are added to what the council recorded, never removed.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.providers.imports.cqc import ImportedGrades, ImportedLocation, RowRejected, RowSkipped
from services.providers.imports.reading import UnreadableBody
from services.providers.registry import domain
from services.providers.registry.models import Provider, Rating
from services.providers.registry.repository import ProviderView, load_views, rating_state
from services.providers.registry.service import Change, describe_change
from shared.audit import AuditEntry, record_audits
from shared.auth import Principal
from shared.clock import Clock
from shared.contracts.common import Regulator
from shared.contracts.providers import ProviderChanged, ProviderRated, ProviderRegistered
from shared.db import Database
from shared.events.outbox import record_events

ImportRecord = tuple[int, ImportedLocation | RowRejected, str | None]
"""(row number from 1, the location read or why it was refused, the location id it carried)"""
ACTION = "provider.imported"
ID_COLUMNS = {Regulator.CQC: Provider.cqc_location_id, Regulator.CARE_INSPECTORATE: Provider.care_inspectorate_id}


class RejectedRow(BaseModel):
    row: int = Field(description="Position of the record in the file, the first location being 1")
    location_id: str | None
    reason: str


class ImportReport(BaseModel):
    created: int = 0
    updated: int = Field(default=0, description="Locations already in the registry (changed or not)")
    rejected: list[RejectedRow] = Field(default_factory=list)
    skipped: list[RejectedRow] = Field(
        default_factory=list, description="Records the registry does not keep (not care at home; gone from the "
                                          "regulator's register), with why")


async def import_locations(
    database: Database,
    records: AsyncIterator[ImportRecord],
    *,
    actor: Principal | None,
    clock: Clock,
    batch_rows: int,
    on_batch: Callable[[int], None] = lambda _rows: None,
) -> ImportReport:
    """Imports every record, committing each batch of `batch_rows`; `on_batch(rows)` after each commit.

    An unreadable body before the first record is refused whole (nothing written); one that breaks off
    later ends the import there, reported as a rejected row after the batches already committed.
    """
    report, seen = ImportReport(), 0
    batch: list[ImportedLocation] = []
    try:
        async for row, location, location_id in records:
            seen = row
            if isinstance(location, RowSkipped):
                report.skipped.append(RejectedRow(row=row, location_id=location_id, reason=str(location)))
            elif isinstance(location, RowRejected):
                report.rejected.append(RejectedRow(row=row, location_id=location_id, reason=str(location)))
            else:
                batch.append(location)
            if len(batch) >= batch_rows:
                await _commit_batch(database, batch, report, actor=actor, now=clock.now(), on_batch=on_batch)
    except UnreadableBody as exc:
        if seen == 0:
            raise
        report.rejected.append(RejectedRow(row=seen + 1, location_id=None, reason=str(exc)))
    await _commit_batch(database, batch, report, actor=actor, now=clock.now(), on_batch=on_batch)
    return report


async def _commit_batch(
    database: Database, batch: list[ImportedLocation], report: ImportReport, *, actor: Principal | None,
    now: datetime, on_batch: Callable[[int], None],
) -> None:
    if not batch:
        return
    async with database.sessionmaker() as session, session.begin():
        changes = await _apply(session, batch, report, actor=actor, now=now)
        await _record(session, changes, actor=actor)
    on_batch(len(batch))
    batch.clear()


async def _apply(
    session: AsyncSession, batch: list[ImportedLocation], report: ImportReport, *, actor: Principal | None,
    now: datetime,
) -> list[Change]:
    """Registers or updates each location of the batch in memory; returns the changes, in order."""
    by_location: dict[tuple[Regulator, str], ProviderView] = {}
    for regulator in {location.regulator for location in batch}:
        column = ID_COLUMNS[regulator]
        location_ids = {location.location_id for location in batch if location.regulator is regulator}
        known = {str(location_id): provider_id for location_id, provider_id in await session.execute(
            select(column, Provider.id).where(column.in_(location_ids)))}
        views = await load_views(session, list(known.values()), lock=True)
        by_location.update({(regulator, location_id): views[provider_id] for location_id, provider_id in known.items()})
    predecessors = await _predecessor_ratings(session, batch, by_location)
    changes: list[Change] = []
    ratings: list[Rating] = []
    for location in batch:
        view = by_location.get((location.regulator, location.location_id))
        if view is None:
            view = by_location[location.regulator, location.location_id] = _register(session, location, changes,
                                                                                     now=now)
            report.created += 1
        else:
            _update(view, location, changes, now=now)
            report.updated += 1
        if location.predecessor_id is not None:
            inherited = by_location.get((Regulator.CQC, location.predecessor_id))
            ratings.extend(_inherit(view, inherited.ratings if inherited else predecessors[location.predecessor_id],
                                    changes, actor=actor, now=now))
        ratings.extend(_rate(view, location, changes, actor=actor, now=now))
    await session.flush()  # providers first: the ratings refer to them
    session.add_all(ratings)
    return changes


async def _predecessor_ratings(
    session: AsyncSession, batch: list[ImportedLocation], loaded: dict[tuple[Regulator, str], ProviderView]
) -> dict[str, list[Rating]]:
    """The ratings of every predecessor the batch names (by CQC location id), not already loaded."""
    wanted = {location.predecessor_id for location in batch if location.predecessor_id is not None
              and (Regulator.CQC, location.predecessor_id) not in loaded}
    found: dict[str, list[Rating]] = {location_id: [] for location_id in wanted}
    if wanted:
        for rating, location_id in await session.execute(
                select(Rating, Provider.cqc_location_id).join(Provider, Rating.provider_id == Provider.id)
                .where(Provider.cqc_location_id.in_(wanted))):
            found[str(location_id)].append(rating)
    return found


def _details(location: ImportedLocation, provider: Provider | None = None) -> dict[str, Any]:
    skills = set(provider.skills if provider else ()) | {skill.value for skill in location.skills}
    groups = set(provider.client_groups if provider else ()) | {group.value for group in location.client_groups}
    details = {"name": location.name, "status": location.status.value, "postcode": location.postcode,
               "local_authority": location.local_authority, "skills": sorted(skills), "client_groups": sorted(groups)}
    if location.regulator is Regulator.CQC:
        details["cqc_provider_id"] = location.cqc_provider_id
    return details


def _register(session: AsyncSession, location: ImportedLocation, changes: list[Change], *,
              now: datetime) -> ProviderView:
    ids = {"cqc_location_id": None, "care_inspectorate_id": None, "cqc_provider_id": None,
           ID_COLUMNS[location.regulator].key: location.location_id}
    provider = Provider(id=uuid.uuid4(), branches=[], version=1, registered_at=now, updated_at=now,
                        **ids | _details(location))
    session.add(provider)
    view = ProviderView(provider)
    changes.append(describe_change(action=ACTION, view=view, before=None,
                                   make_event=lambda state: ProviderRegistered(provider=state)))
    return view


def _update(view: ProviderView, location: ImportedLocation, changes: list[Change], *, now: datetime) -> None:
    provider = view.provider
    details = _details(location, provider)
    if all(getattr(provider, name) == value for name, value in details.items()):
        return
    before = view.state()
    for name, value in details.items():
        setattr(provider, name, value)
    provider.version, provider.updated_at = provider.version + 1, now
    changes.append(describe_change(action=ACTION, view=view, before=before,
                                   make_event=lambda state: ProviderChanged(provider=state)))


def _rate(
    view: ProviderView, location: ImportedLocation, changes: list[Change], *, actor: Principal | None, now: datetime,
) -> list[Rating]:
    imported = location.rating
    if imported is None:
        return []
    details: dict[str, Any]
    if isinstance(imported, ImportedGrades):
        overall, details = domain.summarise_care_inspectorate(imported.grades).overall, dict(imported.grades)
    else:
        overall = imported.overall.value
        details = {name: value.value for name, value in imported.key_questions.items()}
    return _record_rating(view, Rating(regulator=location.regulator.value, overall=overall, details=details,
                                       published_on=imported.published_on), changes, actor=actor, now=now)


def _inherit(view: ProviderView, predecessor: list[Rating], changes: list[Change], *, actor: Principal | None,
             now: datetime) -> list[Rating]:
    """A re-registered location with no ratings yet keeps its predecessor's history (each rating copied,
    oldest first, each with its event)."""
    if view.ratings:
        return []
    copied: list[Rating] = []
    for rating in sorted(predecessor, key=lambda each: each.published_on):
        copied.extend(_record_rating(view, Rating(regulator=rating.regulator, overall=rating.overall,
                                                  details=dict(rating.details), published_on=rating.published_on),
                                     changes, actor=actor, now=now))
    return copied


def _record_rating(view: ProviderView, rating: Rating, changes: list[Change], *, actor: Principal | None,
                   now: datetime) -> list[Rating]:
    """A rating already recorded by that regulator for that publication date is the same report: nothing to do."""
    if any(each.regulator == rating.regulator and each.published_on == rating.published_on for each in view.ratings):
        return []
    before = view.state()
    provider = view.provider
    rating.id, rating.provider_id, rating.recorded_at = uuid.uuid4(), provider.id, now
    rating.recorded_by = actor.subject if actor else None
    view.ratings.append(rating)
    provider.version, provider.updated_at = provider.version + 1, now
    recorded = rating_state(rating)
    assert recorded is not None
    changes.append(describe_change(action="provider.rated", view=view, before=before,
                                   make_event=lambda state: ProviderRated(provider=state, rating=recorded),
                                   change={"rating": recorded.model_dump(mode="json")}))
    return [rating]


async def _record(session: AsyncSession, changes: list[Change], *, actor: Principal | None) -> None:
    """The batch's audit entries and outbox rows, one multi-row INSERT each: one at a time they would be
    most of the cost of a large import."""
    await record_audits(session, actor=actor, entries=[
        AuditEntry(action=change.action, entity_type="provider", entity_id=change.provider_id,
                   before=change.before, after=change.after) for change in changes])
    await record_events(session, [change.event for change in changes])
