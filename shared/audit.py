"""The audit log every service keeps of changes and of reads of a person's record: who, what, when,
before and after. Entries hold identifiers and field values of the service's own records; the
caller passes only what the record holds (pseudonymous references, never names)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text, insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.db import UtcDateTime
from shared.observability import request_id_var

SYSTEM_ACTOR = "system"


def audit_table(metadata: MetaData) -> Table:
    return Table(
        "audit_log",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("at", UtcDateTime, nullable=False),
        Column("actor", String(100), nullable=False),
        Column("actor_roles", String(200), nullable=False, default=""),
        Column("action", String(100), nullable=False),
        Column("entity_type", String(100), nullable=False),
        Column("entity_id", String(100), nullable=False),
        Column("before", Text, nullable=True),
        Column("after", Text, nullable=True),
        Column("request_id", String(100), nullable=True),
        Index("ix_audit_log_entity", "entity_type", "entity_id"),
    )


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=str, sort_keys=True)


@dataclass(frozen=True)
class AuditEntry:
    action: str
    entity_type: str
    entity_id: object
    before: Any = None
    after: Any = None


async def record_audit(
    session: AsyncSession,
    *,
    actor: Principal | None,
    action: str,
    entity_type: str,
    entity_id: object,
    before: Any = None,
    after: Any = None,
) -> None:
    """Writes one audit entry in the caller's transaction (so it exists exactly when the change does)."""
    await record_audits(session, actor=actor, entries=[
        AuditEntry(action=action, entity_type=entity_type, entity_id=entity_id, before=before, after=after)])


async def record_audits(session: AsyncSession, *, actor: Principal | None, entries: Sequence[AuditEntry]) -> None:
    """Writes `entries` in one multi-row insert, in the caller's transaction."""
    if not entries:
        return
    table: Table = session.info["audit_table"]
    now, request_id = datetime.now(UTC), request_id_var.get()
    await session.execute(insert(table), [{
        "at": now,
        "actor": actor.subject if actor else SYSTEM_ACTOR,
        "actor_roles": ",".join(sorted(actor.roles)) if actor else "",
        "action": entry.action,
        "entity_type": entry.entity_type,
        "entity_id": str(entry.entity_id),
        "before": _json(entry.before),
        "after": _json(entry.after),
        "request_id": request_id,
    } for entry in entries])
