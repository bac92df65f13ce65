"""The tables every service keeps beside its own: outbox and inbox, audit log, idempotency keys."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import MetaData, Table

from shared.audit import audit_table
from shared.events.tables import EventTables, event_tables
from shared.idempotency import idempotency_table


@dataclass(frozen=True)
class InfraTables:
    events: EventTables
    audit: Table
    idempotency: Table

    def session_info(self, service: str) -> dict[str, object]:
        """What `record_event`, `record_audit` and the idempotency store find on every session."""
        return {"service": service, "event_tables": self.events, "audit_table": self.audit,
                "idempotency_table": self.idempotency}


def infra_tables(metadata: MetaData) -> InfraTables:
    return InfraTables(events=event_tables(metadata), audit=audit_table(metadata),
                       idempotency=idempotency_table(metadata))
