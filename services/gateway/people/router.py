"""`/api/v1/people`: a person's whole record for a subject access request (JSON, or a zip archive), their
erasure on request, and the erasure report, for the data protection officer or an admin. Every request for
a record is audited (who asked, for whom, when, in which form), found or not, before the answer goes out."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status

from services.gateway.deps import OfficerPrincipal
from services.gateway.people.schemas import ErasureReport, ErasureStarted, PersonRecord
from services.gateway.people.service import (
    CareNotEnded,
    PersonNotFound,
    archive,
    archive_name,
    gather_erasures,
    gather_record,
    request_erasure,
)
from services.gateway.ratelimit import RateLimited
from shared.audit import record_audit
from shared.auth import Principal
from shared.db import Database, SessionDep
from shared.errors import Forbidden, ServiceUnavailable, Unauthorized, problem_responses
from shared.personal import CLIENT_ENTITY, ClientRefPath

router = APIRouter(prefix="/api/v1/people", tags=["data protection"], dependencies=[RateLimited],
                   responses=problem_responses(Unauthorized, Forbidden, ServiceUnavailable))
ZIP = "application/zip"


def _wants_zip(request: Request, format_: str | None) -> bool:
    return format_ == "zip" or (format_ is None and ZIP in request.headers.get("accept", ""))


async def _audit_request(database: Database, *, actor: Principal, client_ref: str, form: str, found: bool) -> None:
    """In a transaction of its own, so a request that finds no one is audited too."""
    async with database.sessionmaker() as session, session.begin():
        await record_audit(session, actor=actor, action="person.record_requested", entity_type=CLIENT_ENTITY,
                           entity_id=client_ref, after={"format": form, "found": found})


@router.get("/erasures", response_model=ErasureReport)
async def erasures(request: Request, session: SessionDep, _officer: OfficerPrincipal) -> ErasureReport:
    """What every service erased past retention (counts by kind of record, never the erased values)."""
    return await gather_erasures(session, request.app.state.upstreams,
                                 authorization=request.headers["authorization"])


@router.get("/{client_ref:path}/record", response_model=PersonRecord,
            responses={200: {"content": {ZIP: {"schema": {"type": "string", "format": "binary"}}}},
                       **problem_responses(PersonNotFound)})
async def person_record(
    client_ref: ClientRefPath, request: Request, officer: OfficerPrincipal,
    format_: Annotated[Literal["json", "zip"] | None, Query(alias="format")] = None,
) -> Response:
    """Everything every service holds about the client reference; a zip archive (one JSON file per service
    and a manifest) with `Accept: application/zip` or `?format=zip`."""
    form = "zip" if _wants_zip(request, format_) else "json"
    try:
        record = await gather_record(request.app.state.upstreams, client_ref=client_ref,
                                     authorization=request.headers["authorization"], now=request.app.state.clock.now())
    except PersonNotFound:
        await _audit_request(request.app.state.db, actor=officer, client_ref=client_ref, form=form, found=False)
        raise
    await _audit_request(request.app.state.db, actor=officer, client_ref=client_ref, form=form, found=True)
    if form == "zip":
        return Response(archive(record, requested_by=officer.subject), media_type=ZIP,
                        headers={"Content-Disposition": f'attachment; filename="{archive_name(client_ref)}"'})
    return Response(record.model_dump_json(), media_type="application/json")


@router.post("/{client_ref:path}/erasure", status_code=status.HTTP_202_ACCEPTED, response_model=ErasureStarted,
             responses=problem_responses(PersonNotFound, CareNotEnded))
async def erase(client_ref: ClientRefPath, request: Request, _officer: OfficerPrincipal) -> ErasureStarted:
    """Erases the person now, as the retention job would, once every package of theirs has ended (409 before):
    packages at once (who asked is audited there), the other services as its event reaches them."""
    return await request_erasure(request.app.state.upstreams, client_ref=client_ref,
                                 authorization=request.headers["authorization"])
