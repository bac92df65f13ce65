"""The outbox and inbox tables, added to each service's own metadata."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, Integer, MetaData, String, Table, Text

from shared.db import UtcDateTime, partial_index


@dataclass(frozen=True)
class EventTables:
    outbox: Table
    inbox: Table


def event_tables(metadata: MetaData) -> EventTables:
    outbox = Table(
        "event_outbox",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("event_type", String(200), nullable=False),
        Column("body", Text, nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
        Column("published_at", UtcDateTime, nullable=True),
        partial_index("ix_event_outbox_unpublished", "id", where="published_at IS NULL"),
    )
    inbox = Table(
        "event_inbox",
        metadata,
        Column("event_id", String(36), primary_key=True),
        Column("event_type", String(200), nullable=False),
        Column("processed_at", UtcDateTime, nullable=False),
    )
    return EventTables(outbox=outbox, inbox=inbox)
