"""`POST /api/v1/providers/import`: CQC location documents (JSON) or the CQC care directory (CSV)."""

from typing import Any

from fastapi import APIRouter, Request

from services.providers.deps import CommissionerPrincipal
from services.providers.imports.reading import UnreadableBody
from services.providers.imports.records import import_records
from services.providers.imports.service import ImportReport, import_locations
from services.providers.settings import ProvidersSettings
from shared.errors import Forbidden, Unauthorized, problem_responses
from shared.imports import PayloadTooLarge, UnreadableImport, UnsupportedMediaType, import_format

router = APIRouter(prefix="/api/v1/providers", tags=["providers"])
BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {"schema": {"oneOf": [{"type": "object"}, {"type": "array", "items": {"type": "object"}}]},
                             "example": {"locationId": "1-000000001", "providerId": "1-100000001",
                                         "name": "Oakham Home Care", "registrationStatus": "Registered",
                                         "postalCode": "LE15 6AA", "localAuthority": "Rutland",
                                         "specialisms": [{"name": "Dementia"}],
                                         "currentRatings": {"overall": {"rating": "Good",
                                                                        "reportDate": "2026-03-01"}}}},
        "text/csv": {"schema": {"type": "string"},
                     "example": "Name,Postcode,Service types,Specialisms/services,Provider name,Local authority,"
                                "CQC Location ID (for office use only),CQC Provider ID (for office use only)\n"},
    },
}


@router.post("/import", response_model=ImportReport, openapi_extra={"requestBody": BODY},
             responses=problem_responses(Unauthorized, Forbidden, UnreadableImport, UnsupportedMediaType,
                                         PayloadTooLarge))
async def import_providers(request: Request, actor: CommissionerPrincipal) -> ImportReport:
    """Bulk import of providers and their regulator's ratings: CQC location documents (JSON) or the CQC
    care directory (CSV), keyed by CQC location id; or the Care Inspectorate's datastore CSV (Scotland,
    care at home only, grades 1-6 by key question), keyed by CS number. The same record twice updates,
    never duplicates. The body is streamed and committed in batches; each row is reported as created,
    updated, rejected or skipped (with the reason)."""
    form = import_format(request.headers.get("content-type"))
    settings: ProvidersSettings = request.app.state.settings
    records = import_records(request.stream(), form=form, max_json_bytes=settings.import_max_json_bytes)
    try:
        return await import_locations(request.app.state.db, records, actor=actor, clock=request.app.state.clock,
                                      batch_rows=settings.import_batch_rows,
                                      on_batch=lambda _rows: request.app.state.events.wake_relay())
    except UnreadableBody as exc:
        raise UnreadableImport(str(exc)) from None
