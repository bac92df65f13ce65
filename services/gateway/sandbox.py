"""A sandbox for integrators (`SUITE_SANDBOX=1`): an admin moves the suite's clock forward, so offers
pass their deadlines and invoice periods end without waiting weeks. The gateway keeps no clock of its own
for this (the tokens it signs keep real time): it asks every service where its clock stands and sets them
all to the same offset, the furthest one's plus the step, so a restarted service catches up."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from services.gateway.deps import AdminPrincipal
from shared.errors import Forbidden, NotFound, ServiceUnavailable, Unauthorized, problem_responses
from shared.sandbox import ClockMove, ClockStanding

router = APIRouter(prefix="/api/v1/sandbox", tags=["sandbox"],
                   responses=problem_responses(Unauthorized, Forbidden, NotFound, ServiceUnavailable))
MAX_STEP_MINUTES = 366 * 24 * 60


class ClockAdvance(BaseModel):
    advance_by_minutes: int = Field(gt=0, le=MAX_STEP_MINUTES, examples=[180],
                                    description="How far to move every service's clock forward")


def _upstreams(request: Request) -> dict[str, httpx.AsyncClient]:
    if not request.app.state.settings.sandbox:
        raise NotFound("This deployment is not a sandbox (SUITE_SANDBOX=1 makes one).")
    upstreams: dict[str, httpx.AsyncClient] = request.app.state.upstreams
    return upstreams


async def _ask(name: str, client: httpx.AsyncClient, request: Request, move: ClockMove | None) -> ClockStanding:
    headers = {"Authorization": request.headers.get("authorization", "")}
    try:
        answer = await (client.get("/sandbox/clock", headers=headers) if move is None
                        else client.put("/sandbox/clock", headers=headers, json=move.model_dump()))
    except httpx.TransportError:
        raise ServiceUnavailable(f"The {name} service cannot be reached.") from None
    if answer.status_code == 404:
        raise ServiceUnavailable(f"The {name} service is not running as a sandbox (SUITE_SANDBOX=1).")
    answer.raise_for_status()
    return ClockStanding.model_validate(answer.json())


async def _standings(request: Request, move: ClockMove | None = None) -> list[ClockStanding]:
    upstreams = _upstreams(request)
    return list(await asyncio.gather(*(_ask(name, client, request, move) for name, client in upstreams.items())))


@router.get("/clock", response_model=ClockStanding)
async def show_clock(request: Request, _admin: AdminPrincipal) -> ClockStanding:
    """Where the sandbox's clock stands: the furthest service's."""
    return max(await _standings(request), key=lambda standing: standing.offset_seconds)


@router.post("/clock", response_model=ClockStanding)
async def advance_clock(request: Request, step: ClockAdvance, _admin: AdminPrincipal) -> ClockStanding:
    """Moves every service's clock forward by the step; offers past their deadline expire and periods end
    at the services' next look (seconds)."""
    furthest = max(standing.offset_seconds for standing in await _standings(request))
    moved = await _standings(request, ClockMove(offset_seconds=furthest + step.advance_by_minutes * 60))
    return max(moved, key=lambda standing: standing.offset_seconds)
