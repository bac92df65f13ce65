"""Asking each service for its part of a person's record or its erasures: over the gateway's own clients
to them (each service owns its data and answers from its own database), with the caller's token, which
each service checks again. A service that cannot answer fails the whole request (503): a subject access
request answered in part would look complete."""

from __future__ import annotations

import asyncio
import io
import json
import re
import zipfile
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.people.schemas import ErasureReport, ErasureStarted, PersonRecord, ServiceErasure
from shared.errors import Conflict, NotFound, ServiceUnavailable
from shared.observability import request_id_var
from shared.personal import erasure_report

HOLDERS = ("brokerage", "packages", "quality")
"""The services holding something about people (providers holds providers only)."""
AUDIT_SECTION = "audit"


class PersonNotFound(NotFound):
    title = "No service holds anything about that client reference"


class CareNotEnded(Conflict):
    title = "The person's care has not ended"


async def _call(upstreams: Mapping[str, httpx.AsyncClient], service: str, method: str, path: str, *,
                authorization: str, params: Mapping[str, Any] | None = None) -> httpx.Response:
    client = upstreams.get(service)
    if client is None:
        raise ServiceUnavailable(f"The {service} service is not configured at this gateway.")
    headers = {"authorization": authorization, "x-request-id": request_id_var.get() or ""}
    try:
        return await client.request(method, path, params=params, headers=headers)
    except httpx.TransportError:
        raise ServiceUnavailable(f"The {service} service cannot be reached.") from None


async def _ask(upstreams: Mapping[str, httpx.AsyncClient], service: str, path: str, *, authorization: str,
               params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    answer = await _call(upstreams, service, "GET", path, authorization=authorization, params=params)
    if answer.status_code != 200:
        raise ServiceUnavailable(f"The {service} service did not answer ({answer.status_code}).")
    body: dict[str, Any] = answer.json()
    return body


def _person_path(client_ref: str, what: str) -> str:
    return f"/internal/people/{quote(client_ref, safe='')}/{what}"


async def gather_record(upstreams: Mapping[str, httpx.AsyncClient], *, client_ref: str, authorization: str,
                        now: datetime) -> PersonRecord:
    """Brokerage and packages by the client reference (side by side), then quality by the person's packages."""
    path = _person_path(client_ref, "record")
    by_reference = ("brokerage", "packages")
    answers = dict(zip(by_reference, await asyncio.gather(
        *(_ask(upstreams, service, path, authorization=authorization) for service in by_reference)), strict=True))
    package_ids = [row["id"] for row in answers["packages"]["packages"]]
    answers["quality"] = await _ask(upstreams, "quality", path, authorization=authorization,
                                    params={"package_id": package_ids})
    found = [answer.pop("found") for answer in answers.values()]
    if not any(found):
        raise PersonNotFound("No service holds anything about that client reference.")
    return PersonRecord(client_ref=client_ref, gathered_at=now, services=answers)


async def gather_erasures(session: AsyncSession, upstreams: Mapping[str, httpx.AsyncClient], *,
                          authorization: str) -> ErasureReport:
    """The gateway's own erasures (its audit of record requests) and every holder's."""
    items = [ServiceErasure(service="gateway", **each) for each in await erasure_report(session)]
    for service in HOLDERS:
        answer = await _ask(upstreams, service, "/internal/people/erasures", authorization=authorization)
        items += [ServiceErasure(service=service, **each) for each in answer["erasures"]]
    return ErasureReport(items=sorted(items, key=lambda each: (each.at, each.erasure_id, each.service)))


async def request_erasure(upstreams: Mapping[str, httpx.AsyncClient], *, client_ref: str,
                          authorization: str) -> ErasureStarted:
    """Packages erases its part now (care must have ended) and publishes that the others' is due."""
    answer = await _call(upstreams, "packages", "POST", _person_path(client_ref, "erasure"),
                         authorization=authorization)
    if answer.status_code == 404:
        raise PersonNotFound("Packages holds nothing about that client reference.")
    if answer.status_code == 409:
        raise CareNotEnded(answer.json().get("detail", ""))
    if answer.status_code != 201:
        raise ServiceUnavailable(f"The packages service did not answer ({answer.status_code}).")
    return ErasureStarted(erasure_id=answer.json()["erasure_id"])


def counts(record: PersonRecord) -> dict[str, dict[str, int]]:
    return {service: {kind: len(rows) for kind, rows in sections.items()}
            for service, sections in record.services.items()}


def archive(record: PersonRecord, *, requested_by: str) -> bytes:
    """A zip of one JSON file per service and `manifest.json` saying what each holds and who asked when."""
    manifest = {"client_ref": record.client_ref, "gathered_at": record.gathered_at.isoformat(),
                "requested_by": requested_by,
                "files": {f"{service}.json": rows for service, rows in counts(record).items()}}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True))
        for service, sections in record.services.items():
            bundle.writestr(f"{service}.json", json.dumps(sections, indent=2, sort_keys=True, default=str))
    return buffer.getvalue()


def archive_name(client_ref: str) -> str:
    """A file name from the reference (characters a file system might refuse replaced)."""
    return f"record-{re.sub(r'[^A-Za-z0-9._-]', '_', client_ref)}.zip"
