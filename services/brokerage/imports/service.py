"""The placements import: placements already made become placed referrals, keyed by the council's
`external_ref` (importing one again corrects it, never duplicates it).

Rows are checked as they are read (the schema, the NICE short-visit rule, the start date, a key used
twice in the file), then committed a batch at a time, each batch looking up what it needs (referrals
already imported, providers, areas, hours placed) in a few queries rather than one per row, so a file
of tens of thousands of rows neither sits in memory nor holds one huge transaction. A rejected row
changes nothing; the others are kept. The referral's lifecycle places or corrects them (the same owner
as for a referral sourced here), each audited and its event written to the outbox in its batch's
transaction: `brokerage.referral.placed.v1` (imported) for a new placement,
`brokerage.placement.corrected.v1` for a corrected one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage.imports.domain import (
    CORRECTABLE_FIELDS,
    cap_warning,
    changed_fields,
    move_refusal,
    new_placement_refusal,
)
from services.brokerage.imports.reading import RawPlacement
from services.brokerage.imports.schemas import PlacementIn, PlacementsReport, PlacementWarning, RejectedPlacement
from services.brokerage.readmodel.service import COUNTED_PLACEMENTS, known_area_codes, placed_hours, provider_states
from services.brokerage.referrals import lifecycle, repository
from services.brokerage.referrals.domain import (
    FieldProblem,
    imported_start_problems,
    problems_text,
    short_visit_problems,
)
from services.brokerage.referrals.lifecycle import Correction, ImportedPlacement
from services.brokerage.referrals.models import Placement, Referral
from services.brokerage.referrals.service import audit_view, referral_fields
from shared.audit import AuditEntry, record_audits
from shared.auth import Principal
from shared.contracts.providers import ProviderState
from shared.db import Database
from shared.imports import UnreadableImport

ATTEMPTS = 3
"""A batch that lost a race for an external_ref to an import running at the same moment is applied
again (it then finds that referral); this many times at most."""


@dataclass(frozen=True, slots=True)
class CheckedRow:
    row: int
    placement: PlacementIn


@dataclass
class Batch:
    """What one batch knows (loaded in a few queries), and what it will write and report."""

    existing: dict[str, tuple[Referral, Placement | None]]
    providers: dict[uuid.UUID, ProviderState]
    areas: set[str]
    hours: dict[tuple[uuid.UUID, str], Decimal]
    now: datetime
    report: PlacementsReport = field(default_factory=PlacementsReport)
    new: list[ImportedPlacement] = field(default_factory=list)
    corrections: list[tuple[Correction, dict[str, object]]] = field(default_factory=list)
    """Each with the referral's audit view before it."""

    def reject(self, checked: CheckedRow, problem: FieldProblem) -> None:
        self.report.rejected.append(RejectedPlacement(row=checked.row, external_ref=checked.placement.external_ref,
                                                reason=problems_text([problem])))


async def import_placements(
    database: Database,
    placements: Iterable[RawPlacement],
    *,
    actor: Principal,
    now: datetime,
    start_window: tuple[date, date],
    batch_rows: int,
    on_batch: Callable[[int], None] = lambda _rows: None,
) -> PlacementsReport:
    """Imports every placement, committing each batch of `batch_rows`; `on_batch(rows)` after each commit.

    A document unreadable before its first placement is refused whole (nothing written); one that breaks
    off later ends the import there, reported as a rejected row after the batches already committed.
    """
    report, last_row = PlacementsReport(), 0
    seen: dict[str, int] = {}
    batch: list[CheckedRow] = []
    try:
        for raw in placements:
            last_row = raw.row
            checked = _check(raw, seen=seen, start_window=start_window)
            if isinstance(checked, RejectedPlacement):
                report.rejected.append(checked)
                continue
            batch.append(checked)
            if len(batch) >= batch_rows:
                await _commit_batch(database, batch, report, actor=actor, now=now, on_batch=on_batch)
    except UnreadableImport as exc:
        if last_row == 0:
            raise
        report.rejected.append(RejectedPlacement(row=last_row + 1, external_ref=None, reason=exc.detail))
    await _commit_batch(database, batch, report, actor=actor, now=now, on_batch=on_batch)
    report.rejected.sort(key=lambda each: each.row)
    report.warnings.sort(key=lambda each: each.row)
    return report


def _check(
    raw: RawPlacement, *, seen: dict[str, int], start_window: tuple[date, date]
) -> CheckedRow | RejectedPlacement:
    """The rules a row must meet whatever the database holds; `seen` keeps each key's first row."""
    if raw.problem is not None:
        return RejectedPlacement(row=raw.row, external_ref=raw.external_ref, reason=raw.problem)
    try:
        placement = PlacementIn.model_validate(raw.data)
    except ValidationError as exc:
        return RejectedPlacement(row=raw.row, external_ref=raw.external_ref, reason=_schema_reason(exc))
    first = seen.setdefault(placement.external_ref, raw.row)
    if first != raw.row:
        return RejectedPlacement(row=raw.row, external_ref=placement.external_ref,
                           reason=f"external_ref: {placement.external_ref} is also at row {first} of this file")
    earliest, latest = start_window
    problems = (short_visit_problems(placement.visits, placement.short_visit_justification)
                + imported_start_problems(placement.start_on, earliest=earliest, latest=latest))
    if problems:
        return RejectedPlacement(row=raw.row, external_ref=placement.external_ref, reason=problems_text(problems))
    return CheckedRow(row=raw.row, placement=placement)


def _schema_reason(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(part) for part in error['loc']) or 'placement'}: {error['msg']}"
                     for error in exc.errors())


async def _commit_batch(
    database: Database, batch: list[CheckedRow], report: PlacementsReport, *, actor: Principal, now: datetime,
    on_batch: Callable[[int], None],
) -> None:
    if not batch:
        return
    report.add(await _committed(database, batch, actor=actor, now=now))
    on_batch(len(batch))
    batch.clear()


async def _committed(
    database: Database, batch: list[CheckedRow], *, actor: Principal, now: datetime
) -> PlacementsReport:
    """The batch applied in one transaction. Two imports of one file at once both find an external_ref
    new; the unique constraint lets only one create it, and the other's batch, rolled back, is applied
    again and finds it (unchanged, or corrected)."""
    attempt = 1
    while True:
        try:
            async with database.sessionmaker() as session, session.begin():
                return await _apply(session, batch, actor=actor, now=now)
        except IntegrityError:
            if attempt == ATTEMPTS:
                raise
            attempt += 1


async def _apply(session: AsyncSession, rows: list[CheckedRow], *, actor: Principal, now: datetime) -> PlacementsReport:
    placements = [each.placement for each in rows]
    existing = await repository.imported_referrals(session, external_refs={each.external_ref for each in placements})
    provider_ids = {each.provider_id for each in placements}
    batch = Batch(existing=existing, providers=await provider_states(session, ids=provider_ids),
                  areas=await known_area_codes(session, codes={each.area for each in placements}),
                  hours=await placed_hours(session, provider_ids=provider_ids), now=now)
    for checked in rows:
        found = batch.existing.get(checked.placement.external_ref)
        if found is None:
            _create(batch, checked)
        else:
            _correct(batch, checked, *found)
    await lifecycle.place_imported(session, batch.new, now=now)
    await lifecycle.correct_imported(session, [each for each, _before in batch.corrections], now=now)
    await record_audits(session, actor=actor, entries=[
        *(AuditEntry(action="referral.imported", entity_type="referral", entity_id=each.referral.id,
                     after={**audit_view(each.referral), "external_ref": each.referral.external_ref})
          for each in batch.new),
        *(AuditEntry(action="referral.import_corrected", entity_type="referral", entity_id=each.referral.id,
                     before=before, after={**audit_view(each.referral), "changed": list(each.fields)})
          for each, before in batch.corrections)])
    return batch.report


def _create(batch: Batch, checked: CheckedRow) -> None:
    placement = checked.placement
    provider = batch.providers.get(placement.provider_id)
    refused = new_placement_refusal(area=placement.area, area_known=placement.area in batch.areas, provider=provider)
    if refused is not None:
        batch.reject(checked, refused)
        return
    assert provider is not None  # refused otherwise
    contract = next((each for each in provider.contracts if each.area == placement.area), None)
    referral = lifecycle.imported_referral(fields=referral_fields(placement), provider_id=provider.id,
                                           external_ref=placement.external_ref, now=batch.now)
    batch.new.append(ImportedPlacement(
        referral=referral, tier=placement.tier or (contract.tier if contract else None),
        detail=f"placed with the provider before it was recorded here, from {placement.start_on}: brought in by "
               f"the placements import ({placement.external_ref})"))
    _count_hours(batch, checked, provider_id=provider.id, added=referral.weekly_hours)
    batch.report.created += 1


def _correct(batch: Batch, checked: CheckedRow, referral: Referral, placement: Placement | None) -> None:
    """The same details again change nothing; other ones correct the referral, its hours and the package."""
    imported = checked.placement
    refused = move_refusal(external_ref=imported.external_ref, placed_with=referral.placed_with, area=referral.area,
                           provider_id=imported.provider_id, new_area=imported.area)
    if refused is not None:
        batch.reject(checked, refused)
        return
    fields = referral_fields(imported)
    changed = changed_fields({name: getattr(referral, name) for name in CORRECTABLE_FIELDS}, fields)
    if not changed:
        batch.report.unchanged += 1
        return
    batch.corrections.append((Correction(referral=referral, placement=placement,
                                         fields={name: fields[name] for name in changed},
                                         detail="updated by a later import: " + ", ".join(changed)),
                              audit_view(referral)))
    if placement is not None and placement.status in COUNTED_PLACEMENTS:
        _count_hours(batch, checked, provider_id=imported.provider_id,
                     added=fields["weekly_hours"] - referral.weekly_hours)
    batch.report.updated += 1


def _count_hours(batch: Batch, checked: CheckedRow, *, provider_id: uuid.UUID, added: Decimal) -> None:
    """Hours placed count at once; a row adding hours past the provider's cap in the area is imported all
    the same (the council already pays for it) and the report warns of it."""
    area = checked.placement.area
    placed = batch.hours[provider_id, area] = batch.hours.get((provider_id, area), Decimal(0)) + added
    provider = batch.providers.get(provider_id)
    if added <= 0 or provider is None:
        return
    cap = next((each.weekly_hours_cap for each in provider.contracts if each.area == area), None)
    warning = cap_warning(provider_name=provider.name, area=area, placed=placed, cap=cap)
    if warning is not None:
        batch.report.warnings.append(PlacementWarning(row=checked.row, external_ref=checked.placement.external_ref,
                                                   warning=warning))
