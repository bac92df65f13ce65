"""What every service does for the data-protection duties (DOMAIN.md, "Personal data").

A subject access request asks each service for what it holds about a client reference; the service answers
its own rows (`as_record`) and the audit entries about them (`audit_about`), and audits that it was asked.
Erasure past retention keeps what the council must (money, providers, counts) and takes out the rest: the
client reference becomes a marker made from the erasure's own random id (`erasure_marker`: the records stay
linked to one another, no longer to the person), free text becomes `ERASED`, and the audit entries about
the erased records are rewritten the same way (`erase_from_audit`). Each service audits what it erased
(`record_erasure`), and that audit is the erasure report (`erasure_report`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.encoders import jsonable_encoder
from sqlalchemy import Table, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.audit import AuditEntry, record_audits
from shared.auth import Principal, Role, require_roles
from shared.db import SessionDep

ERASED = "[erased]"
"""What free text reads once erased."""
MARKER_PREFIX = "erased:"
CLIENT_ENTITY = "client"
RECORD_READ_ACTION = "person.record_read"
ERASURE_ACTION = "person.erased"
PEOPLE_ROLES = (Role.DPO, Role.ADMIN)

ClientRefPath = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$",
                                    description="A pseudonymous reference, never a name", examples=["C-123"])]
DataProtectionOfficer = Annotated[Principal, Depends(require_roles(*PEOPLE_ROLES))]
"""Who may read a person's whole record or the erasure report: the data protection officer, or an admin."""


def erasure_marker(erasure_id: uuid.UUID) -> str:
    """What stands for an erased client reference: from the erasure's random id, so it leads to no one."""
    return f"{MARKER_PREFIX}{erasure_id.hex}"


def is_erased(client_ref: str) -> bool:
    return client_ref.startswith(MARKER_PREFIX)


def as_record(row: object) -> dict[str, Any]:
    """Every column of an ORM row, as JSON would carry it (a subject access request answers all of it)."""
    state = inspect(row)
    record: dict[str, Any] = jsonable_encoder({column.key: getattr(row, column.key)
                                               for column in state.mapper.column_attrs},
                                              custom_encoder={Decimal: str})  # money exactly, never a float
    return record


def _audit_table(session: AsyncSession) -> Table:
    table: Table = session.info["audit_table"]
    return table


async def audit_about(session: AsyncSession, entity_ids: Collection[str]) -> list[dict[str, Any]]:
    """The audit entries about any of `entity_ids` (the client reference and its records' ids), oldest first."""
    table = _audit_table(session)
    if not entity_ids:
        return []
    rows = await session.execute(select(table).where(table.c.entity_id.in_(entity_ids)).order_by(table.c.id))
    return [jsonable_encoder({**row._mapping, "before": _parsed(row.before), "after": _parsed(row.after)})
            for row in rows]


def _parsed(value: str | None) -> Any:
    return None if value is None else json.loads(value)


async def record_subject_access(session: AsyncSession, *, actor: Principal, client_ref: str,
                                counts: Mapping[str, int]) -> None:
    """Audits that `actor` was given the person's record (how many of each kind of row, never their content)."""
    await record_audits(session, actor=actor, entries=[AuditEntry(
        action=RECORD_READ_ACTION, entity_type=CLIENT_ENTITY, entity_id=client_ref, after=dict(counts))])


def _scrubbed(value: Any, *, client_ref: str, marker: str, free_text: Collection[str]) -> Any:
    if isinstance(value, dict):
        return {key: ERASED if key in free_text and item else
                _scrubbed(item, client_ref=client_ref, marker=marker, free_text=free_text)
                for key, item in value.items()}
    if isinstance(value, list):
        return [_scrubbed(item, client_ref=client_ref, marker=marker, free_text=free_text) for item in value]
    return marker if value == client_ref else value


async def erase_from_audit(session: AsyncSession, *, entity_ids: Collection[str], client_ref: str, marker: str,
                           free_text: Collection[str]) -> int:
    """Rewrites the audit entries about the erased records: who did what and when stays; the client reference
    becomes `marker` and the values of the `free_text` fields `ERASED`. Returns how many entries changed."""
    table = _audit_table(session)
    rows = (await session.execute(select(table).where(
        table.c.entity_id.in_([*entity_ids, client_ref])))).all()
    changed = 0
    for row in rows:
        rewritten = {side: scrubbed_json(getattr(row, side), client_ref=client_ref, marker=marker,
                                      free_text=free_text) for side in ("before", "after")}
        entity_id = marker if row.entity_id == client_ref else row.entity_id
        if rewritten == {"before": row.before, "after": row.after} and entity_id == row.entity_id:
            continue
        await session.execute(update(table).where(table.c.id == row.id).values(entity_id=entity_id, **rewritten))
        changed += 1
    return changed


def scrubbed_json(value: str | None, *, client_ref: str, marker: str, free_text: Collection[str]) -> str | None:
    """JSON text with the client reference replaced by `marker` and the `free_text` fields' values `ERASED`."""
    if value is None:
        return None
    scrubbed = _scrubbed(json.loads(value), client_ref=client_ref, marker=marker, free_text=free_text)
    return json.dumps(scrubbed, default=str, sort_keys=True)


async def already_erased(session: AsyncSession, erasure_id: uuid.UUID) -> bool:
    """Whether this service has carried out the erasure already (an event published twice changes nothing)."""
    table = _audit_table(session)
    found = await session.scalar(select(table.c.id).where(
        table.c.action == ERASURE_ACTION, table.c.entity_id == str(erasure_id)).limit(1))
    return found is not None


async def record_erasure(session: AsyncSession, *, erasure_id: uuid.UUID, erased: Mapping[str, int]) -> None:
    """Audits what this service erased for one erasure (counts of rows changed, by kind)."""
    await record_audits(session, actor=None, entries=[AuditEntry(
        action=ERASURE_ACTION, entity_type="erasure", entity_id=erasure_id, after=dict(erased))])


async def erasure_report(session: AsyncSession) -> list[dict[str, Any]]:
    """Every erasure this service made, oldest first: when, which erasure, and what it erased."""
    table = _audit_table(session)
    rows = await session.execute(select(table.c.at, table.c.entity_id, table.c.after)
                                 .where(table.c.action == ERASURE_ACTION).order_by(table.c.id))
    return [jsonable_encoder({"at": row.at, "erasure_id": row.entity_id, "erased": _parsed(row.after)})
            for row in rows]


Sections = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class Person:
    """Whom a subject access request is about: the client reference, and the person's packages as packages
    knows them (all that a service naming only packages can go by)."""

    client_ref: str
    package_ids: list[uuid.UUID]


RecordGatherer = Callable[[AsyncSession, Person], Awaitable[Sections]]
"""A service's gathering of what it holds about a person: its rows by kind, "audit" among them."""


def people_router(gather: RecordGatherer) -> APIRouter:
    """The internal calls the gateway makes of a service (not in the public API): the person's record
    (audited when there was something to give) and the service's erasure report."""
    router = APIRouter(prefix="/internal/people", include_in_schema=False)

    @router.get("/erasures")
    async def erasures(session: SessionDep, _officer: DataProtectionOfficer) -> dict[str, Any]:
        return {"erasures": await erasure_report(session)}

    @router.get("/{client_ref:path}/record")
    async def record(client_ref: ClientRefPath, session: SessionDep, actor: DataProtectionOfficer,
                     package_id: Annotated[list[uuid.UUID], Query()] = []) -> dict[str, Any]:  # noqa: B006
        sections = await gather(session, Person(client_ref=client_ref, package_ids=package_id))
        counts = {name: len(rows) for name, rows in sections.items() if name != "audit"}
        found = any(counts.values())
        if found:
            await record_subject_access(session, actor=actor, client_ref=client_ref, counts=counts)
        return {"found": found, **sections}

    return router


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (28 February for a 29th in a year without one)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)
