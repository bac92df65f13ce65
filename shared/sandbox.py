"""A sandbox service's own clock, set by the gateway (`POST /api/v1/sandbox/clock`, admins) on every
service so they all stand at the same moment. Mounted only on a service running on a `SandboxClock`;
outside `/api/v1`, so the gateway never forwards a caller here."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from shared.auth import Principal, Role, require_roles
from shared.clock import SandboxClock
from shared.errors import Conflict

router = APIRouter(prefix="/sandbox", include_in_schema=False)
AdminPrincipal = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


class ClockStanding(BaseModel):
    now: datetime
    offset_seconds: int = Field(ge=0, description="How far the sandbox's clock stands ahead of real time")


class ClockMove(BaseModel):
    offset_seconds: int = Field(ge=0)


def _clock(request: Request) -> SandboxClock:
    clock = request.app.state.clock
    assert isinstance(clock, SandboxClock)
    return clock


def standing(clock: SandboxClock) -> ClockStanding:
    return ClockStanding(now=clock.now(), offset_seconds=int(clock.offset.total_seconds()))


@router.get("/clock", response_model=ClockStanding)
async def show_clock(request: Request, _admin: AdminPrincipal) -> ClockStanding:
    return standing(_clock(request))


@router.put("/clock", response_model=ClockStanding)
async def move_clock(request: Request, move: ClockMove, _admin: AdminPrincipal) -> ClockStanding:
    clock = _clock(request)
    try:
        clock.move_to(timedelta(seconds=move.offset_seconds))
    except ValueError as refused:
        raise Conflict(str(refused)) from None
    return standing(clock)
