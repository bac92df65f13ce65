"""`POST /api/v1/referrals/import`: placements already made, as JSON or CSV."""

from typing import Any

from fastapi import APIRouter, Request

from services.brokerage.deps import PlacementImporter, SettingsDep
from services.brokerage.imports import service
from services.brokerage.imports.domain import CSV_COLUMNS
from services.brokerage.imports.exceptions import TooManyPlacements
from services.brokerage.imports.reading import document_placements
from services.brokerage.imports.schemas import EXAMPLE_PLACEMENT, PlacementIn, PlacementsReport
from shared.clock import ClockDep
from shared.errors import Forbidden, Unauthorized, problem_responses
from shared.imports import PayloadTooLarge, UnreadableImport, UnsupportedMediaType, import_format, read_limited

router = APIRouter(prefix="/api/v1/referrals", tags=["referrals"])
PLACEMENT_SCHEMA = PlacementIn.model_json_schema(ref_template="#/components/schemas/{model}")
PLACEMENT_SCHEMA.pop("$defs", None)
BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {"type": "object", "required": ["placements"],
                       "properties": {"placements": {"type": "array", "items": PLACEMENT_SCHEMA}}},
            "example": {"placements": [EXAMPLE_PLACEMENT]},
        },
        "text/csv": {
            "schema": {"type": "string", "description": "One row per placement under a header row naming the "
                                                        "columns; see docs/brokerage.md"},
            "example": ",".join(CSV_COLUMNS) + "\nPKG-000123,C-123,OAK,older_people,dementia,routine,2025-03-03,"
                       "5f0c6a9e-1d1b-4a8e-9a43-0d2f1f8f2c11,,0,mon 08:00 45; mon 18:00 30 2,,,\n",
        },
    },
}


@router.post("/import", response_model=PlacementsReport, openapi_extra={"requestBody": BODY},
             responses=problem_responses(Unauthorized, Forbidden, UnreadableImport, TooManyPlacements,
                                         UnsupportedMediaType, PayloadTooLarge))
async def import_placements(request: Request, actor: PlacementImporter, settings: SettingsDep,
                            clock: ClockDep) -> PlacementsReport:
    """Placements already made (a council's existing packages at go-live, an emergency placement arranged
    out of hours), keyed by `external_ref`: each new one becomes a placed referral (history `imported`)
    whose hours count against the provider's cap and whose package follows; one imported before is left
    unchanged or corrected. Rows breaking a rule are reported and change nothing; the others are kept."""
    form = import_format(request.headers.get("content-type"))
    body = await read_limited(request.stream(), limit=settings.import_max_document_bytes,
                              instead="import the file with the command line")
    placements = document_placements(body, form=form, max_rows=settings.import_max_rows)
    now = clock.now()
    return await service.import_placements(request.app.state.db, placements, actor=actor, now=now,
                                           start_window=settings.import_start_window(now.date()),
                                           batch_rows=settings.import_batch_rows,
                                           on_batch=lambda _rows: request.app.state.events.wake_relay())
