"""The published contract as it stands: the gateway's OpenAPI document and the JSON schema of every event
of `shared/contracts`. `tests/test_contracts_unchanged.py` compares them with the snapshots kept in
`tests/snapshots/`, so a refactoring that changes the API or an event by accident fails.

After an intended change of the contract, write the snapshots again and review their diff:

    .venv/bin/python -m tests.contract_snapshots
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import shared.contracts.brokerage
import shared.contracts.packages
import shared.contracts.providers
import shared.contracts.quality  # noqa: F401  (every contract module registers its events on import)
from shared.events.envelope import registry
from tests.harness import Backend, migrate_backend, running_suite

SNAPSHOTS = Path(__file__).parent / "snapshots"
OPENAPI_SNAPSHOT = SNAPSHOTS / "openapi.json"
EVENTS_SNAPSHOT = SNAPSHOTS / "events.json"


def event_schemas() -> dict[str, Any]:
    """Every published event's payload schema, by its stable name."""
    models = (registry.model_for(name) for name in registry.names())
    return {model.event_type: model.model_json_schema() for model in models
            if model.__module__.startswith("shared.contracts.")}


async def openapi_document(backend: Backend) -> dict[str, Any]:
    """`GET /openapi.json` of the gateway, with every service behind it."""
    async with running_suite(backend) as suite:
        answer = await suite.http.get("/openapi.json")
    assert answer.status_code == 200, answer.text
    document: dict[str, Any] = answer.json()
    return document


def as_text(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=1, sort_keys=True) + "\n"


async def _write() -> None:
    folder = Path(tempfile.mkdtemp(prefix="suite-snapshot-"))
    try:
        backend = Backend(name="embedded", data_dir=folder)
        await migrate_backend(backend)
        SNAPSHOTS.mkdir(exist_ok=True)
        OPENAPI_SNAPSHOT.write_text(as_text(await openapi_document(backend)))
        EVENTS_SNAPSHOT.write_text(as_text(event_schemas()))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(_write())
