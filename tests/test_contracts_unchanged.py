"""The API and the events are what the snapshots say (`tests/contract_snapshots.py`): a change of the
published contract is made on purpose, with the snapshots written again, never by a refactoring."""

from __future__ import annotations

from tests.contract_snapshots import EVENTS_SNAPSHOT, OPENAPI_SNAPSHOT, as_text, event_schemas, openapi_document
from tests.harness import Backend


async def test_the_openapi_document_is_the_snapshot(embedded_backend: Backend) -> None:
    assert as_text(await openapi_document(embedded_backend)) == OPENAPI_SNAPSHOT.read_text()


def test_every_event_schema_is_the_snapshot() -> None:
    assert as_text(event_schemas()) == EVENTS_SNAPSHOT.read_text()
